"""Traced locks, semaphores, events, conditions and barriers.

Each traced object keeps a little shared memory beside it (``_Shared``): the last hand-off
that lets a waiter go on (a release, a set, a notify, a barrier's last arrival) as one
64-bit word, and for a lock the pid and name of its holder. The process that gets through
reads the hand-off and orders its event after the one that made it (``keys.handoff``);
a process about to block on a lock reads the holder to say whom it waits for.

What multiprocessing makes for its own use (a Queue's locks, an Event's Condition, a
Barrier's Condition, a Condition's semaphores, a Value's lock) is left untraced: the
factories hand those callers the stdlib's own objects.
"""

from __future__ import annotations

import ctypes
import sys
import threading
from multiprocessing import sharedctypes, synchronize
from types import FrameType
from typing import Any

from app.events import keys
from app.events import kinds as K
from app.tracing import emitter, frames

# Typed loosely: subclassed with private parts the stubs do not describe.
_Lock: Any = synchronize.Lock
_RLock: Any = synchronize.RLock
_Semaphore: Any = synchronize.Semaphore
_BoundedSemaphore: Any = synchronize.BoundedSemaphore
_Event: Any = synchronize.Event
_Condition: Any = synchronize.Condition
_Barrier: Any = synchronize.Barrier

# A hand-off is (n, pid) packed in one aligned 64-bit word, written and read whole, so a
# reader never sees the count of one hand-off with the pid of another. Linux pids fit in
# 22 bits (pid_max is at most 2**22).
_PID_BITS = 22
_PID_MASK = (1 << _PID_BITS) - 1
_NAME_BYTES = 64
_HOLDER_TRIES = 100
_BARRIER_STATE = 5  # synchronize.Barrier's own state: parties, action, timeout, cond, wrapper


def _internal(frame: FrameType) -> bool:
    """Whether the factory was called by multiprocessing's (or concurrent.futures') own
    code, for its internals: those objects are not the program's and stay untraced."""
    module = str(frame.f_globals.get("__name__", ""))
    return module.startswith(("multiprocessing", "concurrent.futures"))


class _Shared:
    """The shared words beside one object: ``[last hand-off, holder pid]`` and the holder's
    process name. Written by the process that holds the object's own lock (or, for a
    semaphore, by each releaser: two releases at once may share a count, never a key,
    since the key starts with the releaser's pid)."""

    def __init__(self, uid: str) -> None:
        self.uid = uid
        self.words: Any = sharedctypes.RawArray(ctypes.c_longlong, 2)
        self.name: Any = sharedctypes.RawArray(ctypes.c_char, _NAME_BYTES)

    def handoff(self, pid: int) -> str:
        """Record one more hand-off by ``pid``; its key."""
        n = (self.words[0] >> _PID_BITS) + 1
        self.words[0] = (n << _PID_BITS) | pid
        return keys.handoff(pid, self.uid, n)

    def last_handoff(self) -> str | None:
        word = self.words[0]
        return keys.handoff(word & _PID_MASK, self.uid, word >> _PID_BITS) if word else None

    def hold(self, pid: int, proc: str) -> None:
        self.name.value = proc.encode()[: _NAME_BYTES - 1]  # the name first: see holder()
        self.words[1] = pid

    def free(self) -> None:
        self.words[1] = 0

    def holder(self) -> tuple[str | None, int | None]:
        """Who holds the lock, read without taking it: a name read between the same pid
        twice (and a pid set only after its name) is that process's."""
        for _ in range(_HOLDER_TRIES):
            pid = self.words[1]
            name = bytes(self.name.value).decode(errors="replace")
            if pid and self.words[1] == pid:
                return name, int(pid)
        return None, None


class _Traced:
    """What every traced object carries: its name and its shared words."""

    _mps_name: str
    _mps_shared: _Shared

    def _mps_init(self, name: str, shared: _Shared) -> None:
        self._mps_name = name
        self._mps_shared = shared


def _new_shared() -> _Shared:
    em = emitter.EMITTER
    return _Shared(em.new_uid() if em is not None else "untraced")


# --- Lock, RLock, Semaphore, BoundedSemaphore ------------------------------------------------


