"""``python -m app trace`` on the newest CPython this machine has (3.12 or later), beside the
3.11 the suite runs on: a handful of our programs, traced under forkserver (Python 3.14's
default on Linux) and spawn, print what they print untraced, exit as they exit, and save a
whole run whose ``run.start`` names that interpreter.

What these caught on 3.13: a child that took ``v.get_lock()`` and then read ``v.value``
hung (spawn and forkserver, 3.11 too), and since 3.12 a child's exit hooks (a Queue's
flush) ran after its ``proc.exit``. The interpreter is found, not installed: without one
the tests skip and say where they looked.
"""

from __future__ import annotations

import fcntl
import functools
import os
import re
import shutil
import subprocess
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from app.events import kinds as K
from tests.conftest import shm_entries, shm_left_since
from tests.trace.checks import check_run, printed
from tests.trace.running import (
    PROGRAMS,
    Result,
    finish,
    kill_group,
    kill_marked,
    read_events,
    start,
    traced_argv,
    untraced_argv,
    wait_gone,
)
from tests.trace.test_trace_programs import CASES

pytestmark = [pytest.mark.slow, pytest.mark.timeout(180)]

ROOT = Path(__file__).resolve().parents[2]
OLDEST = (3, 12)  # the suite itself runs on 3.11
PYENV_VERSIONS = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
# One primitive family each: queue, pipe, shared values, locks, pool, manager, shared memory.
REPRESENTATIVE = (
    "queue_basic",
    "pipe_duplex",
    "value_array",
    "sync_locks",
    "pool_ops",
    "manager_objects",
    "shared_memory_block",
)
METHODS = ("forkserver", "spawn")  # forkserver: 3.14's default; spawn: macOS's and Windows'
RUN_TIMEOUT_S = 45.0  # a traced run here takes about 2 s; a hang must fail, not stall
_PROBE = (
    "import platform, sys, venv, ensurepip;"
    "print(sys.implementation.name, platform.python_version(), *sys.version_info[:3])"
)
_EXECUTABLE = re.compile(r"python3\.\d+")  # not python3.13t (free-threaded), nor -config


@dataclass(frozen=True)
class Interpreter:
    python: Path  # the test environment's interpreter
    version: str  # platform.python_version(), what run.start carries (3.14.0rc1, say)


def _candidates() -> list[Path]:
    """Executables named for a new enough version (only those are asked: each answer costs
    an interpreter's start)."""
    found = [
        p
        for p in sorted(PYENV_VERSIONS.glob("*/bin/python3.*"))
        if _EXECUTABLE.fullmatch(p.name) and int(p.name.removeprefix("python3.")) >= OLDEST[1]
    ]
    for minor in range(OLDEST[1], 20):
        on_path = shutil.which(f"python3.{minor}")
        if on_path:
            found.append(Path(on_path))
    return found


@dataclass(frozen=True, order=True)
class Found:
    version_info: tuple[int, int, int]
    version: str
    python: Path


