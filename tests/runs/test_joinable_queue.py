"""JoinableQueue and SimpleQueue, traced in every process and start method: task_done after
its get, join's return after the last task_done; a Pool's own SimpleQueues stay untraced."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.events.causality import problems
from app.events.schema import decode
from app.runs.program import Program
from app.runs.service import RunService
from tests.conftest import Finished, assert_nothing_left, collect

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]


def check_events(done: Finished) -> None:
    assert done.run.status == "succeeded", done.events[-3:]
    assert problems(done.events) == []
    for ev in done.events:
        decode(json.dumps(ev))


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
async def test_joinable_queue_tells_its_story_in_causal_order(run_to_end: Any, method: str) -> None:
    numbers = [3, 1, 4, 1, 5]
    done = await run_to_end("joinable-queue", {"numbers": numbers, "workers": 2}, start_method=method)
    check_events(done)
    assert done.of("queue.new")[0]["type"] == "JoinableQueue"
    printed = sorted(line for w in ("worker-1", "worker-2") for line in done.output(w))
    assert printed == sorted(f"{n} squared is {n * n}" for n in numbers)
    assert done.output("main") == [f"All {len(numbers)} tasks are done"]

    # In each worker, every task_done follows a get of its own, one for one.
    for worker in ("worker-1", "worker-2"):
        mine = [
            e["kind"]
            for e in done.events
            if e["proc"] == worker and e["kind"] in ("queue.get", "queue.task_done")
        ]
        assert mine, f"{worker} took nothing"
        assert mine == ["queue.get", "queue.task_done"] * (len(mine) // 2), mine
    dones = done.of("queue.task_done")
    assert len(dones) == len(numbers) + 2  # a task per number and per stop signal
    assert min(d["unfinished"] for d in dones) == 0
    assert all(d["unfinished"] >= 0 for d in dones)

    # main waited in join() and its return comes after the last task_done.
    (wait,) = [e for e in done.of("queue.wait", "main") if e["op"] == "join"] or [None]
    (joined,) = done.of("queue.join", "main")
    assert joined["seq"] > max(d["seq"] for d in dones)
    if wait is not None:
        assert wait["seq"] < joined["seq"]
    # The fold of the events counts the unfinished tasks down to zero at the return.
    unfinished = 0
    for e in done.events:
        if e["kind"] == "queue.put":
            unfinished += 1
        elif e["kind"] == "queue.task_done":
            unfinished -= 1
            assert unfinished >= 0
        elif e["kind"] == "queue.join":
            assert unfinished == 0


async def test_a_join_with_nothing_unfinished_returns_without_waiting(manager: RunService) -> None:
    source = """import multiprocessing

if __name__ == "__main__":
    jobs = multiprocessing.JoinableQueue()
    jobs.put("a")
    print(jobs.get())
    jobs.task_done()
    jobs.join()
    try:
        jobs.task_done()
    except ValueError as exc:
        print("ValueError:", exc)
"""
    done = await collect(manager.start_program(Program("joins", source)))
    check_events(done)
    assert done.output("main") == ["a", "ValueError: task_done() called too many times"]
    # (The get may wait a moment for the feeder thread to write the item into the pipe.)
    kinds = [e["kind"] for e in done.events if e.get("obj") == "jobs" and e.get("op") != "get"]
    assert kinds == [
        "queue.new",
        "queue.put",
        "queue.get",
        "queue.task_done",
        "queue.join",
        "queue.task_done",
    ]
    assert done.of("queue.task_done")[0]["unfinished"] == 0
    assert done.of("queue.task_done")[1]["error"] == "task_done() called too many times"


@pytest.mark.parametrize("method", ["fork", "spawn", "forkserver"])
async def test_a_simple_queue_is_traced_like_a_queue(manager: RunService, method: str) -> None:
    source = """import multiprocessing


def child(inbox, outbox):
    outbox.put(inbox.get() * 2)


if __name__ == "__main__":
    inbox = multiprocessing.SimpleQueue()
    outbox = multiprocessing.SimpleQueue()
    p1 = multiprocessing.Process(target=child, args=(inbox, outbox))
    p1.start()
    inbox.put(21)
    print(outbox.get())
    print(outbox.empty())
    p1.join()
"""
    done = await collect(manager.start_program(Program("simple", source), start_method=method))
    check_events(done)
    assert_nothing_left(done)
    assert done.output("main") == ["42", "True"]
    assert [(e["obj"], e.get("type")) for e in done.of("queue.new")] == [
        ("inbox", "SimpleQueue"),
        ("outbox", "SimpleQueue"),
    ]
    puts = {e["obj"]: e for e in done.of("queue.put")}
    gets = {e["obj"]: e for e in done.of("queue.get")}
    assert (puts["inbox"]["proc"], gets["inbox"]["proc"], gets["inbox"]["value"]) == ("main", "p1", 21)
    assert (puts["outbox"]["proc"], gets["outbox"]["proc"], gets["outbox"]["value"]) == ("p1", "main", 42)
    assert all(puts[q]["msg"] == gets[q]["msg"] for q in puts)
    assert done.of("queue.empty", "main")[0]["value"] is True


async def test_a_pools_own_queues_stay_untraced(manager: RunService) -> None:
    source = """import multiprocessing

if __name__ == "__main__":
    with multiprocessing.Pool(2) as pool:
        print(pool.map(abs, [-1, -2, 3]))
"""
    done = await collect(manager.start_program(Program("pool", source)))
    assert done.run.status == "succeeded", done.events[-3:]
    assert done.output("main") == ["[1, 2, 3]"]
    assert [e for e in done.events if e["kind"].startswith("queue.")] == []


async def test_a_get_that_times_out_is_a_wait_then_an_empty(manager: RunService) -> None:
    source = """import multiprocessing
import queue

if __name__ == "__main__":
    q = multiprocessing.Queue()
    try:
        q.get(timeout=0.05)
    except queue.Empty:
        print("empty")
"""
    done = await collect(manager.start_program(Program("empty", source)))
    check_events(done)
    kinds = [
        (e["kind"], e.get("op"), e.get("timeout"), e.get("error")) for e in done.events if e.get("obj") == "q"
    ]
    assert kinds == [
        ("queue.new", None, None, None),
        ("queue.wait", "get", 0.05, None),
        ("queue.get", None, None, "Empty"),
    ]
