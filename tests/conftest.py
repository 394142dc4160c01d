"""Shared fixtures: a RunService per test, and checks that nothing outlives a run."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil
import pytest

from app.runs.limits import RunLimits
from app.runs.program import Program
from app.runs.run import Run
from app.runs.service import RunService

SHM = Path("/dev/shm")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@dataclass
class Finished:
    run: Run
    events: list[dict[str, Any]]

    def of(self, kind: str, proc: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.events if e["kind"] == kind and (proc is None or e["proc"] == proc)]

    def output(self, proc: str) -> list[str]:
        """The lines ``proc`` printed, without newlines."""
        return "".join(e["text"] for e in self.of("stdout", proc)).splitlines()

    def lanes(self) -> dict[str, int]:
        return {e["proc"]: e["pid"] for e in self.of("proc.start")}


async def collect(run: Run) -> Finished:
    events: list[dict[str, Any]] = []
    async for chunk in run.log.batches():
        events.extend(json.loads(raw) for raw in chunk)
    await run.done.wait()
    return Finished(run, events)


# Names multiprocessing gives what it puts in /dev/shm: semaphores, heap arenas,
# SharedMemory blocks. (Chromium keeps its own files there; they are not ours.)
MP_SHM_PREFIXES = ("sem.mp-", "mp-", "pym-", "psm_", "wnsm_")
# glibc's sem_open makes a semaphore under a temporary name first (app/tracing/termination.py).
SEM_TEMPORARY = re.compile(r"sem\.[A-Za-z0-9]{6}")


def shm_entries() -> set[str]:
    if not SHM.exists():
        return set()
    return {
        name for name in os.listdir(SHM) if name.startswith(MP_SHM_PREFIXES) or SEM_TEMPORARY.fullmatch(name)
    }


def open_fds() -> set[int]:
    return {int(fd) for fd in os.listdir("/proc/self/fd")}


def assert_nothing_left(done: Finished) -> None:
    """No process of the run is alive (zombies excepted: they hold nothing)."""
    for name, pid in done.lanes().items():
        try:
            proc = psutil.Process(pid)
            alive = proc.status() != psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            alive = False
        assert not alive, f"{name} (pid {pid}) outlived the run"


@pytest.fixture
async def manager() -> AsyncIterator[RunService]:
    mgr = RunService(RunLimits(timeout_s=20))
    await mgr.start()
    shm_before = shm_entries()
    fds_before = open_fds()
    try:
        yield mgr
    finally:
        await mgr.close()
    assert shm_entries() - shm_before == set(), "a /dev/shm entry outlived the runs"
    assert open_fds() - fds_before == set(), "the runs left file descriptors open in the server"


def untraced(source: str, tmp_path: Path, name: str = "program.py") -> str:
    """What a program prints when it runs as plain Python (what tracing must not change)."""
    path = tmp_path / name
    path.write_text(source)
    out = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=60, cwd=tmp_path, check=True
    )
    return out.stdout


@pytest.fixture
def run_program(manager: RunService) -> Any:
    """Run any program (its source, and the file name it runs as) to its end."""

    async def go(source: str, start_method: str = "fork", name: str = "program.py") -> Finished:
        done = await collect(manager.start_program(Program("t", source, name), start_method=start_method))
        assert_nothing_left(done)
        return done

    return go


@pytest.fixture
def run_to_end(manager: RunService) -> Any:
    async def go(scenario: str, params: dict[str, Any] | None = None, **kw: Any) -> Finished:
        done = await collect(manager.create(scenario, params, **kw))
        assert_nothing_left(done)
        return done

    return go
