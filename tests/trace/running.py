"""Running a program untraced (``python PROGRAM.py``) and through ``python -m app trace``,
and finding what a run left behind."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent
PROGRAMS = HERE / "programs"
CPYTHON_DOCS = HERE / "cpython_docs"
START_METHODS = ("fork", "spawn", "forkserver")
# The same, forkserver marked slow: like spawn it pickles everything a child gets, so
# `-m "not slow"` keeps fork and spawn for a quicker run.
METHODS = (
    "fork",
    "spawn",
    pytest.param("forkserver", marks=pytest.mark.slow),
)
# multiprocessing's default here (Linux, Python before 3.14): plain `python PROGRAM.py`.
PLATFORM_DEFAULT = "fork" if sys.version_info < (3, 14) else "forkserver"
TIMEOUT_S = 60.0
MARK = "MPSCOPE_TEST_MARK"
# How long a new /dev/shm entry that nobody holds may take to go: a run's resource tracker
# (or another session's run on this machine) unlinks what it tracked only as it ends.
SHM_SETTLE_S = 10.0

# `python PROGRAM.py ARGS` with another default start method, not fixed: what the program
# asks for (set_start_method, get_context) still wins. The main module is made as Python
# makes it for a script: __file__ is the path joined to the working directory (not
# normalised), sys.path[0] the real directory of the file, argv[0] the path as given.
_WITH_DEFAULT = """\
import builtins, multiprocessing.context as c, os, sys, types
method, path = sys.argv[1], sys.argv[2]
c._default_context._default_context = c._concrete_contexts[method]
sys.argv = sys.argv[2:]
sys.path[0] = os.path.dirname(os.path.realpath(path))
main = types.ModuleType("__main__")
main.__file__ = path if os.path.isabs(path) else os.path.join(os.getcwd(), path)
main.__builtins__ = builtins
sys.modules["__main__"] = main
with open(path, "rb") as f:
    code = compile(f.read(), main.__file__, "exec")
