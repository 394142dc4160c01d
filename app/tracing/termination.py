"""SIGTERM ends a traced process between two Python steps, never inside a C call.

A cancelled run's processes get SIGTERM (``app/runs/supervisor.py``). With no handler,
SIGTERM ends a process wherever it is, and inside ``sem_open`` (every Queue, Lock, Barrier
and synchronized Value makes one) that leaves a file in /dev/shm: glibc's temporary name
between creating and linking it, or the real name before multiprocessing unlinks it. A
Python-level handler only runs in the main thread between bytecodes, after any C call in
progress has returned, so the process dies at a point where multiprocessing's own clean-up
is whole; the names a run still leaves then are the run's own and the server removes them
(``app/runs/leftovers.py``).

The handler first sends the events the process has not sent yet (a Pool's terminate()
kills workers in the middle of a task, whose last events would otherwise die with them),
then puts back the default and raises SIGTERM again, so the process still dies of SIGTERM
(exit code -15), as it would untraced. A program that sets its own handler replaces this
one, and its handler runs at the same safe points.

The handler may run while this very thread is inside ``Emitter.emit`` or a flush, holding
the emitter's lock: waiting for the lock there would wait forever. So when the interrupted
frames are the emitter's, it raises SIGTERM again and returns, the interrupted code goes on
and lets the lock go within a few bytecodes, and the handler runs again at the next safe
point. When another thread holds the lock, the handler waits for it instead (up to
``_FLUSH_WITHIN_S``): this thread may have been interrupted inside a C wait, which would
go back to waiting and never look at a signal raised again. After ``_FLUSH_WITHIN_S`` (a
thread stuck in a send) it dies without sending.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from app.tracing import emitter

_FLUSH_WITHIN_S = 0.2

# The handler before ours while ours is installed (fork children inherit both).
_saved: Any = None
# When the first SIGTERM arrived, while the handler waits for the emitter's lock.
_first_at: float | None = None


def _inside_emitter(frame: FrameType | None) -> bool:
    """Whether the interrupted thread (this one) is inside the emitter, holding its lock."""
    while frame is not None:
        if frame.f_code.co_filename == _EMITTER_FILE:
            return True
        frame = frame.f_back
    return False


_EMITTER_FILE = emitter.__file__


def _die(signum: int, frame: FrameType | None) -> None:
    global _first_at
    em = emitter.EMITTER
    if em is not None:
        em.flush_if_free()
        if em.has_unsent and not _inside_emitter(frame):
            # Another thread holds the lock: wait for it. Raising the signal again here
            # would be lost if this thread was interrupted inside a C wait (a SemLock's),
            # which goes back to waiting without looking at signals until another comes.
            em.flush_within(_FLUSH_WITHIN_S)
        now = time.monotonic()
        if _first_at is None:
            _first_at = now
        # Events still waiting: this thread holds the lock (flush_if_free leaves them then).
        if em.has_unsent and now - _first_at < _FLUSH_WITHIN_S:
            signal.raise_signal(signum)  # ours still: runs again at the next safe point
            return
    signal.signal(signum, signal.SIG_DFL)
    signal.raise_signal(signum)


# ``Process.kill()`` of a traced child asks it with this signal to send its events and
# SIGKILL itself (``kill_traced``): SIGKILL itself gives no process a last word. A real-time
# signal, one no library of multiprocessing's uses.
FLUSH_AND_DIE = signal.SIGRTMAX - 2
_KILL_WITHIN_S = 0.1


def _flush_and_die(signum: int, frame: FrameType | None) -> None:
    em = emitter.EMITTER
    if em is not None:
        em.flush_if_free()  # emit holds no lock across a blocking call: free but for a moment
    os.kill(os.getpid(), signal.SIGKILL)


def kill_traced(pid: int, wait: Callable[[float], object], kill: Callable[[], None]) -> None:
    """Kill a traced child so that it loses no event it made: it sends them and dies of
    SIGKILL, as it would have; one that cannot run its handler within a moment (a long C
    call) gets the plain SIGKILL after it."""
    try:
        os.kill(pid, FLUSH_AND_DIE)
    except ProcessLookupError:
        return
    if wait(_KILL_WITHIN_S) is None:
        kill()


def install() -> None:
    """Handle SIGTERM and the kill request in this process (only the main thread may set
    handlers)."""
    global _saved
    if _saved is None and threading.current_thread() is threading.main_thread():
        # None: the handler was not set from Python; the default is what can be put back.
        _saved = signal.signal(signal.SIGTERM, _die) or signal.SIG_DFL
        signal.signal(FLUSH_AND_DIE, _flush_and_die)


def uninstall() -> None:
    global _saved
    if _saved is not None and threading.current_thread() is threading.main_thread():
        if signal.getsignal(signal.SIGTERM) is _die:  # the program's own handler stays
            signal.signal(signal.SIGTERM, _saved)
        if signal.getsignal(FLUSH_AND_DIE) is _flush_and_die:
            signal.signal(FLUSH_AND_DIE, signal.SIG_DFL)
        _saved = None
