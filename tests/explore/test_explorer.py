"""The explorer over real processes: it steps real step-mode runs of a scenario until one
fails, and the failing run's schedule replays to the same operations with the same
values."""

from __future__ import annotations

import json
import time
from typing import Any

import pytest

from app.explore.explorer import Explorer, Progress, judge
from app.explore.search import MAX_PREEMPTIONS, count_preemptions
from app.runs.program import Program
from app.runs.service import RunService
from app.scenarios import registry
from tests.conftest import Finished, assert_nothing_left, collect

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(180)]


def explorer(service: RunService, scenario_id: str, **params: Any) -> Explorer:
    scenario = registry.get(scenario_id)
    valid = scenario.validate(params)
    return Explorer(service, scenario.make_program(valid), valid, scenario.check)


def value_ops(events: list[dict[str, Any]]) -> list[tuple[str, str, Any, int]]:
    return [
        (e["proc"], e["kind"], e["value"], e["version"])
        for e in events
        if e["kind"] in ("value.get", "value.set") and e["obj"] == "counter"
    ]


def story(events: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """What every process did, in order, with its values (not when, nor its pid)."""
    return [(e["proc"], e["kind"], e.get("obj"), e.get("value"), e.get("text")) for e in events]


def logged(done: Finished) -> list[dict[str, Any]]:
    return [json.loads(raw) for raw in done.run.log.read(0)]


async def test_it_finds_value_races_lost_update_and_the_schedule_replays(manager: RunService) -> None:
    started = time.monotonic()
    progress = await explorer(manager, "value-race", times=2, use_lock=False).explore(100, Progress())
    seconds = time.monotonic() - started
    found = progress.found
    assert found is not None
    assert progress.runs <= 100
    assert count_preemptions(found.steps) <= MAX_PREEMPTIONS
    assert found.failure is not None
    assert "not 4" in found.failure
    print(f"value-race lost update: {progress.runs} runs, {seconds:.1f} s")
    original = await collect(found.run)
    assert_nothing_left(original)
    assert found.run.status == "succeeded"
    lost = original.output("main")
    assert lost in (["Expected 4, got 3"], ["Expected 4, got 2"])
    # The schedule, posted again, gives the same operations with the same values.
    replay = manager.start_program(found.run.program, schedule=found.schedule)
    again = await collect(replay)
    assert_nothing_left(again)
    assert replay.diverged is None
    assert replay.schedule == found.schedule
    assert value_ops(again.events) == value_ops(original.events)
    assert again.output("main") == lost
    assert story(again.events) == story(original.events)
    assert manager.active() == []  # nothing of the exploration is left running


async def test_it_finds_join_deadlocks_deadlock(manager: RunService) -> None:
    progress = await explorer(manager, "join-deadlock").explore(100, Progress())
    found = progress.found
    assert found is not None
    assert found.run.status == "deadlocked"
    assert found.failure is not None
    assert "main waits for p1.join()" in found.failure
    assert count_preemptions(found.steps) == 0  # any order deadlocks: the first does
    assert_nothing_left(await collect(found.run))
    assert manager.active() == []


async def test_with_the_lock_every_schedule_is_tried_and_none_fails(manager: RunService) -> None:
    started = time.monotonic()
    progress = await explorer(manager, "value-race", times=2, use_lock=True).explore(400, Progress())
    seconds = time.monotonic() - started
    print(f"value-race with the lock: exhausted in {progress.runs} runs, {seconds:.1f} s")
    assert progress.found is None
    assert progress.complete
    # About 60 runs stand for the 310 schedules of at most two preemptions (tests/explore/
    # test_search.py counts them on the same program, pretended).
    assert progress.runs < 150
    assert seconds < 60
    assert manager.active() == []


async def test_a_budget_stops_the_search_before_it_is_done(manager: RunService) -> None:
    progress = await explorer(manager, "value-race", times=2, use_lock=True).explore(3, Progress())
    assert progress.runs == 3
    assert progress.found is None
    assert not progress.complete
    assert manager.active() == []


CRASH = """\
import multiprocessing

def work(v):
    v.value += 1
    if v.value == 1:
        raise ZeroDivisionError("division by zero")

if __name__ == "__main__":
    v = multiprocessing.Value("i", 0)
    ps = [multiprocessing.Process(target=work, args=(v,)) for _ in range(2)]
    for p in ps:
        p.start()
    for p in ps:
        p.join()
"""


async def test_an_exception_in_a_process_is_a_failure(manager: RunService) -> None:
    program = Program("crash", CRASH, "crash.py")
    params = registry.get("value-race").validate({})
    progress = await Explorer(manager, program, params, None).explore(20, Progress())
    found = progress.found
    assert found is not None
    assert found.failure is not None
    assert "exited with code 1: ZeroDivisionError: division by zero" in found.failure
    assert_nothing_left(await collect(found.run))


async def test_judging_a_run_that_passed(manager: RunService) -> None:
    scenario = registry.get("value-race")
    params = scenario.validate({"times": 1, "use_lock": True})
    done = await collect(manager.start_program(scenario.make_program(params)))
    assert judge(done.run, logged(done), params, scenario.check) is None
