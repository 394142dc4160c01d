"""Traced ``multiprocessing.Queue``, ``JoinableQueue`` and ``SimpleQueue``.

Each item travels as ``(msg, item)`` so that the process taking it out knows which put it
came from; the program only ever sees its own items.

A Queue's items reach its pipe through a feeder thread, and a process that put items in
waits at its exit until the feeder has written them all (multiprocessing joins the thread
in a finalizer). With a large item and nobody taking it out that wait never ends: the
tracer counts what the feeder has written and says so (``queue.wait``, op ``flush``).
"""

from __future__ import annotations

import ctypes
import queue as stdlib_queue
import sys
import weakref
from collections.abc import Callable
from multiprocessing import queues, sharedctypes
from multiprocessing.util import Finalize
from typing import Any

from app.events import keys
from app.events import kinds as K
from app.tracing import emitter, frames, messages
from app.tracing.polling import nothing_to_read

# Subclassed with private parts the stubs do not describe.
_Queue: Any = queues.Queue
_JoinableQueue: Any = queues.JoinableQueue
_SimpleQueue: Any = queues.SimpleQueue


def _made_by_multiprocessing(frame: Any) -> bool:
    """Whether the factory was called from multiprocessing's own code (a Pool's queues, a
    ProcessPoolExecutor's): those are its internals, not the program's objects."""
    module = str(frame.f_globals.get("__name__", ""))
    return module.startswith(("multiprocessing", "concurrent.futures"))


class _Flow:
    """How many items this process put in and how many the feeder thread has written.
    Kept apart from the queue: the feeder must not hold the queue alive (its finalizers
    run when the queue is collected)."""

    __slots__ = ("put", "written")

    def __init__(self) -> None:
        self.put = 0
        self.written = 0


def _counting(send: Callable[[bytes], None], flow: _Flow) -> Callable[[bytes], None]:
    def send_counted(data: bytes) -> None:
        send(data)
        flow.written += 1

    return send_counted


FEEDER_GRACE_S = 0.005


def _join_feeder(thread_ref: Any, flow: _Flow, name: str) -> None:
    """The exit's wait for the feeder thread (multiprocessing's own, with the event that
    says so when something is still to be written)."""
    thread = thread_ref()
    if thread is None:
        return
    em = emitter.EMITTER
    if em is not None and thread.is_alive() and flow.written < flow.put:
        # The feeder may have written its last item and be waiting for the GIL to count it
        # (the reader may even have it already): a moment's join lets it, so that only a
        # feeder really stuck with items to write (a full pipe) is shown as a wait.
        thread.join(FEEDER_GRACE_S)
        if thread.is_alive() and flow.written < flow.put:
            em.emit(K.QUEUE_WAIT, name, None, {"op": "flush"})
            em.flush()
    thread.join()


