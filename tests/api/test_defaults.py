"""Each scenario's default pace and cast in /api/scenarios, and that its default run fits."""

from __future__ import annotations

import httpx
import pytest

from app.scenarios import registry

pytestmark = pytest.mark.anyio


async def test_list_and_detail_carry_pace_and_cast(client: httpx.AsyncClient) -> None:
    listed = (await client.get("/api/scenarios")).json()
    assert [s["id"] for s in listed] == list(registry.SCENARIOS)
    for s in listed:
        one = (await client.get(f"/api/scenarios/{s['id']}")).json()
        scenario = registry.get(s["id"])
        assert s["default_pace_ms"] == one["default_pace_ms"] == scenario.default_pace_ms
        assert s["cast"] == one["cast"] == scenario.cast
        assert one["cast"]["processes"][0] == "main"


async def test_a_queue_cast_says_from_and_to(client: httpx.AsyncClient) -> None:
    cast = (await client.get("/api/scenarios/queue")).json()["cast"]
    assert cast["objects"] == [{"type": "queue", "name": "q", "from": ["p1"], "to": ["p2"]}]


async def test_every_default_run_fits_at_its_default_pace(client: httpx.AsyncClient) -> None:
    for s in (await client.get("/api/scenarios")).json():
        body = {"scenario": s["id"], "pace_ms": s["default_pace_ms"]}
        est = (await client.post("/api/estimate", json=body)).json()
        # Well inside: a busy machine still finishes it.
        assert est["fits"], (s["id"], est)
        assert est["seconds"] < est["timeout_s"] / 2, (s["id"], est)
        assert est["max_pace_ms"] >= s["default_pace_ms"]


async def test_the_api_pace_default_stays_0(client: httpx.AsyncClient) -> None:
    # The page pre-fills default_pace_ms; the REST API without pace_ms means 0 (a contract).
    run = (await client.post("/api/runs", json={"scenario": "pipe"})).json()
    assert registry.get("pipe").default_pace_ms > 0
    assert run["pace_ms"] == 0
    r = await client.get(f"/api/runs/{run['id']}/events?format=ndjson")
    assert r.text.splitlines()[-1].find('"run.end"') >= 0
