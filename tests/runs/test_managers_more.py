"""A Manager's Namespace, Value, Array, Queue, Lock and Event, traced in real processes
under every start method: each call as call → serve → result in causal order with the
real values and the real object's state after it, a call the server holds (an empty
Queue's get, a held Lock's acquire) as its caller's wait, and the program's own output."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from app.runs.program import Program
from app.runs.service import RunService
from app.scenarios import registry
from tests.conftest import Finished, assert_nothing_left, collect
from tests.runs.test_sync import all_output, check_run, untraced_output

pytestmark = pytest.mark.anyio

METHODS = ["fork", "spawn", "forkserver"]


def calls_in_order(done: Finished) -> None:
    """Every call is served after it was made and answered after it was served, in the
    server process; a wait comes between its call and its result, in the caller."""
    at: dict[tuple[str, str], dict[str, Any]] = {}
    for ev in done.events:
        if ev["kind"].startswith("manager.") and ev.get("msg") is not None:
            at[(ev["kind"], ev["msg"])] = ev
    calls = [e for e in done.events if e["kind"] == "manager.call"]
    assert calls
    for call in calls:
        serve = at[("manager.serve", call["msg"])]
        result = at[("manager.result", call["msg"])]
        assert call["seq"] < serve["seq"] < result["seq"], (call, serve, result)
        assert serve["proc"] == "manager"
        assert serve["caller"] == call["proc"] == result["proc"]
        assert serve["obj"] == call["obj"] == result["obj"]
        wait = at.get(("manager.wait", call["msg"]))
        if wait is not None:
            assert call["seq"] < wait["seq"] < result["seq"]
            assert wait["proc"] == call["proc"]


def holders(done: Finished, obj: str) -> None:
    """The Lock's state after each call says who holds it, and only one process at a time
    does; a wait names a process that had acquired it."""
    holder: str | None = None
    acquired: set[str] = set()
    for ev in done.events:
        if ev.get("obj") != obj:
            continue
        if ev["kind"] == "manager.wait":
            assert ev["reason"] == "held"
            assert ev["holder"] in acquired, ev
        if ev["kind"] != "manager.serve" or ev["method"] not in ("acquire", "release"):
            continue
        if ev["method"] == "acquire" and ev.get("value") is True:
            assert holder is None, f"seq {ev['seq']}: {ev['caller']} acquired {obj} held by {holder}"
            holder = ev["caller"]
            acquired.add(holder)
        elif ev["method"] == "release":
            assert holder == ev["caller"], ev
            holder = None
        assert ev["state"] == {"locked": holder is not None, "holder": holder}, ev


@pytest.mark.parametrize("method", METHODS)
async def test_workers_share_a_namespace_under_the_managers_lock(
    run_to_end: Any, tmp_path: Path, method: str
) -> None:
    s = registry.get("manager-shared")
    # Paced, each worker holds the lock long enough for the others to arrive at it.
    done = await run_to_end("manager-shared", {"workers": 3, "rounds": 3}, start_method=method, pace_ms=20)
    check_run(done)
    calls_in_order(done)
    holders(done, "lock")
    expected = untraced_output(s.render(s.validate({"workers": 3, "rounds": 3})), tmp_path, s.program)
    assert Counter(all_output(done)) == Counter(expected)
    assert done.output("main")[-1] == "total: 9 expected: 9"
    # The counter's state in the server counts up one increment at a time.
    totals = [e["state"]["total"] for e in done.of("manager.serve") if e["method"] == "__setattr__"]
    assert totals == list(range(10))
    # Three workers on one lock: somebody was held in the server waiting for it.
    assert [e for e in done.of("manager.wait") if e["obj"] == "lock"]
    (gets,) = [[e for e in done.of("manager.serve") if e["obj"] == "done" and e["method"] == "get"]]
    assert sorted(e["value"] for e in gets) == ["w1", "w2", "w3"]
    assert {e["type"] for e in done.of("manager.call")} == {"Namespace", "Lock", "Queue"}


EVERY_TYPE = """\
import multiprocessing
import queue


def child(ns, total, cells, jobs, lock, ready):
    ready.wait()
    with lock:
        ns.seen = ns.start + 1
        total.value = total.value + 10
    cells[1] = 7
    jobs.put("done")


