"""SIGTERM ends a traced process between two Python steps, never inside a C call.

A cancelled run's processes get SIGTERM (``app/runs/supervisor.py``). With no handler,
SIGTERM ends a process wherever it is, and inside ``sem_open`` (every Queue, Lock, Barrier
and synchronized Value makes one) that leaves a file in /dev/shm: glibc's temporary name
between creating and linking it, or the real name before multiprocessing unlinks it. A
Python-level handler only runs in the main thread between bytecodes, after any C call in
progress has returned, so the process dies at a point where multiprocessing's own clean-up
is whole; the names a run still leaves then are the run's own and the server removes them
(``app/runs/leftovers.py``).

The handler puts back the default and raises SIGTERM again, so the process still dies of
SIGTERM (exit code -15), as it would untraced. A program that sets its own handler
replaces this one, and its handler runs at the same safe points.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType
from typing import Any

_saved: Any = None
_installed = False


def _die(signum: int, frame: FrameType | None) -> None:
    signal.signal(signum, signal.SIG_DFL)
    signal.raise_signal(signum)


def install() -> None:
    """Handle SIGTERM in this process (only the main thread may set handlers)."""
    global _saved, _installed
    if _installed or threading.current_thread() is not threading.main_thread():
        return
    _saved = signal.signal(signal.SIGTERM, _die)
    _installed = True


def uninstall() -> None:
    global _saved, _installed
    if _installed and threading.current_thread() is threading.main_thread():
        if signal.getsignal(signal.SIGTERM) is _die:  # the program's own handler stays
            signal.signal(signal.SIGTERM, _saved if _saved is not None else signal.SIG_DFL)
        _installed = False
        _saved = None
