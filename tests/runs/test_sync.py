"""Locks, semaphores, events, conditions and barriers, traced in real processes under every
start method: the scenarios' stories in causal order, every outcome of a call (acquired or
not, woken or timed out, broken), a Value's own lock through get_lock(), and nothing
traced that multiprocessing makes for itself."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from app.events.causality import problems
from app.events.schema import decode
from app.runs.program import Program
from app.runs.service import RunService
from app.scenarios import registry
from tests.conftest import Finished, assert_nothing_left, collect
from tests.runs.test_gate import drive

pytestmark = pytest.mark.anyio

METHODS = ["fork", "spawn", "forkserver"]
SYNC_SCENARIOS = ["lock", "event", "barrier", "semaphore", "condition"]
FAMILIES = ("lock.", "semaphore.", "event.", "condition.", "barrier.")


# Line-buffered, so that each line the processes print reaches the pipe in one write and
# lines of different processes cannot mix mid-line (the fork children share the stream).
UNTRACED = (
    "import runpy, sys; sys.stdout.reconfigure(line_buffering=True, write_through=False); "
    "runpy.run_path(sys.argv[1], run_name='__main__')"
)


def untraced_output(source: str, tmp: Path, name: str) -> list[str]:
    """What the program prints run by plain Python, no tracer anywhere."""
    path = tmp / name
    path.write_text(source)
    cmd = [sys.executable, "-c", UNTRACED, str(path)]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=True)
    return out.stdout.splitlines()


def all_output(done: Finished) -> list[str]:
    return [line for proc in done.lanes() for line in done.output(proc)]


def check_run(done: Finished) -> None:
    assert done.run.status == "succeeded", done.events[-3:]
    assert problems(done.events) == []  # dense seq, time order per process, the pairs
    for ev in done.events:
        decode(json.dumps(ev))


def exclusive(done: Finished, obj: str) -> list[str]:
    """Replay a lock's events in sequence order: an acquire while another process holds it,
    or a release by a process that does not, is a violation. (Emitted out of causal order,
    an acquire would come before the release that let it in.)"""
    found: list[str] = []
    holder: str | None = None
    for ev in done.events:
        if ev.get("obj") != obj or ev["kind"] not in ("lock.acquire", "lock.release"):
            continue
        if ev["kind"] == "lock.acquire" and ev.get("acquired", True):
            if holder not in (None, ev["proc"]):
                found.append(f"seq {ev['seq']}: {ev['proc']} acquired {obj} held by {holder}")
            holder = ev["proc"]
        elif ev["kind"] == "lock.release" and not ev.get("error") and not ev.get("depth"):
            if holder != ev["proc"]:
                found.append(f"seq {ev['seq']}: {ev['proc']} released {obj} held by {holder}")
            holder = None
    return found


def slot_holders(done: Finished, slots: int) -> list[str]:
    """Replay a semaphore's acquires and releases in sequence order, checking that no more
    than ``slots`` processes hold it at once; who still holds it at the end."""
    holding: list[str] = []
    for ev in done.events:
        if ev["kind"] == "semaphore.acquire":
            holding.append(ev["proc"])
            assert len(holding) <= slots, f"seq {ev['seq']}: {holding} hold {slots} slots"
        elif ev["kind"] == "semaphore.release":
            holding.remove(ev["proc"])
    return holding


def named_holders_held_it(done: Finished, obj: str) -> None:
    """Each lock.wait names a process that had acquired that lock before it."""
    acquired: set[str] = set()
    for ev in done.events:
        if ev.get("obj") != obj:
            continue
        if ev["kind"] == "lock.acquire" and ev.get("acquired", True):
            acquired.add(ev["proc"])
        elif ev["kind"] == "lock.wait" and ev.get("holder") is not None:
            assert ev["holder"] in acquired, ev
            assert ev["holder"] != ev["proc"], ev


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("scenario", SYNC_SCENARIOS)
async def test_each_scenario_prints_what_it_prints_untraced(
    run_to_end: Any, tmp_path: Path, scenario: str, method: str
) -> None:
    s = registry.get(scenario)
    done = await run_to_end(scenario, start_method=method)
    check_run(done)
    assert done.events[0]["start_method"] == method
    expected = untraced_output(s.render(s.validate({})), tmp_path, s.program)
    # Processes print at once, so lines of different processes may interleave differently.
    assert Counter(all_output(done)) == Counter(expected)
    assert {ev["kind"].split(".")[0] + "." for ev in done.events} & set(FAMILIES), "nothing traced"


@pytest.mark.parametrize("method", METHODS)
async def test_lock_holders_take_turns_and_the_second_one_waits(run_to_end: Any, method: str) -> None:
    done = await run_to_end("lock", {"times": 4}, start_method=method)
    check_run(done)
    assert done.output("main") == ["Expected 8, got 8"]
    assert exclusive(done, "lock") == []
    named_holders_held_it(done, "lock")
    acquires = done.of("lock.acquire")
    assert Counter(e["proc"] for e in acquires) == {"p1": 4, "p2": 4}
    assert done.of("lock.wait"), "neither process was seen waiting"
    # Nobody else touches the counter while a process holds the lock.
    holder = None
    for ev in done.events:
        if ev["kind"] == "lock.acquire":
            holder = ev["proc"]
        elif ev["kind"] == "lock.release":
            holder = None
        elif ev["kind"] in ("value.get", "value.set") and ev["proc"] != "main":
            assert ev["proc"] == holder, ev
    # Every acquire that waited comes after a release by the other process.
    for wait in done.of("lock.wait"):
        got = next(e for e in acquires if e["proc"] == wait["proc"] and e["seq"] > wait["seq"])
        releases = [e for e in done.of("lock.release") if wait["seq"] < e["seq"] < got["seq"]]
        assert releases, (wait, got)
        assert releases[-1]["proc"] != wait["proc"], (wait, releases[-1], got)


@pytest.mark.parametrize("method", METHODS)
async def test_event_waiters_wake_after_the_set(run_to_end: Any, method: str) -> None:
    done = await run_to_end("event", {"waiters": 3}, start_method=method)
    check_run(done)
    (set_,) = done.of("event.set")
    wakes = done.of("event.wake")
    assert len(wakes) == 3
    assert all(w["value"] is True and w["seq"] > set_["seq"] for w in wakes)
    waits = done.of("event.wait")
    assert all(w["seq"] < set_["seq"] for w in waits)
    if method == "fork":  # started in milliseconds, a second before the set
        assert len(waits) == 3


@pytest.mark.parametrize("method", METHODS)
async def test_barrier_passes_after_the_last_arrival(run_to_end: Any, method: str) -> None:
    done = await run_to_end("barrier", {"runners": 4}, start_method=method)
    check_run(done)
    arrivals = done.of("barrier.wait")
    passes = done.of("barrier.pass")
    (last,) = [p for p in passes if p.get("last")]
    assert sorted(a["n"] for a in arrivals) == [1, 2, 3]
    assert all(a["parties"] == 4 and a["seq"] < last["seq"] for a in arrivals)
    others = [p for p in passes if not p.get("last")]
    assert len(others) == 3
    assert all(p["seq"] > last["seq"] for p in others)
    assert sorted(p["index"] for p in passes) == [0, 1, 2, 3]
    assert last["index"] == 3
    # Each runner's "is off" comes after its pass.
    for p in passes:
        line = next(e for e in done.of("stdout", p["proc"]) if "is off" in e["text"])
        assert line["seq"] > p["seq"]


@pytest.mark.parametrize("method", METHODS)
async def test_no_more_than_the_slots_hold_the_semaphore(run_to_end: Any, method: str) -> None:
    done = await run_to_end("semaphore", {"workers": 5, "free_slots": 2}, start_method=method)
    check_run(done)
    assert slot_holders(done, 2) == []
    assert len(done.of("semaphore.acquire")) == len(done.of("semaphore.release")) == 5
    assert done.of("semaphore.new")[0]["count"] == 2
    if method == "fork":
        assert done.of("semaphore.wait"), "5 workers, 2 slots, each held 0.2 s: someone waits"


@pytest.mark.parametrize("method", METHODS)
async def test_condition_wakes_after_the_notify_and_takes_the_lock_back(run_to_end: Any, method: str) -> None:
    done = await run_to_end("condition", {"consumers": 3, "value": 7}, start_method=method)
    check_run(done)
    assert exclusive(done, "ready") == []
    (notify,) = done.of("condition.notify")
    assert notify["proc"] == "produce-1"
    assert notify.get("all") is True
    write = done.of("value.set")[0]
    assert write["value"] == 7
    assert write["seq"] < notify["seq"]
    woken = [w for w in done.of("condition.wake") if w["value"]]
    assert woken
    assert all(w["seq"] > notify["seq"] for w in woken)
    assert notify["waiting"] == len(woken)
    for w in done.of("condition.wait"):
        # wait() let go of the lock before it blocked: its release is just before
        mine = [e for e in done.events if e["proc"] == w["proc"] and e["seq"] < w["seq"]]
        assert mine[-1]["kind"] == "lock.release"
        assert mine[-1]["obj"] == "ready"
    for c in ("consume-1", "consume-2", "consume-3"):
        assert done.output(c) == [f"consumer {c[-1]} sees 7"]


async def test_value_race_with_its_lock_shows_the_lock_around_each_increment(run_to_end: Any) -> None:
    done = await run_to_end("value-race", {"times": 5, "use_lock": True})
    check_run(done)
    assert done.output("main") == ["Expected 10, got 10"]
    name = "counter.get_lock()"
    assert {e["obj"] for e in done.events if e["kind"].startswith("lock.")} == {name}
    assert exclusive(done, name) == []
    for proc in ("p1", "p2"):
        ops = [e["kind"] for e in done.events if e["proc"] == proc and e.get("obj") in (name, "counter")]
        ops = [k for k in ops if k not in ("lock.new", "lock.wait")]
        assert ops == ["lock.acquire", "value.get", "value.set", "lock.release"] * 5, ops
    (new_p1,) = [e for e in done.of("lock.new") if e["proc"] == "p1"]
    assert new_p1["of"] == "counter"
    assert new_p1["recursive"] is True


async def test_value_race_without_the_lock_shows_no_lock(run_to_end: Any) -> None:
    # The Value's own locking inside each read and write is part of it, not the program's.
    done = await run_to_end("value-race", {"times": 20})
    check_run(done)
    assert [e for e in done.events if e["kind"].startswith("lock.")] == []
    assert len(done.of("barrier.pass")) == 2  # the program's own Barrier is traced


@pytest.mark.parametrize("scenario", ["queue", "manager", "worker-pool"])
async def test_what_multiprocessing_makes_for_itself_stays_untraced(run_to_end: Any, scenario: str) -> None:
    done = await run_to_end(scenario)
    assert done.run.status == "succeeded"
    assert [e["kind"] for e in done.events if e["kind"].startswith(FAMILIES)] == []


OUTCOMES = """\
import multiprocessing
import threading