if __name__ == "__main__":
    with multiprocessing.Manager() as manager:
        ns = manager.Namespace(start=41)
        total = manager.Value("i", 0)
        cells = manager.Array("i", [1, 2, 3])
        jobs = manager.Queue()
        lock = manager.Lock()
        ready = manager.Event()
        try:
            jobs.get(timeout=0.05)
        except queue.Empty:
            print("nothing yet")
        print(ready.wait(0.05))
        lock.acquire()
        print(lock.acquire(True, 0.05))
        p = multiprocessing.Process(target=child, args=(ns, total, cells, jobs, lock, ready))
        p.start()
        ready.set()
        lock.release()
        print(jobs.get())
        p.join()
        print(ns.seen, total.value, cells[:], ready.is_set())
        del ns.seen
"""


@pytest.mark.parametrize("method", METHODS)
async def test_every_type_shows_its_real_state(manager: RunService, tmp_path: Path, method: str) -> None:
    done = await collect(
        manager.start_program(Program("types", EVERY_TYPE, "types.py", {}), start_method=method)
    )
    assert_nothing_left(done)
    check_run(done)
    calls_in_order(done)
    holders(done, "lock")
    expected = ["nothing yet", "False", "False", "done", "42 10 array('i', [1, 7, 3]) True"]
    assert all_output(done) == expected == untraced_output(EVERY_TYPE, tmp_path, "types.py")

    def served(obj: str) -> list[tuple[str, Any]]:
        return [(e["method"], e.get("state")) for e in done.of("manager.serve") if e["obj"] == obj]

    assert served("ns") == [
        ("Namespace", {"start": 41}),
        ("__getattribute__", {"start": 41}),
        ("__setattr__", {"start": 41, "seen": 42}),
        ("__getattribute__", {"start": 41, "seen": 42}),
        ("__delattr__", {"start": 41}),
    ]
    assert served("total") == [("Value", 0), ("get", 0), ("set", 10), ("get", 10)]
    assert served("cells")[0] == ("Array", [1, 2, 3])
    assert ("__setitem__", [1, 7, 3]) in served("cells")
    # The second get, held in the server, is served once the child's put is in.
    assert served("jobs") == [("Queue", []), ("get", []), ("put", ["done"]), ("get", [])]
    assert served("ready")[:2] == [("Event", False), ("wait", False)]
    assert ("set", True) in served("ready")
    # The waits with a timeout say so, and end with what the call returned.
    waits: dict[tuple[str, str], dict[str, Any]] = {}
    for e in done.of("manager.wait", "main"):
        waits.setdefault((e["obj"], e["reason"]), e)
    assert waits[("jobs", "empty")]["timeout"] == 0.05
    assert waits[("ready", "unset")]["timeout"] == 0.05
    assert waits[("lock", "held")]["timeout"] == 0.05
    assert waits[("lock", "held")]["holder"] == "main"
    results = {(e["obj"], e["method"]): e for e in done.of("manager.result", "main")}
    assert results[("jobs", "get")]["value"] == "done"  # the last get: the child's item
    (empty,) = [e for e in done.of("manager.result", "main") if e.get("error") == "Empty"]
    assert (empty["obj"], empty["method"]) == ("jobs", "get")
    child_waits = done.of("manager.wait", "child")
    assert [(e["obj"], e["holder"]) for e in child_waits if e["obj"] == "lock"] in ([], [("lock", "main")])


FOREVER = """\
import multiprocessing

if __name__ == "__main__":
    with multiprocessing.Manager() as manager:
        jobs = manager.Queue()
        print("waiting")
        jobs.get()
"""


async def test_a_get_the_server_holds_for_good_is_a_deadlock(manager: RunService) -> None:
    # main's last word is its wait in the manager, with no timeout: nothing can change.
    done = await collect(manager.start_program(Program("forever", FOREVER, "forever.py", {})))
    assert_nothing_left(done)
    assert done.run.status == "deadlocked"
    (wait,) = done.of("manager.wait")
    assert (wait["proc"], wait["obj"], wait["reason"], wait.get("timeout")) == ("main", "jobs", "empty", None)
    assert "main waits for" in done.events[-1]["error"]