class _SemLockOps(_Traced):
    """acquire/release for every SemLock. Locks report their holder and depth, semaphores
    their count; ``with`` goes through acquire/release (the stdlib enters the C lock
    directly, which would skip them)."""

    _semlock: Any
    _mps_is_lock = True
    _mps_recursive = False
    _K_ACQUIRE, _K_WAIT, _K_RELEASE = K.LOCK_ACQUIRE, K.LOCK_WAIT, K.LOCK_RELEASE

    def _make_methods(self) -> None:
        pass  # the stdlib binds the C methods on the instance; ours are the class's

    def __enter__(self) -> bool:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __getstate__(self) -> tuple[Any, ...]:
        return (*super().__getstate__(), self._mps_name, self._mps_shared)  # type: ignore[misc]

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        *base, name, shared = state
        super().__setstate__(tuple(base))  # type: ignore[misc]
        self._mps_init(name, shared)

    def acquire(self, block: bool = True, timeout: float | None = None) -> bool:
        sl = self._semlock
        em = emitter.EMITTER
        if em is None:
            return bool(sl.acquire(block, timeout))
        name, shared = self._mps_name, self._mps_shared
        line = frames.scenario_line()
        em.before(self._K_ACQUIRE, name, line)
        got = bool(sl.acquire(False))
        if not got and block and (timeout is None or timeout > 0):
            fields: dict[str, Any] = {"timeout": timeout}
            if self._mps_is_lock:
                fields["holder"], fields["holder_pid"] = shared.holder()
            em.emit(self._K_WAIT, name, line, fields)
            em.flush()
            got = bool(sl.acquire(True, timeout))
        fields = {"timeout": timeout} if timeout is not None else {}
        if not block:
            fields["blocking"] = False
        after = None
        if not got:
            fields["acquired"] = False
        elif not self._mps_is_lock:
            after = shared.last_handoff()
        else:
            depth = int(sl._count()) if self._mps_recursive else 1
            if depth == 1:  # taken from whoever released it last; not a re-entry
                after = shared.last_handoff()
                shared.hold(em.pid, em.proc)
            if self._mps_recursive:
                fields["depth"] = depth
        if not self._mps_is_lock:
            fields["count"] = int(sl._get_value())
        em.emit(self._K_ACQUIRE, name, line, fields, after=after if got else None)
        em.after()
        return got

    def release(self) -> None:
        sl = self._semlock
        em = emitter.EMITTER
        if em is None:
            sl.release()
            return
        name, shared = self._mps_name, self._mps_shared
        line = frames.scenario_line()
        em.before(self._K_RELEASE, name, line)
        fields: dict[str, Any] = {}
        key = None
        if self._mps_recursive:
            depth = int(sl._count()) if sl._is_mine() else 0
            frees = depth == 1
            if depth:
                fields["depth"] = depth - 1
        else:
            # A Lock may be released by any process; a semaphore's release always hands on.
            frees = not self._mps_is_lock or sl._get_value() == 0
        if frees:  # written while the lock is still held, so the next holder reads it
            if self._mps_is_lock:
                shared.free()
            key = shared.handoff(em.pid)
        try:
            sl.release()
        except (AssertionError, ValueError) as exc:
            em.emit(self._K_RELEASE, name, line, {"error": f"{type(exc).__name__}: {exc}"})
            em.after()
            raise
        if not self._mps_is_lock:
            fields["count"] = int(sl._get_value())
        em.emit(self._K_RELEASE, name, line, fields, key=key)
        em.after()


class TracedLock(_SemLockOps, _Lock):  # type: ignore[misc]
    pass


class TracedRLock(_SemLockOps, _RLock):  # type: ignore[misc]
    _mps_recursive = True


class TracedSemaphore(_SemLockOps, _Semaphore):  # type: ignore[misc]
    _mps_is_lock = False
    _K_ACQUIRE, _K_WAIT, _K_RELEASE = K.SEMAPHORE_ACQUIRE, K.SEMAPHORE_WAIT, K.SEMAPHORE_RELEASE


class TracedBoundedSemaphore(_SemLockOps, _BoundedSemaphore):  # type: ignore[misc]
    _mps_is_lock = False
    _K_ACQUIRE, _K_WAIT, _K_RELEASE = K.SEMAPHORE_ACQUIRE, K.SEMAPHORE_WAIT, K.SEMAPHORE_RELEASE


def _build(cls: Any, names: tuple[str, ...], fallback: str, *args: Any, ctx: Any) -> Any:
    em = emitter.EMITTER
    name = em.object_name(names, fallback) if em else (names[0] if names else fallback)
    obj = cls(*args, ctx=ctx.get_context())
    obj._mps_init(name, _new_shared())
    return obj


def make_lock(ctx: Any) -> Any:
    """Replacement for ``BaseContext.Lock``."""
    caller = sys._getframe(1)
    if _internal(caller):
        return _Lock(ctx=ctx.get_context())
    lock = _build(TracedLock, frames.assigned_names(caller), "lock", ctx=ctx)
    _announce(K.LOCK_NEW, lock, {})
    return lock


def make_rlock(ctx: Any) -> Any:
    """Replacement for ``BaseContext.RLock``."""
    caller = sys._getframe(1)
    if _internal(caller):
        return _RLock(ctx=ctx.get_context())
    lock = _build(TracedRLock, frames.assigned_names(caller), "rlock", ctx=ctx)
    _announce(K.LOCK_NEW, lock, {"recursive": True})
    return lock


def make_semaphore(ctx: Any, value: int = 1) -> Any:
    """Replacement for ``BaseContext.Semaphore``."""
    caller = sys._getframe(1)
    if _internal(caller):
        return _Semaphore(value, ctx=ctx.get_context())
    sem = _build(TracedSemaphore, frames.assigned_names(caller), "semaphore", value, ctx=ctx)
    _announce(K.SEMAPHORE_NEW, sem, {"count": value})
    return sem


