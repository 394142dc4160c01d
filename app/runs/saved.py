"""A run saved to a file (``python -m app trace --save FILE.ndjson``), read back: its events
checked against the schema and its summary rebuilt from them, kept as an archive of one
run (``RunArchive``), so the dashboard shows it as it shows any finished run."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

from app.events import kinds as K
from app.events import schema


class SavedRunError(ValueError):
    """The file is not a saved run; the message says where and why."""


def read_saved_run(path: Path) -> tuple[dict[str, Any], list[bytes]]:
    """The summary (with ``source``) and the events of a saved run. Raises OSError or
    SavedRunError."""
    data = path.read_bytes()
    events: list[bytes] = []
    decoded: list[Any] = []
    for number, line in enumerate(data.splitlines(), 1):
        if not line.strip():
            continue
        try:
            event = schema.decode(line)
        except msgspec.DecodeError as exc:  # not JSON, or not an event of the schema
            raise SavedRunError(f"{path}, line {number}: not an mpscope event: {exc}") from None
        if event.seq != len(events):
            raise SavedRunError(f"{path}, line {number}: event seq {event.seq}, expected {len(events)}")
        events.append(bytes(line))
        decoded.append(event)
    if not decoded or _kind(decoded[0]) != K.RUN_START:
        raise SavedRunError(f"{path}: a saved run starts with a {K.RUN_START} event")
    if _kind(decoded[-1]) != K.RUN_END:
        raise SavedRunError(f"{path}: the run does not end (no {K.RUN_END}): was the file cut short?")
    run_id = base64.urlsafe_b64encode(hashlib.sha256(data).digest()[:9]).decode()
    return _summary(run_id, decoded, path.stat().st_mtime), events


def _kind(event: Any) -> str:
    return str(event.__struct_config__.tag)  # the kind is the struct's tag, not a field


def _summary(run_id: str, events: Sequence[Any], saved_at: float) -> dict[str, Any]:
    start, end = events[0], events[-1]
    processes: dict[str, dict[str, Any]] = {}
    for ev in events:
        kind = _kind(ev)
        if kind == K.PROC_START:
            processes[ev.proc] = {"name": ev.proc, "pid": ev.pid, "role": ev.role, "exitcode": None}
        elif kind == K.PROC_EXIT and ev.proc in processes:
            processes[ev.proc]["exitcode"] = ev.exitcode
    started = saved_at - end.t  # the file was written as the run ended
    return {
        "id": run_id,
        "scenario": start.scenario,
        "params": start.params,
        "pace_ms": start.pace_ms,
        "start_method": start.start_method,
        "status": end.status,
        "created_at": datetime.fromtimestamp(started, UTC).isoformat(),
        "ended_at": datetime.fromtimestamp(saved_at, UTC).isoformat(),
        "exitcode": end.exitcode,
        "error": end.error,
        "events": len(events),
        "processes": list(processes.values()),
        "source": start.source or "",
    }


class SavedRuns:
    """Runs read from files, as an archive that keeps nothing new."""

    def __init__(self, runs: Sequence[tuple[dict[str, Any], list[bytes]]]) -> None:
        self._runs = {summary["id"]: (summary, events) for summary, events in runs}

    def save(self, summary: dict[str, Any], source: str, events: Sequence[bytes]) -> None:
        """Runs are not made here (the service refuses new ones)."""

    def summary(self, run_id: str) -> dict[str, Any] | None:
        held = self._runs.get(run_id)
        return None if held is None else dict(held[0])

    def events(self, run_id: str, after: int = -1, limit: int | None = None) -> list[bytes]:
        held = self._runs.get(run_id)
        if held is None:
            return []
        rest = held[1][after + 1 :]
        return rest if limit is None else rest[:limit]

    def list(self, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        summaries = [{k: v for k, v in s.items() if k != "source"} for s, _ in self._runs.values()]
        return summaries[offset : offset + limit]

    def close(self) -> None:
        pass
