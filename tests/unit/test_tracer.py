"""The tracer has one owner: install() changes a process, uninstall() puts it all back."""

from __future__ import annotations

import multiprocessing
import sys
import time
from multiprocessing import context as mp_context
from multiprocessing import queues, reduction
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from app.tracing import emitter, frames, pipes, tracer, watch
from app.tracing.context import TraceContext

FACTORIES = ("Queue", "Pipe", "Value", "Array", "Manager")


def snapshot() -> dict[str, Any]:
    """Everything install() may replace, as the process has it now."""
    return {
        "context": {n: mp_context.BaseContext.__dict__[n] for n in FACTORIES},
        "module": {n: getattr(multiprocessing, n) for n in FACTORIES},
        "process": {n: BaseProcess.__dict__[n] for n in ("__init__", "start", "join", "_bootstrap")},
        "reducers": dict(reduction.ForkingPickler._extra_reducers),  # type: ignore[attr-defined]
        "sleep": time.sleep,
        "streams": (sys.stdout, sys.stderr),
        "trace": sys.gettrace(),
    }


def test_uninstall_puts_back_everything_install_changed(tmp_path: Path) -> None:
    before = snapshot()
    ctx = TraceContext(
        socket_path=str(tmp_path / "nobody-listens.sock"),
        t0=time.monotonic(),
        program_path=str(tmp_path / "program.py"),
        watch=("result",),
    )
    em = tracer.install(ctx, "main", "main")
    try:
        assert tracer.installed()
        assert emitter.EMITTER is em
        during = snapshot()
        changed = [key for key in before if during[key] != before[key]]
        assert changed == ["context", "module", "process", "reducers", "sleep", "streams", "trace"]
        assert frames.program_path == ctx.program_path
        assert watch.WATCHER is not None
        q = multiprocessing.Queue()
        assert type(q).__name__ == "TracedQueue"
        q.close()
        print("captured, not shown: nothing listens on the socket")  # goes to the tracer
    finally:
        tracer.uninstall()
    assert snapshot() == before
    assert not tracer.installed()
    assert frames.program_path is None
    assert watch.WATCHER is None
    q = multiprocessing.Queue()
    assert type(q) is queues.Queue
    q.close()
    assert pipes.TracedConnection not in reduction.ForkingPickler._extra_reducers  # type: ignore[attr-defined]


def test_install_again_after_uninstall_traces_again(tmp_path: Path) -> None:
    ctx = TraceContext(socket_path=str(tmp_path / "s"), t0=time.monotonic(), program_path="p.py")
    for _ in range(2):
        tracer.install(ctx, "main", "main")
        try:
            q = multiprocessing.Queue()
            assert type(q).__name__ == "TracedQueue"
            q.close()
        finally:
            tracer.uninstall()
