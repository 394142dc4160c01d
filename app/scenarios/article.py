"""The article's five programs and the three that grew from them (a flood of items, a race
on a shared counter, a pool of workers): their parameters, step counts and casts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import Field, field_validator

from app.json_types import Integer
from app.scenarios.model import (
    MAX_ITEMS,
    Cast,
    Check,
    Events,
    Params,
    Record,
    Scenario,
    SmallInt,
    Text,
    printed,
)


class SquaresParams(Params):
    mylist: list[SmallInt] = Field(
        default=[1, 2, 3, 4],
        max_length=MAX_ITEMS,
        description=f"The numbers to square: up to {MAX_ITEMS} integers from -1000 to 1000.",
    )


class ManagerParams(Params):
    records: list[Record] = Field(
        default=[("Sam", 10), ("Adam", 9), ("Kevin", 9)],
        max_length=MAX_ITEMS - 1,
        description="The list the manager starts with: [name, score] pairs.",
    )
    new_record: Record = Field(default=("Jeff", 8), description="The [name, score] pair p1 appends.")


class PipeParams(Params):
    msgs: list[Text] = Field(
        default=["hello", "hey", "hru?", "END"],
        min_length=1,
        max_length=MAX_ITEMS,
        description='Messages to send, in order; the receiver stops at "END", so it must be there.',
        json_schema_extra={"contains": {"const": "END"}},  # what _has_end checks, in the schema too
    )

    @field_validator("msgs")
    @classmethod
    def _has_end(cls, msgs: list[str]) -> list[str]:
        if "END" not in msgs:
            raise ValueError('must contain "END": the receiver waits for it and would never stop')
        return msgs


class FloodParams(Params):
    count: Integer = Field(
        default=2000, ge=1, le=20_000, description="How many numbers go through the queue (1 to 20,000)."
    )


class RaceParams(Params):
    # Ten increments each at the default pace lose about ten updates in every run (tests/scenarios).
    times: Integer = Field(
        default=10, ge=1, le=2000, description="Increments each of the two processes makes."
    )
    use_lock: bool = Field(default=False, description="Hold the Value's lock around each increment.")


class PoolParams(Params):
    numbers: list[SmallInt] = Field(
        default=[1, 2, 3, 4, 5, 6, 7, 8],
        max_length=MAX_ITEMS,
        description=f"The numbers to square: up to {MAX_ITEMS} integers from -1000 to 1000.",
    )
    workers: Integer = Field(default=3, ge=1, le=4, description="How many worker processes share the work.")


# -- steps and casts -----------------------------------------------------------------------
# Each formula counts the paced operations on a run's longest path (see Scenario.steps):
# puts, gets, sends, receives, Value/Array reads and writes, manager results, starts,
# joins, printed lines and watched-variable changes.


def _queue(name: str, senders: list[str], receivers: list[str]) -> dict[str, Any]:
    return {"type": "queue", "name": name, "from": senders, "to": receivers}


def _separate_steps(p: SquaresParams) -> int:
    # main: watch, start; p1: watch, one change per square, print; main: join, print
    return len(p.mylist) + 5


def _shared_steps(p: SquaresParams) -> int:
    # p1: a write per square, a read per cell for sum(), the total, 2 reads, 2 prints
    return 2 * len(p.mylist) + 10


def _manager_steps(p: ManagerParams) -> int:
    # p2 asks for each record (the new one too) and prints it, then asks for one more
    shown = [*p.records, p.new_record]
    p2 = sum(1 + printed(f"Name: {name}\nScore: {score}\n") for name, score in shown) + 1
    # before p2: the manager's start, the list, p1's start, append, 2 lines, join; after: 2 joins
    return 6 + p2 + 2


def _queue_steps(p: SquaresParams) -> int:
    # main starts p1, which puts n (the join waits at least for the start's step), joins;
    # p2 prints, asks empty() n + 1 times, gets and prints n, prints; main joins
    n = len(p.mylist)
    return max(n, 1) + 1 + (3 * n + 3) + 1


def _pipe_steps(p: PipeParams) -> int:
    # The receiver keeps one step behind the sender, who sends and prints every message.
    return sum(1 + printed(f"Sent the message: {m}") for m in p.msgs) + 2


def _race_steps(p: RaceParams) -> int:
    # A read and a write per increment. With the lock the two processes take turns, one
    # whole increment at a time: an acquire, the read and the write (each release overlaps
    # the other's acquire, which it lets in).
    return (6 if p.use_lock else 2) * p.times + 5


def _race_cast(p: RaceParams) -> Cast:
    # Both start their loops together at a Barrier; with use_lock, the Value's own lock.
    objects = [
        {"type": "value", "name": "counter", "users": ["main", "p1", "p2"]},
        {"type": "barrier", "name": "barrier", "users": ["p1", "p2"]},
    ]
    if p.use_lock:
        objects.append({"type": "lock", "name": "counter.get_lock()", "users": ["p1", "p2"]})
    return {"processes": ["main", "p1", "p2"], "objects": objects}


def _lost_updates(p: RaceParams, events: Events, status: str) -> str | None:
    """The counter's last value (main reads it to print it) is not 2 * times: an update
    was lost. A run that did not get that far is judged by how it ended instead."""
    values = [e["value"] for e in events if e["kind"] in ("value.get", "value.set") and e["obj"] == "counter"]
    if status != "succeeded" or not values:
        return None
    expected = 2 * p.times
    if values[-1] == expected:
        return None
    lost = expected - values[-1]
    return f"the counter ended at {values[-1]}, not {expected}: {lost} update{'s' * (lost != 1)} lost"


RACE_CHECK = Check(says="the counter ends below 2 * times", fails=_lost_updates)


def _pool_steps(p: PoolParams) -> int:
    # main does the most: starts, a put per task and per stop signal, a get per result, joins
    return 2 * len(p.numbers) + 3 * p.workers + 1


def _pool_cast(p: PoolParams) -> Cast:
    pool = [f"worker-{i}" for i in range(1, p.workers + 1)]
    done = pool if p.numbers else []
    return {
        "processes": ["main", *pool],
        "objects": [_queue("tasks", ["main"], pool), _queue("results", done, ["main"] if p.numbers else [])],
    }


def _fixed(cast: Cast) -> Callable[[Any], Cast]:
    return lambda _params: cast


SCENARIOS: tuple[Scenario[Any], ...] = (
    Scenario(
        id="separate-memory",
        title="Separate memory",
        summary=(
            "A child process fills its copy of a global list while the parent's copy "
            "stays empty. Processes do not share ordinary variables: each has its own memory."
        ),
        program="separate_memory.py",
        params_model=SquaresParams,
        watch=("result",),
        concepts=("Process", "memory"),
        default_pace_ms=500,
        steps_of=_separate_steps,
        cast_of=_fixed(
            {
                "processes": ["main", "p1"],
                "objects": [{"type": "var", "name": "result", "users": ["main", "p1"]}],
            }
        ),
    ),
    Scenario(
        id="shared-memory",
        title="Shared memory: Value and Array",
        summary=(
            "A child writes squares into a shared Array and their sum into a shared Value. "
            "Both live in memory that parent and child map together, "
            "so the parent reads the child's writes."
        ),
        program="shared_memory.py",
        params_model=SquaresParams,
        concepts=("Array", "Value"),
        default_pace_ms=400,
        steps_of=_shared_steps,
        cast_of=_fixed(
            {
                "processes": ["main", "p1"],
                "objects": [
                    {"type": "array", "name": "result", "users": ["main", "p1"]},
                    {"type": "value", "name": "square_sum", "users": ["main", "p1"]},
                ],
            }
        ),
    ),
    Scenario(
        id="manager",
        title="Server process: a Manager's list",
        summary=(
            "A Manager runs a server process that holds a real list; "
            "the other processes get proxies. "
            "Every append or read is a message to the server and a reply back."
        ),
        program="manager_list.py",
        params_model=ManagerParams,
        concepts=("Manager", "proxy"),
        default_pace_ms=300,
        steps_of=_manager_steps,
        cast_of=_fixed(
            {
                "processes": ["main", "manager", "p1", "p2"],
                "objects": [
                    {
                        "type": "manager",
                        "name": "records",
                        "server": "manager",
                        "proxies": ["main", "p1", "p2"],
                    }
                ],
            }
        ),
    ),
    Scenario(
        id="queue",
        title="Message passing: a Queue",
        summary=(
            "One process puts squares into a Queue, another takes them out in the same order. "
            "A Queue is safe for many producers and consumers."
        ),
        program="queue_squares.py",
        params_model=SquaresParams,
        concepts=("Queue",),
        default_pace_ms=300,
        steps_of=_queue_steps,
        cast_of=lambda p: {
            "processes": ["main", "p1", "p2"],
            # With nothing to square, p1 puts nothing and p2 finds the queue empty.
            "objects": [_queue("q", ["p1"] if p.mylist else [], ["p2"] if p.mylist else [])],
        },
    ),
    Scenario(
        id="pipe",
        title="Message passing: a Pipe",
        summary=(
            "Two processes talk through the two ends of a Pipe until the sender says END. "
            "Both run at once, so their printed lines interleave differently from run to run."
        ),
        program="pipe_messages.py",
        params_model=PipeParams,
        concepts=("Pipe",),
        default_pace_ms=500,
        steps_of=_pipe_steps,
        cast_of=_fixed(
            {
                "processes": ["main", "p1", "p2"],
                "objects": [
                    {
                        "type": "pipe",
                        "name": "parent_conn",
                        "ends": ["parent_conn", "child_conn"],
                        "users": {"parent_conn": ["p1"], "child_conn": ["p2"]},
                    }
                ],
            }
        ),
    ),
    Scenario(
        id="queue-flood",
        title="A Queue under load",
        summary=(
            "A producer pushes thousands of numbers through a Queue while a consumer drains it. "
            "Watch who waits for whom, and how a Queue keeps every item in order."
        ),
        program="queue_flood.py",
        params_model=FloodParams,
        concepts=("Queue", "throughput"),
        default_pace_ms=0,  # it is about volume: thousands of items at full speed
        steps_of=lambda p: p.count + 4,  # the consumer's gets and print, one step behind
        cast_of=_fixed(
            {
                "processes": ["main", "producer", "consumer"],
                "objects": [_queue("q", ["producer"], ["consumer"])],
            }
        ),
    ),
    Scenario(
        id="value-race",
        title="A race on a shared Value",
        summary=(
            "Two processes add to one shared Value; without its lock some additions are lost. "
            "Every read and write carries the Value's version: a write that lands more than one "
            "version after its own read has overwritten another process's update."
        ),
        program="value_race.py",
        params_model=RaceParams,
        concepts=("Value", "Lock", "race condition"),
        # Paced, both processes read the same value and then both write: every run
        # loses updates. At pace 0 the race still happens, in most runs (see the tests).
        default_pace_ms=200,
        steps_of=_race_steps,
        cast_of=_race_cast,
        check=RACE_CHECK,
    ),
    Scenario(
        id="worker-pool",
        title="A pool of workers",
        summary=(
            "Workers take numbers from one task queue and put their squares on a result queue. "
            "Whoever is free takes the next task, so the work spreads differently every run."
        ),
        program="worker_pool.py",
        params_model=PoolParams,
        concepts=("Queue", "Process", "sentinel"),
        default_pace_ms=300,
        steps_of=_pool_steps,
        cast_of=_pool_cast,
    ),
)