class TracedQueue(_Queue):  # type: ignore[misc]
    _mps_poller: Any = None  # see app/tracing/polling.py; not part of the pickled state
    # multiprocessing's own, set in Queue._reset and _start_thread
    _send_bytes: Any
    _thread: Any
    _jointhread: Any

    def __init__(self, maxsize: int = 0, *, ctx: Any, name: str) -> None:
        self._mps_name = name
        self._mps_bounded = maxsize > 0
        super().__init__(maxsize, ctx=ctx)

    def __getstate__(self) -> tuple[Any, ...]:
        return (*super().__getstate__(), self._mps_name, self._mps_bounded)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        *base, self._mps_name, self._mps_bounded = state
        super().__setstate__(tuple(base))

    def _reset(self, after_fork: bool = False) -> None:
        # A new process (fork child, unpickled copy) starts with its own empty buffer.
        super()._reset(after_fork)
        self._mps_flow = _Flow()

    def _start_thread(self) -> None:
        flow, send = self._mps_flow, self._send_bytes
        self._send_bytes = _counting(send, flow)
        try:
            super()._start_thread()
        finally:
            self._send_bytes = send
        if self._jointhread is not None:
            self._jointhread.cancel()
            self._jointhread = Finalize(
                self._thread,
                _join_feeder,
                [weakref.ref(self._thread), flow, self._mps_name],
                exitpriority=-5,  # multiprocessing's own priority for this join
            )

    def put(self, obj: Any, block: bool = True, timeout: float | None = None) -> None:
        em = emitter.EMITTER
        if em is None:  # items always travel wrapped, traced or not
            self._mps_flow.put += 1
            try:
                super().put((None, obj), block, timeout)
            except BaseException:
                self._mps_flow.put -= 1
                raise
            return
        line = frames.scenario_line()
        em.before(K.QUEUE_PUT, self._mps_name, line, obj)
        if block and self._mps_bounded and self.full():
            fields: dict[str, Any] = {"op": "put"}
            if timeout is not None:
                fields["timeout"] = timeout
            em.emit(K.QUEUE_WAIT, self._mps_name, line, fields)
            em.flush()
        msg = em.new_msg()
        self._mps_flow.put += 1  # counted first: the feeder may write it at once
        try:
            super().put((msg, obj), block, timeout)
        except BaseException:
            self._mps_flow.put -= 1
            raise
        messages.sent(em, K.QUEUE_PUT, self._mps_name, line, msg, obj)

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        em = emitter.EMITTER
        if em is None:
            return super().get(block, timeout)[1]
        line = frames.scenario_line()
        em.before(K.QUEUE_GET, self._mps_name, line)
        if block and nothing_to_read(self, self._reader.fileno()):
            fields: dict[str, Any] = {"op": "get"}
            if timeout is not None:
                fields["timeout"] = timeout
            em.emit(K.QUEUE_WAIT, self._mps_name, line, fields)
            em.flush()
        try:
            msg, obj = super().get(block, timeout)
        except stdlib_queue.Empty:
            messages.failed(em, K.QUEUE_GET, self._mps_name, line, "Empty")
            raise
        messages.received(em, K.QUEUE_GET, self._mps_name, line, msg, obj)
        return obj

    def empty(self) -> bool:
        em = emitter.EMITTER
        if em is None:
            return bool(super().empty())
        line = frames.scenario_line()
        em.before(K.QUEUE_EMPTY, self._mps_name, line)
        result: bool = super().empty()
        em.emit(K.QUEUE_EMPTY, self._mps_name, line, {"value": result})
        em.after()
        return result


class TracedJoinableQueue(TracedQueue, _JoinableQueue):  # type: ignore[misc]
    """A JoinableQueue: the Queue's events plus task_done and join.

    Beside it sits a small shared ``[pid, n]``: the key of the last ``task_done()``,
    written under the queue's own condition, so that a ``join()`` that returns (it holds
    the same condition then) is ordered after the task_done that let it."""

    def __init__(self, maxsize: int = 0, *, ctx: Any, name: str) -> None:
        super().__init__(maxsize, ctx=ctx, name=name)
        self._mps_last_done = sharedctypes.RawArray(ctypes.c_longlong, 2)
        self._mps_done_count = 0

    def __getstate__(self) -> tuple[Any, ...]:
        return (*super().__getstate__(), self._mps_last_done)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        *base, self._mps_last_done = state
        super().__setstate__(tuple(base))
        self._mps_done_count = 0

    def _unfinished(self) -> int:
        return int(self._unfinished_tasks._semlock._get_value())

    def task_done(self) -> None:
        em = emitter.EMITTER
        if em is None:
            super().task_done()
            return
        line = frames.scenario_line()
        em.before(K.QUEUE_TASK_DONE, self._mps_name, line)
        key = None
        # The condition's lock is an RLock, which task_done takes again inside: holding it
        # across both makes the count read the one this task_done left.
        with self._cond:
            try:
                super().task_done()
            except ValueError as exc:
                em.emit(K.QUEUE_TASK_DONE, self._mps_name, line, {"error": str(exc)})
                em.after()
                raise
            # Each task_done comes after the one before it: a join is ordered after the
            # last, and so after every one. Ordered by time alone, another process's
            # earlier task_done, whose event is made only once it has let go of the
            # condition, could be sequenced after the join it let return.
            prev_pid, prev_n = self._mps_last_done[0], self._mps_last_done[1]
            before = keys.task_done(prev_pid, self._mps_name, prev_n) if prev_n else None
            self._mps_done_count += 1
            self._mps_last_done[0], self._mps_last_done[1] = em.pid, self._mps_done_count
            key = keys.task_done(em.pid, self._mps_name, self._mps_done_count)
            left = self._unfinished()
        fields = {"unfinished": left}
        em.emit(K.QUEUE_TASK_DONE, self._mps_name, line, fields, key=key, after=before)
        em.after()

    def join(self) -> None:
        em = emitter.EMITTER
        if em is None:
            super().join()
            return
        line = frames.scenario_line()
        em.before(K.QUEUE_JOIN, self._mps_name, line)
        with self._cond:  # an RLock: join takes it again, and its wait releases both
            if self._unfinished():
                em.emit(K.QUEUE_WAIT, self._mps_name, line, {"op": "join"})
                em.flush()
            super().join()
            pid, n = self._mps_last_done[0], self._mps_last_done[1]
        after = keys.task_done(pid, self._mps_name, n) if n else None
        em.emit(K.QUEUE_JOIN, self._mps_name, line, None, after=after)
        em.after()


