"""Dependencies: the services the lifespan made, reached from a request."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from app.config import Settings
from app.runs.service import RunService


def get_runs(request: Request) -> RunService:
    runs: RunService = request.app.state.runs
    return runs


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def client_key(request: Request) -> str:
    """Who is asking, for per-client limits: the peer address (uvicorn applies trusted
    proxy headers to it)."""
    return request.client.host if request.client else "unknown"


Runs = Annotated[RunService, Depends(get_runs)]
CurrentSettings = Annotated[Settings, Depends(get_settings)]
Client = Annotated[str, Depends(client_key)]
