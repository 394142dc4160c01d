"""In-process page tests: the app with its lifespan, reached through httpx's ASGI transport."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager
from typing import Any

import httpx
import pytest

from app.config import Settings
from tests.serving import in_process

PAGE_DATA = re.compile(r'<script type="application/json" id="page-data">(.*?)</script>', re.S)


def serve(**settings: Any) -> AbstractAsyncContextManager[httpx.AsyncClient]:
    """The app with ``settings`` (and a run store in a temporary directory)."""
    return in_process(Settings(runs_per_minute=1000, **settings))


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with serve() as c:
        yield c


def page_data(html: str) -> Any:
    """The JSON a page hands its script (#page-data)."""
    match = PAGE_DATA.search(html)
    assert match, "the page has no #page-data"
    return json.loads(match.group(1))


async def finished_run(client: httpx.AsyncClient, scenario: str, **body: Any) -> dict[str, Any]:
    """Start a run and read its events to the end; returns the run as the API shows it."""
    r = await client.post("/api/runs", json={"scenario": scenario, **body})
    assert r.status_code == 201, r.text
    run_id = r.json()["id"]
    await client.get(f"/api/runs/{run_id}/events?format=ndjson")  # answers at the run's end
    run: dict[str, Any] = (await client.get(f"/api/runs/{run_id}")).json()
    return run
