"""Exports of real runs: NDJSON, and Chrome traces checked against the Trace Event Format.

Perfetto itself cannot run here (its trace processor is a binary it downloads), so the
traces are checked against the format's rules and against what Perfetto's JSON importer
needs: flow points strictly inside a slice of their own track, ``ts`` first in each event.
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from app.events.chrome_trace import chrome_trace
from app.scenarios import registry
from tests.conftest import Finished

pytestmark = pytest.mark.anyio

# A full Queue(1) makes main's second put wait, every time, until p1 has taken the first
# item: a wait whose end is known. p1's reply through the pipe adds a send/recv pair.
BLOCKING_PROGRAM = """\
import multiprocessing


def consumer(q, conn):
    for _ in range(3):
        print(q.get())
    conn.send("done")


if __name__ == "__main__":
    q = multiprocessing.Queue(1)
    parent_conn, child_conn = multiprocessing.Pipe()
    q.put(1)
    p1 = multiprocessing.Process(target=consumer, args=(q, child_conn))
    p1.start()
    q.put(2)
    q.put(3)
    print(parent_conn.recv())
    p1.join()
"""

SEED = ["separate-memory", "shared-memory", "manager", "queue", "pipe"]
METADATA_ARGS = {
    "process_name": "name",
    "thread_name": "name",
    "process_sort_index": "sort_index",
    "thread_sort_index": "sort_index",
}
CONSUMER_OF = {"queue.put": "queue.get", "pipe.send": "pipe.recv"}
NUMBER = (int, float)
WAIT_ARGS = {"waited_us", "until_seq"}  # what the trace adds to a wait's event


class NoParams(registry.Params):
    pass


@pytest.fixture
def blocking(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    program = tmp_path / "blocking.py"
    program.write_text(BLOCKING_PROGRAM)
    sid = "test-blocking"
    scenario = registry.Scenario(id=sid, title=sid, summary="", program=str(program), params_model=NoParams)
    monkeypatch.setitem(registry.SCENARIOS, sid, scenario)
    return sid


# -- checks ---------------------------------------------------------------------------


def is_text(value: object) -> bool:
    return isinstance(value, str) and value != ""


def check_format(trace: dict[str, Any]) -> None:
    """The Trace Event Format's required fields, phase by phase."""
    assert next(iter(trace)) == "traceEvents"  # older Perfetto stops at an unknown first key
    assert json.loads(json.dumps(trace, allow_nan=False, ensure_ascii=False)) == trace
    flows: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in trace["traceEvents"]:
        assert list(e)[:2] == ["ph", "ts"], e  # ts before anything an old parser trips on
        assert e["ph"] in {"M", "X", "s", "t", "f"}, e
        assert isinstance(e["ts"], NUMBER), e
        assert e["ts"] >= 0, e
        assert isinstance(e["pid"], int), e
        assert isinstance(e["tid"], int), e
        assert is_text(e["name"]), e
        if e["ph"] == "X":
            assert isinstance(e["dur"], NUMBER), e
            assert e["dur"] > 0, e
            assert is_text(e["cat"]), e
        elif e["ph"] == "M":
            key = METADATA_ARGS[e["name"]]
            assert isinstance(e["args"][key], str if key == "name" else int), e
        else:
            assert isinstance(e["id"], int), e
            assert is_text(e["cat"]), e
            flows[e["id"]].append(e)
    for flow_id, points in flows.items():
        phases = [p["ph"] for p in points]
        assert phases[0] == "s", (flow_id, phases)
        assert phases[-1] == "f", (flow_id, phases)
        assert set(phases[1:-1]) <= {"t"}, (flow_id, phases)
        assert len({(p["cat"], p["name"]) for p in points}) == 1, points  # same cat and name
        assert [p["ts"] for p in points] == sorted({p["ts"] for p in points}), points
        assert points[-1]["bp"] == "e", points


def slices_by_pid(trace: dict[str, Any]) -> dict[int, list[dict[str, Any]]]:
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in trace["traceEvents"]:
        if e["ph"] == "X":
            assert e["pid"] == e["tid"]
            out[e["pid"]].append(e)
    for track in out.values():
        track.sort(key=lambda e: e["ts"])
    return out


