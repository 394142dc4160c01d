"""Scenarios about managers beyond a list and a dict: a Namespace, a Lock and a Queue that
live in the manager's server process."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from app.json_types import Integer
from app.scenarios.model import Cast, Params, Scenario


class SharedParams(Params):
    workers: Integer = Field(
        default=2, ge=1, le=4, description="How many worker processes share the counter."
    )
    rounds: Integer = Field(default=3, ge=1, le=10, description="Increments each worker makes (1 to 10).")


def _workers(p: SharedParams) -> list[str]:
    return [f"work-{i}" for i in range(1, p.workers + 1)]


# -- steps ---------------------------------------------------------------------------------
# Paced operations on the longest path (see Scenario.steps): each manager call's result,
# starts, joins and printed lines. The workers take the lock in turn, so their rounds add up.


def _shared_steps(p: SharedParams) -> int:
    # main: the manager's start, three objects and the counter set, a start per worker;
    # then each round of each worker in turn: acquire, read, write, release (a hand-off in
    # the server overlaps the next acquire by one); the last worker's put; main's get and
    # line, joins, the total's read and its line, the manager's join.
    rounds = p.workers * p.rounds
    return 5 + p.workers + 4 * rounds - (rounds - 1) + 1 + 2 + p.workers + 3


def _shared_cast(p: SharedParams) -> Cast:
    users = ["main", *_workers(p)]

    def held(name: str) -> dict[str, Any]:
        return {"type": "manager", "name": name, "server": "manager", "proxies": users}

    return {
        "processes": ["main", "manager", *_workers(p)],
        "objects": [held("ns"), held("lock"), held("done")],
    }


SCENARIOS: tuple[Scenario[Any], ...] = (
    Scenario(
        id="manager-shared",
        title="A Manager's Namespace, Lock and Queue",
        summary=(
            "Workers add to a counter in a manager's Namespace under the manager's Lock, and "
            "say they are done on the manager's Queue. All three live in the server process, so "
            "a worker waiting for the lock or main waiting for an item is a call the server holds."
        ),
        program="manager_shared.py",
        params_model=SharedParams,
        concepts=("Manager", "Namespace", "proxy", "Lock"),
        default_pace_ms=200,
        steps_of=_shared_steps,
        cast_of=_shared_cast,
    ),
)
