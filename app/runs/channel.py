"""The server's end of a run's event socket: one stream per traced process.

Frames are ``4-byte big-endian length + msgpack [pid, proc, [event, ...]]`` (see
app/tracing/emitter.py). Frames go to the sequencer as they arrive; a closed connection
tells it that the process will send nothing more.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import struct

import msgspec

from app.runs.sequencer import Sequencer, WireEvent

log = logging.getLogger(__name__)

_HEADER = struct.Struct(">I")
MAX_FRAME = 16 * 1024 * 1024
_decoder = msgspec.msgpack.Decoder(tuple[int, str, list[WireEvent]])


class _Stream(asyncio.Protocol):
    def __init__(self, channel: EventChannel, stream_id: int) -> None:
        self._channel = channel
        self._id = stream_id
        self._buf = bytearray()
        self._transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Not an isinstance check: uvloop's transports are not asyncio.Transport subclasses.
        self._transport = transport
        self._channel._opened(self._id)

    def data_received(self, data: bytes) -> None:
        buf = self._buf
        buf += data
        pos = 0
        end = len(buf)
        while end - pos >= 4:
            (size,) = _HEADER.unpack_from(buf, pos)
            if size > MAX_FRAME:
                self._fail(f"frame of {size} bytes")
                return
            if end - pos - 4 < size:
                break
            frame = bytes(buf[pos + 4 : pos + 4 + size])
            pos += 4 + size
            try:
                pid, proc, events = _decoder.decode(frame)
            except msgspec.DecodeError as exc:
                self._fail(str(exc))
                return
            self._channel.sequencer.push(self._id, pid, proc, events)
        del buf[:pos]

    def _fail(self, why: str) -> None:
        log.warning("dropping a malformed event stream: %s", why)
        if self._transport is not None:
            self._transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._channel._closed(self._id)


class EventChannel:
    """Listens on ``path`` for the run's processes and feeds their frames to ``sequencer``."""

    def __init__(self, path: str, sequencer: Sequencer) -> None:
        self.path = path
        self.sequencer = sequencer
        self._server: asyncio.AbstractServer | None = None
        self._ids = itertools.count(1)
        self._open: set[int] = set()
        self._idle = asyncio.Event()
        self._idle.set()

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_unix_server(lambda: _Stream(self, next(self._ids)), path=self.path)

    def _opened(self, stream_id: int) -> None:
        self._open.add(stream_id)
        self._idle.clear()

    def _closed(self, stream_id: int) -> None:
        self._open.discard(stream_id)
        self.sequencer.close_stream(stream_id)
        if not self._open:
            self._idle.set()

    async def wait_idle(self, within_s: float) -> bool:
        """Wait until no process holds a connection; False if that takes over ``within_s``."""
        try:
            await asyncio.wait_for(self._idle.wait(), within_s)
        except TimeoutError:
            return False
        return True

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
