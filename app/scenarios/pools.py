"""Scenarios about pools of workers: ``multiprocessing.Pool`` doing the work a program hands it."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from app.json_types import Integer
from app.scenarios.model import MAX_ITEMS, Cast, Params, Scenario, SmallInt


class MapPoolParams(Params):
    numbers: list[SmallInt] = Field(
        default=[1, 2, 3, 4, 5, 6],
        max_length=MAX_ITEMS,
        description=f"The numbers to square: up to {MAX_ITEMS} integers from -1000 to 1000.",
    )
    workers: Integer = Field(
        default=2, ge=1, le=8, description="How many worker processes the pool has (1 to 8)."
    )
    chunksize: Integer = Field(
        default=2,
        ge=1,
        le=MAX_ITEMS,
        description=f"How many numbers travel to a worker as one task (1 to {MAX_ITEMS}).",
    )


def _rounds(p: MapPoolParams) -> int:
    """How many tasks the busiest worker runs for one map: the chunks, shared out."""
    chunks = -(-len(p.numbers) // p.chunksize)
    return -(-chunks // p.workers)


def _pool_steps(p: MapPoolParams) -> int:
    # main: a start per worker. A map: the submit, then the busiest worker's rounds of take
    # and done (the last done's pause is not waited for: main has the result as soon as it
    # is sent), then main's get and print; map_async the same with the callback's print in
    # place of get and print (an empty map calls no callback); apply_async: submit, take,
    # get, print. Then close, a join per worker, the pool's join and the with block's end.
    chunks = max(0, 2 * _rounds(p) - 1)
    callback = 1 if p.numbers else 0
    return p.workers + (1 + chunks + 2) + 4 + (1 + chunks + callback) + 1 + p.workers + 2


def _pool_cast(p: MapPoolParams) -> Cast:
    workers = [f"pool-worker-{i}" for i in range(1, p.workers + 1)]
    return {
        "processes": ["main", *workers],
        "objects": [{"type": "pool", "name": "pool", "users": ["main", *workers]}],
    }


SCENARIOS: tuple[Scenario[Any], ...] = (
    Scenario(
        id="pool",
        title="A Pool of workers",
        summary=(
            "A multiprocessing.Pool starts its worker processes once and hands them work: map cuts "
            "the numbers into chunks, apply_async sends one call and map_async calls back when every "
            "chunk is done. Each task travels to whichever worker is free, and its result travels "
            "back to main."
        ),
        program="pool_map.py",
        params_model=MapPoolParams,
        concepts=("Pool", "map", "apply_async", "callback"),
        default_pace_ms=300,
        steps_of=_pool_steps,
        cast_of=_pool_cast,
    ),
)
