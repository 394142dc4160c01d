"""A traced ``multiprocessing.Pool``: its workers as named lanes, each task as a message.

A Pool moves work over two pipes of its own (SimpleQueues): the owner's task thread sends
tasks ``(job, i, func, args, kwds)`` — for a map, one per chunk — into the task pipe, a
free worker takes one, runs it and sends ``(job, i, (ok, value))`` into the result pipe,
and the owner's result thread hands it to the job's result object, which the caller's
``get()`` (or the callback) reads. The traced Pool keeps that machinery and wraps what
travels: a task goes as ``(msg, task)`` and a result as ``(msg, result)``, so each end
reports which sending it received (``pool.task`` → ``pool.take``, ``pool.done`` →
``pool.result``), as queue items do. The caller's side is traced on the job's result
object (``pool.submit``, ``pool.wait``, ``pool.get``).

The pool's own threads in the owner (task, result and worker handlers) emit their events
but never pass the gate: a gate that held one of them would hold the program's main
thread too (one hold per process), for an operation the program never wrote. Their locks,
pipes and threads are not the program's objects, so nothing else of them is drawn.
"""

from __future__ import annotations

import itertools
import sys
import threading
from collections.abc import Callable, Iterable
from multiprocessing import TimeoutError as PoolTimeout
from multiprocessing import pool as mp_pool
from multiprocessing import queues as mp_queues
from multiprocessing.reduction import ForkingPickler
from types import FrameType
from typing import Any

from app.events import kinds as K
from app.tracing import emitter, frames
from app.tracing.polling import nothing_to_read
from app.tracing.values import MAX_STR, describe, value_fields

# Subclassed with private parts the stubs do not describe.
_Pool: Any = mp_pool.Pool
_SimpleQueue: Any = mp_queues.SimpleQueue
_PoolCache: Any = mp_pool._PoolCache  # type: ignore[attr-defined]
_ApplyResult: Any = mp_pool.ApplyResult
_MapResult: Any = mp_pool.MapResult
_IMapIterator: Any = mp_pool.IMapIterator
_IMapUnorderedIterator: Any = mp_pool.IMapUnorderedIterator

# What Pool.map and starmap run in a worker for one chunk: (func, items) as their argument.
_CHUNK_RUNNERS = (mp_pool.mapstar, mp_pool.starmapstar)  # type: ignore[attr-defined]


def _made_by_stdlib(frame: FrameType) -> bool:
    return str(frame.f_globals.get("__name__", "")).startswith(("multiprocessing", "concurrent.futures"))


def _func_name(func: Any) -> str | None:
    name = getattr(func, "__name__", None)
    return str(name) if name else None


def _program_line(func: Any) -> int | None:
    """The line where ``func`` is defined, when it is the program's own function."""
    code = getattr(func, "__code__", None)
    return code.co_firstlineno if code is not None and code.co_filename == frames.program_path else None


def _raised(exc: Any) -> str:
    # A worker's exception travels wrapped with its traceback (ExceptionWithTraceback).
    exc = getattr(exc, "exc", exc)
    text = str(exc)
    name = type(exc).__name__
    shown = f"{name}: {text}" if text else name
    return shown if len(shown) <= MAX_STR else shown[:MAX_STR] + "…"


def _outcome(ok: bool, value: Any) -> dict[str, Any]:
    return value_fields(value) if ok else {"raised": _raised(value)}


def _call_fields(args: tuple[Any, ...], kwds: dict[str, Any]) -> dict[str, Any]:
    """One call's arguments: ``value`` the list of them, ``repr`` spelled as the call's
    parentheses, ``(10, base=2)``, which is how the narration shows them."""
    shown = [describe(a)[0] for a in args]
    if kwds:
        shown.append(describe(kwds)[0])
    text = "(" + ", ".join([repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwds.items()]) + ")"
    return {"value": shown, "repr": text if len(text) <= MAX_STR else text[:MAX_STR] + "…"}


