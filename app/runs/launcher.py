"""Start runner processes from a pre-warmed forkserver, and end whole process groups.

The server never forks itself (it is threaded and async): multiprocessing's forkserver is
a fresh single-threaded interpreter that has imported the tracer and the scenarios once
and forks a runner per run in a few milliseconds. When the server dies the forkserver
sees its "alive" pipe close and exits; each runner dies with it (PR_SET_PDEATHSIG), and
each scenario process dies with its runner.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import threading
from collections.abc import Iterator
from multiprocessing import forkserver, spawn
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Protocol

from app.runs.program import RunnerConfig

PRELOAD = ["app.runs.runner", "app.scenarios.registry"]
RUNNER_NAME = "mpscope-run-"

_context = multiprocessing.get_context("forkserver")
_preparing = threading.Lock()


@contextlib.contextmanager
def _runner_preparation() -> Iterator[None]:
    """While a runner is being started: leave the server's ``__main__`` out of what the
    forkserver child prepares. A forkserver child re-imports its parent's ``__main__``
    before it runs; the runner replaces ``__main__`` with the program, so that import
    would only cost time (the uvicorn or pytest script) and run any script's unguarded
    code. Only for the start in progress, so nothing else in the process is affected."""
    with _preparing:
        original = spawn.get_preparation_data

        def preparation_data(name: str) -> dict[str, Any]:
            data: dict[str, Any] = original(name)
            if name.startswith(RUNNER_NAME):
                data.pop("init_main_from_path", None)
                data.pop("init_main_from_name", None)
            return data

        spawn.get_preparation_data = preparation_data
        try:
            yield
        finally:
            spawn.get_preparation_data = original


def _noop() -> None:
    pass


class RunnerProcess(Protocol):
    """What the supervisor needs of a launched runner (a ``BaseProcess`` has it)."""

    @property
    def pid(self) -> int | None: ...
    @property
    def sentinel(self) -> int: ...
    @property
    def exitcode(self) -> int | None: ...
    def join(self, timeout: float | None = None) -> None: ...
    def close(self) -> None: ...


class RunLauncher(Protocol):
    """How a run is launched: the seam between a run's supervisor and where it runs."""

    def warm_up(self) -> None: ...
    def launch(self, config: RunnerConfig) -> RunnerProcess: ...


class Launcher:
    """How a run is launched: a runner process forked by a pre-warmed forkserver."""

    def warm_up(self) -> None:
        """Start the forkserver and wait until it has imported everything (blocking,
        ~0.3 s), so the first run starts as fast as the others."""
        _context.set_forkserver_preload(PRELOAD)
        probe = _context.Process(target=_noop, name=f"{RUNNER_NAME}warm-up")
        with _runner_preparation():
            probe.start()
        probe.join()
        probe.close()

    def launch(self, config: RunnerConfig) -> BaseProcess:
        from app.runs import runner  # the runner's own imports (the tracer) only where runs start

        _context.set_forkserver_preload(PRELOAD)
        proc = _context.Process(target=runner.run, args=(config,), name=f"{RUNNER_NAME}{config.run_id}")
        with _runner_preparation():
            proc.start()
        return proc


def stop_forkserver() -> None:
    """Stop the forkserver (at server shutdown), so nothing of ours outlives the server by
    even the moment it would take the forkserver to notice. Uses the stdlib's own stop
    (documented there for tests); a Python without it leaves the forkserver to exit when
    its alive pipe closes."""
    stop = getattr(forkserver._forkserver, "_stop", None)
    if stop is not None:
        stop()


def signal_group(pgid: int, sig: int) -> bool:
    """Send ``sig`` to the runner's process group; False if nothing was there to signal."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        # No such group yet: the runner may not have called setsid(). It has no children
        # before it does, so signalling the runner alone is enough.
        try:
            os.kill(pgid, sig)
        except ProcessLookupError:
            return False
    return True


def group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of the group, from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # Fields after the parenthesised command: state ppid pgrp ...
        rest = stat[stat.rfind(")") + 2 :].split()
        if len(rest) > 2 and rest[0] != "Z" and int(rest[2]) == pgid:
            members.append(int(entry.name))
    return members
