"""/api/explorations on a real uvicorn: start one, follow it to the failing run, replay that
run's schedule with POST /api/runs; bad bodies, one exploration per client, cancelling, and
nothing of theirs left running after."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from app.events.schema import FINAL_STATUSES
from tests.live.conftest import run_processes, sse_events, wait_for
from tests.serving import LiveServer, live_server

pytestmark = pytest.mark.timeout(180)

MAX_RUNS = 300  # MPSCOPE_EXPLORE_MAX_RUNS of this server
RACE = {"scenario": "value-race", "params": {"times": 2, "use_lock": False}, "max_runs": 100}
LOCKED = {"scenario": "value-race", "params": {"times": 2, "use_lock": True}, "max_runs": MAX_RUNS}


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    env = {
        "MPSCOPE_MAX_RUNS": "8",
        "MPSCOPE_MAX_RUNS_PER_CLIENT": "4",
        "MPSCOPE_RUNS_PER_MINUTE": "10000",
        "MPSCOPE_EXPLORE_MAX_RUNS": str(MAX_RUNS),
    }
    with live_server(env) as s:
        yield s


def explore(server: LiveServer, body: dict[str, Any], client: str | None = None) -> httpx.Response:
    headers = {"X-Mpscope-Client": client} if client else {}
    return httpx.post(f"{server.url}/api/explorations", json=body, headers=headers, timeout=30)


def get(server: LiveServer, path: str) -> dict[str, Any]:
    r = httpx.get(server.url + path, timeout=30)
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    return out


def until_over(server: LiveServer, exploration_id: str, within_s: float = 120) -> dict[str, Any]:
    path = f"/api/explorations/{exploration_id}"
    wait_for(
        lambda: get(server, path)["status"] not in ("queued", "running"), within_s, "the exploration over"
    )
    return get(server, path)


def events(server: LiveServer, run_id: str) -> list[dict[str, Any]]:
    r = httpx.get(f"{server.url}/api/runs/{run_id}/events", timeout=30)
    assert r.status_code == 200, r.text
    return sse_events(r.text)


def value_ops(evs: list[dict[str, Any]]) -> list[tuple[str, str, Any]]:
    return [(e["proc"], e["kind"], e["value"]) for e in evs if e["kind"] in ("value.get", "value.set")]


def nothing_running(server: LiveServer) -> None:
    wait_for(lambda: not run_processes(server.pid), 15, "every run's processes gone")
    assert get(server, "/healthz")["runs_active"] == 0


def test_an_exploration_finds_the_lost_update_and_its_run_replays(server: LiveServer) -> None:
    r = explore(server, RACE, client="finder")
    assert r.status_code == 202, r.text
    started = r.json()
    assert r.headers["location"] == f"/api/explorations/{started['id']}"
    assert started["status"] in ("queued", "running")
    assert (started["scenario"], started["params"], started["max_runs"]) == (
        "value-race",
        RACE["params"],
        100,
    )
    done = until_over(server, started["id"])
    assert done["status"] == "found", done
    assert done["runs"] <= 100
    assert done["max_preemptions"] == 2
    assert done["preemptions"] <= 2
    assert done["failure"].startswith("the counter ended at")
    assert done["error"] is None
    # The failing run is a run like any other, and its schedule replays it.
    run = get(server, f"/api/runs/{done['run']}")
    assert run["status"] == "succeeded"
    assert run["schedule"] == done["schedule"]
    original = events(server, done["run"])
    r = httpx.post(
        f"{server.url}/api/runs",
        json={"scenario": "value-race", "params": RACE["params"], "schedule": done["schedule"]},
        timeout=30,
    )
    assert r.status_code == 201, r.text
    replay = r.json()["id"]
    wait_for(lambda: get(server, f"/api/runs/{replay}")["status"] in FINAL_STATUSES, 30, "the replay over")
    again = events(server, replay)
    assert value_ops(again) == value_ops(original)
    assert [e["text"] for e in again if e["kind"] == "stdout"] == [
        e["text"] for e in original if e["kind"] == "stdout"
    ]
    assert get(server, f"/api/runs/{replay}")["diverged"] is None
    nothing_running(server)


def test_join_deadlock_is_found_deadlocked(server: LiveServer) -> None:
    r = explore(server, {"scenario": "join-deadlock", "max_runs": 10}, client="deadlock")
    assert r.status_code == 202, r.text
    done = until_over(server, r.json()["id"])
    assert done["status"] == "found"
    assert done["failure"].startswith("the run deadlocked")
    assert get(server, f"/api/runs/{done['run']}")["status"] == "deadlocked"
    nothing_running(server)


def test_one_exploration_per_client_and_delete_cancels(server: LiveServer) -> None:
    first = explore(server, LOCKED, client="busy")
    assert first.status_code == 202, first.text
    again = explore(server, RACE, client="busy")
    assert again.status_code == 429, again.text
    assert "already have an exploration running" in again.json()["detail"]
    other = explore(server, LOCKED, client="other")  # another browser is another client
    assert other.status_code == 202, other.text
    for r in (first, other):
        d = httpx.delete(f"{server.url}/api/explorations/{r.json()['id']}", timeout=30)
        assert d.status_code == 200, d.text
        assert d.json()["status"] == "cancelled"
        assert get(server, f"/api/explorations/{r.json()['id']}")["status"] == "cancelled"
    nothing_running(server)
    # Over, it lets the client start another; deleting one that is over changes nothing.
    done = until_over(server, explore(server, RACE, client="busy").json()["id"])
    d = httpx.delete(f"{server.url}/api/explorations/{done['id']}", timeout=30)
    assert d.json()["status"] == "found"


def test_with_the_lock_it_is_exhausted(server: LiveServer) -> None:
    r = explore(server, LOCKED, client="locked")
    assert r.status_code == 202, r.text
    done = until_over(server, r.json()["id"])
    assert (done["status"], done["complete"], done["error"]) == ("exhausted", True, None)
    assert done["runs"] < MAX_RUNS
    assert (done["run"], done["schedule"], done["preemptions"]) == (None, None, None)
    nothing_running(server)


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"scenario": "nope"}, ["body", "scenario"]),
        ({"scenario": "value-race", "params": {"times": 0}}, ["body", "params", "times"]),
        ({"scenario": "value-race", "params": {"colour": 1}}, ["body", "params", "colour"]),
        ({"scenario": "value-race", "max_runs": 0}, ["body", "max_runs"]),
        ({"scenario": "value-race", "max_runs": MAX_RUNS + 1}, ["body", "max_runs"]),
        ({"scenario": "value-race", "max_runs": "5"}, ["body", "max_runs"]),
        ({"scenario": "value-race", "start_method": "thread"}, ["body", "start_method"]),
        ({"scenario": "value-race", "then": "free"}, ["body", "then"]),
        ({}, ["body", "scenario"]),
        ([1], ["body"]),
    ],
)
def test_a_bad_body_is_a_422_naming_the_field(server: LiveServer, body: Any, where: list[str]) -> None:
    r = httpx.post(f"{server.url}/api/explorations", json=body, timeout=30)
    assert r.status_code == 422, r.text
    assert where in [e["loc"] for e in r.json()["detail"]], r.json()


def test_every_problem_is_named_at_once(server: LiveServer) -> None:
    body = {"scenario": "value-race", "params": {"times": 0}, "max_runs": MAX_RUNS + 1}
    r = httpx.post(f"{server.url}/api/explorations", json=body, timeout=30)
    assert r.status_code == 422
    assert sorted(tuple(e["loc"]) for e in r.json()["detail"]) == [
        ("body", "max_runs"),
        ("body", "params", "times"),
    ]


def test_unknown_explorations_are_404(server: LiveServer) -> None:
    assert httpx.get(f"{server.url}/api/explorations/nope", timeout=10).status_code == 404
    assert httpx.delete(f"{server.url}/api/explorations/nope", timeout=10).status_code == 404


def test_scenarios_say_what_a_failing_run_is(server: LiveServer) -> None:
    scenarios: list[dict[str, Any]] = httpx.get(f"{server.url}/api/scenarios", timeout=30).json()
    listed = {s["id"]: s for s in scenarios}
    assert listed["value-race"]["check"] == "the counter ends below 2 * times"
    assert listed["join-deadlock"]["check"] == "the run deadlocks"
    assert listed["queue"]["check"] is None
    assert get(server, "/api/scenarios/value-race")["check"] == "the counter ends below 2 * times"


def test_the_document_describes_the_endpoints(server: LiveServer) -> None:
    doc = get(server, "/openapi.json")
    paths = doc["paths"]
    assert set(paths["/api/explorations"]) == {"post"}
    assert set(paths["/api/explorations/{exploration_id}"]) == {"get", "delete"}
    body = paths["/api/explorations"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    ids = {variant["properties"]["scenario"]["const"] for variant in body["oneOf"]}
    assert {"value-race", "join-deadlock"} <= ids
    refs = {variant["properties"]["params"]["$ref"].rsplit("/", 1)[1] for variant in body["oneOf"]}
    assert refs <= set(doc["components"]["schemas"])