def _task_fields(task: tuple[Any, ...]) -> tuple[dict[str, Any], Any]:
    """A task's fields (its job, place, function and what it works on) and the function."""
    job, index, func, args, kwds = task
    if func in _CHUNK_RUNNERS:
        func, items = args[0]
        fields = value_fields(list(items))
        fields["size"] = len(items)
    else:
        fields = _call_fields(args, kwds)
    fields.update(job=job, index=index)
    name = _func_name(func)
    if name is not None:
        fields["func"] = name
    return fields, func


# --- the two pipes ------------------------------------------------------------------------


class TaskQueue(_SimpleQueue):  # type: ignore[misc]
    """The pool's task pipe; ``get`` runs in the workers."""

    _mps_poller: Any = None  # see app/tracing/polling.py; not part of the pickled state

    def __init__(self, *, ctx: Any, name: str) -> None:
        super().__init__(ctx=ctx)
        self._mps_name = name

    def __getstate__(self) -> tuple[Any, ...]:
        return (*super().__getstate__(), self._mps_name)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        *base, self._mps_name = state
        super().__setstate__(tuple(base))

    def get(self) -> Any:
        em = emitter.EMITTER
        if em is None:  # tasks always travel wrapped, traced or not
            return super().get()[1]
        name = self._mps_name
        em.before(K.POOL_TAKE, name, None)
        if nothing_to_read(self, self._reader.fileno()):
            em.emit(K.POOL_WAIT, name, None, {"op": "task"})
            em.flush()
        msg, task = super().get()
        if task is None:  # the stop signal: the worker exits
            em.emit(K.POOL_TAKE, name, None, {"stop": True})
            em.after()
            return None
        fields, func = _task_fields(task)
        fields["msg"] = msg
        em.emit(K.POOL_TAKE, name, _program_line(func), fields, after=msg)
        em.after()
        return task


class ResultQueue(_SimpleQueue):  # type: ignore[misc]
    """The pool's result pipe; ``put`` runs in the workers (and, with the stop signal for
    the result thread, in the owner)."""

    def __init__(self, *, ctx: Any, name: str) -> None:
        super().__init__(ctx=ctx)
        self._mps_name = name

    def __getstate__(self) -> tuple[Any, ...]:
        return (*super().__getstate__(), self._mps_name)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        *base, self._mps_name = state
        super().__setstate__(tuple(base))

    def put(self, obj: Any) -> None:
        em = emitter.EMITTER
        if em is None or obj is None:
            super().put((None, obj))
            return
        job, index, (ok, value) = obj
        name = self._mps_name
        em.before(K.POOL_DONE, name, None)
        msg = em.new_msg()
        # If the result cannot be pickled this raises, and the worker sends the error
        # instead: only what really went is reported.
        super().put((msg, obj))
        fields = _outcome(ok, value)
        fields.update(job=job, index=index, msg=msg)
        em.emit(K.POOL_DONE, name, None, fields, key=msg)
        em.after()


def _task_sender(writer: Any, name: str) -> Callable[[Any], None]:
    """The owner's task thread's put (Pool._quick_put). A closure over the pipe, not a
    method: the thread must not keep the Pool object alive."""

    def send(task: Any) -> None:
        em = emitter.EMITTER
        if em is None or task is None:
            writer.send((None, task))
            return
        msg = em.new_msg()
        data = ForkingPickler.dumps((msg, task))  # what cannot be pickled raises here, unsaid
        fields, _func = _task_fields(task)
        fields["msg"] = msg
        # Said before the bytes go: once they have, the worker may take the task and the
        # owner's result thread receive its result before this thread runs again (the GIL
        # may not come back for a while), and the result would then come before the task in
        # the owner's own order, while the take waited for the task: neither could go.
        em.emit(K.POOL_TASK, name, None, fields, key=msg)
        writer.send_bytes(data)
        # A worker may be waiting for this task: its take is held until this is sent.
        em.flush()

    return send


