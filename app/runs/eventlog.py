"""A run's events, in order, shared by every reader.

Events are kept encoded (one JSON bytes object each, ~150 B) so that serving a stream is
a slice and a join. Readers are cursors into the one list, not copies: a reader that
falls behind costs nothing but its position, and never slows the run or other readers.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator


class EventLog:
    def __init__(self) -> None:
        self._events: list[bytes] = []
        self._closed = False
        self._changed = asyncio.Event()
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._events)

    @property
    def closed(self) -> bool:
        return self._closed

    def extend(self, encoded: list[bytes]) -> None:
        if self._closed:
            raise RuntimeError("event log is closed")
        self._events.extend(encoded)
        self.bytes += sum(map(len, encoded))
        self._wake()

    def close(self) -> None:
        self._closed = True
        self._wake()

    def _wake(self) -> None:
        # Wake every waiting reader at once; later waiters wait on a fresh event.
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def read(self, start: int, limit: int | None = None) -> list[bytes]:
        """Events with seq ``start``, ``start + 1``… (at most ``limit``)."""
        end = len(self._events) if limit is None else start + limit
        return self._events[max(start, 0) : end]

    async def wait(self, start: int) -> bool:
        """Wait until an event with seq ``start`` exists; False if the log closed first."""
        while len(self._events) <= start:
            if self._closed:
                return False
            await self._changed.wait()
        return True

    async def batches(self, start: int = 0, limit: int = 1000) -> AsyncIterator[list[bytes]]:
        """Follow the log from ``start``: whatever is ready, as soon as it is, to the end."""
        pos = start
        while await self.wait(pos):
            chunk = self.read(pos, limit)
            pos += len(chunk)
            yield chunk
