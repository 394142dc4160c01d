"""Step mode: the test decides which process takes its next operation, over real processes.

value-race with two increments each: the test drives it into the interleaving that loses
an update (p1 reads, p2 reads, p1 writes, p2 writes), replays the recorded schedule, and
tries the same with the Value's lock, which makes p2 wait for p1 instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import pytest

from app.runs.limits import RunLimits
from app.runs.run import Run
from app.runs.service import RunService
from app.runs.stepping import NotStepping, Stepper, StepState
from app.scenarios import registry
from tests.conftest import Finished, assert_nothing_left, collect

pytestmark = pytest.mark.anyio

Choose = Callable[[StepState], str]


def program(scenario_id: str, **params: Any) -> Any:
    scenario = registry.get(scenario_id)
    return scenario.make_program(scenario.validate(params))


def stepper_of(service: RunService, run: Run) -> Stepper:
    stepper = service.stepper(run.id)
    assert stepper is not None
    return stepper


async def step_through(service: RunService, run: Run, choose: Choose) -> list[StepState]:
    """Step the run to its end, ``choose`` picking who goes each time; every state seen."""
    stepper = stepper_of(service, run)
    seen = [await stepper.settled()]
    while not seen[-1].finished and seen[-1].ready:
        seen.append(await stepper.step(choose(seen[-1])))
    return seen


def first_ready(state: StepState) -> str:
    return state.ready_procs()[0]


def value_ops(done: Finished) -> list[tuple[str, str, Any, int]]:
    """The counter's reads and writes in order: (process, kind, value, version)."""
    return [
        (e["proc"], e["kind"], e["value"], e["version"])
        for e in done.events
        if e["kind"] in ("value.get", "value.set") and e["obj"] == "counter"
    ]


class Interleave:
    """Through the barrier first; then p1 reads, p2 reads, p1 writes, p2 writes; then
    whoever is ready first (p1 before p2 before main)."""

    plan: ClassVar = (("p1", "value.get"), ("p2", "value.get"), ("p1", "value.set"), ("p2", "value.set"))

    def __init__(self) -> None:
        self.left = list(self.plan)

    def __call__(self, state: StepState) -> str:
        ready = {entry["proc"]: entry for entry in state.ready}
        if self.left:
            proc, kind = self.left[0]
            if proc in ready and ready[proc]["kind"] == kind:
                self.left.pop(0)
                return proc
            # Not there yet (starting the processes, the barrier): anyone but the planned
            # operations' processes at their planned kind.
            for name, entry in sorted(ready.items(), key=lambda item: item[0] == "main"):
                if (name, entry["kind"]) not in self.left:
                    return name
        return sorted(ready, key=lambda name: (name == "main", name))[0]


async def test_stepping_value_race_loses_an_update_and_the_program_says_so(manager: RunService) -> None:
    run = manager.start_program(program("value-race", times=2, use_lock=False), mode="step")
    assert run.mode == "step"
    states = await step_through(manager, run, Interleave())
    done = await collect(run)
    assert_nothing_left(done)
    assert run.status == "succeeded", run.error
    assert done.output("main") == ["Expected 4, got 3"]
    ops = value_ops(done)
    # Both read 0; each writes 1: the second write overwrites the first, and one is lost.
    assert ops[:4] == [
        ("p1", "value.get", 0, 0),
        ("p2", "value.get", 0, 0),
        ("p1", "value.set", 1, 1),
        ("p2", "value.set", 1, 2),
    ]
    # The schedule is who was released, each when it was ready.
    assert len(run.schedule) == len(states) - 1
    assert all(proc in state.ready_procs() for state, proc in zip(states, run.schedule, strict=False))
    # What a held write says it will store is what it stored.
    writes = [entry for s in states for entry in s.ready if entry["kind"] == "value.set"]
    assert {w["value"] for w in writes} <= {1, 2, 3}


async def test_a_recorded_schedule_replays_to_the_same_operations_and_values(manager: RunService) -> None:
    first = manager.start_program(program("value-race", times=2, use_lock=False), mode="step")
    await step_through(manager, first, Interleave())
    original = await collect(first)
    replay = manager.start_program(
        program("value-race", times=2, use_lock=False), schedule=list(first.schedule)
    )
    again = await collect(replay)
    assert_nothing_left(again)
    assert replay.status == "succeeded", replay.error
    assert replay.diverged is None
    assert replay.schedule == first.schedule
    assert value_ops(again) == value_ops(original)
    assert again.output("main") == ["Expected 4, got 3"]
    # Every process did the same things in the same order, with the same values.
    for proc in ("main", "p1", "p2"):
        assert _story(again, proc) == _story(original, proc)


def _story(done: Finished, proc: str) -> list[tuple[Any, ...]]:
    return [(e["kind"], e["obj"], e.get("value"), e.get("line")) for e in done.events if e["proc"] == proc]


