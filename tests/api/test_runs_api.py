"""/api/runs in process: creating, validating, limiting, cancelling."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from app.config import Settings

pytestmark = pytest.mark.anyio


async def get_json(client: httpx.AsyncClient, path: str) -> Any:
    return (await client.get(path)).json()


async def wait_done(client: httpx.AsyncClient, run_id: str) -> dict[str, Any]:
    # The event stream ends with the run: reading it to the end is waiting for the end.
    r = await client.get(f"/api/runs/{run_id}/events?format=ndjson")
    lines = [json.loads(line) for line in r.text.splitlines() if line]
    assert lines[-1]["kind"] == "run.end"
    run: dict[str, Any] = await get_json(client, f"/api/runs/{run_id}")
    return run


async def test_create_run_and_read_it_back(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/runs", json={"scenario": "queue", "params": {"mylist": [5, 6]}})
    assert r.status_code == 201
    run = r.json()
    assert r.headers["location"] == f"/api/runs/{run['id']}"
    assert run["status"] in ("queued", "running")
    assert "mylist = [5, 6]" in run["source"]
    final = await wait_done(client, run["id"])
    assert final["status"] == "succeeded"
    assert final["exitcode"] == 0
    assert {p["name"] for p in final["processes"]} == {"main", "p1", "p2"}
    assert all(p["exitcode"] == 0 for p in final["processes"])
    assert final["ended_at"] >= final["created_at"]
    listed = await get_json(client, "/api/runs")
    assert listed[0]["id"] == run["id"]
    assert "source" not in listed[0]


@pytest.mark.parametrize(
    ("body", "loc", "words"),
    [
        ({"scenario": "nope"}, ["body", "scenario"], "unknown scenario 'nope'"),
        ({}, ["body", "scenario"], "Field required"),
        ({"scenario": "queue", "pace_ms": 2001}, ["body", "pace_ms"], "less than or equal to 2000"),
        ({"scenario": "queue", "pace_ms": "fast"}, ["body", "pace_ms"], "valid integer"),
        (
            {"scenario": "queue", "start_method": "thread"},
            ["body", "start_method"],
            "'fork', 'spawn' or 'forkserver'",
        ),
        ({"scenario": "queue", "params": {"mylist": [1, 2000]}}, ["body", "params", "mylist", 1], "1000"),
        (
            {"scenario": "queue", "params": {"mylist": list(range(40))}},
            ["body", "params", "mylist"],
            "at most 32",
        ),
        ({"scenario": "queue", "params": {"nope": 1}}, ["body", "params", "nope"], "Extra inputs"),
        ({"scenario": "queue", "params": [1, 2]}, ["body", "params"], "valid dictionary"),
        ({"scenario": "pipe", "params": {"msgs": ["hi"]}}, ["body", "params", "msgs"], 'must contain "END"'),
        ({"scenario": "queue", "extra": 1}, ["body", "extra"], "Extra inputs"),
    ],
)
async def test_bad_input_is_422_naming_the_field_and_bound(
    client: httpx.AsyncClient, body: dict[str, Any], loc: list[Any], words: str
) -> None:
    r = await client.post("/api/runs", json=body)
    assert r.status_code == 422, r.text
    problems = r.json()["detail"]
    match = [p for p in problems if p["loc"] == loc]
    assert match, problems
    assert words in match[0]["msg"]


async def test_malformed_json_is_422(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/runs", content=b"{not json", headers={"content-type": "application/json"})
    assert r.status_code == 422


async def test_unknown_run_is_404_everywhere(client: httpx.AsyncClient) -> None:
    for method, path in [("GET", "/api/runs/x"), ("DELETE", "/api/runs/x"), ("GET", "/api/runs/x/events")]:
        r = await client.request(method, path)
        assert r.status_code == 404, (method, path)
        assert r.json() == {"detail": "no run 'x'"}


async def test_bad_resume_positions_are_422(client: httpx.AsyncClient) -> None:
    run_id = (await client.post("/api/runs", json={"scenario": "queue"})).json()["id"]
    assert (await client.get(f"/api/runs/{run_id}/events?after=-2")).status_code == 422
    assert (await client.get(f"/api/runs/{run_id}/events?after=x")).status_code == 422
    r = await client.get(f"/api/runs/{run_id}/events", headers={"Last-Event-ID": "seven"})
    assert r.status_code == 422
    assert r.json()["detail"][0]["loc"] == ["header", "last-event-id"]
    await wait_done(client, run_id)
    # Past the end of a finished run: nothing to send, and EventSource must not retry.
    r = await client.get(f"/api/runs/{run_id}/events", headers={"Last-Event-ID": "100000"})
    assert r.status_code == 204


async def test_cancel_a_paced_run(client: httpx.AsyncClient) -> None:
    run_id = (await client.post("/api/runs", json={"scenario": "queue", "pace_ms": 500})).json()["id"]
    r = await client.delete(f"/api/runs/{run_id}")
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"
    assert r.json()["error"] == "cancelled"
    again = await client.delete(f"/api/runs/{run_id}")  # cancelling again changes nothing
    assert again.json()["status"] == "cancelled"


async def test_limits_answer_429_with_retry_after_and_name_the_limit(app_client: Any) -> None:
    settings = Settings(max_runs=3, max_runs_per_client=1, runs_per_minute=2)
    async with app_client(settings) as client:
        first = (await client.post("/api/runs", json={"scenario": "queue", "pace_ms": 1000})).json()
        r = await client.post("/api/runs", json={"scenario": "queue"})
        assert r.status_code == 429
        assert int(r.headers["retry-after"]) >= 1
        assert "limit 1" in r.json()["detail"]
        assert r.json()["detail"].endswith("[MPSCOPE_MAX_RUNS_PER_CLIENT]")
        await client.delete(f"/api/runs/{first['id']}")
        second = await client.post("/api/runs", json={"scenario": "queue"})
        assert second.status_code == 201
        await wait_done(client, second.json()["id"])
        r = await client.post("/api/runs", json={"scenario": "queue"})
        assert r.status_code == 429
        assert "in the last minute (limit 2)" in r.json()["detail"]
        assert 1 <= int(r.headers["retry-after"]) <= 60


async def test_server_wide_cap(app_client: Any) -> None:
    settings = Settings(max_runs=2, max_runs_per_client=10, runs_per_minute=1000)
    async with app_client(settings) as client:
        ids = []
        for _ in range(2):
            ids.append(
                (await client.post("/api/runs", json={"scenario": "queue", "pace_ms": 1000})).json()["id"]
            )
        r = await client.post("/api/runs", json={"scenario": "queue"})
        assert r.status_code == 429
        assert "maximum of 2 runs" in r.json()["detail"]
        for run_id in ids:
            await client.delete(f"/api/runs/{run_id}")


async def test_health(client: httpx.AsyncClient) -> None:
    assert await get_json(client, "/healthz") == {
        "status": "ok",
        "runs_active": 0,
        "runs_kept": 0,
        "streams_open": 0,
    }


async def test_openapi_documents_the_stream_and_the_event_schema(client: httpx.AsyncClient) -> None:
    doc = await get_json(client, "/openapi.json")
    events = doc["paths"]["/api/runs/{run_id}/events"]["get"]
    content = events["responses"]["200"]["content"]
    assert "text/event-stream" in content
    assert "data: [" in content["text/event-stream"]["example"]
    schemas = doc["components"]["schemas"]
    assert "Event" in schemas
    assert "QueuePut" in schemas
    post = doc["paths"]["/api/runs"]["post"]["responses"]
    assert {"201", "422", "429"} <= set(post)
    assert "Retry-After" in post["429"]["headers"]


async def test_runs_that_left_memory_come_from_the_store(app_client: Any, tmp_path: Any) -> None:
    settings = Settings(keep_runs=1, data_dir=tmp_path, runs_per_minute=1000)
    async with app_client(settings) as client:
        ids = []
        for n in (1, 2, 3):
            run = (
                await client.post("/api/runs", json={"scenario": "queue", "params": {"mylist": [n]}})
            ).json()
            await wait_done(client, run["id"])
            ids.append(run["id"])
        assert (await get_json(client, "/healthz"))["runs_kept"] == 1
        oldest = await get_json(client, f"/api/runs/{ids[0]}")
        assert oldest["status"] == "succeeded"
        assert "mylist = [1]" in oldest["source"]
        listed = await get_json(client, "/api/runs")
        assert [r["id"] for r in listed] == ids[::-1]
        assert [r["id"] for r in await get_json(client, "/api/runs?limit=1&offset=1")] == [ids[1]]
        assert (await client.get("/api/runs?limit=0")).status_code == 422
        events = (await client.get(f"/api/runs/{ids[0]}/events?format=ndjson")).text.split("\n")[:-1]
        assert json.loads(events[-1])["kind"] == "run.end"
        assert [json.loads(e)["value"] for e in events if '"queue.get"' in e] == [1]


async def test_frame_ancestors_and_cors_follow_the_settings(app_client: Any) -> None:
    async with app_client(Settings()) as client:
        r = await client.get("/healthz")
        assert r.headers["content-security-policy"] == "frame-ancestors *"
        assert "access-control-allow-origin" not in r.headers
    settings = Settings(
        frame_ancestors="'self' https://course.example", cors_origins=["https://course.example"]
    )
    async with app_client(settings) as client:
        r = await client.get("/api/scenarios", headers={"Origin": "https://course.example"})
        assert r.headers["content-security-policy"] == "frame-ancestors 'self' https://course.example"
        assert r.headers["access-control-allow-origin"] == "https://course.example"
        other = await client.get("/api/scenarios", headers={"Origin": "https://elsewhere.example"})
        assert "access-control-allow-origin" not in other.headers
        pre = await client.options(
            "/api/runs",
            headers={"Origin": "https://course.example", "Access-Control-Request-Method": "POST"},
        )
        assert pre.status_code == 200
        assert "POST" in pre.headers["access-control-allow-methods"]


async def test_memory_holds_finished_runs_up_to_a_size(app_client: Any, tmp_path: Any) -> None:
    settings = Settings(keep_mb=1, data_dir=tmp_path, runs_per_minute=1000)
    async with app_client(settings) as client:
        big = (
            await client.post("/api/runs", json={"scenario": "queue-flood", "params": {"count": 5000}})
        ).json()
        await wait_done(client, big["id"])  # about 1.3 MB of events: over the budget alone
        assert (await get_json(client, "/healthz"))["runs_kept"] == 0
        again = await get_json(client, f"/api/runs/{big['id']}")  # from the store
        assert again["events"] > 10000