def make_bounded_semaphore(ctx: Any, value: int = 1) -> Any:
    """Replacement for ``BaseContext.BoundedSemaphore``."""
    caller = sys._getframe(1)
    if _internal(caller):
        return _BoundedSemaphore(value, ctx=ctx.get_context())
    names = frames.assigned_names(caller)
    sem = _build(TracedBoundedSemaphore, names, "semaphore", value, ctx=ctx)
    _announce(K.SEMAPHORE_NEW, sem, {"count": value, "bounded": True})
    return sem


def _announce(kind: str, obj: _Traced, fields: dict[str, Any]) -> None:
    em = emitter.EMITTER
    if em is not None:
        em.emit(kind, obj._mps_name, frames.scenario_line(3), fields)


class _GuardLock(TracedRLock):
    """A shared Value's or Array's own lock as the program sees it through ``get_lock()``:
    the very same semaphore, traced; the object's own reads and writes keep taking the
    untraced original. Announced once per process, when that process first asks for it."""

    _mps_of: str
    _mps_announced = False

    def __getstate__(self) -> tuple[Any, ...]:
        return (*super().__getstate__(), self._mps_of)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        *base, self._mps_of = state
        super().__setstate__(tuple(base))


def _view(cls: Any, lock: Any) -> Any:
    """Another object of ``cls`` on ``lock``'s semaphore (no second semaphore is made)."""
    view: Any = cls.__new__(cls)
    view._semlock = lock._semlock
    view._is_fork_ctx = getattr(lock, "_is_fork_ctx", False)  # 3.11.7+: checked when pickled
    view._make_methods()
    return view


def split_lock(lock: Any, of: str) -> tuple[Any, Any]:
    """For the lock of shared ``of``: what its own reads and writes take (untraced: that
    locking is part of the read or write) and what ``get_lock()`` gives the program (the
    same lock, traced, named ``"<of>.get_lock()"``)."""
    if isinstance(lock, _SemLockOps):  # Value(..., lock=lock): the program's own lock
        return _view(_RLock if lock._mps_recursive else _Lock, lock), lock
    if isinstance(lock, _RLock):  # the one multiprocessing made for it
        guard = _view(_GuardLock, lock)
        guard._mps_of = of
        guard._mps_init(f"{of}.get_lock()", _new_shared())
        return lock, guard
    return lock, lock  # a lock we do not trace (a manager's proxy…)


def announced(guard: Any) -> Any:
    """``guard`` (from ``split_lock``), its lock.new emitted if this process has not yet."""
    if isinstance(guard, _GuardLock) and not guard._mps_announced:
        guard._mps_announced = True
        em = emitter.EMITTER
        if em is not None:
            fields = {"recursive": True, "of": guard._mps_of}
            em.emit(K.LOCK_NEW, guard._mps_name, frames.scenario_line(3), fields)
    return guard


# --- Event ---------------------------------------------------------------------------------


class TracedEvent(_Traced, _Event):  # type: ignore[misc]
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
    if _internal(caller):
        return _Event(ctx=ctx.get_context())
    event = _build(TracedEvent, frames.assigned_names(caller), "event", ctx=ctx)
    _announce(K.EVENT_NEW, event, {})
    return event


# --- Condition -----------------------------------------------------------------------------


class TracedCondition(_Traced, _Condition):  # type: ignore[misc]
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
    if _internal(caller):
        return _Condition(lock, ctx=real_ctx)
    em = emitter.EMITTER
    names = frames.assigned_names(caller)
    name = em.object_name(names, "condition") if em else (names[0] if names else "condition")
    if lock is None:
        lock = TracedRLock(ctx=real_ctx)
        lock._mps_init(name, _new_shared())
    cond = TracedCondition(lock, ctx=real_ctx)
    cond._mps_init(name, _new_shared())
    _announce(K.CONDITION_NEW, cond, {"lock": getattr(lock, "_mps_name", None)})
    return cond


# --- Barrier -------------------------------------------------------------------------------


class TracedBarrier(_Traced, _Barrier):  # type: ignore[misc]
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
    if _internal(caller):
        return _Barrier(parties, action, timeout, ctx=ctx.get_context())
    names = frames.assigned_names(caller)
    barrier = _build(TracedBarrier, names, "barrier", parties, action, timeout, ctx=ctx)
    _announce(K.BARRIER_NEW, barrier, {"parties": parties})
    return barrier


# What app/tracing/tracer.py puts on multiprocessing's contexts, by name.
FACTORIES: dict[str, Any] = {
    "Lock": make_lock,
    "RLock": make_rlock,
    "Semaphore": make_semaphore,
    "BoundedSemaphore": make_bounded_semaphore,
    "Event": make_event,
    "Condition": make_condition,
    "Barrier": make_barrier,
}
