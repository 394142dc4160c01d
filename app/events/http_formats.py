"""Wire formats for a run's events: server-sent events and NDJSON.

Events are already JSON bytes (app/runs/run.py), so a message is a join, not an encode.
An SSE message carries every event that was ready, as one JSON array, with the last
event's ``seq`` as its id, so a client that reconnects with ``Last-Event-ID`` resumes
exactly after it.
"""

from __future__ import annotations

from collections.abc import Sequence

RETRY_MS = 2000
RETRY = f"retry: {RETRY_MS}\n".encode()
KEEPALIVE = b": keep-alive\n\n"


def last_seq(events: Sequence[bytes], first_seq: int) -> int:
    return first_seq + len(events) - 1


def sse_message(events: Sequence[bytes], first_seq: int) -> bytes:
    """``events`` (seq ``first_seq``, ``first_seq + 1``…) as one SSE message."""
    return b"id: %d\ndata: [%b]\n\n" % (last_seq(events, first_seq), b",".join(events))


def ndjson_chunk(events: Sequence[bytes], first_seq: int = 0) -> bytes:
    return b"\n".join(events) + b"\n"
