"""Scenarios where data is corrupted on its way: the article's warning about two processes
on one end of a pipe, made to happen."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from app.json_types import Integer
from app.scenarios.model import Cast, Params, Scenario, printed

# What a pipe holds at once on Linux; a message bigger than this is more than one write.
PIPE_BUFFER = 65536


class SameEndParams(Params):
    size: Integer = Field(
        default=300_000,
        ge=1,
        le=1_000_000,
        description=(
            f"Characters in each message (1 to 1,000,000). Above {PIPE_BUFFER:,} a send is many writes, "
            "which is when two senders' bytes mix."
        ),
    )
    per_sender: Integer = Field(default=3, ge=1, le=10, description="Messages each sender sends (1 to 10).")
    safe: bool = Field(
        default=False, description="Hold a Lock around each send, so one sender writes at a time."
    )


def _same_end_steps(p: SameEndParams) -> int:
    # From the first start: the senders' sends, one pace each and both at once (with the
    # lock they take turns, an acquire and a send per message, each release overlapping
    # the other's acquire); main's reads keep pace with them. Then main's read that finds
    # the pipe's end, its two joins and its two printed lines.
    sends = 4 * p.per_sender if p.safe else p.per_sender
    return 1 + sends + 1 + 2 + printed("Whole messages received: 0") + printed("Corrupted reads: 0")


def _same_end_cast(p: SameEndParams) -> Cast:
    pipe = {
        "type": "pipe",
        "name": "reader",
        "ends": ["reader", "writer"],
        # main closes its copy of the writing end once both senders have theirs
        "users": {"reader": ["main"], "writer": ["main", "sender1", "sender2"]},
    }
    return {"processes": ["main", "sender1", "sender2"], "objects": [pipe]}


SCENARIOS: tuple[Scenario[Any], ...] = (
    Scenario(
        id="pipe-same-end",
        title="Two senders on one end of a Pipe",
        summary=(
            "Two processes send big messages into the same end of a Pipe at once, and the receiver "
            "gets their bytes mixed: errors and messages nobody sent. With the lock they take turns "
            "and every message arrives whole."
        ),
        program="pipe_same_end.py",
        params_model=SameEndParams,
        concepts=("Pipe", "Lock", "corruption"),
        default_pace_ms=300,
        steps_of=_same_end_steps,
        cast_of=_same_end_cast,
    ),
)
