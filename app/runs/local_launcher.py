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

from app.runs.local_runner import command
from app.runs.program import RunnerConfig


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
