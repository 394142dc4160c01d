"""Runs that fail, hang, get cancelled or kill their own children: all end cleanly."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.events.causality import problems
from app.runs.limits import RunLimits
from app.runs.service import RunService
from app.scenarios import registry
from app.scenarios.article import SquaresParams
from app.scenarios.registry import Scenario
from tests.conftest import assert_nothing_left, collect

pytestmark = pytest.mark.anyio
PROGRAMS = Path(__file__).parent / "programs"


class NoParams(SquaresParams.__base__):  # type: ignore[misc,name-defined]
    pass


@pytest.fixture(autouse=True)
def test_scenarios() -> Iterator[None]:
    added = []
    for path in PROGRAMS.glob("*.py"):
        sid = "test-" + path.stem.replace("_", "-")
        scenario = Scenario(id=sid, title=sid, summary="", program=str(path), params_model=NoParams)
        registry.SCENARIOS[sid] = scenario
        added.append(sid)
    yield
    for sid in added:
        del registry.SCENARIOS[sid]


async def test_a_failing_program_fails_and_shows_its_traceback(run_to_end) -> None:
    done = await run_to_end("test-raises")
    assert done.run.status == "failed"
    assert done.run.exitcode == 1
    assert done.output("p1") == ["hello from p1"]
    err = "".join(e["text"] for e in done.of("stderr", "main"))
    assert "ValueError: the program failed on purpose" in err
    assert 'raise ValueError("the program failed on purpose")' in err
    assert done.events[-1]["status"] == "failed"
    assert problems(done.events) == []


async def test_a_hanging_run_times_out_and_its_tree_is_killed() -> None:
    mgr = RunService(RunLimits(timeout_s=1.0))
    await mgr.start()
    try:
        done = await collect(mgr.create("test-waits-forever"))
    finally:
        await mgr.close()
    assert done.run.status == "timed_out"
    assert "time limit" in (done.run.error or "")
    assert_nothing_left(done)
    assert done.of("queue.wait", "p1"), "p1 was shown waiting on the queue"
    exits = {e["proc"]: e for e in done.of("proc.exit")}
    assert exits["p1"]["reason"] == "killed"
    assert exits["main"]["reason"] == "killed"
    assert done.events[-1] == {**done.events[-1], "kind": "run.end", "status": "timed_out"}


async def test_cancel_mid_run_stops_everything_within_two_seconds(manager: RunService) -> None:
    run = manager.create("queue", {"mylist": list(range(32))}, pace_ms=200)
    # Wait until p1 has really put something, then cancel.
    pos = 0
    async for chunk in run.log.batches():
        pos += len(chunk)
        if any(b'"queue.put"' in raw for raw in chunk):
            break
    started = time.monotonic()
    await manager.cancel(run.id)
    elapsed = time.monotonic() - started
    done = await collect(run)
    assert run.status == "cancelled"
    assert elapsed < 2.0
    assert_nothing_left(done)
    assert done.events[-1]["status"] == "cancelled"
    assert problems(done.events) == []


async def test_a_child_terminated_by_the_program(run_to_end) -> None:
    done = await run_to_end("test-terminates-child")
    assert done.run.status == "succeeded"
    assert done.output("main") == ["p1 exit code: -15"]
    join = done.of("proc.join", "main")[-1]
    assert join["exitcode"] == -15
    p1_exit = done.of("proc.exit", "p1")
    assert len(p1_exit) == 1
    assert p1_exit[0]["reason"] == "killed"


async def test_a_race_on_a_value_is_ordered_by_versions(run_to_end) -> None:
    done = await run_to_end("test-race")
    assert problems(done.events) == []
    writes = done.of("value.set")
    assert [w["version"] for w in writes] == list(range(1, len(writes) + 1))
    final = int(done.output("main")[0])
    assert final == writes[-1]["value"]
    assert final <= 600
    # every read reports the value of the write it saw
    by_version = {w["version"]: w["value"] for w in writes}
    for read in done.of("value.get"):
        assert read["value"] == by_version.get(read["version"], 0)
    # workers are named after their target, one each
    assert {"add-1", "add-2", "add-3"} <= set(done.lanes())


async def test_a_process_sends_its_events_before_it_sleeps(manager: RunService) -> None:
    run = manager.create("test-prints-then-sleeps")
    batches: list[list[str]] = []
    extend = run.log.extend

    def record(encoded: list[bytes]) -> None:
        batches.append([json.loads(raw)["kind"] for raw in encoded])
        extend(encoded)

    run.log.extend = record  # type: ignore[method-assign]
    done = await collect(run)
    assert done.output("main") == ["before the nap"]
    # The line went out before the sleep, not with the exit after it.
    printed = next(i for i, kinds in enumerate(batches) if "stdout" in kinds)
    exited = next(i for i, kinds in enumerate(batches) if "proc.exit" in kinds)
    assert printed < exited
