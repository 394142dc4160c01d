"""/api/scenarios, in process."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.anyio
SEEDS = ["separate-memory", "shared-memory", "manager", "queue", "pipe"]


async def test_list_has_the_seed_scenarios_with_schemas(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/scenarios")).json()
    assert [s["id"] for s in body][:5] == SEEDS
    queue = body[3]
    assert queue["defaults"] == {"mylist": [1, 2, 3, 4]}
    mylist = queue["params"]["properties"]["mylist"]
    assert mylist["maxItems"] == 32
    assert mylist["items"]["maximum"] == 1000


async def test_one_scenario_has_its_numbered_source(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/scenarios/pipe")).json()
    assert body["lines"] == body["source"].splitlines()
    assert '    msgs = ["hello", "hey", "hru?", "END"]' in body["lines"]


async def test_unknown_scenario_is_404(client: httpx.AsyncClient) -> None:
    r = await client.get("/api/scenarios/nope")
    assert r.status_code == 404
    assert r.json()["detail"] == "no scenario 'nope'"
