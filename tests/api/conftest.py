"""In-process API tests: the app with its lifespan, reached through httpx's ASGI transport."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager

import httpx
import pytest

from app.config import Settings
from tests.serving import in_process


@pytest.fixture
def app_client() -> Callable[[Settings], AbstractAsyncContextManager[httpx.AsyncClient]]:
    return in_process


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with in_process(Settings(max_runs_per_client=4, runs_per_minute=1000)) as c:
        yield c
