"""Shared fixtures: a RunService per test, and checks that nothing outlives a run."""

from __future__ import annotations

import fcntl
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
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


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Two workers share the suite (``-n 2 --dist loadgroup`` in pyproject.toml): the
    browser tests, one Chromium at a time, in one group; every other file a group of its
    own, so a module's fixtures are made once. Each test runs alone in its worker; the
    checks that nothing outlives a run look only at what the test's own processes made."""
    for item in items:
        path = item.nodeid.split("::")[0]
        in_chromium = path.startswith("tests/browser/") or "browser" in getattr(item, "fixturenames", ())
        group = "browser" if in_chromium else path
        item.add_marker(pytest.mark.xdist_group(group))
        if item.get_closest_marker("alone") is not None:
            # Its time limit is for the test, not for its wait for the other worker's test
            # to end (a soak takes minutes): see _taking_turns.
            limit = item.get_closest_marker("timeout")
            seconds = limit.args[0] if limit is not None and limit.args else item.config.getini("timeout")
            item.add_marker(pytest.mark.timeout(float(seconds), func_only=True), append=False)


def _turn_file() -> Path | None:
    """The lock file the workers of one pytest-xdist run share, or None alone."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    return None if run is None else Path(tempfile.gettempdir()) / f"mpscope-tests-{run}.lock"


@pytest.fixture(autouse=True)
def _taking_turns(request: pytest.FixtureRequest) -> Iterator[None]:
    """A test marked ``alone`` (it bounds how long something takes, which the other
    worker's load would lengthen) runs while no other test does: every test holds a
    shared lock, an ``alone`` one the exclusive lock. (No turnstile: the other worker
    lets go between its tests, and one waiting here must not hold up the workers
    behind it while a long test finishes.)"""
    path = _turn_file()
    if path is None:
        yield
        return
    alone = request.node.get_closest_marker("alone") is not None
    with open(path, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def pytest_sessionfinish(session: pytest.Session) -> None:
    # A worker ends once no test is left for it, so whatever the other still runs, it
    # runs alone: the file can go (the controller does not know its name).
    path = _turn_file()
    if path is not None:
        path.unlink(missing_ok=True)


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


def _holders(names: set[str]) -> dict[str, set[int]]:
    """The processes that map or hold open each of ``names`` in /dev/shm."""
    held: dict[str, set[int]] = {name: set() for name in names}
    paths = {str(SHM / name): name for name in names}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        pid = int(proc.name)
        try:
            with open(proc / "maps") as maps:
                for line in maps:
                    name = paths.get(line.rstrip("\n").split(" ", 5)[-1].strip())
                    if name is not None:
                        held[name].add(pid)
            for fd in (proc / "fd").iterdir():
                name = paths.get(os.readlink(fd))
                if name is not None:
                    held[name].add(pid)
        except OSError:  # gone, or not ours to read
            continue
    return held


def _foreign(names: set[str]) -> set[str]:
    """Those of ``names`` that another test process's runs hold (a second pytest-xdist
    worker runs its own tests at the same time): not this test's to answer for."""
    ours = {os.getpid(), *(p.pid for p in psutil.Process().children(recursive=True))}
    return {name for name, pids in _holders(names).items() if pids - ours}


def shm_left_since(before: set[str], within_s: float = 5.0) -> set[str]:
    """Entries made since ``before`` that outlived their runs. Held by processes of another
    worker's test, an entry is that test's; one held by nobody that goes away within
    ``within_s`` was a run's that its server was still cleaning up (or a semaphore glibc
    was still naming); one that stays is left behind."""
    deadline = time.monotonic() + within_s
    while True:
        new = shm_entries() - before
        left = new - _foreign(new) if new else new
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


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
    assert shm_left_since(shm_before) == set(), "a /dev/shm entry outlived the runs"
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
