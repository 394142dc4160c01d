"""The FastAPI application: ``create_app(settings)``; the lifespan owns the run service, the
archive of finished runs, the launcher and the explorations (app/explore)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app import __version__, api, errors, web
from app.api import openapi
from app.api.models import Health
from app.config import Settings
from app.explore.service import ExplorationService
from app.paths import STATIC
from app.runs.launcher import Launcher
from app.runs.service import RunService
from app.runs.store import FILENAME as STORE_FILE
from app.runs.store import RunStore, StoreError
from app.scenarios.registry import Catalog

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, runs: RunService | None = None) -> FastAPI:
    """The app; with ``runs``, it serves that service's runs (the trace and view commands
    own theirs, started and closed by them), else it makes and owns its own."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # What this server offers: the built-ins and MPSCOPE_SCENARIOS_DIR's programs.
        app.state.catalog = Catalog.load(settings.scenarios_dir)
        if runs is not None:
            app.state.runs = runs
            app.state.explorations = _explorations(settings, runs)
            try:
                yield
            finally:
                await app.state.explorations.close()
            return
        # Where finished runs are kept and how runs are launched: the embedded defaults.
        store = _open_store(settings)
        service = RunService(settings.run_limits(), settings.admission_limits(), store, Launcher())
        await service.start()
        app.state.runs = service
        app.state.explorations = _explorations(settings, service)
        try:
            yield
        finally:
            # The explorations first: they stop their runs and start no more.
            await app.state.explorations.close()
            await service.close()
            if store is not None:
                store.close()

    app = FastAPI(
        title="mpscope",
        version=__version__,
        summary="Run real multiprocessing scenarios and watch their processes communicate.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.streams = set()  # open event streams, for /healthz

    @app.get("/healthz", tags=["meta"], response_model=Health, summary="Liveness and load")
    async def healthz() -> dict[str, Any]:
        runs: RunService = app.state.runs
        return {
            "status": "ok",
            "runs_active": len(runs.active()),
            "runs_kept": len(runs.runs()),
            "streams_open": len(app.state.streams),
        }

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Content-Type", "Last-Event-ID", "X-Mpscope-Client"],
            expose_headers=["Location", "Retry-After"],
        )
    app.add_middleware(FramePolicy, ancestors=settings.frame_ancestors)

    errors.install(app)
    app.include_router(api.router)
    app.include_router(web.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.openapi = lambda: openapi.document(app)  # type: ignore[method-assign]
    return app


class FramePolicy:
    """Adds ``Content-Security-Policy: frame-ancestors …`` to every response, saying which
    sites may show these pages in an iframe. Pure ASGI (no BaseHTTPMiddleware) so event
    streams pass through untouched."""

    def __init__(self, app: ASGIApp, ancestors: str) -> None:
        self.app = app
        self.header = (b"content-security-policy", f"frame-ancestors {ancestors}".encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"content-security-policy" for k, _ in headers):
                    headers.append(self.header)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_policy)


def _explorations(settings: Settings, runs: RunService) -> ExplorationService:
    return ExplorationService(runs, settings.explore_max_runs, settings.explore_timeout_s)


def _open_store(settings: Settings) -> RunStore | None:
    """The finished-run store; without one (unusable file) the server still runs."""
    try:
        return RunStore(
            settings.data_dir / STORE_FILE, settings.store_max_runs, settings.store_max_mb * 1_000_000
        )
    except StoreError as exc:
        log.error("finished runs will not be kept: %s", exc)
        return None
