"""A traced ``multiprocessing.Pool``: its workers as named lanes, each task as a message.

The traced Pool keeps CPython's machinery and wraps what travels: its two pipes are
traced ones (app/tracing/pool_pipes.py), its table of jobs a traced one that makes every
result object a traced one (app/tracing/pool_results.py), and its workers get names of
their own. What is submitted (apply, map and friends), closing, terminating and joining
are traced here, on the pool.

The pool's own threads in the owner (task, result and worker handlers) emit their events
but never pass the gate: a gate that held one of them would hold the program's main
thread too (one hold per process), for an operation the program never wrote. Their locks,
pipes and threads are not the program's objects, so nothing else of them is drawn.
"""

from __future__ import annotations

import itertools
import sys
from collections.abc import Callable, Iterable
from multiprocessing import pool as mp_pool
from typing import Any

from app.events import kinds as K
from app.tracing import emitter, frames
from app.tracing.pool_fields import call_fields, func_name, raised
from app.tracing.pool_pipes import ResultQueue, TaskQueue, result_receiver, task_sender
from app.tracing.pool_results import Jobs, Pending
from app.tracing.values import value_fields

# Subclassed with private parts the stubs do not describe.
_Pool: Any = mp_pool.Pool


def _worker_maker(name: str) -> Callable[..., Any]:
    """Pool.Process for one pool: its workers are named ``<pool>-worker-1``, -2… (and a
    worker started later to replace one, with maxtasksperchild, gets the next number)."""
    numbers = itertools.count(1)

    def make(ctx: Any, *args: Any, **kwds: Any) -> Any:
        proc = ctx.Process(*args, **kwds)
        proc._mps_var = (f"{name}-worker-{next(numbers)}",)  # read by processes._start
        return proc

    return make


