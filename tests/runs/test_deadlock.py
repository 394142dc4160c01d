"""A run whose every live process is blocked for good ends ``deadlocked``, soon, with
nothing left behind; a run that is only slow, paced, sleeping, computing, held or waiting
with a timeout is never called deadlocked."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from typing import Any

import pytest

from app.config import Settings
from app.events.causality import problems
from app.events.schema import decode
from app.runs.deadlock import DEADLOCK_S
from app.runs.program import Program
from app.runs.service import RunService
from app.scenarios import registry
from tests.conftest import Finished, assert_nothing_left, collect
from tests.serving import in_process

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]

JOIN_DEADLOCK = "main waits for p1.join(); p1 waits for q to flush"
# Found between one and two quiet periods in (app/runs/deadlock.py), plus the stop's grace.
SOON_S = 2 * DEADLOCK_S + 1.5


def check_events(done: Finished) -> None:
    assert problems(done.events) == []
    for ev in done.events:
        decode(json.dumps(ev))
    assert done.events[-1]["kind"] == "run.end"


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
async def test_join_deadlock_ends_deadlocked_soon_and_says_who_waits_for_whom(
    manager: RunService, method: str
) -> None:
    started = time.monotonic()
    run = manager.create("join-deadlock", start_method=method)
    done = await collect(run)
    took = time.monotonic() - started
    assert run.status == "deadlocked", done.events[-3:]
    assert took < SOON_S, f"found after {took:.1f} s"
    assert run.error == JOIN_DEADLOCK
    assert done.events[-1] == {**done.events[-1], "status": "deadlocked", "error": JOIN_DEADLOCK}
    check_events(done)
    assert_nothing_left(done)
    # The child's last word is its wait at the exit for the queue's feeder, after its put.
    p1 = [e["kind"] for e in done.events if e["proc"] == "p1"]
    assert p1[-3:] == ["queue.put", "queue.wait", "proc.exit"]
    assert done.of("queue.wait", "p1")[0]["op"] == "flush"
    assert done.of("proc.wait", "main")[0]["child"] == "p1"
    assert {e["proc"]: e["reason"] for e in done.of("proc.exit")} == {"main": "killed", "p1": "killed"}


@pytest.mark.parametrize("params", [{"get_first": True}, {"size": 1000}])
async def test_the_same_program_ends_when_the_item_is_taken_first_or_fits(
    run_to_end: Any, params: dict[str, Any]
) -> None:
    done = await run_to_end("join-deadlock", params)
    assert done.run.status == "succeeded", done.events[-3:]
    assert done.output("main") == [f"The report has {params.get('size', 100_000)} characters"]
    check_events(done)


async def test_two_gets_on_empty_queues_deadlock(manager: RunService) -> None:
    source = """import multiprocessing


def child(q):
    q.get()


if __name__ == "__main__":
    q = multiprocessing.Queue()
    answers = multiprocessing.Queue()
    p1 = multiprocessing.Process(target=child, args=(q,))
    p1.start()
    answers.get()
"""
    done = await collect(manager.start_program(Program("gets", source)))
    assert done.run.status == "deadlocked"
    assert done.run.error == "main waits for an item in answers; p1 waits for an item in q"
    assert_nothing_left(done)


def program(source: str) -> Program:
    return Program("not-stuck", source)


# Each: a process blocked without a timeout beside one that is not blocked (or a wait that
# ends by itself), for longer than the detector's quiet period.
NOT_STUCK = {
    "sleeping": f"""import multiprocessing
import time


def child():
    time.sleep({DEADLOCK_S * 2})


if __name__ == "__main__":
    p1 = multiprocessing.Process(target=child)
    p1.start()
    p1.join()
    print("done")
""",
    "computing": f"""import multiprocessing
import time


def child():
    end = time.monotonic() + {DEADLOCK_S * 2}
    n = 0
    while time.monotonic() < end:
        n += 1


if __name__ == "__main__":
    p1 = multiprocessing.Process(target=child)
    p1.start()
    p1.join()
    print("done")
""",
    # main's get returns at once, and the get's own event may wait in its batch while main
    # computes: its last event the server has is then the wait.
    "computing after a short wait": f"""import multiprocessing
import time


def child(q):
    q.put(1)


if __name__ == "__main__":
    q = multiprocessing.Queue()
    p1 = multiprocessing.Process(target=child, args=(q,))
    p1.start()
    q.get()
    end = time.monotonic() + {DEADLOCK_S * 2}
    n = 0
    while time.monotonic() < end:
        n += 1
    p1.join()
    print("done")
""",
    "waiting with a timeout": f"""import multiprocessing
import queue


def child(go):
    go.get()


if __name__ == "__main__":
    never = multiprocessing.Queue()
    go = multiprocessing.Queue()
    p1 = multiprocessing.Process(target=child, args=(go,))
    p1.start()
    try:
        never.get(timeout={DEADLOCK_S * 2})
    except queue.Empty:
        go.put("go")
    p1.join()
    print("done")
