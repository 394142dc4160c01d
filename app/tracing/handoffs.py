"""What every traced lock, semaphore, event, condition and barrier shares: its hand-off words.

Each traced object keeps a little shared memory beside it (``Shared``): the last hand-off
that lets a waiter go on (a release, a set, a notify, a barrier's last arrival) as one
64-bit word, and for a lock the pid and name of its holder. The process that gets through
reads the hand-off and orders its event after the one that made it (``keys.handoff``);
a process about to block on a lock reads the holder to say whom it waits for.

The locks (app/tracing/locks.py) and the signals (app/tracing/signals.py) both build on
this, with the helpers their factories share: telling multiprocessing's own callers apart,
naming a new object and announcing it.
"""

from __future__ import annotations

import ctypes
from multiprocessing import sharedctypes, synchronize
from typing import Any

from app.events import keys
from app.tracing import emitter, frames

# A hand-off is (n, pid) packed in one aligned 64-bit word, written and read whole, so a
# reader never sees the count of one hand-off with the pid of another. Linux pids fit in
# 22 bits (pid_max is at most 2**22).
_PID_BITS = 22
_PID_MASK = (1 << _PID_BITS) - 1
_NAME_BYTES = 64
_HOLDER_TRIES = 100


class Shared:
    """The shared words beside one object: ``[last hand-off, holder pid]`` and the holder's
    process name. Written by the process that holds the object's own lock (or, for a
    semaphore, by each releaser: two releases at once may share a count, never a key,
    since the key starts with the releaser's pid)."""

    def __init__(self, uid: str, mutex: Any = None) -> None:
        self.uid = uid
        self.words: Any = sharedctypes.RawArray(ctypes.c_longlong, 2)
        self.name: Any = sharedctypes.RawArray(ctypes.c_char, _NAME_BYTES)
        self.mutex = mutex  # a semaphore's: its releasers write one after another

    def chained_handoff(self, pid: int) -> tuple[str, str | None]:
        """A semaphore's release: one more hand-off, and the one before it. Several
        processes release a semaphore at once, and an acquirer cannot tell whose slot it
        got, so it comes after the latest release; each release coming after the one
        before makes that every release it could have taken a slot from."""
        with self.mutex:
            before = self.last_handoff()
            return self.handoff(pid), before

    def handoff(self, pid: int) -> str:
        """Record one more hand-off by ``pid``; its key."""
        n = (self.words[0] >> _PID_BITS) + 1
        self.words[0] = (n << _PID_BITS) | pid
        return keys.handoff(pid, self.uid, n)

    def last_handoff(self) -> str | None:
        word = self.words[0]
        return keys.handoff(word & _PID_MASK, self.uid, word >> _PID_BITS) if word else None

    def hold(self, pid: int, proc: str) -> str:
        """``pid`` took the lock: record it; the key of its taking (after the last hand-off)."""
        self.name.value = proc.encode()[: _NAME_BYTES - 1]  # the name first: see holder()
        self.words[1] = pid
        return keys.holding(pid, self.uid, self.words[0] >> _PID_BITS)

    def free(self) -> None:
        self.words[1] = 0

    def holder(self) -> tuple[str | None, int | None, str | None]:
        """Who holds the lock, read without taking it, and the key of its taking: a name and
        a hand-off count read between the same pid twice (a pid is set only after its name,
        and cleared before the hand-off is counted) are that process's."""
        for _ in range(_HOLDER_TRIES):
            pid = self.words[1]
            name = bytes(self.name.value).decode(errors="replace")
            n = self.words[0] >> _PID_BITS
            if pid and self.words[1] == pid:
                return name, int(pid), keys.holding(int(pid), self.uid, n)
        return None, None, None


class Traced:
    """What every traced object carries: its name and its shared words."""

    _mps_name: str
    _mps_shared: Shared

    def _mps_init(self, name: str, shared: Shared) -> None:
        self._mps_name = name
        self._mps_shared = shared


def new_shared(mutex: Any = None) -> Shared:
    em = emitter.EMITTER
    return Shared(em.new_uid() if em is not None else "untraced", mutex)


def build(
    cls: Any, names: tuple[str, ...], fallback: str, *args: Any, ctx: Any, chained: bool = False
) -> Any:
    """A traced ``cls`` named after the program's variable, with its shared words (and,
    ``chained``, the untraced lock its releasers write them under)."""
    em = emitter.EMITTER
    name = em.object_name(names, fallback) if em else (names[0] if names else fallback)
    obj = cls(*args, ctx=ctx.get_context())
    obj._mps_init(name, new_shared(synchronize.Lock(ctx=ctx.get_context()) if chained else None))
    return obj


def announce(kind: str, obj: Traced, fields: dict[str, Any]) -> None:
    """Emit ``obj``'s ``*.new``; called by a factory, so the line is the factory's caller's."""
    em = emitter.EMITTER
    if em is not None:
        em.emit(kind, obj._mps_name, frames.scenario_line(3), fields)
