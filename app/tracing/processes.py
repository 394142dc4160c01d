"""Traced process lifecycle: start, the child's own start and exit, and join.

Patched on ``BaseProcess`` so every kind of process is covered, whatever the start method
or context it came from (``multiprocessing.Process``, ``get_context("spawn").Process``,
the manager's server process).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Callable
from multiprocessing import util
from multiprocessing.process import BaseProcess
from typing import Any

from app.events import keys
from app.events import kinds as K
from app.tracing import emitter, frames, termination
from app.tracing.context import TraceContext

_orig_init = BaseProcess.__init__
_orig_start = BaseProcess.start
_orig_join = BaseProcess.join
_orig_kill = BaseProcess.kill
_orig_terminate = BaseProcess.terminate
_orig_bootstrap = BaseProcess._bootstrap  # type: ignore[attr-defined]

_PR_SET_PDEATHSIG = 1


def die_with_parent(expected_ppid: int | None = None) -> None:
    """Ask Linux to SIGKILL this process when its parent dies, so no run outlives the server.

    With ``expected_ppid``, also exit at once if that parent already died before the
    request took effect (the process was reparented in between).
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if expected_ppid is not None and os.getppid() != expected_ppid:
        os._exit(1)


def _target_of(proc: BaseProcess) -> Callable[..., Any] | None:
    return getattr(proc, "_target", None)


def _numbered_name(em: emitter.Emitter, base: str) -> str:
    """``worker-1``, ``worker-2``…: a process named after its target, numbered from the
    first one, so that several made from one function read as a set. Unique among the
    names this process made (``@proc`` appended outside main, as ``em.object_name`` does,
    so names stay unique across the processes of a run)."""
    where = "" if em.proc == "main" else f"@{em.proc}"
    n = 1
    while (name := f"{base}-{n}{where}") in em.children:
        n += 1
    em.children.add(name)
    return name


def _init(self: BaseProcess, *args: Any, **kwargs: Any) -> None:
    _orig_init(self, *args, **kwargs)
    self._mps_var = frames.assigned_names(sys._getframe(1))  # type: ignore[attr-defined]


def _start(self: BaseProcess) -> None:
    em = emitter.EMITTER
    if em is None:
        _orig_start(self)
        return
    line = frames.scenario_line()
    target = _target_of(self)
    tname = getattr(target, "__name__", None)
    if em.pending_child is not None:
        base, role = em.pending_child
        em.pending_child = None
        names: tuple[str, ...] = (base,)
    else:
        role = "worker"
        names = getattr(self, "_mps_var", ())
    name = em.object_name(names, "process") if names else _numbered_name(em, tname or "process")
    # Held after naming (which only picks a name) so a scheduler can say which child it starts.
    em.before(K.PROC_SPAWN, None, line, child=name)
    self._mps_name = name  # type: ignore[attr-defined]
    self._mps_role = role  # type: ignore[attr-defined]
    self._mps_parent = em.proc  # type: ignore[attr-defined]
    self._mps_ctx = em.ctx  # type: ignore[attr-defined]
    self._mps_target_line = (  # type: ignore[attr-defined]
        target.__code__.co_firstlineno
        if target is not None
        and hasattr(target, "__code__")
        and target.__code__.co_filename == frames.program_path
        else None
    )
    _orig_start(self)
    child_pid: int = self.pid  # type: ignore[assignment]  # set by start()
    fields = {"child": name, "child_pid": child_pid, "target": tname, "role": role}
    em.emit(K.PROC_SPAWN, None, line, fields, key=keys.spawn(em.pid, child_pid))
    em.flush()
    em.after()