def _result_receiver(reader: Any, name: str) -> Callable[[], Any]:
    """The owner's result thread's get (Pool._quick_get)."""

    def receive() -> Any:
        msg, obj = reader.recv()
        em = emitter.EMITTER
        if em is not None and msg is not None and obj is not None:
            job, index, (ok, value) = obj
            fields = _outcome(ok, value)
            fields.update(job=job, index=index, msg=msg)
            em.emit(K.POOL_RESULT, name, None, fields, after=msg)
        return obj

    return receive


# --- the caller's side: jobs and their results -----------------------------------------


class _Pending(threading.local):
    """What a Pool method is submitting in this thread, until its job is registered."""

    info: tuple[dict[str, Any], int | None] | None = None


def _traced_callback(
    callback: Callable[[Any], Any], name: str, job: int, failed: bool
) -> Callable[[Any], Any]:
    def run(value: Any) -> Any:
        em = emitter.EMITTER
        if em is not None:
            fields: dict[str, Any] = {"raised": _raised(value)} if failed else value_fields(value)
            fields["job"] = job
            func = _func_name(callback)
            if func is not None:
                fields["func"] = func
            em.emit(K.POOL_CALLBACK, name, _program_line(callback), fields)
        return callback(value)

    return run


class _Jobs(_PoolCache):  # type: ignore[misc]
    """The pool's table of jobs in progress. Every result object registers itself here as
    it is made, in the submitting thread, before its tasks go out: that is where the
    submission is reported and the result object becomes a traced one."""

    def __init__(self, notifier: Any, name: str, pending: _Pending) -> None:
        super().__init__(notifier=notifier)
        self._mps_name = name
        self._mps_pending = pending

    def __setitem__(self, job: int, result: Any) -> None:
        super().__setitem__(job, result)
        traced = _TRACED_RESULTS.get(type(result))
        if traced is not None:
            result.__class__ = traced  # the same object: the pool's threads hold it already
        result._mps_pool = self._mps_name
        for attr, failed in (("_callback", False), ("_error_callback", True)):
            callback = getattr(result, attr, None)
            if callback is not None:
                setattr(result, attr, _traced_callback(callback, self._mps_name, job, failed))
        info, self._mps_pending.info = self._mps_pending.info, None
        em = emitter.EMITTER
        if em is not None and info is not None:
            fields, line = info
            em.emit(K.POOL_SUBMIT, self._mps_name, line, {**fields, "job": job})
            em.after()


def _wait_fields(job: int, timeout: float | None) -> dict[str, Any]:
    fields: dict[str, Any] = {"op": "get", "job": job}
    if timeout is not None:
        fields["timeout"] = float(timeout)
    return fields


class TracedApplyResult(_ApplyResult):  # type: ignore[misc]
    """What apply_async returns (and map_async, through TracedMapResult)."""

    _mps_pool: str | None = None

    def wait(self, timeout: float | None = None) -> None:
        em = emitter.EMITTER
        if em is not None and self._mps_pool is not None and not self.ready():
            em.emit(K.POOL_WAIT, self._mps_pool, frames.scenario_line(), _wait_fields(self._job, timeout))
            em.flush()
        super().wait(timeout)

    def get(self, timeout: float | None = None) -> Any:
        em = emitter.EMITTER
        name = self._mps_pool
        if em is None or name is None:
            return super().get(timeout)
        line = frames.scenario_line()
        em.before(K.POOL_GET, name, line)
        try:
            value = super().get(timeout)
        except PoolTimeout:
            em.emit(K.POOL_GET, name, line, {"job": self._job, "error": "TimeoutError"})
            em.after()
            raise
        except Exception as exc:
            em.emit(K.POOL_GET, name, line, {"job": self._job, "raised": _raised(exc)})
            em.after()
            raise
        fields = value_fields(value)
        fields["job"] = self._job
        em.emit(K.POOL_GET, name, line, fields)
        em.after()
        return value


