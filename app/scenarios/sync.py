"""Scenarios about locks, semaphores, events, conditions and barriers: each one program
that makes processes wait for one another, and what its runs will have."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from app.json_types import Integer
from app.scenarios.model import Cast, Params, Scenario


class LockParams(Params):
    times: Integer = Field(default=3, ge=1, le=20, description="Increments each of the two processes makes.")


class EventParams(Params):
    waiters: Integer = Field(default=2, ge=1, le=4, description="How many processes wait for the signal.")
    prepare_s: float = Field(
        default=1.0, ge=0, le=3, description="Seconds main prepares before it sets the signal (0 to 3)."
    )


class BarrierParams(Params):
    runners: Integer = Field(default=3, ge=1, le=4, description="How many processes meet at the barrier.")


class SemaphoreParams(Params):
    workers: Integer = Field(default=4, ge=1, le=6, description="How many processes want a slot.")
    free_slots: Integer = Field(default=2, ge=1, le=4, description="How many slots the semaphore has.")


class ConditionParams(Params):
    consumers: Integer = Field(default=2, ge=1, le=4, description="How many processes wait on the condition.")
    value: Integer = Field(
        default=42, ge=1, le=1000, description="What the producer puts in the box (1 to 1000)."
    )


def _named(target: str, n: int) -> list[str]:
    return [f"{target}-{i}" for i in range(1, n + 1)]


# -- steps ---------------------------------------------------------------------------------
# Paced operations on the longest path (see Scenario.steps): starts, joins, printed lines,
# Value reads and writes, and every acquire, release, set, wake-up, notify and pass. A
# process let through by another's release, set, notify or last arrival goes on from the
# moment that operation took effect, before its pause: paced, whoever waits takes over at
# once. The programs' own short sleeps are not paced and not counted.


def _lock_steps(p: LockParams) -> int:
    # main starts both; then the two hold the lock in turn, 4 operations each time (acquire,
    # read, write, release), each hand-off overlapping one; main's last join.
    return 2 + 4 * 2 * p.times - (2 * p.times - 1) + 1


def _event_steps(p: EventParams) -> int:
    # main starts the waiters, prints, sets; each waiter wakes and prints; main joins each.
    return 2 * p.waiters + 3


def _barrier_steps(p: BarrierParams) -> int:
    # main starts the runners; the last one (started last, warming up longest) prints,
    # arrives and prints again; main joins each.
    return 2 * p.runners + 2


def _semaphore_steps(p: SemaphoreParams) -> int:
    # main starts the workers; the last one takes a slot (freed by then: a holder keeps it
    # for two operations), prints, gives it back and prints; main joins each.
    return p.workers + max(p.workers, 4)


def _condition_steps(p: ConditionParams) -> int:
    # main starts everyone; the producer takes the lock, writes, notifies and releases; the
    # woken consumers then take the lock in turn (5 operations each, one overlapping the
    # hand-off); main joins each.
    return (p.consumers + 1) + 3 + 1 + 4 * p.consumers + 1 + (p.consumers + 1) - 1


def _cast(processes: list[str], *objects: dict[str, Any]) -> Cast:
    return {"processes": ["main", *processes], "objects": list(objects)}


SCENARIOS: tuple[Scenario[Any], ...] = (
    Scenario(
        id="lock",
        title="Taking turns: a Lock",
        summary=(
            "Two processes add to one shared counter, each holding a Lock while it reads, "
            "works and writes. Whoever comes second waits at the lock, so no update is lost."
        ),
        program="sync_lock.py",
        params_model=LockParams,
        concepts=("Lock", "Value", "mutual exclusion"),
        default_pace_ms=300,
        steps_of=_lock_steps,
        cast_of=lambda _p: _cast(
            ["p1", "p2"],
            {"type": "value", "name": "counter", "users": ["main", "p1", "p2"]},
            {"type": "lock", "name": "lock", "users": ["p1", "p2"]},
        ),
    ),
    Scenario(
        id="event",
        title="A signal for everyone: an Event",
        summary=(
            "Workers wait on an Event until main sets it, and then all go on at once. "
            "An Event is a flag every process can see: set, cleared, and waited for."
        ),
        program="sync_event.py",
        params_model=EventParams,
        concepts=("Event", "signalling"),
        default_pace_ms=300,
        steps_of=_event_steps,
        cast_of=lambda p: _cast(
            _named("wait_for_signal", p.waiters),
            {"type": "event", "name": "ready", "users": ["main", *_named("wait_for_signal", p.waiters)]},
        ),
    ),
    Scenario(
        id="barrier",
        title="Meeting point: a Barrier",
        summary=(
            "Runners warm up for different times and then wait at a Barrier. "
            "Nobody goes on until the last one arrives; then all of them pass together."
        ),
        program="sync_barrier.py",
        params_model=BarrierParams,
        concepts=("Barrier",),
        default_pace_ms=300,
        steps_of=_barrier_steps,
        cast_of=lambda p: _cast(
            _named("run_leg", p.runners),
            {"type": "barrier", "name": "start_line", "users": _named("run_leg", p.runners)},
        ),
    ),
    Scenario(
        id="semaphore",
        title="A few at a time: a Semaphore",
        summary=(
            "Workers need one of a few slots, counted by a Semaphore. "
            "When every slot is taken the next worker waits until someone gives one back."
        ),
        program="sync_semaphore.py",
        params_model=SemaphoreParams,
        concepts=("Semaphore", "limiting"),
        default_pace_ms=300,
        steps_of=_semaphore_steps,
        cast_of=lambda p: _cast(
            _named("use_a_slot", p.workers),
            {"type": "semaphore", "name": "slots", "users": _named("use_a_slot", p.workers)},
        ),
    ),
    Scenario(
        id="condition",
        title="Wait until it is ready: a Condition",
        summary=(
            "Consumers wait on a Condition until a producer has put a value in a shared box "
            "and notified them. Waiting lets go of the lock, and waking takes it back."
        ),
        program="sync_condition.py",
        params_model=ConditionParams,
        concepts=("Condition", "notify"),
        default_pace_ms=300,
        steps_of=_condition_steps,
        cast_of=lambda p: _cast(
            [*_named("consume", p.consumers), "produce-1"],
            {"type": "condition", "name": "ready", "users": [*_named("consume", p.consumers), "produce-1"]},
            {"type": "value", "name": "box", "users": [*_named("consume", p.consumers), "produce-1"]},
        ),
    ),
)
