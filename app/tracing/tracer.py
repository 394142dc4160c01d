"""The tracer of a process: the one owner of everything tracing changes in a process.

``install`` patches multiprocessing, captures output, starts the emitter (and the variable
watcher when a run asks for one); ``uninstall`` puts every patched name back and stops
them, so tests and trace mode can trace and stop tracing cleanly. Nothing else writes the
tracer's process-wide state (``emitter.EMITTER``, ``frames.program_path``, the watcher).

The runner installs it in the program's main process before the program runs. Children
made by fork inherit the patches and reset their emitter at the fork; children made by
spawn or forkserver install it again when their Process object (which carries the run's
TraceContext) is unpickled.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from multiprocessing import context as mp_context
from multiprocessing import reduction
from multiprocessing.process import BaseProcess
from typing import Any

from app.tracing import (
    blocks,
    emitter,
    frames,
    gate,
    listeners,
    managers,
    output,
    pipes,
    pools,
    processes,
    queues,
    remote_managers,
    shared,
    sync,
    termination,
    watch,
)
from app.tracing.context import TraceContext

# The traced factories install() puts on multiprocessing's contexts, by name: each module
# of primitives lists its own (``FACTORIES``), so a new family is one more module here.
_PRIMITIVES = (queues, pipes, shared, managers, remote_managers, sync, pools, blocks, listeners)
_FACTORIES: dict[str, Any] = {name: f for module in _PRIMITIVES for name, f in module.FACTORIES.items()}


class _Patches:
    """Names replaced on stdlib objects, with what they held, so they can be put back."""

    def __init__(self) -> None:
        self._saved: list[tuple[Any, str, Any]] = []

    @property
    def applied(self) -> bool:
        return bool(self._saved)

    def set(self, owner: Any, name: str, value: Any) -> None:
        self._saved.append((owner, name, owner.__dict__.get(name, _MISSING)))
        setattr(owner, name, value)

    def undo(self) -> None:
        for owner, name, old in reversed(self._saved):
            if old is _MISSING:
                delattr(owner, name)
            else:
                setattr(owner, name, old)
        self._saved.clear()


_MISSING = object()
_patches = _Patches()
_fork_hooks_registered = False


def _patch() -> None:
    if _patches.applied:
        return
    base: Any = mp_context.BaseContext
    default = mp_context._default_context
    for name, factory in _FACTORIES.items():
        _patches.set(base, name, factory)
    # `multiprocessing.Queue` and friends were bound to the default context at import.
    for name in _FACTORIES:
        _patches.set(multiprocessing, name, getattr(default, name))
    # Names a family patches in place, on classes of their own module (shared_memory).
    for module in _PRIMITIVES:
        for owner, name, value in getattr(module, "PATCHES", ()):
            _patches.set(owner, name, value)
    for name, method in processes.METHODS.items():
        _patches.set(BaseProcess, name, method)
    _patches.set(reduction.ForkingPickler, "_extra_reducers", _with_connection_reducer())
    _patches.set(time, "sleep", emitter.sleep)
    _patches.set(os, "_exit", emitter.exit_now)
    _register_fork_hooks()


def _with_connection_reducer() -> dict[Any, Any]:
    # A copy: uninstall puts the stdlib's own table back.
    table = dict(reduction.ForkingPickler._extra_reducers)  # type: ignore[attr-defined]
    table[pipes.TracedConnection] = pipes.reduce_connection
    return table


def _register_fork_hooks() -> None:
    # os.register_at_fork cannot be undone: the hooks look up the current emitter and do
    # nothing when there is none.
    global _fork_hooks_registered
    if not _fork_hooks_registered:
        _fork_hooks_registered = True
        os.register_at_fork(
            before=_before_fork, after_in_parent=_after_fork_parent, after_in_child=_after_fork_child
        )


def _before_fork() -> None:
    em = emitter.EMITTER
    if em is not None:
        em.before_fork()


def _after_fork_parent() -> None:
    em = emitter.EMITTER
    if em is not None:
        em.after_fork_parent()


def _after_fork_child() -> None:
    em = emitter.EMITTER
    if em is not None:
        em.after_fork_child()
    output.after_fork_child()
    watch.after_fork_child()


def install(ctx: TraceContext, proc: str, role: str) -> emitter.Emitter:
    """Trace this process from now on; returns its emitter."""
    frames.set_program(ctx.program_path, ctx.program_root or None, ctx.not_the_programs)
    _patch()
    termination.install()
    em = emitter.Emitter(ctx, proc, role, gate.make(ctx.gate, ctx.pace_s))
    emitter.EMITTER = em
    output.capture(tee=ctx.output == "tee")
    watch.start(ctx.watch, ctx.program_path)
    return em


def uninstall() -> None:
    """Stop tracing this process: send what is left, put back every patched name and the
    process's own stdout and stderr."""
    em = emitter.EMITTER
    emitter.EMITTER = None
    if em is not None:
        em.close()
    watch.stop()
    output.release()
    _patches.undo()
    termination.uninstall()
    frames.set_program(None)


def installed() -> bool:
    return emitter.EMITTER is not None


def begin_process(ctx: TraceContext, proc: str, role: str) -> emitter.Emitter:
    """Called at the start of a child's bootstrap: give the process its own identity."""
    em = emitter.EMITTER
    if em is None or (em.ctx is not ctx and em.ctx != ctx):
        return install(ctx, proc, role)
    em.proc = proc
    em.role = role
    return em


def install_in_spawned_child(ctx: TraceContext) -> None:
    if emitter.EMITTER is None:
        install(ctx, "child", "worker")
