"""Streaming a run's events to one reader: SSE or NDJSON, live, bounded, resumable.

A reader is a cursor into the run's event log. Each time the log grows, the reader sends
everything it has not sent yet (up to ``MAX_BATCH`` events) as one message, so a lone
event goes out at once and a burst goes out together. Memory per reader is one message:
``send`` waits while the client's socket is full, and a reader whose connection accepts
nothing for ``stall_s`` is disconnected (it resumes with ``Last-Event-ID``). Nobody waits
for a slow reader: not the run, not other readers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Protocol

import anyio
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from app.events.http_formats import KEEPALIVE, RETRY, ndjson_chunk, sse_message

log = logging.getLogger(__name__)

MAX_BATCH = 1000  # events per message


class Log(Protocol):
    """What a stream reads: app.runs.eventlog.EventLog, or a stored run's events."""

    @property
    def closed(self) -> bool: ...

    def __len__(self) -> int: ...

    def read(self, start: int, limit: int | None = None) -> list[bytes]: ...

    async def wait(self, start: int) -> bool: ...


async def follow(events: Log, start: int, sse: bool, keepalive_s: float) -> AsyncIterator[bytes]:
    """Messages from seq ``start`` on, until the log is closed and sent in full."""
    encode: Callable[[list[bytes], int], bytes] = sse_message if sse else ndjson_chunk
    # The reconnection hint rides with the first message: a message of its own would
    # reach some clients as an event without data.
    first = RETRY if sse else b""
    pos = start
    while True:
        if pos < len(events):
            chunk = events.read(pos, MAX_BATCH)
            yield first + encode(chunk, pos)
            first = b""
            pos += len(chunk)
            continue
        if events.closed:
            return
        try:
            async with asyncio.timeout(keepalive_s):
                await events.wait(pos)
        except TimeoutError:
            if sse:
                yield KEEPALIVE


class EventStreamResponse(Response):
    """Sends ``chunks`` as they come; stops when they end or the client leaves."""

    def __init__(
        self, chunks: AsyncIterator[bytes], media_type: str, stall_s: float, open_streams: set[object]
    ) -> None:
        super().__init__(
            media_type=media_type,
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
        # A stream has no length: drop the Content-Length: 0 a bodiless Response declares.
        self.raw_headers = [(k, v) for k, v in self.raw_headers if k != b"content-length"]
        self.chunks = chunks
        self.stall_s = stall_s
        self.open_streams = open_streams

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.open_streams.add(self)
        try:
            await self._stream(receive, send)
        finally:
            self.open_streams.discard(self)

    async def _stream(self, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        # When the send in progress began (None between sends), for watch_stall.
        sending_since: float | None = None
        async with anyio.create_task_group() as group:

            async def watch_disconnect() -> None:
                while (await receive())["type"] != "http.disconnect":
                    pass
                group.cancel_scope.cancel()  # the client left: stop at once, free everything

            async def watch_stall() -> None:
                # One timer per stream, not a timeout around every send: a send is most of
                # what a stream does, and with many readers a cancel scope per send cost
                # more than the send itself. A stall is noticed within 1.25 x stall_s.
                while True:
                    await anyio.sleep(self.stall_s / 4)
                    since = sending_since
                    if since is not None and anyio.current_time() - since >= self.stall_s:
                        # The client stopped reading. Returning without finishing the
                        # response makes the server drop the connection; the client can resume.
                        log.info("dropped a reader that accepted nothing for %.0f s", self.stall_s)
                        group.cancel_scope.cancel()
                        return

            group.start_soon(watch_disconnect)
            group.start_soon(watch_stall)
            try:
                async for chunk in self.chunks:
                    sending_since = anyio.current_time()
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
                    sending_since = None
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            finally:
                with anyio.CancelScope(shield=True):
                    await aclose(self.chunks)
                group.cancel_scope.cancel()


async def aclose(chunks: AsyncIterator[bytes]) -> None:
    close = getattr(chunks, "aclose", None)
    if close is not None:
        await close()
