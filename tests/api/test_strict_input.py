"""Strict input: each field takes its own JSON type; what the document calls valid is accepted.

What schemathesis found (tests/live/test_openapi_sweep.py runs it whole), kept here as quick
cases that name the rule each one broke.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from jsonschema_rs import Draft202012Validator  # schemathesis brings it

from app.scenarios import registry

pytestmark = pytest.mark.anyio

BODY_ENDPOINTS = ["/api/runs", "/api/estimate"]

# A value of another JSON type for each kind of field: the body's own, and scenario parameters.
WRONG_TYPES = [
    ({"scenario": "queue", "pace_ms": False}, ["body", "pace_ms"]),
    ({"scenario": "queue", "pace_ms": True}, ["body", "pace_ms"]),
    ({"scenario": "queue", "pace_ms": "300"}, ["body", "pace_ms"]),
    ({"scenario": "queue", "pace_ms": 2.5}, ["body", "pace_ms"]),
    ({"scenario": 5}, ["body", "scenario"]),
    ({"scenario": "queue", "start_method": 1}, ["body", "start_method"]),
    ({"scenario": "queue", "params": {"mylist": [1, True]}}, ["body", "params", "mylist", 1]),
    ({"scenario": "queue", "params": {"mylist": ["1"]}}, ["body", "params", "mylist", 0]),
    ({"scenario": "value-race", "params": {"times": True}}, ["body", "params", "times"]),
    ({"scenario": "value-race", "params": {"use_lock": 1}}, ["body", "params", "use_lock"]),
    ({"scenario": "value-race", "params": {"use_lock": "true"}}, ["body", "params", "use_lock"]),
    ({"scenario": "pipe", "params": {"msgs": [1, "END"]}}, ["body", "params", "msgs", 0]),
    ({"scenario": "manager", "params": {"new_record": ["Ann", False]}}, ["body", "params", "new_record", 1]),
    ({"scenario": "manager", "params": {"new_record": [7, 7]}}, ["body", "params", "new_record", 0]),
    ({"scenario": "worker-pool", "params": {"workers": "2"}}, ["body", "params", "workers"]),
    ({"scenario": "queue-flood", "params": {"count": None}}, ["body", "params", "count"]),
]


@pytest.mark.parametrize("endpoint", BODY_ENDPOINTS)
@pytest.mark.parametrize(("body", "loc"), WRONG_TYPES)
async def test_a_value_of_another_json_type_is_422(
    client: httpx.AsyncClient, endpoint: str, body: dict[str, Any], loc: list[Any]
) -> None:
    r = await client.post(endpoint, json=body)
    assert r.status_code == 422, r.text
    assert [e["loc"] for e in r.json()["detail"]] == [loc]


@pytest.mark.parametrize("endpoint", BODY_ENDPOINTS)
async def test_a_whole_number_written_with_a_point_is_that_integer(
    client: httpx.AsyncClient, endpoint: str
) -> None:
    # JSON Schema's integer: 3.0 is the integer 3 (and the document says "integer").
    body = {"scenario": "queue", "pace_ms": 0.0, "params": {"mylist": [2.0, 3]}}
    r = await client.post(endpoint, json=body)
    assert r.status_code in (200, 201), r.text
    if endpoint == "/api/runs":
        assert r.json()["params"] == {"mylist": [2, 3]}
        assert r.json()["pace_ms"] == 0


# Bodies that cannot be read as JSON at all: FastAPI's own answer was an undocumented 400.
UNREADABLE = {
    "not UTF-8": b'{"scenario": "\xff\xfe"}',
    "a number too long to convert": b'{"scenario": "queue", "pace_ms": ' + b"9" * 5000 + b"}",
}


@pytest.mark.parametrize("endpoint", BODY_ENDPOINTS)
@pytest.mark.parametrize("raw", UNREADABLE.values(), ids=UNREADABLE.keys())
async def test_a_body_that_is_not_json_is_422_like_any_bad_body(
    client: httpx.AsyncClient, endpoint: str, raw: bytes
) -> None:
    r = await client.post(endpoint, content=raw, headers={"content-type": "application/json"})
    assert r.status_code == 422, r.text
    (error,) = r.json()["detail"]
    assert error["type"] == "json_invalid"
    assert error["loc"] == ["body"]
    assert error["ctx"]["error"]  # what the decoder said


async def test_405_allows_every_method_of_the_path(client: httpx.AsyncClient) -> None:
    run_id = (await client.post("/api/runs", json={"scenario": "queue"})).json()["id"]
    for path, allowed in [("/api/runs", "GET, POST"), (f"/api/runs/{run_id}", "DELETE, GET")]:
        r = await client.put(path)
        assert r.status_code == 405
        assert r.headers["allow"] == allowed
    await client.delete(f"/api/runs/{run_id}")


@pytest.mark.parametrize("header", ["seven", "5 ", "+5", "1_0", "0x1", "-2"])
async def test_a_malformed_last_event_id_is_422_even_with_after(
    client: httpx.AsyncClient, header: str
) -> None:
    run_id = (await client.post("/api/runs", json={"scenario": "queue"})).json()["id"]
    for query in ("", "?after=0"):
        r = await client.get(f"/api/runs/{run_id}/events{query}", headers={"Last-Event-ID": header})
        assert r.status_code == 422, (header, query)
        assert r.json()["detail"][0]["loc"] == ["header", "last-event-id"]
    await client.delete(f"/api/runs/{run_id}")


async def test_the_document_gives_each_scenario_its_own_body(client: httpx.AsyncClient) -> None:
    doc = (await client.get("/openapi.json")).json()
    schemas = doc["components"]["schemas"]
    body = schemas["RunCreate"]
    assert set(body["discriminator"]["mapping"]) == set(registry.SCENARIOS)
    validator = Draft202012Validator({**body, "components": doc["components"]})

    def valid(instance: Any) -> bool:
        return validator.is_valid(instance)

    assert valid({"scenario": "pipe", "params": {"msgs": ["hi", "END"]}})
    assert not valid({"scenario": "pipe", "params": {"msgs": ["hi"]}})  # "END" is required
    assert not valid({"scenario": "nope"})
    assert not valid({"scenario": "queue", "params": {"msgs": ["END"]}})  # the pipe's parameter
    for scenario in registry.SCENARIOS.values():
        # The scenario's defaults are a valid body, and its parameters are the ones /api/scenarios gives.
        assert valid({"scenario": scenario.id, "params": scenario.defaults})
        variant = schemas[body["discriminator"]["mapping"][scenario.id].rsplit("/", 1)[1]]
        params = schemas[variant["properties"]["params"]["$ref"].rsplit("/", 1)[1]]
        assert params == scenario.params_schema