class TracedPool(_Pool):  # type: ignore[misc]
    def __init__(
        self,
        processes: int | None = None,
        initializer: Callable[..., Any] | None = None,
        initargs: Iterable[Any] = (),
        maxtasksperchild: int | None = None,
        context: Any = None,
        *,
        name: str,
    ) -> None:
        self._mps_name = name
        self._mps_by_with = False
        self._mps_pending = Pending()
        self.Process = _worker_maker(name)  # shadows the staticmethod for this pool
        super().__init__(processes, initializer, initargs, maxtasksperchild, context)

    def _setup_queues(self) -> None:
        self._inqueue = TaskQueue(ctx=self._ctx, name=self._mps_name)
        self._outqueue = ResultQueue(ctx=self._ctx, name=self._mps_name)
        self._quick_put = task_sender(self._inqueue._writer, self._mps_name)
        self._quick_get = result_receiver(self._outqueue._reader, self._mps_name)

    def _repopulate_pool(self) -> Any:
        # Called once, from __init__, after the arguments were checked and before the
        # workers and the pool's threads start: the moment to announce the pool and to
        # put the traced table of jobs in place of the plain one.
        self._cache = Jobs(self._change_notifier, self._mps_name, self._mps_pending)
        em = emitter.EMITTER
        if em is not None:
            em.emit(K.POOL_NEW, self._mps_name, frames.scenario_line(), {"processes": self._processes})
        return super()._repopulate_pool()

    # -- submitting ----------------------------------------------------------------------

    def _submit(self, fields: dict[str, Any], run: Callable[..., Any], *args: Any) -> Any:
        em = emitter.EMITTER
        pending = self._mps_pending
        if em is None or pending.info is not None:  # apply() calling apply_async()
            return run(*args)
        line = frames.scenario_line()
        em.before(K.POOL_SUBMIT, self._mps_name, line)
        pending.info = (fields, line)
        try:
            return run(*args)
        except Exception as exc:
            if pending.info is not None:  # refused before it became a job
                em.emit(K.POOL_SUBMIT, self._mps_name, line, {**fields, "error": raised(exc)})
                em.after()
            raise
        finally:
            pending.info = None

    @staticmethod
    def _items(method: str, func: Any, items: Any, chunksize: int | None) -> dict[str, Any]:
        fields = {**value_fields(items), "method": method}
        name = func_name(func)
        if name is not None:
            fields["func"] = name
        if chunksize is not None:
            fields["chunksize"] = chunksize
        return fields

    def _call(self, method: str, func: Any, args: tuple[Any, ...], kwds: dict[str, Any]) -> dict[str, Any]:
        fields = {**call_fields(tuple(args), dict(kwds)), "method": method}
        name = func_name(func)
        if name is not None:
            fields["func"] = name
        return fields

    def apply(self, func: Any, args: Any = (), kwds: Any = {}) -> Any:  # noqa: B006 (the stdlib's signature)
        return self._submit(self._call("apply", func, args, kwds), super().apply, func, args, kwds)

    def apply_async(
        self,
        func: Any,
        args: Any = (),
        kwds: Any = {},  # noqa: B006 (the stdlib's signature)
        callback: Any = None,
        error_callback: Any = None,
    ) -> Any:
        fields = self._call("apply_async", func, args, kwds)
        return self._submit(fields, super().apply_async, func, args, kwds, callback, error_callback)

    # map and friends turn an iterable without len() into a list first (as Pool does), so
    # that showing it consumes nothing.
    def map(self, func: Any, iterable: Any, chunksize: int | None = None) -> Any:
        items = iterable if hasattr(iterable, "__len__") else list(iterable)
        return self._submit(self._items("map", func, items, chunksize), super().map, func, items, chunksize)

    def map_async(
        self,
        func: Any,
        iterable: Any,
        chunksize: int | None = None,
        callback: Any = None,
        error_callback: Any = None,
    ) -> Any:
        items = iterable if hasattr(iterable, "__len__") else list(iterable)
        fields = self._items("map_async", func, items, chunksize)
        return self._submit(fields, super().map_async, func, items, chunksize, callback, error_callback)

    def starmap(self, func: Any, iterable: Any, chunksize: int | None = None) -> Any:
        items = iterable if hasattr(iterable, "__len__") else list(iterable)
        return self._submit(
            self._items("starmap", func, items, chunksize), super().starmap, func, items, chunksize
        )

    def starmap_async(
        self,
        func: Any,
        iterable: Any,
        chunksize: int | None = None,
        callback: Any = None,
        error_callback: Any = None,
    ) -> Any:
        items = iterable if hasattr(iterable, "__len__") else list(iterable)
        fields = self._items("starmap_async", func, items, chunksize)
        return self._submit(fields, super().starmap_async, func, items, chunksize, callback, error_callback)

    # imap reads its iterable lazily, in the pool's task thread: it is shown, not read.
    def imap(self, func: Any, iterable: Any, chunksize: int = 1) -> Any:
        return self._submit(
            self._items("imap", func, iterable, chunksize), super().imap, func, iterable, chunksize
        )

    def imap_unordered(self, func: Any, iterable: Any, chunksize: int = 1) -> Any:
        fields = self._items("imap_unordered", func, iterable, chunksize)
        return self._submit(fields, super().imap_unordered, func, iterable, chunksize)

    # -- ending ----------------------------------------------------------------------------

    def close(self) -> None:
        em = emitter.EMITTER
        if em is None:
            super().close()
            return
        line = frames.scenario_line()
        em.before(K.POOL_CLOSE, self._mps_name, line)
        super().close()
        em.emit(K.POOL_CLOSE, self._mps_name, line)
        em.after()

    def terminate(self) -> None:
        em = emitter.EMITTER
        if em is None or self._state == mp_pool.TERMINATE:
            super().terminate()
            return
        line = frames.scenario_line()
        em.before(K.POOL_TERMINATE, self._mps_name, line)
        # Said before it happens: the workers' deaths and their joins follow.
        em.emit(K.POOL_TERMINATE, self._mps_name, line, {"by": "with"} if self._mps_by_with else None)
        em.flush()
        super().terminate()
        em.after()

    def __exit__(self, *exc: Any) -> None:
        self._mps_by_with = True
        super().__exit__(*exc)

    def join(self) -> None:
        em = emitter.EMITTER
        if em is None:
            super().join()
            return
        name = self._mps_name
        line = frames.scenario_line()
        em.before(K.POOL_JOIN, name, line)
        if self._state != mp_pool.RUN and any(p.exitcode is None for p in self._pool):
            em.emit(K.POOL_WAIT, name, line, {"op": "join"})
            em.flush()
        try:
            super().join()
        except ValueError as exc:  # still running: join() before close() or terminate()
            em.emit(K.POOL_JOIN, name, line, {"error": raised(exc)})
            em.after()
            raise
        em.emit(K.POOL_JOIN, name, line)
        em.after()


def make_pool(
    ctx: Any,
    processes: int | None = None,
    initializer: Callable[..., Any] | None = None,
    initargs: Iterable[Any] = (),
    maxtasksperchild: int | None = None,
) -> Any:
    """Replacement for ``BaseContext.Pool``: a traced Pool named after the program's
    variable; a plain one for multiprocessing's or concurrent.futures' own use."""
    caller = sys._getframe(1)
    em = emitter.EMITTER
    if em is None or frames.made_by_stdlib(caller):
        return _Pool(processes, initializer, initargs, maxtasksperchild, context=ctx.get_context())
    name = em.object_name(frames.assigned_names(caller), "pool")
    return TracedPool(processes, initializer, initargs, maxtasksperchild, ctx.get_context(), name=name)


# What app/tracing/tracer.py puts on multiprocessing's contexts, by name.
FACTORIES = {"Pool": make_pool}
