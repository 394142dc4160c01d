"""In-process API tests: the app with its lifespan, reached through httpx's ASGI transport."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import httpx
import pytest

from app.config import Settings
from app.main import create_app


@asynccontextmanager
async def serve_in_process(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app on ``settings``; its run store goes to a temporary directory unless the
    settings name one explicitly."""
    with tempfile.TemporaryDirectory(prefix="mpscope-api-") as tmp:
        if "data_dir" not in settings.model_fields_set:
            settings = settings.model_copy(update={"data_dir": Path(tmp)})
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://mpscope.test") as client:
                yield client


@pytest.fixture
def app_client() -> Callable[[Settings], AbstractAsyncContextManager[httpx.AsyncClient]]:
    return serve_in_process


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with serve_in_process(Settings(max_runs_per_client=4, runs_per_minute=1000)) as c:
        yield c
