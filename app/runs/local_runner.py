"""The runner of a person's own program (``python -m app trace``): a fresh interpreter that
runs the program where it is, as ``python PROGRAM.py ARGS`` or ``python -m MODULE ARGS``
would, traced in every process it starts.

Started by ``app/runs/local_launcher.py`` as ``python -c`` (its ``command``), in the
person's working directory, with their terminal as stdin, stdout and stderr. The run's
settings come through the pipe FD rather than the environment, which the program may read
or print. A fresh interpreter, not a forkserver child as a scenario's runner is: the
program then finds what ``python`` would give it (its start method's default, stdin, the
interpreter's flags) and nothing of ours but the tracer.

What ``python PROGRAM.py`` does and this module does the same way: ``sys.argv`` as typed;
``sys.path[0]`` the program's real directory (its symlinks resolved) or, for ``-m``, the
working directory; ``__main__`` a fresh module whose ``__file__`` is the absolute path;
an uncaught exception reported through ``sys.excepthook`` from the program's own frames;
the atexit handlers run before the process ends; an uncaught KeyboardInterrupt ends the
process by SIGINT, as the interpreter ends it.
"""

from __future__ import annotations

import atexit
import builtins
import os
import pickle
import runpy
import signal
import sys
import types
from importlib.machinery import SourceFileLoader
from multiprocessing import context as mp_context
from multiprocessing import process
from pathlib import Path
from typing import Any

from app.events import keys
from app.events import kinds as K
from app.runs import leftovers
from app.runs.local_launcher import OURS as _OURS
from app.runs.local_launcher import as_python_names, default_start_method
from app.runs.program import RunnerConfig
from app.runs.runner import announce, exit_status, report_uncaught
from app.tracing import emitter
from app.tracing.context import TraceContext
from app.tracing.processes import die_with_parent
from app.tracing.tracer import install


def _set_default_start_method(method: str) -> None:
    """Change the default as Python 3.14 changed it, not as ``set_start_method`` sets it:
    a program that chooses its own method still can."""
    mp_context._default_context._default_context = mp_context._concrete_contexts[method]  # type: ignore[attr-defined]


def _prepare_process(config: RunnerConfig) -> None:
    # Every Process copies this _config, spawned ones too: all the run's semaphores carry
    # the run's name, which the trace command cleans up after, and a Manager's socket goes
    # into the run's directory.
    current: Any = process.current_process()
    current._config["semprefix"] = leftovers.semprefix(config.run_id)
    current._config["tempdir"] = config.run_dir


def _set_path0(entry: str) -> None:
    """``sys.path[0]`` as ``python`` sets it (``-c`` put "" there, after our own entry);
    our own package stays importable for the program's children, after everything else."""
    if sys.path and sys.path[0] == _OURS:
        del sys.path[0]
    if not sys.flags.safe_path and sys.path and sys.path[0] == "":  # -P: python puts nothing there
        sys.path[0] = entry
    if _OURS not in sys.path:
        sys.path.append(_OURS)


def _fresh_main() -> types.ModuleType:
    module = types.ModuleType("__main__")
    module.__builtins__ = builtins  # type: ignore[attr-defined]
    sys.modules["__main__"] = module
    return module


def _run_file(path: str, args: tuple[str, ...]) -> None:
    full = as_python_names(path)
    module = _fresh_main()
    module.__file__ = full
    module.__loader__ = SourceFileLoader("__main__", full)
    module.__cached__ = None  # type: ignore[attr-defined]
    module.__spec__ = None
    sys.argv = [path, *args]
    # Bytes, so that the program's own coding cookie decides how it reads.
    code = compile(Path(full).read_bytes(), full, "exec", dont_inherit=True)
    exec(code, module.__dict__)  # noqa: S102


def _run_module(name: str, args: tuple[str, ...]) -> None:
    _fresh_main()
    sys.argv = ["-m", *args]
    # What `python -m` itself calls; it reports a missing module as python does.
    runpy._run_module_as_main(name, alter_argv=True)  # type: ignore[attr-defined]


def module_origin(name: str) -> str | None:
    """The file ``python -m name`` runs (a package's ``__main__``); None if there is none.
    Imports the module's parent packages, as ``python -m`` does before running it."""
    try:
        _, spec, _ = runpy._get_module_details(name)  # type: ignore[attr-defined]
    except BaseException:  # a missing module: python -m reports it when it runs
        return None
    return spec.origin if isinstance(spec.origin, str) else None


def _execute(config: RunnerConfig) -> tuple[int, bool]:
    """Run the program; its exit status, and whether a KeyboardInterrupt ended it."""
    program = config.program
    try:
        if program.module is not None:
            _run_module(program.module, program.args)
        else:
            assert program.path is not None
            _run_file(program.path, program.args)
    except SystemExit as exc:
        return exit_status(exc), False
    except BaseException as exc:
        report_uncaught(exc)
        return 1, isinstance(exc, KeyboardInterrupt)
    return 0, False


def main(fd: int) -> None:
    with os.fdopen(fd, "rb") as pipe:
        config, parent = pickle.load(pipe)  # noqa: S301 (our own parent wrote it)
    assert isinstance(config, RunnerConfig)
    die_with_parent(parent)
    _prepare_process(config)
    if config.start_method != default_start_method():  # --start-method
        _set_default_start_method(config.start_method)
    program = config.program
    if program.module is not None:
        root = os.getcwd()
        _set_path0(root)
        program_path = module_origin(program.module)
    else:
        assert program.path is not None
        program_path = as_python_names(program.path)
        root = os.path.dirname(os.path.realpath(program_path))
        _set_path0(root)
    ctx = TraceContext(
        socket_path=config.socket_path,
        t0=config.t0,
        program_path=program_path or "",
        start_method=config.start_method,
        run_dir=config.run_dir,
        output="tee",
        # The program's other files are those in its folder, but for ours and a virtual
        # environment's that may be there too.
        program_root=root,
        not_the_programs=(_OURS, sys.prefix, sys.exec_prefix, sys.base_prefix),
    )
    em = install(ctx, "main", "main")
    announce(em, config)
    code, interrupted = _execute(config)
    # What the interpreter does at exit, while the events still go out: the program's
    # atexit handlers, multiprocessing's among them (a Manager not closed by `with` shuts
    # down, children the program left running are joined or, if daemons, terminated).
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    exitcode = -signal.SIGINT if interrupted else code
    em.emit(K.PROC_EXIT, None, None, {"exitcode": exitcode}, key=keys.exited(em.pid))
    em.exited = True
    em.close()
    emitter.EMITTER = None  # what the interpreter's own shutdown prints is not an event
    if interrupted:
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
    sys.exit(code)
