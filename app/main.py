"""The FastAPI application: ``create_app(settings)``; the lifespan owns the RunManager."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app import __version__, api, web
from app.config import Settings
from app.runs.manager import RunManager

ROOT = Path(__file__).resolve().parents[1]
STATIC = ROOT / "static"
TEMPLATES = ROOT / "templates"


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        runs = RunManager(settings.run_limits())
        await runs.start()
        app.state.runs = runs
        try:
            yield
        finally:
            await runs.close()

    app = FastAPI(
        title="mpscope",
        version=__version__,
        summary="Run real multiprocessing scenarios and watch their processes communicate.",
        lifespan=lifespan,
    )
    app.state.settings = settings

    @app.get("/healthz", tags=["meta"])
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    app.include_router(api.router)
    app.include_router(web.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    return app