def _probe(python: Path) -> Found | None:
    """What ``python`` is, if it is a CPython that can make a virtual environment (a pyenv
    shim for a version that is not active fails here, as do other interpreters)."""
    try:
        out = subprocess.run([python, "-c", _PROBE], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    words = out.stdout.split()
    if out.returncode != 0 or len(words) != 5 or words[0] != "cpython":
        return None
    major, minor, micro = (int(w) for w in words[2:])
    return Found((major, minor, micro), words[1], python)


@functools.cache
def newest_python() -> Found | None:
    """The newest CPython 3.12+ installed here (pyenv's versions, then PATH), if any."""
    found = [f for f in map(_probe, _candidates()) if f is not None and f.version_info[:2] >= OLDEST]
    return max(found, key=lambda f: f.version_info, default=None)


@pytest.fixture(scope="session")
def newest(tmp_path_factory: pytest.TempPathFactory) -> Interpreter:
    """A virtual environment of the newest Python with mpscope installed, made once per
    run: pytest-xdist's workers share it (the first makes it under a lock, the others wait
    and reuse it), whichever tests each is given."""
    found = newest_python()
    if found is None:
        pytest.skip(f"no CPython {OLDEST[0]}.{OLDEST[1]} or newer here (looked in {PYENV_VERSIONS} and PATH)")
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base  # this run's, either way
    env_dir = shared / "newest-python-venv"
    python = env_dir / "bin" / "python"
    with open(shared / "newest-python.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (env_dir / "ready").exists():
            shutil.rmtree(env_dir, ignore_errors=True)  # one that failed half-way
            for step in (
                [found.python, "-m", "venv", env_dir],
                [python, "-m", "pip", "install", "-q", "-e", ROOT],
            ):
                argv = [str(part) for part in step]
                done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
                assert done.returncode == 0, f"$ {' '.join(argv)}\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
            (env_dir / "ready").touch()
    return Interpreter(python, found.version)


def _run_pair(python: Path, program: Path, method: str, tmp_path: Path) -> tuple[Result, Result]:
    """``program`` untraced and traced on ``python`` at once (as tests/trace/running.both does
    on the suite's own interpreter): both must end in time and the traced one leave no process."""
    save = tmp_path / f"{program.stem}-{method}.ndjson"
    # The shared argv, with this interpreter in place of the suite's.
    plain_argv = [str(python), *untraced_argv(program, (), method)[1:]]
    trace_argv = [str(python), *traced_argv(program, (), method, save)[1:]]
    plain_mark, trace_mark = uuid.uuid4().hex, uuid.uuid4().hex
    plain_proc = start(plain_argv, tmp_path, plain_mark)
    trace_proc = start(trace_argv, tmp_path, trace_mark)
    try:
        plain = Result(plain_argv, *finish(plain_proc, plain_mark, RUN_TIMEOUT_S), mark=plain_mark)
        traced = Result(trace_argv, *finish(trace_proc, trace_mark, RUN_TIMEOUT_S), mark=trace_mark)
    finally:
        for proc, mark in ((plain_proc, plain_mark), (trace_proc, trace_mark)):
            if proc.poll() is None:
                kill_group(proc.pid)
                kill_marked(mark)
                proc.communicate()
    kill_marked(plain_mark)  # the untraced program's leftovers are its own
    left = wait_gone(trace_mark)
    assert not left, f"processes of the traced program outlived trace: {left}\n{traced.describe()}"
    if save.exists():
        traced.events = read_events(save)
    return plain, traced


def _after_exit(events: list[dict[str, Any]]) -> list[str]:
    """Events a process made after its own proc.exit: what its exit hooks did, if the tracer
    let them run only after it said the process had ended (Python 3.12+'s order)."""
    exited: set[int] = set()
    late = []
    for e in events:
        if e["pid"] in exited and e["kind"] != K.RUN_END:
            late.append(f"seq {e['seq']}: {e['proc']} {e['kind']} after its proc.exit")
        if e["kind"] == K.PROC_EXIT:
            exited.add(e["pid"])
    return late


def test_the_newest_python_is_found() -> None:
    """Whatever is found is a CPython of at least 3.12 that runs: the search cannot pass off
    the suite's own 3.11 (or nothing) as the newest."""
    found = newest_python()
    if found is None:
        pytest.skip(f"no CPython {OLDEST[0]}.{OLDEST[1]} or newer here (looked in {PYENV_VERSIONS} and PATH)")
    assert found.version_info[:2] >= OLDEST
    assert found.version.startswith(".".join(map(str, found.version_info)))
    assert _probe(found.python) == found


@pytest.mark.parametrize("name", REPRESENTATIVE)
def test_traced_like_untraced_on_the_newest_python(newest: Interpreter, name: str, tmp_path: Path) -> None:
    case = CASES[name]
    shm_before = shm_entries()
    # Both start methods at once (four process trees): half the wall time, and each run's
    # events go to a file of its own.
    with ThreadPoolExecutor(len(METHODS)) as pool:
        runs = {
            m: pool.submit(_run_pair, newest.python, PROGRAMS / f"{name}.py", m, tmp_path) for m in METHODS
        }
        pairs = {m: run.result() for m, run in runs.items()}
    for method, (plain, traced) in pairs.items():
        assert plain.returncode == case.exitcode, plain.describe()
        assert traced.returncode == plain.returncode, traced.describe()
        # Each of these programs fixes its own output order: the bytes are the same.
        assert traced.stdout == plain.stdout, traced.describe()
        assert traced.stderr == plain.stderr, traced.describe()
        ev = traced.events
        assert ev, f"no events saved\n{traced.describe()}"
        assert ev[0]["kind"] == K.RUN_START, ev[0]
        assert ev[0]["python"] == newest.version, ev[0]
        assert ev[-1]["kind"] == K.RUN_END, ev[-1]
        # Whole and in causal order: each process starts and exits once, every answer after
        # its question, no process's events out of their own time order.
        check_run(traced, method, case.procs, case.exitcode)
        assert _after_exit(ev) == []
        assert printed(traced) == traced.text()
        if case.check is not None:
            case.check(traced)
    assert shm_left_since(shm_before) == set(), "a /dev/shm entry outlived trace"