def enclosing(track: list[dict[str, Any]], ts: float) -> dict[str, Any]:
    """The slice a flow point binds to: the one it lies strictly inside."""
    inside = [s for s in track if s["ts"] < ts < s["ts"] + s["dur"]]
    assert len(inside) == 1, (ts, inside)
    return inside[0]


def flow_chains(trace: dict[str, Any]) -> dict[str, list[list[dict[str, Any]]]]:
    """Each flow as the events of the slices it binds to, by category."""
    tracks = slices_by_pid(trace)
    points: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for e in trace["traceEvents"]:
        if e["ph"] in "stf":
            points[e["id"]].append(e)
    chains: dict[str, list[list[dict[str, Any]]]] = defaultdict(list)
    for flow in points.values():
        chains[flow[0]["cat"]].append([enclosing(tracks[p["pid"]], p["ts"])["args"] for p in flow])
    return chains


def check_trace(done: Finished) -> dict[str, Any]:
    events = done.events
    run = {**done.run.summary(), "source": done.run.source}
    trace = chrome_trace(events, run)
    check_format(trace)
    assert trace["otherData"]["id"] == done.run.id
    assert "source" not in trace["otherData"]

    # One track per process, named by its logical name, main first.
    names = {e["pid"]: e["proc"] for e in events if e["kind"] == "proc.start"}
    meta = {(e["name"], e["pid"]): e["args"] for e in trace["traceEvents"] if e["ph"] == "M"}
    for pid, name in names.items():
        assert meta[("process_name", pid)] == {"name": name}
        assert meta[("thread_name", pid)] == {"name": name}
    main_pid = next(pid for pid, name in names.items() if name == "main")
    assert meta[("process_sort_index", main_pid)] == {"sort_index": 0}

    # Every event is exactly one slice, on its process's track, ending when it was stamped.
    tracks = slices_by_pid(trace)
    assert sorted(s["args"]["seq"] for t in tracks.values() for s in t) == list(range(len(events)))
    for pid, track in tracks.items():
        for s in track:
            event = events[s["args"]["seq"]]
            assert {k: v for k, v in s["args"].items() if k not in WAIT_ARGS} == event
            assert event["pid"] == pid
            if not event["kind"].endswith(".wait"):
                end, stamped = s["ts"] + s["dur"], event["t"] * 1e6
                assert -0.001 < end - stamped < 1, (s, event)
        for here, after in itertools.pairwise(track):
            assert here["ts"] + here["dur"] <= after["ts"] + 1e-6, (here, after)  # no overlap
        # A wait lasts until the process's next event.
        for waiting, nxt in zip(track, [*track[1:], None], strict=True):
            if waiting["args"]["kind"].endswith(".wait"):
                if nxt is None:
                    assert waiting["args"]["until_seq"] is None
                else:
                    assert waiting["args"]["until_seq"] == nxt["args"]["seq"]
                    assert waiting["ts"] + waiting["dur"] == pytest.approx(nxt["ts"], abs=1e-6)

    # Flows: every put→get and send→recv pair, every manager call→serve→result.
    chains = flow_chains(trace)
    by_msg = {(e["kind"], e["msg"]): e for e in events if e.get("msg") is not None}
    for cat in ("queue", "pipe"):
        expected = sorted(
            (e["seq"], by_msg[(CONSUMER_OF[e["kind"]], e["msg"])]["seq"])
            for e in events
            if e["kind"] in CONSUMER_OF
            and e["kind"].startswith(cat)
            and (CONSUMER_OF[e["kind"]], e["msg"]) in by_msg
        )
        got = sorted((a["seq"], b["seq"]) for a, b in chains[cat])
        assert got == expected, cat
        for producer, consumer in chains[cat]:
            assert producer["msg"] == consumer["msg"]
    calls = [e for e in events if e["kind"] == "manager.call"]
    expected_calls = sorted(
        tuple(by_msg[(k, c["msg"])]["seq"] for k in ("manager.call", "manager.serve", "manager.result"))
        for c in calls
    )
    assert sorted(tuple(e["seq"] for e in chain) for chain in chains["manager"]) == expected_calls
    spawns = {(e["seq"]) for e in events if e["kind"] == "proc.spawn"}
    assert {chain[0]["seq"] for chain in chains["proc"] if chain[0]["kind"] == "proc.spawn"} == spawns
    return trace