class NamedSimpleQueue(_SimpleQueue):  # type: ignore[misc]
    """A SimpleQueue that keeps its name on the stage, also in a spawned child."""

    _mps_poller: Any = None  # see app/tracing/polling.py; not part of the pickled state

    def __init__(self, *, ctx: Any, name: str) -> None:
        super().__init__(ctx=ctx)
        self._mps_name = name

    def __getstate__(self) -> tuple[Any, ...]:
        return (*super().__getstate__(), self._mps_name)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        *base, self._mps_name = state
        super().__setstate__(tuple(base))


class TracedSimpleQueue(NamedSimpleQueue):
    """A SimpleQueue: a pipe with a lock at each end and no feeder thread, so a put
    writes the item itself (and blocks while the pipe is full)."""

    def put(self, obj: Any) -> None:
        em = emitter.EMITTER
        if em is None:
            super().put((None, obj))
            return
        line = frames.scenario_line()
        em.before(K.QUEUE_PUT, self._mps_name, line, obj)
        msg = em.new_msg()
        super().put((msg, obj))
        messages.sent(em, K.QUEUE_PUT, self._mps_name, line, msg, obj)

    def get(self) -> Any:
        em = emitter.EMITTER
        if em is None:
            return super().get()[1]
        line = frames.scenario_line()
        em.before(K.QUEUE_GET, self._mps_name, line)
        if nothing_to_read(self, self._reader.fileno()):
            em.emit(K.QUEUE_WAIT, self._mps_name, line, {"op": "get"})
            em.flush()
        msg, obj = super().get()
        messages.received(em, K.QUEUE_GET, self._mps_name, line, msg, obj)
        return obj

    def empty(self) -> bool:
        em = emitter.EMITTER
        if em is None:
            return bool(super().empty())
        line = frames.scenario_line()
        em.before(K.QUEUE_EMPTY, self._mps_name, line)
        result = bool(super().empty())
        em.emit(K.QUEUE_EMPTY, self._mps_name, line, {"value": result})
        em.after()
        return result


def _named() -> tuple[str, emitter.Emitter | None]:
    """The new queue's name (from the program's assignment, two frames up) and emitter."""
    em = emitter.EMITTER
    names = frames.assigned_names(sys._getframe(2))
    name = em.object_name(names, "queue") if em else (names[0] if names else "queue")
    return name, em


def _announce(em: emitter.Emitter | None, name: str, kind: str, maxsize: int) -> None:
    if em is not None:
        fields: dict[str, Any] = {"maxsize": maxsize}
        if kind != "Queue":
            fields["type"] = kind
        em.emit(K.QUEUE_NEW, name, frames.scenario_line(), fields)


def make_queue(ctx: Any, maxsize: int = 0) -> Any:
    """Replacement for ``BaseContext.Queue``."""
    if _made_by_multiprocessing(sys._getframe(1)):
        return queues.Queue(maxsize, ctx=ctx.get_context())
    name, em = _named()
    q = TracedQueue(maxsize, ctx=ctx.get_context(), name=name)
    _announce(em, name, "Queue", maxsize)
    return q


def make_joinable_queue(ctx: Any, maxsize: int = 0) -> Any:
    """Replacement for ``BaseContext.JoinableQueue``."""
    if _made_by_multiprocessing(sys._getframe(1)):
        return queues.JoinableQueue(maxsize, ctx=ctx.get_context())
    name, em = _named()
    q = TracedJoinableQueue(maxsize, ctx=ctx.get_context(), name=name)
    _announce(em, name, "JoinableQueue", maxsize)
    return q


def make_simple_queue(ctx: Any) -> Any:
    """Replacement for ``BaseContext.SimpleQueue``."""
    if _made_by_multiprocessing(sys._getframe(1)):
        return queues.SimpleQueue(ctx=ctx.get_context())
    name, em = _named()
    q = TracedSimpleQueue(ctx=ctx.get_context(), name=name)
    _announce(em, name, "SimpleQueue", 0)
    return q


# What app/tracing/tracer.py puts on multiprocessing's contexts, by name.
FACTORIES = {"Queue": make_queue, "JoinableQueue": make_joinable_queue, "SimpleQueue": make_simple_queue}
