"""The event channel's wire format, both ways, for the tracer and the server.

A traced process sends frames to the server over its own stream connection to the run's
Unix socket; the server may answer on the same connection (the back channel a gate that
holds operations listens on). Every frame is a 4-byte big-endian length and a msgpack
value:

- process → server: ``[pid, proc, [event, ...], hold?]``. An event is the tuple
  ``(kind, t, obj, line, fields, key, after)`` (keys: ``app/events/keys.py``). ``hold``,
  when present, says the process now waits before the operation it describes
  (``{"kind", "obj", "line"}``) until the server lets it go on.
- server → process: a command, ``["go"]`` (take the held operation).
"""

from __future__ import annotations

import socket
import struct
from collections.abc import Iterator
from typing import Any

import msgspec

# (kind, t, obj, line, fields, key, after)
WireEvent = tuple[str, float, str | None, int | None, dict[str, Any] | None, str | None, str | None]
Hold = dict[str, Any]
GO = "go"  # take the operation you hold before
FREE = "free"  # take it, and hold no more (a replayed schedule has ended)

HEADER = struct.Struct(">I")
MAX_FRAME = 16 * 1024 * 1024


class Frame(msgspec.Struct, array_like=True):
    pid: int
    proc: str
    events: list[WireEvent]
    hold: Hold | None = None


class FrameError(ValueError):
    """A peer sent something that is not a frame of this protocol."""


_encode = msgspec.msgpack.Encoder().encode
_decode_frame = msgspec.msgpack.Decoder(Frame).decode
_decode_command = msgspec.msgpack.Decoder(tuple[str, ...]).decode


def batch_frame(pid: int, proc: str, events: list[WireEvent], hold: Hold | None = None) -> bytes:
    """A process's batch of events (and what it now waits before), ready to send."""
    body = _encode((pid, proc, events) if hold is None else (pid, proc, events, hold))
    return HEADER.pack(len(body)) + body


def command_frame(*command: str) -> bytes:
    body = _encode(command)
    return HEADER.pack(len(body)) + body


class FrameReader:
    """Splits a byte stream into frames (the server's side: bytes come as they come)."""

    def __init__(self) -> None:
        self._buf = bytearray()

    @property
    def partial(self) -> bool:
        """Part of a frame has come and the rest has not."""
        return bool(self._buf)

    def feed(self, data: bytes) -> Iterator[Frame]:
        """The frames ``data`` completes; raises FrameError on a malformed one."""
        buf = self._buf
        buf += data
        pos, end = 0, len(buf)
        try:
            while end - pos >= 4:
                (size,) = HEADER.unpack_from(buf, pos)
                if size > MAX_FRAME:
                    raise FrameError(f"frame of {size} bytes")
                if end - pos - 4 < size:
                    break
                body = bytes(buf[pos + 4 : pos + 4 + size])
                pos += 4 + size
                try:
                    yield _decode_frame(body)
                except msgspec.DecodeError as exc:
                    raise FrameError(str(exc)) from None
        finally:
            del buf[:pos]


def read_command(sock: socket.socket) -> tuple[str, ...] | None:
    """Block until the server sends a command (a process's side); None if it hung up."""
    header = _read_exactly(sock, HEADER.size)
    if header is None:
        return None
    (size,) = HEADER.unpack(header)
    body = _read_exactly(sock, size) if size <= MAX_FRAME else None
    if body is None:
        return None
    try:
        command: tuple[str, ...] = _decode_command(body)
        return command
    except msgspec.DecodeError:
        return None


def _read_exactly(sock: socket.socket, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = sock.recv(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)
