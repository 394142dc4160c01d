"""How ``python -m app trace`` launches a run: the person's program in a fresh interpreter
of its own (``app/runs/local_runner.py``), started as a plain subprocess.

The runner gets its own session, so that the supervisor can end the program's whole tree
with one ``killpg`` (``app/runs/supervisor.py``), and inherits the terminal's stdin,
stdout and stderr and the working directory, so the program reads and prints where it
would untraced. Being in a session of its own, it does not get the terminal's Ctrl-C: the
trace command passes that on (``app/cli/trace.py``).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
from multiprocessing import context as mp_context
from pathlib import Path
from typing import Any

from app.runs.program import RunnerConfig

# Where our package is imported from: the runner finds it first, then after the program's.
OURS = str(Path(__file__).resolve().parents[2])


def command(fd: int) -> list[str]:
    """How the runner (app/runs/local_runner.py) is started. Our package is found first
    while the runner starts (a program's folder may hold an ``app`` of its own), then
    ``sys.path`` is made what ``python`` would make it (the runner's ``_set_path0``)."""
    boot = f"import sys; sys.path.insert(0, {OURS!r}); from app.runs.local_runner import main; main({fd})"
    return [sys.executable, *subprocess._args_from_interpreter_flags(), "-c", boot]  # type: ignore[attr-defined]


def default_start_method() -> str:
    """The start method a program gets when it asks for none: fork before Python 3.14 on
    Linux, forkserver from 3.14 on; without fixing it (a later set_start_method works)."""
    return multiprocessing_default()._name  # type: ignore[no-any-return]


def multiprocessing_default() -> Any:
    return mp_context._default_context._default_context  # type: ignore[attr-defined]


def as_python_names(path: str) -> str:
    """The absolute name python gives a script: the working directory joined to the path
    as typed, ``..`` and ``.`` left in (``os.path.abspath`` would take them out)."""
    return path if os.path.isabs(path) else os.path.join(os.getcwd(), path)


class LocalProcess:
    """The runner subprocess, seen through the part of ``BaseProcess`` the supervisor uses
    (``pid``, ``sentinel``, ``join``, ``exitcode``, ``close``)."""

    def __init__(self, popen: subprocess.Popen[bytes]) -> None:
        self._popen = popen
        self.pid: int = popen.pid
        # Readable once the process has exited, like a Process's sentinel.
        self.sentinel: int = os.pidfd_open(popen.pid)

    def join(self, timeout: float | None = None) -> None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            self._popen.wait(timeout)

    @property
    def exitcode(self) -> int | None:
        # Negative for a signal, as multiprocessing reports it.
        return self._popen.poll()

    def close(self) -> None:
        if self.sentinel >= 0:
            os.close(self.sentinel)
            self.sentinel = -1


class LocalLauncher:
    """Starts each run's program as ``python`` would, in this terminal."""

    def warm_up(self) -> None:
        """Nothing to warm: one run, started at once."""

    def launch(self, config: RunnerConfig) -> LocalProcess:
        read, write = os.pipe()
        try:
            popen = subprocess.Popen(command(read), pass_fds=(read,), start_new_session=True)
        finally:
            os.close(read)
        with os.fdopen(write, "wb") as pipe:
            pickle.dump((config, os.getpid()), pipe)
        return LocalProcess(popen)
