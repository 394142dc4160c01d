"""Step mode over HTTP, on a real uvicorn: POST a step run, step it with curl-like requests
into value-race's lost update, replay its schedule, and get clear answers for steps that
cannot be taken."""

from __future__ import annotations

from typing import Any

import httpx

from app.runs.stepping import StepState
from tests.live.conftest import sse_events, start
from tests.runs.test_step import Interleave
from tests.serving import LiveServer


def step(server: LiveServer, run_id: str, proc: str) -> httpx.Response:
    return httpx.post(f"{server.url}/api/runs/{run_id}/step", json={"proc": proc}, timeout=30)


def settled(server: LiveServer, run_id: str) -> dict[str, Any]:
    r = httpx.get(f"{server.url}/api/runs/{run_id}/step", timeout=30)
    assert r.status_code == 200, r.text
    run: dict[str, Any] = r.json()
    return run


def events(server: LiveServer, run_id: str) -> list[dict[str, Any]]:
    r = httpx.get(f"{server.url}/api/runs/{run_id}/events", timeout=30)
    assert r.status_code == 200, r.text
    return sse_events(r.text)


def value_ops(evs: list[dict[str, Any]]) -> list[tuple[str, str, Any]]:
    return [(e["proc"], e["kind"], e["value"]) for e in evs if e["kind"] in ("value.get", "value.set")]


def test_a_learner_steps_value_race_into_a_lost_update_over_http(server: LiveServer) -> None:
    run = start(server, "value-race", params={"times": 2, "use_lock": False}, mode="step")
    assert run["mode"] == "step"
    run = settled(server, run["id"])
    assert [r["proc"] for r in run["ready"]] == ["main"]
    assert run["ready"][0]["kind"] == "proc.spawn"
    assert run["ready"][0]["child"] == "p1"
    choose = Interleave()
    steps = 0
    while run["status"] == "running" and run["ready"]:
        proc = choose(StepState(ready=run["ready"]))
        r = step(server, run["id"], proc)
        assert r.status_code == 200, r.text
        run = r.json()
        steps += 1
        assert run["schedule"][-1] == proc
        assert len(run["schedule"]) == steps
    final = httpx.get(f"{server.url}/api/runs/{run['id']}", timeout=10).json()
    assert final["status"] == "succeeded", final
    evs = events(server, run["id"])
    assert [e["text"] for e in evs if e["kind"] == "stdout"] == ["Expected 4, got 3\n"]
    assert value_ops(evs)[:4] == [
        ("p1", "value.get", 0),
        ("p2", "value.get", 0),
        ("p1", "value.set", 1),
        ("p2", "value.set", 1),
    ]
    # The recorded schedule, posted again, replays the same operations with the same values.
    replay = start(server, "value-race", params={"times": 2, "use_lock": False}, schedule=final["schedule"])
    again = events(server, replay["id"])
    assert value_ops(again) == value_ops(evs)
    done = httpx.get(f"{server.url}/api/runs/{replay['id']}", timeout=10).json()
    assert done["schedule"] == final["schedule"]
    assert done["diverged"] is None


def test_a_held_write_says_what_it_will_store(server: LiveServer) -> None:
    run = start(server, "value-race", params={"times": 1, "use_lock": False}, mode="step")
    run = settled(server, run["id"])
    while not any(r["kind"] == "value.set" for r in run["ready"]):
        run = step(server, run["id"], run["ready"][0]["proc"]).json()
    write = next(r for r in run["ready"] if r["kind"] == "value.set")
    assert write["obj"] == "counter"
    assert write["value"] == 1
    httpx.delete(f"{server.url}/api/runs/{run['id']}", timeout=30)


def test_steps_that_cannot_be_taken_get_409_and_unknown_runs_404(server: LiveServer) -> None:
    run = start(server, "value-race", params={"times": 1, "use_lock": False}, mode="step")
    settled(server, run["id"])
    r = step(server, run["id"], "p2")
    assert r.status_code == 409
    assert r.json()["detail"] == "p2 is not a process that is ready; ready: main"
    cancelled = httpx.delete(f"{server.url}/api/runs/{run['id']}", timeout=30).json()
    assert cancelled["status"] == "cancelled"
    r = step(server, run["id"], "main")
    assert r.status_code == 409
    assert r.json()["detail"] == f"run {run['id']} has finished (cancelled)"

    free = start(server, "queue")
    r = step(server, free["id"], "main")
    assert r.status_code == 409  # running freely, or already finished: either way not stepped
    assert r.json()["detail"] in (
        f'run {free["id"]} is not in step mode (start one with "mode": "step")',
        f"run {free['id']} has finished (succeeded)",
    )
    assert step(server, "nOsUcHrUn", "main").status_code == 404
    assert httpx.get(f"{server.url}/api/runs/nOsUcHrUn/step", timeout=10).status_code == 404


def test_a_bad_step_or_schedule_is_a_422_naming_the_field(server: LiveServer) -> None:
    run = start(server, "value-race", params={"times": 1, "use_lock": False}, mode="step")
    for body in [{}, {"proc": ""}, {"proc": 1}, {"proc": "main", "extra": True}]:
        r = httpx.post(f"{server.url}/api/runs/{run['id']}/step", json=body, timeout=10)
        assert r.status_code == 422, (body, r.text)
    httpx.delete(f"{server.url}/api/runs/{run['id']}", timeout=30)
    for field, value in [
        ("mode", "fast"),
        ("then", "later"),
        ("schedule", "main,p1"),
        ("schedule", [1, 2]),
        ("schedule", [""]),
        ("schedule", ["main"] * 10_001),
    ]:
        r = httpx.post(f"{server.url}/api/runs", json={"scenario": "value-race", field: value}, timeout=10)
        assert r.status_code == 422, (field, r.text)
        assert {tuple(e["loc"][:2]) for e in r.json()["detail"]} == {("body", field)}, r.text


def test_waiting_for_a_replayed_run_waits_for_the_end_of_its_schedule(server: LiveServer) -> None:
    # The page opens a link to an interleaving and asks at once who may go next: the answer
    # must come after the whole schedule, not at the first settled moment of the replay.
    planned = ["main", "main", "main", "p1", "p2", "p1", "p2"]
    params = {"times": 1, "use_lock": False}
    run = start(server, "value-race", params=params, schedule=planned, then="step")
    run = settled(server, run["id"])
    assert run["schedule"] == planned
    assert run["status"] == "running"
    assert sorted((r["proc"], r["kind"]) for r in run["ready"]) == [("p1", "value.set"), ("p2", "value.set")]
    httpx.delete(f"{server.url}/api/runs/{run['id']}", timeout=30)
