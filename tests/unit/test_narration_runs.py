"""The narration of real runs reads as plain words: what happened and why.

Each test runs a real program (real processes, the real tracer) and compares the sentences
its events are narrated with to what a learner should read: no dunder method, no proxy
class, no internal function of multiprocessing.
"""

from __future__ import annotations

from typing import Any

import pytest

from app.events.narration import narrate
from app.runs.program import Program
from app.runs.service import START_METHODS, RunService
from tests.conftest import Finished, assert_nothing_left, collect

pytestmark = pytest.mark.anyio

# What a sentence must never show: how Python spells the operation inside, not what it does.
INTERNALS = ("__", "_run_server", "Proxy object", "typeid", "#")


async def run_program(manager: RunService, source: str, start_method: str = "fork") -> Finished:
    done = await collect(manager.start_program(Program("plain-words", source), start_method=start_method))
    assert_nothing_left(done)
    assert done.run.status == "succeeded", [narrate(e) for e in done.events[-4:]]
    return done


def sentences(done: Finished, proc: str | None = None) -> list[str]:
    return [narrate(e) for e in done.events if proc is None or e["proc"] == proc]


def assert_plain(said: list[str]) -> None:
    leaks = [s for s in said if any(word in s for word in INTERNALS)]
    assert leaks == []


async def test_the_manager_scenario_says_what_the_for_loop_and_the_server_do(run_to_end: Any) -> None:
    done = await run_to_end("manager")
    said = sentences(done)
    spawn = next(e for e in done.of("proc.spawn") if e["role"] == "manager")
    assert narrate(spawn) == f"main started manager, the manager's server process (pid {spawn['child_pid']})"
    assert "manager starts: it is the manager's server process, where the shared objects will live" in said
    assert (
        "main asks the manager to create a list from [['Sam', 10], ['Adam', 9], ['Kevin', 9]]; "
        "records will be the proxy to it"
    ) in said
    assert "main gets records: a proxy for the manager's list" in said
    assert (
        "manager runs records.append(['Jeff', 8]); records is now "
        "[['Sam', 10], ['Adam', 9], ['Kevin', 9], ['Jeff', 8]]"
    ) in said
    assert "p1 hears back: the manager has changed records" in said
    # p2's `for record in records:` asks for items 0, 1, 2… until there is none.
    loop = [s for s in sentences(done, "p2") if "for loop" in s]
    assert loop[:2] == [
        "p2's for loop asks the manager for item 0 of records",
        "p2's for loop gets ('Sam', 10), the next item of records",
    ]
    assert loop[-2:] == [
        "p2's for loop asks the manager for item 4 of records",
        "records has no more items, so p2's for loop ends",
    ]
    assert "manager finds no item 4 in records, so it answers IndexError" in said
    assert_plain(said)


MANAGER_CALLS = """\
import multiprocessing

if __name__ == "__main__":
    with multiprocessing.Manager() as manager:
        scores = manager.dict()
        scores["ann"] = 3
        n = len(scores)
        found = "ann" in scores
        for name in scores:
            pass
        try:
            scores["bob"]
        except KeyError:
            pass
        items = manager.list()
        items.append(7)
        items[0] = 8
        del items[0]
        try:
            items.pop()
        except IndexError:
            pass
        nested = manager.list([scores])
"""


async def test_every_operation_on_a_proxy_is_said_as_what_the_program_wrote(manager: RunService) -> None:
    done = await run_program(manager, MANAGER_CALLS)
    said = sentences(done)
    for sentence in [
        "main asks the manager to create an empty dict; scores will be the proxy to it",
        "manager now holds the real dict scores = {}",
        "main asks the manager to set scores['ann'] = 3",
        "manager sets scores['ann'] = 3; scores is now {'ann': 3}",
        "main asks the manager how many items scores has",
        "main hears how many items scores has: 1",
        "main asks the manager whether scores contains 'ann'",
        "manager looks for 'ann' in scores and sends back True",
        "main hears that scores contains it",
        "main's for loop asks the manager to go through scores",
        "main's for loop gets a proxy for the manager's iterator to go through scores",
        "manager finds no key 'bob' in scores, so it answers KeyError",
        "main hears that scores has no such key (KeyError)",
        "main asks the manager to set items[0] = 8",
        "main asks the manager to delete items[0]",
        "manager deletes items[0]; items is now []",
        "main asks the manager to run items.pop()",
        "manager answers IndexError: what was asked of items failed",
        "main gets IndexError back: what it asked of items failed",
        # A proxy inside a value is shown as what it stands for, in Python's spelling.
        'main asks the manager to create a list from ["a proxy for the manager\'s dict"]; nested will '
        "be the proxy to it",
    ]:
        assert sentence in said
    assert_plain(said)


QUEUES_AND_PIPES = """\
import multiprocessing
import queue

if __name__ == "__main__":
    q = multiprocessing.Queue()
    try:
        q.get(timeout=0.01)
    except queue.Empty:
        pass
    small = multiprocessing.Queue(maxsize=1)
    small.put(1)
    try:
        small.put(2, timeout=0.01)
    except queue.Full:
        pass
    a, b = multiprocessing.Pipe()
    b.close()
    try:
        a.recv()
    except EOFError:
        pass
    r, w = multiprocessing.Pipe(duplex=False)
    print()
"""


async def test_waits_and_errors_that_end_a_wait_are_said_as_why(manager: RunService) -> None:
    done = await run_program(manager, QUEUES_AND_PIPES)
    said = sentences(done)
    for sentence in [
        "main starts running the program",
        "main waits up to 0.01 s: q is empty, there is nothing to get yet",
        "main found q empty, so get() raised queue.Empty",
        "main waits up to 0.01 s: small is full, there is no room to put yet",
        "main created a pipe with two connected ends, a and b",
        "main tried to receive on a, but the other end is closed and nothing is left, so recv() "
        "raised EOFError",
        "main created a one-way pipe: what is sent into w comes out of r",
        "main printed an empty line",
        "main finished (exit code 0)",
    ]:
        assert sentence in said
    assert_plain(said)


async def test_the_worker_pool_names_its_workers_as_a_set(run_to_end: Any) -> None:
    done = await run_to_end("worker-pool", {"numbers": [1, 2, 3], "workers": 3})
    assert set(done.lanes()) == {"main", "worker-1", "worker-2", "worker-3"}
    first = next(e for e in done.of("proc.spawn") if e["child"] == "worker-1")
    assert narrate(first) == f"main started worker-1 to run worker() (pid {first['child_pid']})"
    assert "worker-1 runs worker()" in sentences(done, "worker-1")


NAMED = """\
import multiprocessing


def work():
    pass


def lead():
    helpers = [multiprocessing.Process(target=work) for _ in range(2)]
    for h in helpers:
        h.start()
    for h in helpers:
        h.join()


if __name__ == "__main__":
    pool = [multiprocessing.Process(target=work) for _ in range(2)]
    boss = multiprocessing.Process(target=lead)
    for p in [*pool, boss]:
        p.start()
    for p in [*pool, boss]:
        p.join()
"""


@pytest.mark.parametrize("start_method", START_METHODS)
async def test_names_from_targets_are_numbered_and_unique_in_the_run(
    manager: RunService, start_method: str
) -> None:
    done = await run_program(manager, NAMED, start_method)
    started = [e["proc"] for e in done.of("proc.start")]
    # Named from a variable: kept. From a target: numbered from 1, `@parent` outside main.
    assert sorted(started) == ["boss", "main", "work-1", "work-1@boss", "work-2", "work-2@boss"]
