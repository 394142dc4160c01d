"""Locks, semaphores, events, conditions and barriers: made, taken, waited on, handed on.

A wait kind (``*.wait``) is emitted just before the process really blocks and carries the
``timeout`` it blocks with (None: for ever). What lets a waiter go on (a release, a set, a
notify, a barrier's last arrival) makes a key (``app/events/keys.py``: ``handoff``) that the
acquire, wake-up or pass it let through comes after.
"""

from __future__ import annotations

from typing import Annotated

from app.events import kinds as K
from app.events.schema.base import Doc, Event

Timeout = Annotated[float | None, Doc(description="The timeout the call was given, in seconds (None: none).")]
Depth = Annotated[
    int | None, Doc(description="An RLock's depth after the call: how many times its holder holds it.")
]
Error = Annotated[str | None, Doc(description="The exception the call raised, as Python prints it.")]

# --- Lock and RLock ------------------------------------------------------------------------


class LockNew(Event, kw_only=True, tag=K.LOCK_NEW):
    """A Lock or RLock was made; ``of``: the shared Value or Array whose own lock it is,
    first taken through ``get_lock()`` in this process."""

    say = (
        "{proc} took {obj}, the lock that guards the shared {of}",
        "[recursive=True] {proc} created re-entrant lock {obj} (an RLock)",
        "{proc} created lock {obj}",
    )

    recursive: bool = False
    of: str | None = None


class LockAcquire(Event, kw_only=True, tag=K.LOCK_ACQUIRE):
    """acquire() returned (``with lock:`` too): ``acquired`` is what it returned."""

    say = (
        "[acquired=False; blocking=False] {proc} tried {obj}, but it is held: acquire(block=False) "
        "returned False",
        "[acquired=False] {proc} gave up on {obj} after {timeout} s: acquire() returned False",
        "[depth=1] {proc} acquired {obj}",
        "{proc} acquired {obj} again: it now holds it {depth} times",
        "{proc} acquired {obj}",
    )

    acquired: bool = True
    blocking: bool = True
    timeout: Timeout = None
    depth: Depth = None


class LockWait(Event, kw_only=True, tag=K.LOCK_WAIT):
    """acquire() blocks: another process (``holder``, when it is known) holds the lock."""

    say = (
        "{proc} waits up to {timeout} s for {obj}: {holder} holds it",
        "{proc} waits for {obj}: {holder} holds it",
        "{proc} waits up to {timeout} s for {obj}",
        "{proc} waits for {obj}",
    )
    blocks = True

    holder: str | None = None
    holder_pid: int | None = None
    timeout: Timeout = None


class LockRelease(Event, kw_only=True, tag=K.LOCK_RELEASE):
    """release() (or the end of ``with lock:``); ``error`` when the lock was not held."""

    say = (
        "{proc} could not release {obj}: {error}",
        "[depth=0] {proc} released {obj}: it is free",
        "{proc} released {obj} once: it still holds it {depth} times",
        "{proc} released {obj}",
    )

    depth: Depth = None
    error: Error = None


# --- Semaphore and BoundedSemaphore ----------------------------------------------------------


class SemaphoreNew(Event, kw_only=True, tag=K.SEMAPHORE_NEW):
    say = (
        "[bounded=True] {proc} created bounded semaphore {obj} with {count} slots",
        "{proc} created semaphore {obj} with {count} slots",
    )

    count: int
    bounded: bool = False


class SemaphoreAcquire(Event, kw_only=True, tag=K.SEMAPHORE_ACQUIRE):
    """acquire() returned; ``count``: the free slots just after it."""

    say = (
        "[acquired=False; blocking=False] {proc} tried {obj}, but no slot is free: "
        "acquire(block=False) returned False",
        "[acquired=False] {proc} gave up on {obj} after {timeout} s: acquire() returned False",
        "{proc} took a slot of {obj} ({count} left free)",
    )

    acquired: bool = True
    blocking: bool = True
    timeout: Timeout = None
    count: int


class SemaphoreWait(Event, kw_only=True, tag=K.SEMAPHORE_WAIT):
    """acquire() blocks: no slot is free."""

    say = (
        "{proc} waits up to {timeout} s for a slot of {obj}: none is free",
        "{proc} waits for a slot of {obj}: none is free",
    )
    blocks = True

    timeout: Timeout = None


class SemaphoreRelease(Event, kw_only=True, tag=K.SEMAPHORE_RELEASE):
    """release(); ``count``: the free slots just after it; ``error`` when a bounded
    semaphore was released more often than acquired."""

    say = (
        "{proc} could not release {obj}: {error}",
        "{proc} gave back a slot of {obj} ({count} free)",
    )

    count: int | None = None
    error: Error = None


# --- Event ---------------------------------------------------------------------------------


class EventNew(Event, kw_only=True, tag=K.EVENT_NEW):
    say = ("{proc} created event {obj} (not set)",)


