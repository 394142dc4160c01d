"""The server's end of a run's event socket: one connection per traced process.

Frames (``app/events/wire.py``) go to the sequencer as they arrive; a closed connection
tells it that the process will send nothing more. A frame may also say that its process
now holds before an operation (a gate that holds, ``app/tracing/gate.py``): the channel
hands that to ``on_hold`` and can answer the process on the same connection (``go``).
"""

from __future__ import annotations

import asyncio
import fcntl
import itertools
import logging
import termios
from collections.abc import Callable

from app.events import wire
from app.runs.sequencer import Sequencer

log = logging.getLogger(__name__)

# (connection id, process name, what it is about to do), or (id, name, None) when the
# connection closed (a process that held is gone).
HoldCallback = Callable[[int, str, wire.Hold | None], None]


class _ProcessConnection(asyncio.Protocol):
    def __init__(self, channel: EventChannel, conn_id: int) -> None:
        self._channel = channel
        self._id = conn_id
        self._reader = wire.FrameReader()
        self._proc: str | None = None
        self.transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # Not an isinstance check: uvloop's transports are not asyncio.Transport subclasses.
        self.transport = transport
        self._channel._opened(self)

    def data_received(self, data: bytes) -> None:
        channel = self._channel
        try:
            for frame in self._reader.feed(data):
                channel.sequencer.push(self._id, frame.pid, frame.proc, frame.events)
                self._proc = frame.proc
                if frame.hold is not None:
                    channel.on_hold(self._id, frame.proc, frame.hold)
        except wire.FrameError as exc:
            log.warning("dropping a malformed event stream: %s", exc)
            if self.transport is not None:
                self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._channel._closed(self, self._proc)


def _ignore_hold(conn_id: int, proc: str, hold: wire.Hold | None) -> None:
    pass


class EventChannel:
    """Listens on ``path`` for the run's processes and feeds their frames to ``sequencer``."""

    def __init__(self, path: str, sequencer: Sequencer, on_hold: HoldCallback = _ignore_hold) -> None:
        self.path = path
        self.sequencer = sequencer
        self.on_hold = on_hold
        self._server: asyncio.AbstractServer | None = None
        self._ids = itertools.count(1)
        self._open: dict[int, _ProcessConnection] = {}
        self._idle = asyncio.Event()
        self._idle.set()

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_unix_server(
            lambda: _ProcessConnection(self, next(self._ids)), path=self.path
        )

    def send(self, conn_id: int, frame: bytes) -> bool:
        """Write to one process over its connection (the back channel); False if it is gone."""
        conn = self._open.get(conn_id)
        if conn is None or conn.transport is None or conn.transport.is_closing():
            return False
        conn.transport.write(frame)  # type: ignore[attr-defined]
        return True

    def unread(self) -> bool:
        """Whether a process sent something the server has not read yet (in the kernel's
        buffer, or part of a frame): step mode's settled needs the last word of each."""
        for conn in self._open.values():
            if conn._reader.partial:
                return True
            sock = conn.transport.get_extra_info("socket") if conn.transport is not None else None
            if sock is None:
                continue
            try:
                waiting = fcntl.ioctl(sock.fileno(), termios.FIONREAD, b"\0\0\0\0")
            except OSError:
                continue  # closed meanwhile: its end is on its way
            if int.from_bytes(waiting, "little"):
                return True
        return False

    def _opened(self, conn: _ProcessConnection) -> None:
        self._open[conn._id] = conn
        self._idle.clear()

    def _closed(self, conn: _ProcessConnection, proc: str | None) -> None:
        self._open.pop(conn._id, None)
        self.sequencer.close_stream(conn._id)
        if proc is not None:
            self.on_hold(conn._id, proc, None)
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
