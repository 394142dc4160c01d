"""POST /api/estimate, in process: its answer, its 422s (those of POST /api/runs, every
invalid field at once) and its OpenAPI description."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.config import Settings

pytestmark = pytest.mark.anyio


async def estimate(client: httpx.AsyncClient, body: dict[str, Any]) -> dict[str, Any]:
    r = await client.post("/api/estimate", json=body)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


async def test_answer_has_its_shape_and_follows_the_pace(client: httpx.AsyncClient) -> None:
    slow = await estimate(client, {"scenario": "queue", "pace_ms": 1000})
    assert set(slow) == {"steps", "seconds", "timeout_s", "fits", "max_pace_ms", "cast"}
    assert slow["cast"]["processes"] == ["main", "p1", "p2"]
    fast = await estimate(client, {"scenario": "queue", "pace_ms": 100})
    assert slow["steps"] == fast["steps"] > 0
    # Seconds grow by a pace per step.
    assert slow["seconds"] - fast["seconds"] == pytest.approx(slow["steps"] * 0.9, abs=0.01)
    assert slow["timeout_s"] == 30.0  # Settings' default run timeout
    # The cast follows the parameters: as many workers as asked for.
    pool = await estimate(client, {"scenario": "worker-pool", "params": {"workers": 2}})
    assert pool["cast"]["processes"] == ["main", "worker-1", "worker-2"]
    more = await estimate(client, {"scenario": "queue", "params": {"mylist": list(range(30))}})
    assert more["steps"] > slow["steps"]
    # A run that fits at any pace says the API's maximum.
    small = await estimate(client, {"scenario": "separate-memory", "params": {"mylist": []}})
    assert small["max_pace_ms"] == 2000
    assert small["fits"]


async def test_max_pace_is_the_last_that_fits(app_client: Any) -> None:
    async with app_client(Settings(run_timeout_s=5)) as client:
        body = {"scenario": "worker-pool", "params": {"numbers": list(range(32))}}
        first = await estimate(client, body)
        assert first["timeout_s"] == 5.0
        top = first["max_pace_ms"]
        assert 0 < top < 2000
        at = await estimate(client, {**body, "pace_ms": top})
        over = await estimate(client, {**body, "pace_ms": top + 1})
        assert (at["fits"], over["fits"]) == (True, False)
        assert at["seconds"] < 5.0 <= over["seconds"]


async def test_start_method_costs_start_up(client: httpx.AsyncClient) -> None:
    fork = await estimate(client, {"scenario": "manager"})
    spawn = await estimate(client, {"scenario": "manager", "start_method": "spawn"})
    assert spawn["steps"] == fork["steps"]
    assert spawn["seconds"] > fork["seconds"]


# One layer wrong at a time: POST /api/runs answers these without starting anything.
ONE_LAYER = [
    {"scenario": "queue", "pace_ms": -1, "start_method": "bad"},
    {"scenario": "queue", "pace_ms": "fast"},
    {"scenario": "nope"},
    {"scenario": "queue", "params": {"mylist": "x", "extra": 1}},
    {"scenario": "pipe", "params": {"msgs": ["no end"]}},
    {"scenario": "queue", "params": [1, 2]},
    {"scenario": "", "unknown": True},
    {},
    [1],
    "queue",
]


@pytest.mark.parametrize("body", ONE_LAYER)
async def test_422_is_the_one_post_runs_gives(client: httpx.AsyncClient, body: Any) -> None:
    runs = await client.post("/api/runs", json=body)
    est = await client.post("/api/estimate", json=body)
    assert runs.status_code == est.status_code == 422
    assert est.json() == runs.json()


@pytest.mark.parametrize("raw", [b"{bad", b"", b"null"], ids=["broken JSON", "no body", "null"])
async def test_422_for_a_body_that_is_not_json_object(client: httpx.AsyncClient, raw: bytes) -> None:
    headers = {"content-type": "application/json"}
    runs = await client.post("/api/runs", content=raw, headers=headers)
    est = await client.post("/api/estimate", content=raw, headers=headers)
    assert runs.status_code == est.status_code == 422
    assert est.json() == runs.json()


async def test_every_invalid_field_at_once(client: httpx.AsyncClient) -> None:
    body = {
        "scenario": "queue",
        "params": {"mylist": [1, 5000], "nope": 1},
        "pace_ms": -1,
        "start_method": "x",
    }
    r = await client.post("/api/estimate", json=body)
    assert r.status_code == 422
    assert [e["loc"] for e in r.json()["detail"]] == [
        ["body", "params", "mylist", 1],
        ["body", "params", "nope"],
        ["body", "pace_ms"],
        ["body", "start_method"],
    ]
    r = await client.post("/api/estimate", json={"scenario": "nope", "pace_ms": 9999})
    detail = r.json()["detail"]
    assert [e["loc"] for e in detail] == [["body", "scenario"], ["body", "pace_ms"]]
    assert detail[0]["msg"].startswith("unknown scenario 'nope'; choose one of: separate-memory")


async def test_openapi_describes_it(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/openapi.json")).json()
    op = doc["paths"]["/api/estimate"]["post"]
    assert op["summary"]
    assert (
        op["requestBody"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/RunCreate"
    )
    ok = op["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/EstimateOut"}
    fields = doc["components"]["schemas"]["EstimateOut"]["properties"]
    assert set(fields) == {"steps", "seconds", "timeout_s", "fits", "max_pace_ms", "cast"}
    assert "422" in op["responses"]