class EventSet(Event, kw_only=True, tag=K.EVENT_SET):
    say = ("{proc} set {obj}: whoever waits on it goes on",)


class EventClear(Event, kw_only=True, tag=K.EVENT_CLEAR):
    say = ("{proc} cleared {obj}: waiting on it blocks again",)


class EventWait(Event, kw_only=True, tag=K.EVENT_WAIT):
    """wait() blocks: the event is not set."""

    say = (
        "{proc} waits up to {timeout} s for {obj} to be set",
        "{proc} waits for {obj} to be set",
    )
    blocks = True

    timeout: Timeout = None


class EventWake(Event, kw_only=True, tag=K.EVENT_WAKE):
    """wait() returned ``value`` (the flag); ``waited``: whether it had blocked first."""

    say = (
        "[value=False] {proc} stopped waiting for {obj} after {timeout} s: it is not set, "
        "so wait() returned False",
        "[waited=False] {proc} found {obj} set already and went straight on",
        "{proc} woke up: {obj} is set",
    )

    value: bool
    waited: bool = True
    timeout: Timeout = None


# --- Condition -----------------------------------------------------------------------------


class ConditionNew(Event, kw_only=True, tag=K.CONDITION_NEW):
    """A Condition; ``lock``: the lock it waits with (its own RLock carries its name)."""

    say = (
        "{proc} created condition {obj} on lock {lock}",
        "{proc} created condition {obj}",
    )

    lock: str | None = None


class ConditionWait(Event, kw_only=True, tag=K.CONDITION_WAIT):
    """wait() let go of the lock and blocks until a notify."""

    say = (
        "{proc} let go of {obj}'s lock and waits up to {timeout} s for a notify",
        "{proc} let go of {obj}'s lock and waits for a notify",
    )
    blocks = True

    timeout: Timeout = None


class ConditionWake(Event, kw_only=True, tag=K.CONDITION_WAKE):
    """The wait is over (notified: ``value`` True; timed out: False); the lock is taken
    again next."""

    say = (
        "[value=False] {proc} stopped waiting on {obj}: no notify came within {timeout} s",
        "{proc} was woken by a notify on {obj} and takes its lock again",
    )

    value: bool
    timeout: Timeout = None


class ConditionNotify(Event, kw_only=True, tag=K.CONDITION_NOTIFY):
    """notify(n) or notify_all() (``all``); ``waiting``: how many waited when it was called."""

    say = (
        "[waiting=0] {proc} notified {obj}, but nobody was waiting",
        "[all=True] {proc} woke everyone waiting on {obj} with notify_all() ({waiting} waiting)",
        "[n=1] {proc} woke one process waiting on {obj} with notify() ({waiting} waiting)",
        "{proc} called notify({n}) on {obj} ({waiting} waiting)",
    )

    n: int | None = None
    all: bool = False
    waiting: int


# --- Barrier -------------------------------------------------------------------------------


class BarrierNew(Event, kw_only=True, tag=K.BARRIER_NEW):
    say = ("{proc} created barrier {obj} for {parties} processes",)

    parties: int


class BarrierWait(Event, kw_only=True, tag=K.BARRIER_WAIT):
    """An arrival that blocks: ``n`` of ``parties`` are there, counting this one."""

    say = (
        "{proc} arrived at {obj} ({n} of {parties}) and waits up to {timeout} s for the rest",
        "{proc} arrived at {obj} ({n} of {parties}) and waits for the rest",
    )
    blocks = True

    n: int
    parties: int
    timeout: Timeout = None


class BarrierPass(Event, kw_only=True, tag=K.BARRIER_PASS):
    """wait() returned ``index``; the ``last`` arrival let the whole party through."""

    say = (
        "[last=True] {proc} arrived last at {obj} ({parties} of {parties}): everyone goes on",
        "{proc} passed {obj} with the rest of the {parties}",
    )

    index: int
    parties: int
    last: bool = False


class BarrierAbort(Event, kw_only=True, tag=K.BARRIER_ABORT):
    say = ("{proc} aborted {obj}: it is broken, and every wait on it fails",)


class BarrierBroken(Event, kw_only=True, tag=K.BARRIER_BROKEN):
    """wait() raised BrokenBarrierError (aborted, or a wait timed out)."""

    say = ("{proc}'s wait at {obj} failed: the barrier is broken (BrokenBarrierError)",)


EVENTS = (
    LockNew,
    LockAcquire,
    LockWait,
    LockRelease,
    SemaphoreNew,
    SemaphoreAcquire,
    SemaphoreWait,
    SemaphoreRelease,
    EventNew,
    EventSet,
    EventClear,
    EventWait,
    EventWake,
    ConditionNew,
    ConditionWait,
    ConditionWake,
    ConditionNotify,
    BarrierNew,
    BarrierWait,
    BarrierPass,
    BarrierAbort,
    BarrierBroken,
)
