"""A traced ``multiprocessing.Queue``.

Each item travels as ``(msg, item)`` so that the process taking it out knows which put it
came from; the program only ever sees its own items.
"""

from __future__ import annotations

import queue as stdlib_queue
import sys
from multiprocessing import queues
from typing import Any

from app.events import kinds as K
from app.tracing import emitter, frames, messages
from app.tracing.polling import nothing_to_read

_Queue: Any = queues.Queue  # subclassed with private parts the stubs do not describe


class TracedQueue(_Queue):  # type: ignore[misc]
    _mps_poller: Any = None  # see app/tracing/polling.py; not part of the pickled state

    def __init__(self, maxsize: int = 0, *, ctx: Any, name: str) -> None:
        super().__init__(maxsize, ctx=ctx)
        self._mps_name = name
        self._mps_bounded = maxsize > 0

    def __getstate__(self) -> tuple[Any, ...]:
        return (*super().__getstate__(), self._mps_name, self._mps_bounded)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        *base, self._mps_name, self._mps_bounded = state
        super().__setstate__(tuple(base))

    def put(self, obj: Any, block: bool = True, timeout: float | None = None) -> None:
        em = emitter.EMITTER
        if em is None:  # items always travel wrapped, traced or not
            super().put((None, obj), block, timeout)
            return
        line = frames.scenario_line()
        em.before(K.QUEUE_PUT, self._mps_name, line)
        if block and self._mps_bounded and self.full():
            em.emit(K.QUEUE_WAIT, self._mps_name, line, {"op": "put"})
            em.flush()
        msg = em.new_msg()
        super().put((msg, obj), block, timeout)
        messages.sent(em, K.QUEUE_PUT, self._mps_name, line, msg, obj)

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        em = emitter.EMITTER
        if em is None:
            return super().get(block, timeout)[1]
        line = frames.scenario_line()
        em.before(K.QUEUE_GET, self._mps_name, line)
        if block and nothing_to_read(self, self._reader.fileno()):
            em.emit(K.QUEUE_WAIT, self._mps_name, line, {"op": "get"})
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


def make_queue(ctx: Any, maxsize: int = 0) -> TracedQueue:
    """Replacement for ``BaseContext.Queue``."""
    em = emitter.EMITTER
    names = frames.assigned_names(sys._getframe(1))
    name = em.object_name(names, "queue") if em else (names[0] if names else "queue")
    q = TracedQueue(maxsize, ctx=ctx.get_context(), name=name)
    if em is not None:
        em.emit(K.QUEUE_NEW, name, frames.scenario_line(), {"maxsize": maxsize})
    return q


# What app/tracing/tracer.py puts on multiprocessing's contexts, by name.
FACTORIES = {"Queue": make_queue}
