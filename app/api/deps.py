"""Dependencies: the services the lifespan made, reached from a request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from app.config import Settings
from app.runs import limits
from app.runs.service import RunService
from app.scenarios.registry import Catalog


def get_runs(request: Request) -> RunService:
    runs: RunService = request.app.state.runs
    return runs


def get_catalog(request: Request) -> Catalog:
    catalog: Catalog = request.app.state.catalog
    return catalog


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def client_key(
    request: Request,
    x_mpscope_client: Annotated[
        str | None,
        Header(
            max_length=limits.TOKEN_MAX_LENGTH,
            pattern=limits.TOKEN_PATTERN,
            description="The browser's own random token, so that browsers behind one address "
            "(a school's NAT) count as clients of their own. Not authentication: see docs/CLASSROOM.md.",
        ),
    ] = None,
) -> str:
    """Who is asking, for per-client limits: the peer address (uvicorn applies trusted
    proxy headers to it) and, when the page sends one, the browser's token. A malformed
    token is a 422 (FastAPI checks the pattern), never silently another client."""
    address = request.client.host if request.client else None
    return limits.client_key(address, x_mpscope_client)


Runs = Annotated[RunService, Depends(get_runs)]
CurrentSettings = Annotated[Settings, Depends(get_settings)]
Scenarios = Annotated[Catalog, Depends(get_catalog)]
Client = Annotated[str, Depends(client_key)]
