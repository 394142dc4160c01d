"""Many interleavings at full speed: order is causal and seq dense every single time."""

from __future__ import annotations

import pytest

from app.events.causality import problems

pytestmark = pytest.mark.anyio

ITEMS = list(range(1, 33))


@pytest.mark.parametrize("scenario", ["queue", "pipe"])
async def test_fifty_runs_of_32_items_keep_causal_order(run_to_end, scenario: str) -> None:
    params = {"mylist": ITEMS} if scenario == "queue" else {"msgs": [f"m{i}" for i in ITEMS[:-1]] + ["END"]}
    for _ in range(50):
        done = await run_to_end(scenario, params)
        assert done.run.status == "succeeded"
        assert [e["seq"] for e in done.events] == list(range(len(done.events)))
        assert problems(done.events) == []
        consumed = done.of("queue.get" if scenario == "queue" else "pipe.recv")
        assert len(consumed) == 32
