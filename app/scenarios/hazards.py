"""Scenarios that go wrong on purpose: a deadlock, a corrupted pipe."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from app.json_types import Integer
from app.scenarios.model import Cast, Check, Events, Params, Scenario

# A pipe holds 64 KiB here (Linux's default): an item pickled larger than that does not
# fit, and its feeder thread waits for a reader.
PIPE_BYTES = 65536


class JoinDeadlockParams(Params):
    size: Integer = Field(
        default=100_000,
        ge=1,
        le=1_000_000,
        description=(
            "Characters in the item the child puts (1 to 1,000,000). Above about 65,000 it does "
            "not fit in the queue's pipe, and joining before getting deadlocks."
        ),
    )
    get_first: bool = Field(default=False, description="Take the item out before joining the child.")


def deadlocks(p: JoinDeadlockParams) -> bool:
    """Whether a run with ``p`` ends deadlocked (near the pipe's size it depends on the
    item's few bytes of pickling)."""
    return not p.get_first and p.size > PIPE_BYTES


def _join_deadlock_cast(p: JoinDeadlockParams) -> Cast:
    taken = [] if deadlocks(p) else ["main"]
    return {
        "processes": ["main", "p1"],
        "objects": [{"type": "queue", "name": "q", "from": ["p1"], "to": taken}],
    }


def _join_deadlock_steps(p: JoinDeadlockParams) -> int:
    # main starts p1, which puts once at the same time (a child starts when its start took
    # effect). Deadlocked, nothing more happens; otherwise main's get and join, one step
    # each whichever comes first (p1 is done by then), and its line.
    return 1 if deadlocks(p) else 4


def _deadlocked(_p: JoinDeadlockParams, _events: Events, status: str) -> str | None:
    return "the run deadlocked" if status == "deadlocked" else None


SCENARIOS: tuple[Scenario[Any], ...] = (
    Scenario(
        id="join-deadlock",
        title="Deadlock: joining a child before taking its item",
        summary=(
            "A child puts a large item on a Queue and the parent joins the child before taking "
            "the item: the child cannot exit until its item is in the pipe, and the pipe is full "
            "until the parent reads. Each waits for the other, so mpscope stops the run as "
            "deadlocked and shows who waits for whom."
        ),
        program="join_deadlock.py",
        params_model=JoinDeadlockParams,
        concepts=("Queue", "join", "deadlock"),
        default_pace_ms=300,
        steps_of=_join_deadlock_steps,
        cast_of=_join_deadlock_cast,
        ends_of=lambda p: "deadlocked" if deadlocks(p) else "succeeded",
        # A deadlock always counts as a failure; declaring it is what offers the search.
        check=Check(says="the run deadlocks", fails=_deadlocked),
    ),
)
