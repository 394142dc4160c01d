"""Scenarios beyond the article: a race on a Value, and a pool of workers."""

from __future__ import annotations

import re

import pytest

from app.events.causality import problems

pytestmark = pytest.mark.anyio


async def test_with_the_lock_no_update_is_lost(run_to_end) -> None:
    done = await run_to_end("value-race", {"times": 150, "use_lock": True})
    assert done.output("main") == ["Expected 300, got 300"]
    assert problems(done.events) == []
    writes = done.of("value.set")
    assert [w["value"] for w in writes] == list(range(1, 301))
    for read, write in zip(done.of("value.get"), writes, strict=False):
        assert write["version"] == read["version"] + 1  # no write between a read and its write


async def test_without_the_lock_the_events_account_for_every_lost_update(run_to_end) -> None:
    done = await run_to_end("value-race", {"times": 500})
    assert problems(done.events) == []
    match = re.fullmatch(r"Expected 1000, got (\d+)", done.output("main")[0])
    assert match
    final = int(match.group(1))
    writes = done.of("value.set")
    assert writes[-1]["value"] == final
    assert [w["version"] for w in writes] == list(range(1, 1001))
    # Each increment is a read then a write in the same process. A write made on a stale
    # read (another process wrote in between) overwrites that other write: an update is
    # lost exactly when such a write exists.
    stale = 0
    for proc in ("p1", "p2"):
        ops = [e for e in done.events if e["proc"] == proc and e["kind"] in ("value.get", "value.set")]
        for read, write in zip(ops[::2], ops[1::2], strict=True):
            assert (read["kind"], write["kind"]) == ("value.get", "value.set")
            assert write["value"] == read["value"] + 1
            stale += write["version"] > read["version"] + 1
    assert (stale > 0) == (final < 1000)


@pytest.mark.parametrize("workers", [1, 4])
async def test_the_pool_squares_every_number_once(run_to_end, workers: int) -> None:
    numbers = [2, 7, 7, -3, 11]
    done = await run_to_end("worker-pool", {"numbers": numbers, "workers": workers})
    assert done.run.status == "succeeded"
    assert done.output("main") == [f"Squares: {[n * n for n in numbers]}"]
    assert problems(done.events) == []
    lanes = set(done.lanes())
    assert lanes == {"main", *(f"worker-{i}" for i in range(1, workers + 1))}
    taken = [e["value"] for e in done.of("queue.get") if e["obj"] == "tasks"]
    assert sorted(v for v in taken if v is not None) == sorted(numbers)
    assert taken.count(None) == workers
    results = [e for e in done.of("queue.get") if e["obj"] == "results"]
    assert {e["proc"] for e in results} == {"main"}
    assert sorted(e["repr"] for e in results) == sorted(repr((n, n * n)) for n in numbers)