def _bootstrap(self: BaseProcess, parent_sentinel: Any = None) -> int:
    ctx: TraceContext | None = getattr(self, "_mps_ctx", None)
    name: str | None = getattr(self, "_mps_name", None)
    if ctx is None or name is None:
        return _orig_bootstrap(self, parent_sentinel)  # type: ignore[no-any-return]
    # A default-context Process has no method of its own: the context its start fixed
    # says (a traced program may have changed the default, or Python 3.14's forkserver).
    method = (
        self._start_method  # type: ignore[attr-defined]
        or multiprocessing.get_start_method(allow_none=True)
        or ctx.start_method
    )
    fork_child = method == "fork"
    die_with_parent(self._parent_pid if fork_child else None)  # type: ignore[attr-defined]
    from app.tracing.tracer import begin_process

    em = begin_process(ctx, name, self._mps_role)  # type: ignore[attr-defined]
    ppid = self._parent_pid  # type: ignore[attr-defined]
    target = _target_of(self)
    fields = {
        "parent": self._mps_parent,  # type: ignore[attr-defined]
        "ppid": ppid,
        "target": getattr(target, "__name__", None),
        "role": self._mps_role,  # type: ignore[attr-defined]
    }
    em.emit(
        K.PROC_START,
        None,
        self._mps_target_line,  # type: ignore[attr-defined]
        fields,
        after=keys.spawn(ppid, em.pid),
    )
    em.started = True
    em.flush()
    code: int = _orig_bootstrap(self, parent_sentinel)
    if not util._exiting:  # type: ignore[attr-defined]
        # Since Python 3.12 _bootstrap no longer runs multiprocessing's exit function (its
        # finalizers: a Queue's feeder flushed and joined, a Pool or Manager shut down; the
        # children left running joined): the child runs it from atexit once _bootstrap has
        # returned, after our proc.exit. Run the atexit handlers now, as the main process
        # does before its own (app/runs/local_runner.py), so what they do is traced before
        # this process's last event; the stdlib's own call then finds none left. Before 3.12
        # the function ran inside _bootstrap and set ``_exiting``, so nothing runs twice.
        atexit._run_exitfuncs()
        util._flush_std_streams()  # type: ignore[attr-defined]  # what they printed, as _bootstrap does
    em.emit(K.PROC_EXIT, None, None, {"exitcode": code}, key=keys.exited(em.pid))
    em.exited = True
    em.close()
    return code


def _join(self: BaseProcess, timeout: float | None = None) -> None:
    em = emitter.EMITTER
    name: str | None = getattr(self, "_mps_name", None)
    popen = getattr(self, "_popen", None)
    if em is None or name is None or popen is None:
        _orig_join(self, timeout)
        return
    line = frames.scenario_line()
    em.before(K.PROC_JOIN, None, line, child=name)
    limit: dict[str, Any] = {} if timeout is None else {"timeout": float(timeout)}
    if popen.poll() is None:
        em.emit(K.PROC_WAIT, None, line, {"child": name, **limit})
        em.flush()
    if getattr(self, "_mps_terminated", False) and timeout is None:
        _join_terminated(self)
    else:
        _orig_join(self, timeout)
    code = self.exitcode
    # A finished child sent its proc.exit before it exited; order the join after it.
    after = keys.exited(self.pid) if code is not None and self.pid is not None else None
    fields: dict[str, Any] = {"child": name, "exitcode": code, **limit}
    if code is None:
        fields["alive"] = True  # join(timeout) gave up: the child still runs
    em.emit(K.PROC_JOIN, None, line, fields, after=after)
    em.after()


def _terminate(self: BaseProcess) -> None:
    self._mps_terminated = True  # type: ignore[attr-defined]
    _orig_terminate(self)


def _join_terminated(proc: BaseProcess) -> None:
    """Join a traced child that was sent SIGTERM. Its handler (termination.py) is Python
    code, and a SIGTERM that lands just before the child enters a C wait (a SemLock's
    sem_wait, as a Pool's idle worker is in) is seen only when another signal comes: so
    while it has not ended, it gets SIGTERM again now and then (untraced, SIGTERM's default
    action kills at once and no such gap exists)."""
    while True:
        _orig_join(proc, 0.2)
        if proc.exitcode is not None:
            return
        with contextlib.suppress(ProcessLookupError, OSError):
            os.kill(proc.pid, signal.SIGTERM)  # type: ignore[arg-type]


def _kill(self: BaseProcess) -> None:
    popen = getattr(self, "_popen", None)
    if getattr(self, "_mps_ctx", None) is None or popen is None or popen.poll() is not None:
        _orig_kill(self)
        return
    termination.kill_traced(popen.pid, popen.wait, lambda: _orig_kill(self))


# What the tracer puts on BaseProcess (app/tracing/tracer.py).
METHODS = {
    "__init__": _init,
    "start": _start,
    "join": _join,
    "terminate": _terminate,
    "kill": _kill,
    "_bootstrap": _bootstrap,
}
