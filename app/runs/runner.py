"""The runner: the scenario's main process, made by the forkserver for each run.

It gets its own session (so the server can kill the whole tree with one killpg), asks to
die with its parent, drops the file descriptors it inherited from the forkserver, makes
multiprocessing believe it is a fresh ``python program.py``, installs the tracer and runs
the program as ``__main__``.
"""

from __future__ import annotations

import builtins
import contextlib
import itertools
import linecache
import multiprocessing
import os
import platform
import sys
import traceback
import types
from dataclasses import dataclass, field
from multiprocessing import forkserver, process, resource_tracker, util
from typing import Any

from app.tracing.context import TraceContext
from app.tracing.install import install
from app.tracing.processes import die_with_parent


@dataclass(frozen=True)
class RunnerConfig:
    run_id: str
    scenario: str
    params: dict[str, Any]
    source: str
    program_path: str
    pace_ms: int
    start_method: str
    socket_path: str
    run_dir: str
    t0: float
    watch: tuple[str, ...] = field(default_factory=tuple)


def _detach_from_forkserver() -> None:
    # Holding the forkserver's "alive" fd would keep it running after the server died,
    # and with it this runner (which dies with its parent). The server's resource tracker
    # must not collect this run's semaphores either: the run gets its own if it needs one.
    fs: Any = forkserver._forkserver
    tracker: Any = resource_tracker._resource_tracker
    for fd in (fs._forkserver_alive_fd, tracker._fd):
        if fd is not None:
            with contextlib.suppress(OSError):
                os.close(fd)
    fs._forkserver_alive_fd = None
    fs._forkserver_address = None
    tracker._fd = None
    tracker._pid = None


def _become_fresh_main(config: RunnerConfig) -> None:
    """Make multiprocessing treat this process as the main process of a new program."""
    # This process object came from the forkserver; reshape it into a main process.
    main: Any = process.current_process()
    main._identity = ()
    main._name = "MainProcess"
    main._parent_pid = None
    main._config = {
        "authkey": process.AuthenticationString(os.urandom(32)),  # type: ignore[attr-defined]
        "semprefix": "/mp",
        "tempdir": config.run_dir,  # manager sockets land in the run's directory
    }
    process._parent_process = None  # type: ignore[attr-defined]
    process._children = set()  # type: ignore[attr-defined]
    process._process_counter = itertools.count(1)  # type: ignore[attr-defined]
    multiprocessing.set_start_method(config.start_method, force=True)


def _execute(config: RunnerConfig) -> int:
    """Run the program as ``__main__``; return the exit status Python would give it."""
    module = types.ModuleType("__main__")
    module.__file__ = config.program_path
    module.__builtins__ = builtins  # type: ignore[attr-defined]
    sys.modules["__main__"] = module
    sys.argv = [config.program_path]
    # Tracebacks should quote the source that ran (parameters filled in), not the file.
    lines = config.source.splitlines(keepends=True)
    linecache.cache[config.program_path] = (len(config.source), None, lines, config.program_path)
    try:
        exec(compile(config.source, config.program_path, "exec"), module.__dict__)  # noqa: S102
    except SystemExit as exc:
        if exc.code is None:
            return 0
        if isinstance(exc.code, int):
            return exc.code
        print(exc.code, file=sys.stderr)
        return 1
    except BaseException:
        traceback.print_exc()
        return 1
    return 0


def run(config: RunnerConfig) -> None:
    """Target of the runner's Process; exits with the program's status."""
    os.setsid()
    die_with_parent(os.getppid())
    _detach_from_forkserver()
    _become_fresh_main(config)
    ctx = TraceContext(
        socket_path=config.socket_path,
        t0=config.t0,
        program_path=config.program_path,
        pace_s=config.pace_ms / 1000,
        watch=config.watch,
        start_method=config.start_method,
    )
    em = install(ctx, "main", "main")
    em.emit(
        "run.start",
        None,
        None,
        {
            "scenario": config.scenario,
            "params": config.params,
            "pace_ms": config.pace_ms,
            "start_method": config.start_method,
            "python": platform.python_version(),
        },
    )
    em.emit(
        "proc.start",
        None,
        None,
        {"parent": None, "ppid": os.getppid(), "target": None, "role": "main"},
    )
    em.flush()
    code = _execute(config)
    # What the interpreter does at exit: run finalizers (a Manager not closed by `with`
    # shuts down here), join children the program left running.
    util._exit_function()  # type: ignore[attr-defined]
    sys.stdout.flush()
    sys.stderr.flush()
    em.emit("proc.exit", None, None, {"exitcode": code}, key=f"{em.pid}.x")
    em.close()
    sys.exit(code)
