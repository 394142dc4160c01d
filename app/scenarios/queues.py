"""Queues beyond the article's: a JoinableQueue whose join() waits for every task to be
marked done."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from app.json_types import Integer
from app.scenarios.model import MAX_ITEMS, Cast, Params, Scenario, SmallInt, printed


class JoinableParams(Params):
    numbers: list[SmallInt] = Field(
        default=[1, 2, 3, 4, 5, 6],
        max_length=MAX_ITEMS,
        description=f"The numbers the workers square: up to {MAX_ITEMS} integers from -1000 to 1000.",
    )
    workers: Integer = Field(
        default=2, ge=1, le=10, description="How many worker processes take tasks (1 to 10)."
    )


def _workers(p: JoinableParams) -> list[str]:
    return [f"worker-{i}" for i in range(1, p.workers + 1)]


def _joinable_cast(p: JoinableParams) -> Cast:
    # Every worker takes at least its own stop signal.
    return {
        "processes": ["main", *_workers(p)],
        "objects": [{"type": "queue", "name": "tasks", "from": ["main"], "to": _workers(p)}],
    }


def _joinable_steps(p: JoinableParams) -> int:
    # Whichever is longer. main: a start per worker, a put per number and per worker (the
    # stop signals), then join, its line and a join per worker. The workers: per number a
    # get, a printed line and a task_done, per worker a stop signal's get and task_done,
    # shared among them, the first one starting at main's first start; then main's join,
    # line and joins.
    main = len(p.numbers) + 3 * p.workers + 2
    lines = sum(printed(f"{n} squared is {n * n}") for n in p.numbers)
    work = 2 * len(p.numbers) + lines + 2 * p.workers
    return max(main, 1 + -(-work // p.workers) + 2 + p.workers)


SCENARIOS: tuple[Scenario[Any], ...] = (
    Scenario(
        id="joinable-queue",
        title="A JoinableQueue: waiting for the work to be done",
        summary=(
            "Workers take numbers from a JoinableQueue and call task_done() for each one they finish. "
            "The main process's join() on the queue returns only when every item put in has been "
            "marked done, so it waits for the work rather than for the workers."
        ),
        program="joinable_queue.py",
        params_model=JoinableParams,
        concepts=("JoinableQueue", "task_done", "join"),
        default_pace_ms=300,
        steps_of=_joinable_steps,
        cast_of=_joinable_cast,
    ),
)