def try_everything(lock, rlock, slots, flag, ready, gate):
    print(lock.acquire(block=False))
    print(lock.acquire(timeout=0.05))
    with rlock:
        with rlock:
            print("twice")
    print(flag.wait(0.05))
    with ready:
        print(ready.wait(0.05))
    try:
        gate.wait(timeout=0.05)
    except threading.BrokenBarrierError:
        print("broken")


if __name__ == "__main__":
    lock = multiprocessing.Lock()
    rlock = multiprocessing.RLock()
    slots = multiprocessing.BoundedSemaphore(1)
    flag = multiprocessing.Event()
    ready = multiprocessing.Condition()
    gate = multiprocessing.Barrier(2)
    lock.acquire()
    child = multiprocessing.Process(target=try_everything, args=(lock, rlock, slots, flag, ready, gate))
    child.start()
    child.join()
    lock.release()
    gate.abort()
    try:
        slots.release()
    except ValueError:
        print("released too often")
    flag.set()
    flag.clear()
    print(flag.wait(0))
"""


@pytest.mark.parametrize("method", METHODS)
async def test_every_outcome_is_an_event(manager: RunService, tmp_path: Path, method: str) -> None:
    program = Program("outcomes", OUTCOMES, "outcomes.py", {})
    done = await collect(manager.start_program(program, start_method=method))
    assert_nothing_left(done)
    check_run(done)
    expected = ["False", "False", "twice", "False", "False", "broken", "released too often", "False"]
    # main prints only once the child has ended: one order, traced or not
    assert done.output("child") + done.output("main") == expected
    assert untraced_output(OUTCOMES, tmp_path, "outcomes.py") == expected
    tries = [e for e in done.of("lock.acquire", "child") if e["obj"] == "lock"]
    assert [(e.get("acquired"), e.get("blocking"), e.get("timeout")) for e in tries] == [
        (False, False, None),
        (False, None, 0.05),
    ]
    (wait,) = done.of("lock.wait", "child")
    assert (wait["obj"], wait["holder"], wait["timeout"]) == ("lock", "main", 0.05)
    depths = [
        (e["kind"], e.get("depth"))
        for e in done.events
        if e.get("obj") == "rlock" and e["kind"] != "lock.new"
    ]
    assert depths == [("lock.acquire", 1), ("lock.acquire", 2), ("lock.release", 1), ("lock.release", 0)]
    (wake,) = done.of("event.wake", "child")
    assert (wake["value"], wake["timeout"]) == (False, 0.05)
    (cwake,) = done.of("condition.wake", "child")
    assert cwake["value"] is False
    (arrival,) = done.of("barrier.wait", "child")
    assert (arrival["n"], arrival["parties"], arrival["timeout"]) == (1, 2, 0.05)
    assert len(done.of("barrier.broken", "child")) == 1
    assert len(done.of("barrier.abort", "main")) == 1
    (over,) = done.of("semaphore.release", "main")
    assert over["error"].startswith("ValueError")
    assert [e["kind"] for e in done.events if e.get("obj") == "flag" and e["proc"] == "main"] == [
        "event.new",
        "event.set",
        "event.clear",
        "event.wake",  # wait(0) does not block: no event.wait
    ]
    assert done.of("event.wake", "main")[0]["value"] is False
    names = {e["obj"] for e in done.events if e["kind"].endswith(".new")}
    assert names == {"lock", "rlock", "slots", "flag", "ready", "gate"}


# The kinds whose operation passes the gate: each is made exactly once per call.
GATED = frozenset(
    {
        "lock.acquire",
        "lock.release",
        "semaphore.acquire",
        "semaphore.release",
        "event.set",
        "event.clear",
        "event.wake",
        "condition.wake",
        "condition.notify",
        "barrier.pass",
    }
)


@pytest.mark.parametrize(
    ("scenario", "method"),
    [
        ("lock", "fork"),
        ("event", "spawn"),
        ("barrier", "forkserver"),
        ("semaphore", "fork"),
        ("condition", "fork"),
    ],
)
async def test_a_held_run_passes_every_operation_through_the_gate(
    manager: RunService, scenario: str, method: str
) -> None:
    s = registry.get(scenario)
    run = manager.start_program(s.make_program(s.validate({})), start_method=method, gate="hold")
    supervisor = manager.supervisor(run.id)
    assert supervisor is not None
    released = await drive(supervisor)
    done = await collect(run)
    assert_nothing_left(done)
    check_run(done)
    happened = Counter((e["proc"], e["kind"]) for e in done.events if e["kind"] in GATED)
    assert happened, "no operation of this family"
    assert Counter(r for r in released if r[1] in GATED) == happened


# Pairs of workers take the two slots together, sleep alike and release together: two
# releases at the same instant, which once let an acquire be sequenced before the release
# whose slot it took (both releases read the same hand-off count; the taker named the
# other). About one run in ten showed it.
SIMULTANEOUS = """\
import multiprocessing
import time


def use(slots):
    for _ in range(15):
        with slots:
            time.sleep(0.01)


if __name__ == "__main__":
    slots = multiprocessing.Semaphore(2)
    workers = [multiprocessing.Process(target=use, args=(slots,)) for _ in range(6)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
"""


async def test_releases_at_the_same_instant_come_before_the_acquires_they_let_in(run_program: Any) -> None:
    for _ in range(10):
        done = await run_program(SIMULTANEOUS, "fork")
        check_run(done)
        assert slot_holders(done, 2) == []
        assert len(done.of("semaphore.release")) == 6 * 15
