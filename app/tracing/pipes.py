"""Traced ``multiprocessing.Pipe`` connections.

Like the queue, each message travels as ``(msg, obj)`` so the receiving end can name the
send it came from.
"""

from __future__ import annotations

import sys
from multiprocessing import connection, reduction
from typing import Any

from app.events import kinds as K
from app.tracing import emitter, frames, messages
from app.tracing.polling import nothing_to_read


class TracedConnection(connection.Connection):
    _mps_name: str | None = None
    _mps_peer: str | None = None
    _mps_poller: Any = None  # see app/tracing/polling.py; not part of the pickled state

    def send(self, obj: Any) -> None:
        em = emitter.EMITTER
        if em is None:  # messages always travel wrapped, traced or not
            super().send((None, obj))
            return
        line = frames.scenario_line()
        em.before(K.PIPE_SEND, self._mps_name, line)
        msg = em.new_msg()
        super().send((msg, obj))
        messages.sent(em, K.PIPE_SEND, self._mps_name, line, msg, obj, peer=self._mps_peer)

    def recv(self) -> Any:
        em = emitter.EMITTER
        if em is None:
            return super().recv()[1]
        line = frames.scenario_line()
        em.before(K.PIPE_RECV, self._mps_name, line)
        if nothing_to_read(self, self.fileno()):
            em.emit(K.PIPE_WAIT, self._mps_name, line, {"op": "recv"})
            em.flush()
        try:
            msg, obj = super().recv()
        except EOFError:
            messages.failed(em, K.PIPE_RECV, self._mps_name, line, "EOFError")
            raise
        messages.received(em, K.PIPE_RECV, self._mps_name, line, msg, obj)
        return obj

    def close(self) -> None:
        em = emitter.EMITTER
        if em is not None and not self.closed:
            line = frames.scenario_line()
            em.before(K.PIPE_CLOSE, self._mps_name, line)
            em.emit(K.PIPE_CLOSE, self._mps_name, line, None)
        super().close()


def _wrap(conn: connection.Connection, name: str, peer: str) -> TracedConnection:
    # Take over the handle; the plain Connection must not close it when collected.
    handle, conn._handle = conn._handle, None  # type: ignore[attr-defined]
    traced = TracedConnection(handle, conn.readable, conn.writable)
    traced._mps_name = name
    traced._mps_peer = peer
    return traced


def reduce_connection(conn: TracedConnection) -> tuple[Any, ...]:
    # For spawn/forkserver children: send the fd over, keep the names.
    return _rebuild, (
        reduction.DupFd(conn.fileno()),
        conn.readable,
        conn.writable,
        conn._mps_name,
        conn._mps_peer,
    )


def _rebuild(df: Any, readable: bool, writable: bool, name: str, peer: str) -> TracedConnection:
    traced = TracedConnection(df.detach(), readable, writable)
    traced._mps_name = name
    traced._mps_peer = peer
    return traced


def make_pipe(ctx: Any, duplex: bool = True) -> tuple[TracedConnection, TracedConnection]:
    """Replacement for ``BaseContext.Pipe``."""
    em = emitter.EMITTER
    names = frames.assigned_names(sys._getframe(1))
    if len(names) != 2:
        names = ("conn1", "conn2")
    if em is not None:
        first, second = em.object_name(names[:1], "conn1"), em.object_name(names[1:], "conn2")
    else:
        first, second = names
    c1, c2 = connection.Pipe(duplex)
    ends = _wrap(c1, first, second), _wrap(c2, second, first)
    if em is not None:
        em.emit(K.PIPE_NEW, first, frames.scenario_line(), {"peer": second, "duplex": duplex})
    return ends


# What app/tracing/tracer.py puts on multiprocessing's contexts, by name.
FACTORIES = {"Pipe": make_pipe}
