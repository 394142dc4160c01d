"""The runner: the program's main process, made by the forkserver for each run.

It gets its own session (so the server can kill the whole tree with one killpg), asks to
die with its parent, drops the file descriptors it inherited from the forkserver, makes
multiprocessing believe it is a fresh ``python program.py``, installs the tracer and runs
the program as ``__main__``.

The program runs from a file of its own in the run's directory, written from the
program's source: spawn and forkserver children re-import ``__main__`` from that file, so
they see the very source the run shows (parameters filled in), not a file elsewhere.
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
import types
from multiprocessing import forkserver, process, resource_tracker, util
from pathlib import Path
from typing import Any

from app.events import keys
from app.events import kinds as K
from app.runs import leftovers
from app.runs.program import Program, RunnerConfig
from app.tracing.context import TraceContext
from app.tracing.processes import die_with_parent
from app.tracing.tracer import install


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
        # Every Process copies this _config, spawned ones too: all the run's semaphores
        # carry the run's name, which the server cleans up after (app/runs/leftovers.py).
        "semprefix": leftovers.semprefix(config.run_id),
        "tempdir": config.run_dir,  # manager sockets land in the run's directory
    }
    process._parent_process = None  # type: ignore[attr-defined]
    process._children = set()  # type: ignore[attr-defined]
    process._process_counter = itertools.count(1)  # type: ignore[attr-defined]
    multiprocessing.set_start_method(config.start_method, force=True)


def _write_program(config: RunnerConfig) -> str:
    """The program's file in the run's directory; its path is the program's ``__file__``."""
    path = Path(config.run_dir) / Path(config.program.filename).name
    path.write_text(config.program.source)
    return str(path)


def _execute(program: Program, path: str) -> int:
    """Run the program as ``__main__``; return the exit status Python would give it."""
    module = types.ModuleType("__main__")
    module.__file__ = path
    module.__builtins__ = builtins  # type: ignore[attr-defined]
    sys.modules["__main__"] = module
    sys.argv = [path, *program.args]
    # As `python program.py` would have it, the program's own directory comes first (the
    # server's entries stay after it: spawned children must import the tracer).
    sys.path.insert(0, os.path.dirname(path))
    # Tracebacks quote the source that ran, whatever happens to the file meanwhile.
    lines = program.source.splitlines(keepends=True)
    linecache.cache[path] = (len(program.source), None, lines, path)
    try:
        exec(compile(program.source, path, "exec"), module.__dict__)  # noqa: S102
    except SystemExit as exc:
        return exit_status(exc)
    except BaseException as exc:
        report_uncaught(exc)
        return 1
    return 0


def exit_status(exc: SystemExit) -> int:
    """The status ``sys.exit(code)`` gives a process, as the interpreter decides it."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1


def report_uncaught(exc: BaseException) -> None:
    """Report an exception that ended the program as the interpreter does: through
    ``sys.excepthook`` (the program may have set its own), with the frames of the program
    and of the libraries it called, not ours (the runner's, a traced operation's), which
    ``python program.py`` would not show."""
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:  # and the exceptions it came from
        seen.add(id(link))
        link.__traceback__ = _without_our_frames(link.__traceback__)
        link = link.__cause__ or link.__context__
    sys.excepthook(type(exc), exc, exc.__traceback__)


_OURS = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # the app package


def _without_our_frames(tb: types.TracebackType | None) -> types.TracebackType | None:
    kept: list[types.TracebackType] = []
    while tb is not None:
        if not tb.tb_frame.f_code.co_filename.startswith(_OURS):
            kept.append(tb)
        tb = tb.tb_next
    for outer, inner in itertools.pairwise(kept):
        outer.tb_next = inner
    if kept:
        kept[-1].tb_next = None
    return kept[0] if kept else None


def announce(em: Any, config: RunnerConfig) -> None:
    """The run's first events: what runs, and its main process."""
    program = config.program
    em.emit(
        K.RUN_START,
        None,
        None,
        {
            "scenario": program.name,
            "params": program.params,
            "pace_ms": config.pace_ms,
            "start_method": config.start_method,
            "python": platform.python_version(),
            "source": program.source,
        },
    )
    em.emit(
        K.PROC_START,
        None,
        None,
        {"parent": None, "ppid": os.getppid(), "target": None, "role": "main"},
    )
    em.started = True
    em.flush()


def run(config: RunnerConfig) -> None:
    """Target of the runner's Process; exits with the program's status."""
    os.setsid()
    die_with_parent(os.getppid())
    _detach_from_forkserver()
    _become_fresh_main(config)
    program = config.program
    path = _write_program(config)
    ctx = TraceContext(
        socket_path=config.socket_path,
        t0=config.t0,
        program_path=path,
        pace_s=config.pace_ms / 1000,
        gate=config.gate,
        watch=program.watch,
        start_method=config.start_method,
        run_dir=config.run_dir,
    )
    em = install(ctx, "main", "main")
    announce(em, config)
    code = _execute(program, path)
    # What the interpreter does at exit: run finalizers (a Manager not closed by `with`
    # shuts down here), join children the program left running.
    util._exit_function()  # type: ignore[attr-defined]
    sys.stdout.flush()
    sys.stderr.flush()
    em.emit(K.PROC_EXIT, None, None, {"exitcode": code}, key=keys.exited(em.pid))
    em.exited = True
    em.close()
    sys.exit(code)
