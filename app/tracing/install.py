"""Install the tracer in a process: patch multiprocessing, capture output, start emitting.

The runner installs it in the scenario's main process before the program runs. Children
made by fork inherit the patches and reset their emitter at the fork; children made by
spawn or forkserver install it again when their Process object (which carries the run's
TraceContext) is unpickled.
"""

from __future__ import annotations

import multiprocessing
import os
import time
from multiprocessing import context as mp_context
from typing import Any

from app.tracing import emitter, frames, managers, pipes, processes, queues, shared, streams, watch
from app.tracing.context import TraceContext

_patched = False


def _patch_multiprocessing() -> None:
    global _patched
    if _patched:
        return
    _patched = True
    base: Any = mp_context.BaseContext
    base.Queue = queues.make_queue
    base.Pipe = pipes.make_pipe
    base.Value = shared.make_value
    base.Array = shared.make_array
    base.Manager = managers.make_manager
    # `multiprocessing.Queue` and friends were bound to the default context at import.
    default = mp_context._default_context
    for name in ("Queue", "Pipe", "Value", "Array", "Manager"):
        setattr(multiprocessing, name, getattr(default, name))
    processes.patch()
    pipes.register_reducer()
    time.sleep = emitter.sleep
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
    streams.after_fork_child()
    watch.after_fork_child()


def install(ctx: TraceContext, proc: str, role: str) -> emitter.Emitter:
    """Trace this process from now on; returns its emitter."""
    frames.program_path = ctx.program_path
    _patch_multiprocessing()
    em = emitter.Emitter(ctx, proc, role)
    emitter.set_current(em)
    streams.capture()
    watch.start(ctx.watch, ctx.program_path)
    return em


def begin_process(ctx: TraceContext, proc: str, role: str) -> emitter.Emitter:
    """Called at the start of a child's bootstrap: give the process its own identity."""
    em = emitter.EMITTER
    if em is None or (em.ctx is not ctx and em.ctx != ctx):
        return install(ctx, proc, role)
    em.proc = proc
    em.role = role
    return em


def install_in_spawned_child(ctx: Any) -> None:
    if emitter.EMITTER is None:
        install(ctx, "child", "worker")
