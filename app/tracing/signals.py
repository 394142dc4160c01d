"""Traced events, conditions and barriers: what lets waiting processes go on when another
says so (a set, a notify, a barrier's last arrival).

They subclass ``multiprocessing.synchronize``'s classes and keep its machinery: their
bookkeeping runs under each object's own (untraced) internal lock, so a wake-up reads
exactly the hand-off (app/tracing/handoffs.py) that let it through. A Condition's lock is a
traced lock (app/tracing/locks.py), so letting go of it and taking it back both show.
What multiprocessing makes for its own use (an Event's Condition, a Barrier's Condition)
is left untraced: the factories hand those callers the stdlib's own objects.
"""

from __future__ import annotations

import sys
import threading
from multiprocessing import synchronize
from typing import Any

from app.events import kinds as K
from app.tracing import emitter, frames, handoffs
from app.tracing.locks import TracedRLock

# Typed loosely: subclassed with private parts the stubs do not describe.
_Event: Any = synchronize.Event
_Condition: Any = synchronize.Condition
_Barrier: Any = synchronize.Barrier

_BARRIER_STATE = 5  # synchronize.Barrier's own state: parties, action, timeout, cond, wrapper


# --- Event ---------------------------------------------------------------------------------


class TracedEvent(handoffs.Traced, _Event):  # type: ignore[misc]
    """The flag lives in the stdlib's semaphore, guarded by its (untraced) Condition; the
    set/wait bookkeeping is ours, under that same Condition, so a wake-up reads exactly
    the set that let it through."""

    _cond: Any
    _flag: Any

    def _flag_up(self) -> bool:
        if self._flag.acquire(False):
            self._flag.release()
            return True
        return False

    def set(self) -> None:
        em = emitter.EMITTER
        if em is None:
            super().set()
            return
        line = frames.scenario_line()
        em.before(K.EVENT_SET, self._mps_name, line)
        with self._cond:
            self._flag.acquire(False)
            self._flag.release()
            key = self._mps_shared.handoff(em.pid)
            self._cond.notify_all()
        em.emit(K.EVENT_SET, self._mps_name, line, None, key=key)
        em.after()

    def clear(self) -> None:
        em = emitter.EMITTER
        if em is None:
            super().clear()
            return
        line = frames.scenario_line()
        em.before(K.EVENT_CLEAR, self._mps_name, line)
        super().clear()
        em.emit(K.EVENT_CLEAR, self._mps_name, line)
        em.after()

    def wait(self, timeout: float | None = None) -> bool:
        em = emitter.EMITTER
        if em is None:
            return bool(super().wait(timeout))
        line = frames.scenario_line()
        # Gated as its wake-up, the one event every wait() makes (it blocks only at times).
        em.before(K.EVENT_WAKE, self._mps_name, line)
        waited = False
        with self._cond:
            value = self._flag_up()
            if not value and (timeout is None or timeout > 0):  # wait(0) only looks
                em.emit(K.EVENT_WAIT, self._mps_name, line, {"timeout": timeout})
                em.flush()
                waited = True
                self._cond.wait(timeout)
                value = self._flag_up()
            after = self._mps_shared.last_handoff() if value else None
        fields: dict[str, Any] = {"value": value, "timeout": timeout}
        if not waited:
            fields["waited"] = False
        em.emit(K.EVENT_WAKE, self._mps_name, line, fields, after=after)
        em.after()
        return value


def make_event(ctx: Any) -> Any:
    """Replacement for ``BaseContext.Event``."""
    caller = sys._getframe(1)
    if frames.made_by_stdlib(caller):
        return _Event(ctx=ctx.get_context())
    event = handoffs.build(TracedEvent, frames.assigned_names(caller), "event", ctx=ctx)
    handoffs.announce(K.EVENT_NEW, event, {})
    return event


# --- Condition -----------------------------------------------------------------------------


class TracedCondition(handoffs.Traced, _Condition):  # type: ignore[misc]
    """wait() lets go of the lock through the lock's own (traced) release and takes it
    back through its acquire, so both show; between them it blocks on the stdlib's
    semaphores. A notify is recorded under the lock, before anyone is woken."""

    _lock: Any
    _sleeping_count: Any
    _woken_count: Any
    _wait_semaphore: Any

    def __getstate__(self) -> tuple[Any, ...]:
        return (*super().__getstate__(), self._mps_name, self._mps_shared)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        *base, name, shared = state
        super().__setstate__(tuple(base))
        self._mps_init(name, shared)

    def wait(self, timeout: float | None = None) -> bool:
        em = emitter.EMITTER
        if em is None:
            return bool(super().wait(timeout))
        name = self._mps_name
        line = frames.scenario_line()
        em.before(K.CONDITION_WAKE, name, line)  # as Event.wait: the event every wait() makes
        assert self._lock._semlock._is_mine(), "must acquire() condition before using wait()"
        self._sleeping_count.release()
        depth = int(self._lock._semlock._count())
        for _ in range(depth):
            self._lock.release()
        em.emit(K.CONDITION_WAIT, name, line, {"timeout": timeout})
        em.flush()
        woke, after = False, None
        try:
            woke = bool(self._wait_semaphore.acquire(True, timeout))
            # Read before saying we woke: the notifier keeps the lock until we have, so no
            # later notify can have been recorded yet.
            after = self._mps_shared.last_handoff() if woke else None
        finally:
            self._woken_count.release()
            em.emit(K.CONDITION_WAKE, name, line, {"value": woke, "timeout": timeout}, after=after)
            em.after()
            for _ in range(depth):
                self._lock.acquire()
        return woke

    def notify(self, n: int = 1) -> None:
        self._mps_notify(n, False)

    def notify_all(self) -> None:
        self._mps_notify(sys.maxsize, True)

    def _mps_notify(self, n: int, everyone: bool) -> None:
        em = emitter.EMITTER
        if em is None or not self._lock._semlock._is_mine():
            super().notify(n)  # untraced, or not held: the stdlib's own error
            return
        line = frames.scenario_line(3)
        em.before(K.CONDITION_NOTIFY, self._mps_name, line)
        waiting = int(self._sleeping_count._semlock._get_value() - self._woken_count._semlock._get_value())
        key = self._mps_shared.handoff(em.pid)
        super().notify(n)
        fields: dict[str, Any] = {"waiting": waiting}
        if everyone:
            fields["all"] = True
        else:
            fields["n"] = n
        em.emit(K.CONDITION_NOTIFY, self._mps_name, line, fields, key=key)
        em.after()