# -- tests ----------------------------------------------------------------------------


@pytest.mark.parametrize("scenario", SEED)
async def test_trace_of_each_seed_scenario(run_to_end: Any, scenario: str) -> None:
    done = await run_to_end(scenario)
    trace = check_trace(done)
    if scenario == "queue":
        assert len(flow_chains(trace)["queue"]) == 4
    elif scenario == "pipe":
        assert len(flow_chains(trace)["pipe"]) == 4
    elif scenario == "manager":
        chains = flow_chains(trace)["manager"]
        assert [c["kind"] for c in chains[0]] == ["manager.call", "manager.serve", "manager.result"]
        assert len(chains) == len(done.of("manager.call"))


async def test_a_blocked_put_is_a_duration_until_the_put_completes(run_to_end: Any, blocking: str) -> None:
    done = await run_to_end(blocking)
    assert done.run.status == "succeeded"
    trace = check_trace(done)
    wait = next(e for e in done.events if e["kind"] == "queue.wait" and e["proc"] == "main")
    slices = slices_by_pid(trace)[wait["pid"]]
    waiting = next(s for s in slices if s["args"]["seq"] == wait["seq"])
    ended_by = done.events[waiting["args"]["until_seq"]]
    # The put that waited (2, or 3 when p1 took item 1 before main put 2) ends the wait.
    put = next(e for e in done.events[wait["seq"] :] if e["kind"] == "queue.put" and e["proc"] == "main")
    assert (ended_by["kind"], ended_by["value"]) == ("queue.put", put["value"])
    # It began before p1 had the item before it and lasted until p1 was running to take it.
    # (A get is stamped once it has the item, after the slot is free, so the put may be
    # stamped first: the wait's end is bounded by p1's start, not by that stamp.)
    took = next(e for e in done.events if e["kind"] == "queue.get" and e["value"] == put["value"] - 1)
    p1_started = next(e for e in done.events if e["kind"] == "proc.start" and e["proc"] == "p1")
    assert waiting["ts"] < took["t"] * 1e6
    assert waiting["ts"] + waiting["dur"] > p1_started["t"] * 1e6
    assert waiting["args"]["waited_us"] == pytest.approx(waiting["dur"])
    assert len(flow_chains(trace)["pipe"]) == 1


def test_a_recv_stamped_before_its_send_still_flows_forward() -> None:
    # A send is stamped after its bytes have left, so the receiver can stamp first.
    common = {"obj": "conn", "line": 1}
    events = [
        {"seq": 0, "t": 0.001000, "kind": "proc.start", "proc": "main", "pid": 10, **common},
        {"seq": 1, "t": 0.001500, "kind": "proc.start", "proc": "p1", "pid": 11, **common},
        {"seq": 2, "t": 0.002000, "kind": "pipe.recv", "proc": "p1", "pid": 11, "msg": "10.1", **common},
        {"seq": 3, "t": 0.002005, "kind": "pipe.send", "proc": "main", "pid": 10, "msg": "10.1", **common},
    ]
    trace = chrome_trace(events)
    check_format(trace)
    [(send, recv)] = flow_chains(trace)["pipe"]
    assert (send["seq"], recv["seq"]) == (3, 2)
    main = slices_by_pid(trace)[10]
    assert main[1]["ts"] >= main[0]["ts"] + main[0]["dur"]  # widened, but after main's start


def test_a_wait_that_never_ended_lasts_to_the_end_of_the_run() -> None:
    common = {"obj": "q", "line": 1}
    events = [
        {"seq": 0, "t": 0.001, "kind": "queue.wait", "proc": "p1", "pid": 11, "op": "get", **common},
        {"seq": 1, "t": 0.005, "kind": "run.end", "proc": "main", "pid": 10, "status": "timed_out", **common},
    ]
    trace = chrome_trace(events)
    check_format(trace)
    [waiting] = slices_by_pid(trace)[11]
    assert waiting["args"]["until_seq"] is None
    assert waiting["ts"] + waiting["dur"] == pytest.approx(5000)
