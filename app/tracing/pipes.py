"""Traced ``multiprocessing.Pipe`` connections.

A message travels as the program's own pickle followed by a small trailer: the id of the
send it came from (so the receiving end can name it) and a CRC-32 of the pickle. The
pickle comes first, exactly as an untraced ``send`` writes it, so a receiver whose bytes
got mixed up (two processes writing into one end at the same time: the article's warning)
sees the very error or the very wrong object an untraced one would; the trailer only lets
the tracer tell that it happened (``corrupt`` on the ``pipe.recv`` event).
"""

from __future__ import annotations

import fcntl
import os
import socket
import struct
import sys
import zlib
from multiprocessing import connection, reduction
from typing import Any

from app.events import kinds as K
from app.tracing import emitter, frames, messages
from app.tracing.polling import nothing_to_read
from app.tracing.values import value_fields

_pickler: Any = reduction.ForkingPickler
_MAX_ERROR = 200


# The trailer's fixed part: the message id's length (1 byte) and the payload's CRC-32.
_TRAILER = struct.Struct("!BI")


def frame(payload: Any, msg: str | None) -> bytes:
    """``payload`` (a pickle) + the message id + its length (1 byte) + CRC-32 of the payload."""
    ident = msg.encode("ascii") if msg else b""
    return b"".join((payload, ident, _TRAILER.pack(len(ident), zlib.crc32(payload))))


def unframe(data: memoryview) -> tuple[str | None, memoryview] | None:
    """The message id and the pickle of a frame, or None when ``data`` is not a frame as
    ``frame`` made it: the bytes of two messages mixed, or a length read from the middle
    of one."""
    end = len(data) - _TRAILER.size
    if end < 0:
        return None
    size, crc = _TRAILER.unpack_from(data, end)
    start = end - size
    if start < 0:
        return None
    payload = data[:start]
    if zlib.crc32(payload) != crc:
        return None
    try:
        ident = str(data[start:end], "ascii")
    except UnicodeDecodeError:
        return None
    return ident or None, payload


def error_text(exc: BaseException) -> str:
    """``"UnpicklingError: invalid load key, 'A'."``; a bare ``EOFError`` stays ``"EOFError"``."""
    name = type(exc).__name__
    text = str(exc)
    return f"{name}: {text}"[:_MAX_ERROR] if text else name


class TracedConnection(connection.Connection):
    _mps_name: str | None = None
    _mps_peer: str | None = None
    _mps_poller: Any = None  # see app/tracing/polling.py; not part of the pickled state
    _mps_room: int | None = None  # what _mps_capacity found, not part of the pickled state

    def send(self, obj: Any) -> None:
        self._check_closed()  # type: ignore[attr-defined]
        self._check_writable()  # type: ignore[attr-defined]
        payload = _pickler.dumps(obj)  # fails before anything is written, as untraced
        em = emitter.EMITTER
        if em is None:  # messages always travel framed, traced or not
            self._send_bytes(frame(payload, None))  # type: ignore[attr-defined]
            return
        line = frames.scenario_line()
        em.before(K.PIPE_SEND, self._mps_name, line, obj)
        msg = em.new_msg()
        data = frame(payload, msg)
        if len(data) > self._mps_capacity():
            # Many writes, each waiting for room: say so before the first, so a reader
            # that gets these bytes mixed with another sender's is seen after both began.
            em.emit(K.PIPE_WAIT, self._mps_name, line, {"op": "send", "size": len(data)})
            em.flush()
        self._send_bytes(data)  # type: ignore[attr-defined]
        fields = value_fields(obj)
        fields["msg"] = msg
        fields["size"] = len(data)
        if self._mps_peer is not None:
            fields["peer"] = self._mps_peer
        em.emit(K.PIPE_SEND, self._mps_name, line, fields, key=msg)
        em.after()

    def _mps_capacity(self) -> int:
        """Bytes the pipe (or socket pair, for a duplex Pipe) takes before a write waits."""
        if self._mps_room is None:
            fd = self.fileno()
            try:
                self._mps_room = fcntl.fcntl(fd, fcntl.F_GETPIPE_SZ)
            except OSError:  # not a pipe: a duplex Pipe is a Unix socket pair
                with socket.socket(fileno=os.dup(fd)) as sock:
                    self._mps_room = sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
        return self._mps_room

    def _recv_frame(self) -> memoryview:
        self._check_closed()  # type: ignore[attr-defined]
        self._check_readable()  # type: ignore[attr-defined]
        return self._recv_bytes().getbuffer()  # type: ignore[attr-defined,no-any-return]

    def recv(self) -> Any:
        em = emitter.EMITTER
        if em is None:
            data = self._recv_frame()
            parts = unframe(data)
            return _pickler.loads(data if parts is None else parts[1])
        line = frames.scenario_line()
        em.before(K.PIPE_RECV, self._mps_name, line)
        if nothing_to_read(self, self.fileno()):
            em.emit(K.PIPE_WAIT, self._mps_name, line, {"op": "recv"})
            em.flush()
        try:
            data = self._recv_frame()
        except EOFError:  # every writer closed its end, nothing is left
            messages.failed(em, K.PIPE_RECV, self._mps_name, line, "EOFError")
            raise
        except OSError as exc:
            # The pipe ended in the middle of a message: a length read from inside another
            # message promised more bytes than came, or a writer died halfway.
            em.emit(K.PIPE_RECV, self._mps_name, line, {"error": error_text(exc), "corrupt": True})
            em.after()
            raise
        parts = unframe(data)
        if parts is None:
            return self._corrupt(em, line, data)
        msg, payload = parts
        obj = _pickler.loads(payload)
        messages.received(em, K.PIPE_RECV, self._mps_name, line, msg or "", obj)
        return obj

    def _corrupt(self, em: emitter.Emitter, line: int | None, data: memoryview) -> Any:
        """What arrived is not a message anyone sent: unpickle it as an untraced recv would
        (pickle stops at its own end, so a whole message followed by other bytes still
        loads), and say so either way."""
        try:
            obj = _pickler.loads(data)
        except Exception as exc:
            em.emit(K.PIPE_RECV, self._mps_name, line, {"error": error_text(exc), "corrupt": True})
            em.after()
            raise
        fields = value_fields(obj)
        fields["corrupt"] = True
        em.emit(K.PIPE_RECV, self._mps_name, line, fields)
        em.after()
        return obj

    def poll(self, timeout: float | None = 0.0) -> bool:
        em = emitter.EMITTER
        if em is None:
            return bool(super().poll(timeout))
        line = frames.scenario_line()
        em.before(K.PIPE_POLL, self._mps_name, line)
        # A poll that cannot wait (timeout 0, the default) is a question, not a wait.
        fields: dict[str, Any] = {"timeout": float(timeout)} if timeout is not None and timeout > 0 else {}
        if (timeout is None or timeout > 0) and nothing_to_read(self, self.fileno()):
            em.emit(K.PIPE_WAIT, self._mps_name, line, {"op": "poll", **fields})
            em.flush()
        ready = bool(super().poll(timeout))
        em.emit(K.PIPE_POLL, self._mps_name, line, {"value": ready, **fields})
        em.after()
        return ready

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