class TracedMapResult(TracedApplyResult, _MapResult):  # type: ignore[misc]
    pass


class TracedIMapIterator(_IMapIterator):  # type: ignore[misc]
    """What imap returns: each next() is one result collected, in order."""

    _mps_pool: str | None = None

    def next(self, timeout: float | None = None) -> Any:
        em = emitter.EMITTER
        name = self._mps_pool
        if em is None or name is None:
            return super().next(timeout)
        line = frames.scenario_line()
        em.before(K.POOL_GET, name, line)
        # Unlocked peek: only decides whether to say "waits" first.
        if not self._items and self._index != self._length:
            em.emit(K.POOL_WAIT, name, line, _wait_fields(self._job, timeout))
            em.flush()
        try:
            value = super().next(timeout)
        except StopIteration:
            em.after()
            raise
        except PoolTimeout:
            em.emit(K.POOL_GET, name, line, {"job": self._job, "error": "TimeoutError"})
            em.after()
            raise
        except Exception as exc:
            em.emit(K.POOL_GET, name, line, {"job": self._job, "raised": _raised(exc)})
            em.after()
            raise
        fields = value_fields(value)
        fields["job"] = self._job
        em.emit(K.POOL_GET, name, line, fields)
        em.after()
        return value

    __next__ = next


class TracedIMapUnorderedIterator(TracedIMapIterator, _IMapUnorderedIterator):  # type: ignore[misc]
    pass


_TRACED_RESULTS: dict[type, type] = {
    _ApplyResult: TracedApplyResult,
    _MapResult: TracedMapResult,
    _IMapIterator: TracedIMapIterator,
    _IMapUnorderedIterator: TracedIMapUnorderedIterator,
}


# --- the pool -------------------------------------------------------------------------------


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
        self._mps_pending = _Pending()
        self.Process = _worker_maker(name)  # shadows the staticmethod for this pool
        super().__init__(processes, initializer, initargs, maxtasksperchild, context)

    def _setup_queues(self) -> None:
        self._inqueue = TaskQueue(ctx=self._ctx, name=self._mps_name)
        self._outqueue = ResultQueue(ctx=self._ctx, name=self._mps_name)
        self._quick_put = _task_sender(self._inqueue._writer, self._mps_name)
        self._quick_get = _result_receiver(self._outqueue._reader, self._mps_name)

    def _repopulate_pool(self) -> Any:
        # Called once, from __init__, after the arguments were checked and before the
        # workers and the pool's threads start: the moment to announce the pool and to
        # put the traced table of jobs in place of the plain one.
        self._cache = _Jobs(self._change_notifier, self._mps_name, self._mps_pending)
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
                em.emit(K.POOL_SUBMIT, self._mps_name, line, {**fields, "error": _raised(exc)})
                em.after()
            raise
        finally:
            pending.info = None

    @staticmethod
    def _items(method: str, func: Any, items: Any, chunksize: int | None) -> dict[str, Any]:
        fields = {**value_fields(items), "method": method}
        name = _func_name(func)
        if name is not None:
            fields["func"] = name
        if chunksize is not None:
            fields["chunksize"] = chunksize
        return fields

    def _call(self, method: str, func: Any, args: tuple[Any, ...], kwds: dict[str, Any]) -> dict[str, Any]:
        fields = {**_call_fields(tuple(args), dict(kwds)), "method": method}
        name = _func_name(func)
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
            em.emit(K.POOL_JOIN, name, line, {"error": _raised(exc)})
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
    if em is None or _made_by_stdlib(caller):
        return _Pool(processes, initializer, initargs, maxtasksperchild, context=ctx.get_context())
    name = em.object_name(frames.assigned_names(caller), "pool")
    return TracedPool(processes, initializer, initargs, maxtasksperchild, ctx.get_context(), name=name)


# What app/tracing/tracer.py puts on multiprocessing's contexts, by name.
FACTORIES = {"Pool": make_pool}
