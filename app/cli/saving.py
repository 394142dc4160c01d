"""A finished run written to files: its events as NDJSON (``--save``), which ``python -m app
view`` reads back, and as a Chrome trace (``--perfetto``) for Perfetto or chrome://tracing.

Each file is written beside its final name and renamed into place, so an interrupted write
never leaves half a file where a whole one was expected."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import msgspec

from app.events.chrome_trace import chrome_trace
from app.events.http_formats import ndjson_chunk


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def save_events(path: Path, events: Sequence[bytes]) -> None:
    _write_atomically(path, ndjson_chunk(events) if events else b"")


def save_chrome_trace(path: Path, events: Sequence[bytes], run: dict[str, Any]) -> None:
    trace = chrome_trace([json.loads(e) for e in events], run)
    _write_atomically(path, msgspec.json.encode(trace))
