"""Traced locks and semaphores: Lock, RLock, Semaphore, BoundedSemaphore, and a shared
Value's or Array's own lock as ``get_lock()`` gives it to the program.

They subclass ``multiprocessing.synchronize``'s classes and share one acquire/release
(``_SemLockOps``): a lock reports its holder and depth, a semaphore its count, and each
release that hands the lock on records a hand-off (app/tracing/handoffs.py) that the next
acquire comes after. What multiprocessing makes for its own use (a Queue's locks, a
Condition's semaphores, a Value's lock) is left untraced: the factories hand those callers
the stdlib's own objects.
"""

from __future__ import annotations

import sys
from multiprocessing import synchronize
from typing import Any

from app.events import kinds as K
from app.tracing import emitter, frames, handoffs

# Typed loosely: subclassed with private parts the stubs do not describe.
_Lock: Any = synchronize.Lock
_RLock: Any = synchronize.RLock
_Semaphore: Any = synchronize.Semaphore
_BoundedSemaphore: Any = synchronize.BoundedSemaphore


class _SemLockOps(handoffs.Traced):
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
            held_by = None  # the holder's taking: the wait that names it comes after it
            if self._mps_is_lock:
                fields["holder"], fields["holder_pid"], held_by = shared.holder()
            em.emit(self._K_WAIT, name, line, fields, after=held_by)
            em.flush()
            got = bool(sl.acquire(True, timeout))
        fields = {"timeout": timeout} if timeout is not None else {}
        if not block:
            fields["blocking"] = False
        after = key = None
        if not got:
            fields["acquired"] = False
        elif not self._mps_is_lock:
            after = shared.last_handoff()
        else:
            depth = int(sl._count()) if self._mps_recursive else 1
            if depth == 1:  # taken from whoever released it last; not a re-entry
                after = shared.last_handoff()
                key = shared.hold(em.pid, em.proc)
            if self._mps_recursive:
                fields["depth"] = depth
        if not self._mps_is_lock:
            fields["count"] = int(sl._get_value())
        em.emit(self._K_ACQUIRE, name, line, fields, key=key, after=after if got else None)
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
        before = None
        if not self._mps_is_lock:  # written before the slot is free, so its taker reads it
            key, before = shared.chained_handoff(em.pid)
        elif frees:  # written while the lock is still held, so the next holder reads it
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
        em.emit(self._K_RELEASE, name, line, fields, key=key, after=before)
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


def make_lock(ctx: Any) -> Any:
    """Replacement for ``BaseContext.Lock``."""
    caller = sys._getframe(1)
    if frames.made_by_stdlib(caller):
        return _Lock(ctx=ctx.get_context())
    lock = handoffs.build(TracedLock, frames.assigned_names(caller), "lock", ctx=ctx)
    handoffs.announce(K.LOCK_NEW, lock, {})
    return lock


def make_rlock(ctx: Any) -> Any:
    """Replacement for ``BaseContext.RLock``."""
    caller = sys._getframe(1)
    if frames.made_by_stdlib(caller):
        return _RLock(ctx=ctx.get_context())
    lock = handoffs.build(TracedRLock, frames.assigned_names(caller), "rlock", ctx=ctx)
    handoffs.announce(K.LOCK_NEW, lock, {"recursive": True})
    return lock


def make_semaphore(ctx: Any, value: int = 1) -> Any:
    """Replacement for ``BaseContext.Semaphore``."""
    caller = sys._getframe(1)
    if frames.made_by_stdlib(caller):
        return _Semaphore(value, ctx=ctx.get_context())
    names = frames.assigned_names(caller)
    sem = handoffs.build(TracedSemaphore, names, "semaphore", value, ctx=ctx, chained=True)
    handoffs.announce(K.SEMAPHORE_NEW, sem, {"count": value})
    return sem


def make_bounded_semaphore(ctx: Any, value: int = 1) -> Any:
    """Replacement for ``BaseContext.BoundedSemaphore``."""
    caller = sys._getframe(1)
    if frames.made_by_stdlib(caller):
        return _BoundedSemaphore(value, ctx=ctx.get_context())
    names = frames.assigned_names(caller)
    sem = handoffs.build(TracedBoundedSemaphore, names, "semaphore", value, ctx=ctx, chained=True)
    handoffs.announce(K.SEMAPHORE_NEW, sem, {"count": value, "bounded": True})
    return sem


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
        guard._mps_init(f"{of}.get_lock()", handoffs.new_shared())
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


# What app/tracing/tracer.py puts on multiprocessing's contexts, by name (through sync.py).
FACTORIES: dict[str, Any] = {
    "Lock": make_lock,
    "RLock": make_rlock,
    "Semaphore": make_semaphore,
    "BoundedSemaphore": make_bounded_semaphore,
}