async def test_with_the_lock_the_same_attempt_blocks_p2_and_nothing_is_lost(manager: RunService) -> None:
    run = manager.start_program(program("value-race", times=2, use_lock=True), mode="step")
    stepper = stepper_of(manager, run)
    state = await stepper.settled()
    # Start both and take them through the barrier, main first.
    while not {"p1", "p2"} <= {e["proc"] for e in state.ready if e["kind"] == "lock.acquire"}:
        state = await stepper.step(sorted(state.ready_procs(), key=lambda n: n != "main")[0])
    state = await stepper.step("p1")  # p1 takes the lock
    assert [e["kind"] for e in state.ready if e["proc"] == "p1"] == ["value.get"]
    state = await stepper.step("p1")  # p1 reads
    state = await stepper.step("p2")  # p2 tries the lock: it waits for p1
    blocked = {e["proc"]: e for e in state.blocked}
    assert "p2" in blocked, state
    assert blocked["p2"]["kind"] == "lock.wait"
    assert "p2" not in state.ready_procs()
    with pytest.raises(NotStepping, match="p2 is blocked"):
        await stepper.step("p2")
    while not state.finished and state.ready:
        state = await stepper.step(sorted(state.ready_procs(), key=lambda n: (n == "main", n))[0])
    done = await collect(run)
    assert_nothing_left(done)
    assert done.output("main") == ["Expected 4, got 4"]


async def test_a_schedule_the_program_cannot_follow_says_where_it_diverged(manager: RunService) -> None:
    run = manager.start_program(program("value-race", times=1, use_lock=False), schedule=["main", "p2"])
    done = await collect(run)
    assert_nothing_left(done)
    # After main started p1, p2 does not exist yet: the replay stops there and the run
    # goes on freely to its end.
    assert run.diverged == {"at": 1, "expected": "p2", "ready": ["main", "p1"]}
    assert run.schedule == ["main"]
    assert run.status == "succeeded"
    assert run.summary()["diverged"] == run.diverged


async def test_after_its_schedule_a_run_can_be_held_again(manager: RunService) -> None:
    run = manager.start_program(
        program("value-race", times=1, use_lock=False), schedule=["main"], then="step"
    )
    stepper = stepper_of(manager, run)
    await stepper.replayed()
    assert stepper.phase == "step"
    state = await stepper.settled()
    assert run.schedule == ["main"]
    assert "main" in state.ready_procs()
    await step_through(manager, run, first_ready)
    done = await collect(run)
    assert_nothing_left(done)
    assert run.status == "succeeded"
    assert run.schedule[0] == "main"
    assert len(run.schedule) > 1


async def test_stepping_into_a_deadlock_ends_the_run_deadlocked_at_once(manager: RunService) -> None:
    run = manager.start_program(program("join-deadlock"), mode="step")
    states = await step_through(manager, run, first_ready)
    done = await collect(run)
    assert_nothing_left(done)
    assert run.status == "deadlocked"
    assert run.error is not None
    assert "main waits for p1.join()" in run.error
    assert states[-1].ready == []
    assert {b["proc"] for b in states[-1].blocked} == {"main", "p1"}


async def test_a_step_run_nobody_steps_is_cancelled_after_the_idle_limit() -> None:
    service = RunService(RunLimits(timeout_s=20, step_idle_s=0.5))
    await service.start()
    try:
        run = service.start_program(program("value-race", times=1, use_lock=False), mode="step")
        done = await collect(run)
        assert_nothing_left(done)
        assert run.status == "cancelled"
        assert run.error == "cancelled: nobody stepped it for 0.5 s"
    finally:
        await service.close()


async def test_steps_that_cannot_be_taken_say_why(manager: RunService) -> None:
    free = manager.start_program(program("value-race", times=1, use_lock=False))
    assert manager.stepper(free.id) is None  # a free run has no step control
    await collect(free)
    run = manager.start_program(program("value-race", times=1, use_lock=False), mode="step")
    stepper = stepper_of(manager, run)
    state = await stepper.settled()
    assert state.ready_procs() == ["main"]
    with pytest.raises(NotStepping, match="p7 is not a process that is ready; ready: main"):
        await stepper.step("p7")
    await step_through(manager, run, first_ready)
    await collect(run)
    with pytest.raises(NotStepping, match="has finished"):
        await stepper.step("main")


@pytest.mark.parametrize("start_method", ["spawn", "forkserver"])
async def test_step_mode_works_under_every_start_method(manager: RunService, start_method: str) -> None:
    run = manager.start_program(
        program("value-race", times=1, use_lock=False), start_method=start_method, mode="step"
    )
    await step_through(manager, run, Interleave())
    done = await collect(run)
    assert_nothing_left(done)
    assert done.output("main") == ["Expected 2, got 1"]