def make_condition(ctx: Any, lock: Any = None) -> Any:
    """Replacement for ``BaseContext.Condition``. Without a lock of its own the condition's
    RLock is traced under the condition's name: taking the condition is taking it."""
    caller = sys._getframe(1)
    real_ctx = ctx.get_context()
    if frames.made_by_stdlib(caller):
        return _Condition(lock, ctx=real_ctx)
    em = emitter.EMITTER
    names = frames.assigned_names(caller)
    name = em.object_name(names, "condition") if em else (names[0] if names else "condition")
    if lock is None:
        lock = TracedRLock(ctx=real_ctx)
        lock._mps_init(name, handoffs.new_shared())
    cond = TracedCondition(lock, ctx=real_ctx)
    cond._mps_init(name, handoffs.new_shared())
    handoffs.announce(K.CONDITION_NEW, cond, {"lock": getattr(lock, "_mps_name", None)})
    return cond


# --- Barrier -------------------------------------------------------------------------------


class TracedBarrier(handoffs.Traced, _Barrier):  # type: ignore[misc]
    """Arrivals, the pass and breaking, hooked where threading.Barrier's wait() runs them
    under the barrier's (untraced) Condition: ``_wait`` for an arrival that blocks,
    ``_release`` for the last one."""

    _parties: int
    _timeout: float | None
    # From an arrival to its pass, in this process (its threads would share them): the
    # line of the wait() call, and (the key it made, the key it comes after).
    _mps_line: int | None = None
    _mps_passed: tuple[str | None, str | None] = (None, None)

    def __getstate__(self) -> tuple[Any, ...]:
        return (*super().__getstate__(), self._mps_name, self._mps_shared)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        # The stdlib's __init__ calls this too, with its own five items only.
        if len(state) == _BARRIER_STATE:
            super().__setstate__(state)
            return
        *base, name, shared = state
        super().__setstate__(tuple(base))
        self._mps_init(name, shared)

    def wait(self, timeout: float | None = None) -> int:
        em = emitter.EMITTER
        if em is None:
            return int(super().wait(timeout))
        name = self._mps_name
        line = frames.scenario_line()
        em.before(K.BARRIER_PASS, name, line)  # what every arrival makes, unless the barrier breaks
        self._mps_line = line
        try:
            index = int(super().wait(timeout))
        except threading.BrokenBarrierError:
            em.emit(K.BARRIER_BROKEN, name, line)
            em.after()
            raise
        fields: dict[str, Any] = {"index": index, "parties": self._parties}
        passed = self._mps_passed
        if passed[0] is not None:
            fields["last"] = True
        em.emit(K.BARRIER_PASS, name, line, fields, key=passed[0], after=passed[1])
        em.after()
        return index

    def _wait(self, timeout: float | None) -> None:
        em = emitter.EMITTER
        if em is not None:
            fields = {"n": self._count, "parties": self._parties, "timeout": timeout}
            em.emit(K.BARRIER_WAIT, self._mps_name, self._mps_line, fields)
            em.flush()
        super()._wait(timeout)
        self._mps_passed = (None, self._mps_shared.last_handoff())  # still under the lock

    def _release(self) -> None:
        em = emitter.EMITTER
        if em is not None:
            self._mps_passed = (self._mps_shared.handoff(em.pid), None)
        super()._release()

    def abort(self) -> None:
        em = emitter.EMITTER
        if em is None:
            super().abort()
            return
        line = frames.scenario_line()
        em.before(K.BARRIER_ABORT, self._mps_name, line)
        super().abort()
        em.emit(K.BARRIER_ABORT, self._mps_name, line)
        em.after()


def make_barrier(ctx: Any, parties: int, action: Any = None, timeout: float | None = None) -> Any:
    """Replacement for ``BaseContext.Barrier``."""
    caller = sys._getframe(1)
    if frames.made_by_stdlib(caller):
        return _Barrier(parties, action, timeout, ctx=ctx.get_context())
    names = frames.assigned_names(caller)
    barrier = handoffs.build(TracedBarrier, names, "barrier", parties, action, timeout, ctx=ctx)
    handoffs.announce(K.BARRIER_NEW, barrier, {"parties": parties})
    return barrier


# What app/tracing/tracer.py puts on multiprocessing's contexts, by name (through sync.py).
FACTORIES: dict[str, Any] = {
    "Event": make_event,
    "Condition": make_condition,
    "Barrier": make_barrier,
}
