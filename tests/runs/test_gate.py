"""The gate around every traced operation, and the back channel it listens on.

A run whose gate holds (``gate="hold"``) stops each process before each traced operation
and tells the server what it is about to do; the server lets one process go at a time over
that process's own connection. These runs are driven to the end that way, releasing
whichever held process comes first by name, and must still tell the truth.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from app.events.causality import problems
from app.runs.service import RunService
from app.runs.supervisor import RunSupervisor
from app.scenarios import registry
from tests.conftest import Finished, assert_nothing_left, collect
from tests.runs.test_seed_scenarios import ARTICLE

pytestmark = pytest.mark.anyio


async def drive(supervisor: RunSupervisor) -> list[tuple[str, str]]:
    """Release held processes one at a time until the run ends; what was released, in
    order. Each time a process is held, the operation it waits before must not have
    happened yet: its events of that kind are as many as its releases of that kind."""
    released: list[tuple[str, str]] = []
    log = supervisor.run.log
    while held := await supervisor.wait_held():
        proc = min(held)
        kind = held[proc]["kind"]
        done_so_far = sum(1 for ev in map(_json, log.read(0)) if ev["proc"] == proc and ev["kind"] == kind)
        assert done_so_far <= released.count((proc, kind)), f"{proc}'s {kind} happened before its release"
        assert supervisor.release(proc)
        released.append((proc, kind))
    return released


def _json(raw: bytes) -> dict[str, Any]:
    import json

    event: dict[str, Any] = json.loads(raw)
    return event


async def held_run(manager: RunService, scenario_id: str, start_method: str, **params: Any) -> Finished:
    scenario = registry.get(scenario_id)
    program = scenario.make_program(scenario.validate(params))
    run = manager.start_program(program, start_method=start_method, gate="hold")
    supervisor = manager.supervisor(run.id)
    assert supervisor is not None
    released = await drive(supervisor)
    done = await collect(run)
    assert_nothing_left(done)
    assert done.run.status == "succeeded", done.events[-3:]
    assert problems(done.events) == []
    # Every release let exactly one operation of that kind through, in that process.
    happened = Counter((ev["proc"], ev["kind"]) for ev in done.events)
    for (proc, kind), times in Counter(released).items():
        assert happened[(proc, kind)] == times, (proc, kind)
    assert released, "nothing was held"
    return done


@pytest.mark.parametrize(
    ("scenario", "start_method"),
    [("queue", "fork"), ("pipe", "spawn"), ("manager", "forkserver"), ("shared-memory", "fork")],
)
async def test_a_held_run_goes_one_release_at_a_time_and_prints_what_the_article_shows(
    manager: RunService, scenario: str, start_method: str
) -> None:
    done = await held_run(manager, scenario, start_method)
    for proc, lines in ARTICLE[scenario].items():
        assert done.output(proc) == lines


async def test_a_held_process_inside_its_own_lock_does_not_stop_the_others(manager: RunService) -> None:
    # value-race with use_lock: each increment is a read and a write of the Value under its
    # lock, and each is held by the gate; the gate is called outside the tracer's own use
    # of that lock, so no increment is lost and the run ends.
    done = await held_run(manager, "value-race", "fork", times=5, use_lock=True)
    assert done.of("value.set")[-1]["value"] == 10