""",
}


@pytest.mark.parametrize("case", list(NOT_STUCK))
async def test_a_run_that_is_not_stuck_is_not_called_deadlocked(manager: RunService, case: str) -> None:
    done = await collect(manager.start_program(program(NOT_STUCK[case])))
    assert done.run.status == "succeeded", done.events[-3:]
    assert done.output("main") == ["done"]
    assert_nothing_left(done)
    if case == "waiting with a timeout":
        assert done.of("queue.wait", "main")[0]["timeout"] == DEADLOCK_S * 2


async def test_a_paced_run_is_not_called_deadlocked(manager: RunService) -> None:
    # main waits in join while p1 sleeps its pace after each line, longer than the quiet.
    source = """import multiprocessing


def child():
    print("one")
    print("two")


if __name__ == "__main__":
    p1 = multiprocessing.Process(target=child)
    p1.start()
    p1.join()
"""
    pace_ms = int(DEADLOCK_S * 1000) + 300
    done = await collect(manager.start_program(program(source), pace_ms=pace_ms))
    assert done.run.status == "succeeded", done.events[-3:]
    assert done.output("p1") == ["one", "two"]


async def test_a_held_process_is_not_blocked(manager: RunService) -> None:
    # main joins p1 while the gate holds p1 before its put: main is blocked, p1 is not.
    scenario = registry.get("join-deadlock")
    run = manager.start_program(scenario.make_program(scenario.validate({"size": 1000})), gate="hold")
    supervisor = manager.supervisor(run.id)
    assert supervisor is not None
    while True:
        held = await supervisor.wait_held()
        if "main" in held:
            supervisor.release("main")
        elif "p1" in held and held["p1"]["kind"] == "queue.put":
            break
    # Now main waits in join and p1 is held: for three quiet periods, the run goes on.
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(asyncio.shield(run.done.wait()), 3 * DEADLOCK_S)
    assert run.status == "running"
    while held := await supervisor.wait_held():
        for proc in held:
            supervisor.release(proc)
    done = await collect(run)
    assert done.events[-1]["status"] == "succeeded", done.events[-3:]


async def test_the_api_reports_the_deadlock() -> None:
    async with in_process(Settings(max_runs_per_client=4, runs_per_minute=1000)) as client:
        r = await client.post("/api/runs", json={"scenario": "join-deadlock", "start_method": "spawn"})
        assert r.status_code == 201, r.text
        run_id = r.json()["id"]
        # The event stream ends with the run: reading it to the end is waiting for the end.
        events = [
            json.loads(line)
            for line in (await client.get(f"/api/runs/{run_id}/events?format=ndjson")).text.splitlines()
        ]
        run = (await client.get(f"/api/runs/{run_id}")).json()
    assert events[-1]["status"] == "deadlocked"
    assert run["status"] == "deadlocked"
    assert run["error"] == JOIN_DEADLOCK


def test_the_cli_says_deadlocked_and_exits_with_its_own_code() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "app", "run", "join-deadlock", "--start-method", "forkserver"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 3, done.stderr
    assert "p1 has finished but cannot exit yet: it waits for q to flush" in done.stdout
    assert f"run deadlocked: {JOIN_DEADLOCK}" in done.stdout


SYNC_STUCK = """\
import multiprocessing


def child(lock, ready, done):
    lock.acquire()
    ready.set()
    done.wait()


if __name__ == "__main__":
    lock = multiprocessing.Lock()
    ready = multiprocessing.Event()
    done = multiprocessing.Event()
    gate = multiprocessing.Barrier(3)
    p1 = multiprocessing.Process(target=child, args=(lock, ready, done), name="p1")
    p1.start()
    ready.wait()
    with lock:
        pass
"""


async def test_a_deadlock_on_locks_and_events_says_what_each_waits_for(manager: RunService) -> None:
    done = await collect(manager.start_program(Program("sync", SYNC_STUCK)))
    assert done.run.status == "deadlocked"
    assert done.run.error == (
        "main waits for the lock lock to be released (held by p1); p1 waits for the event done to be set"
    )
    assert_nothing_left(done)


async def test_a_barrier_that_never_fills_says_how_many_are_there(manager: RunService) -> None:
    source = SYNC_STUCK.replace("    ready.wait()\n    with lock:\n        pass\n", "    gate.wait()\n")
    source = source.replace("    done.wait()\n", "    gate.wait()\n")
    done = await collect(manager.start_program(Program("barrier", source)))
    assert done.run.status == "deadlocked"
    error = done.run.error or ""
    assert "main waits for the barrier gate to fill" in error
    assert "p1 waits for the barrier gate to fill" in error
    assert "(2 of 3 there)" in error  # whoever came second saw both of them waiting
    assert_nothing_left(done)