exec(code, main.__dict__)
"""
# `python -m MODULE ARGS` likewise: runpy's own entry point, as python -m calls it, with
# the working directory first on sys.path (python -c put "" there).
_MODULE_WITH_DEFAULT = """\
import multiprocessing.context as c, os, runpy, sys
method, name = sys.argv[1], sys.argv[2]
c._default_context._default_context = c._concrete_contexts[method]
sys.argv = sys.argv[2:]
sys.path[0] = os.getcwd()
runpy._run_module_as_main(name, alter_argv=True)
"""


@dataclass
class Result:
    argv: list[str]
    returncode: int
    stdout: bytes
    stderr: bytes
    events: list[dict[str, Any]] = field(default_factory=list)
    mark: str = ""

    def text(self) -> str:
        return self.stdout.decode()

    def err(self) -> str:
        return self.stderr.decode()

    def describe(self) -> str:
        """For assertion messages: the command, its code and what it printed."""
        return (
            f"$ {' '.join(self.argv)}\nexit {self.returncode}\n"
            f"--- stdout\n{self.text()[-3000:]}\n--- stderr\n{self.err()[-3000:]}"
        )

    def of(self, kind: str, proc: str | None = None, obj: str | None = None) -> list[dict[str, Any]]:
        return [
            e
            for e in self.events
            if e["kind"] == kind and (proc is None or e["proc"] == proc) and (obj is None or e["obj"] == obj)
        ]


def untraced_argv(
    program: str | Path, args: Sequence[str], method: str, *, module: bool = False
) -> list[str]:
    if method == PLATFORM_DEFAULT:
        return [sys.executable, *(["-m"] if module else []), str(program), *args]
    wrapper = _MODULE_WITH_DEFAULT if module else _WITH_DEFAULT
    return [sys.executable, "-c", wrapper, method, str(program), *args]


def traced_argv(
    program: str | Path, args: Sequence[str], method: str, save: Path, *, module: bool = False
) -> list[str]:
    target = ["-m", str(program)] if module else [str(program)]
    return [
        sys.executable,
        "-m",
        "app",
        "trace",
        "--no-serve",
        "--quiet",
        "--start-method",
        method,
        "--save",
        str(save),
        *target,
        *args,
    ]


def marked_env(mark: str) -> dict[str, str]:
    """This environment, with a mark every process of the run inherits."""
    return {**os.environ, MARK: mark}


def start(argv: list[str], cwd: Path, mark: str, merge_stderr: bool = False) -> subprocess.Popen[bytes]:
    # A session of its own, as a terminal gives a command: the group can be signalled
    # (Ctrl-C) and killed as one when a run outlives its timeout.
    return subprocess.Popen(
        argv,
        cwd=cwd,
        env=marked_env(mark),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
        start_new_session=True,
    )


def finish(
    proc: subprocess.Popen[bytes], mark: str, timeout_s: float = TIMEOUT_S
) -> tuple[int, bytes, bytes]:
    try:
        out, err = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        # The run's processes may be in sessions of their own, holding the pipes open:
        # end every process carrying the run's mark, then read what is left.
        kill_group(proc.pid)
        kill_marked(mark)
        out, err = proc.communicate(timeout=10)
        raise AssertionError(
            f"{proc.args} did not end within {timeout_s} s\n--- stdout\n{out.decode()[-3000:]}"
            f"\n--- stderr\n{(err or b'').decode()[-3000:]}"
        ) from None
    return proc.returncode, out, err or b""


def kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def kill_marked(mark: str) -> None:
    for pid in marked_pids(mark):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def read_events(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def both(
    program: str | Path,
    method: str,
    tmp_path: Path,
    args: Sequence[str] = (),
    cwd: Path | None = None,
    merge_stderr: bool = False,
    module: bool = False,
) -> tuple[Result, Result]:
    """Run ``program`` untraced and traced at the same time (they share nothing: the
    traced run's events go to a file of its own); return both, the traced one with its
    events. Each run must end within the timeout; the traced one must leave no process."""
    cwd = cwd or tmp_path
    save = tmp_path / f"{Path(program).stem}-{method}.ndjson"
    plain_argv = untraced_argv(program, args, method, module=module)
    trace_argv = traced_argv(program, args, method, save, module=module)
    plain_mark, trace_mark = uuid.uuid4().hex, uuid.uuid4().hex
    files_before = beside(program, cwd) if not module else set()
    plain = start(plain_argv, cwd, plain_mark, merge_stderr)
    traced = start(trace_argv, cwd, trace_mark, merge_stderr)
    try:
        p = Result(plain_argv, *finish(plain, plain_mark), mark=plain_mark)
        t = Result(trace_argv, *finish(traced, trace_mark), mark=trace_mark)
    finally:
        for proc, mark in ((plain, plain_mark), (traced, trace_mark)):
            if proc.poll() is None:
                kill_group(proc.pid)
                kill_marked(mark)
                proc.communicate()
    # The untraced program's leftovers are its own (a crash leaves orphans): end them, but
    # only those of the traced run count against trace.
    kill_marked(plain_mark)
    left = wait_gone(trace_mark)
    assert not left, f"processes of the traced program outlived trace: {left}\n{t.describe()}"
    if not module:
        assert beside(program, cwd) - files_before <= {save.name}, "trace left files beside the program"
    if save.exists():
        t.events = read_events(save)
    return p, t


def traced(
    program: str | Path,
    method: str,
    tmp_path: Path,
    args: Sequence[str] = (),
    cwd: Path | None = None,
    module: bool = False,
) -> Result:
    """Only the traced run (for what the untraced one cannot be run for, or adds nothing)."""
    save = tmp_path / f"{Path(program).stem}-{method}.ndjson"
    argv = traced_argv(program, args, method, save, module=module)
    mark = uuid.uuid4().hex
    proc = start(argv, cwd or tmp_path, mark)
    try:
        result = Result(argv, *finish(proc, mark), mark=mark)
    finally:
        if proc.poll() is None:
            kill_group(proc.pid)
            kill_marked(mark)
            proc.communicate()
    left = wait_gone(mark)
    assert not left, f"processes of the traced program outlived trace: {left}\n{result.describe()}"
    if save.exists():
        result.events = read_events(save)
    return result


def plain(program: str | Path, tmp_path: Path, args: Sequence[str] = (), module: bool = False) -> Result:
    """``python PROGRAM.py ARGS`` (or ``python -m MODULE``) as it is."""
    argv = [sys.executable, *(["-m", str(program)] if module else [str(program)]), *args]
    mark = uuid.uuid4().hex
    proc = start(argv, tmp_path, mark)
    return Result(argv, *finish(proc, mark), mark=mark)


def beside(program: str | Path, cwd: Path) -> set[str]:
    """What the program's folder holds (bytecode caches aside): trace must leave nothing
    there, nor in the working directory, beyond what the program itself writes."""
    folder = (cwd / program).resolve().parent
    return {p.name for p in folder.iterdir() if p.name != "__pycache__"} if folder.is_dir() else set()


def marked_pids(mark: str) -> list[int]:
    """Live processes whose environment carries ``mark`` (zombies have none to read)."""
    needle = f"{MARK}={mark}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            env = (entry / "environ").read_bytes()
        except OSError:  # gone, or not ours to read
            continue
        if needle in env.split(b"\0"):
            found.append(int(entry.name))
    return found


def wait_gone(mark: str, within_s: float = 3.0) -> list[int]:
    """The marked processes still alive after ``within_s``: one killed by its group's
    SIGKILL may take a moment to leave /proc, but none may stay."""
    deadline = time.monotonic() + within_s
    while (left := marked_pids(mark)) and time.monotonic() < deadline:
        time.sleep(0.02)
    return left


def wait_for(ready: Callable[[], bool], within_s: float, what: str) -> None:
    """Poll ``ready()`` until it holds; fail saying ``what`` did not happen in time."""
    deadline = time.monotonic() + within_s
    while not ready():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {within_s} s")
        time.sleep(0.02)
