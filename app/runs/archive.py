"""Where finished runs are kept, and a finished run read back from there.

The embedded default is SQLite (``app/runs/store.py``); a deployment past one machine
would keep them elsewhere. The service (``app/runs/service.py``) saves every finished run
through this interface and reads a run back when it is no longer in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from app.runs.eventlog import EventLog


class ArchiveError(Exception):
    """The archive cannot be used right now; the message says why."""


class RunArchive(Protocol):
    def save(self, summary: dict[str, Any], source: str, events: Sequence[bytes]) -> None:
        """Keep a finished run: its summary, source and events (JSON bytes, in order)."""

    def summary(self, run_id: str) -> dict[str, Any] | None:
        """A kept run's summary with its ``source``; None when it is not kept."""

    def events(self, run_id: str, after: int = -1, limit: int | None = None) -> list[bytes]:
        """A kept run's events after seq ``after`` (at most ``limit``)."""

    def list(self, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """Summaries of kept runs, newest first."""

    def close(self) -> None: ...


class StoredRun:
    """A run that is no longer in memory: its summary, source and (when asked) events."""

    finished = True

    def __init__(self, summary: dict[str, Any], events: list[bytes] | None = None) -> None:
        self.source: str = summary["source"]
        self._summary = {k: v for k, v in summary.items() if k != "source"}
        self.id: str = self._summary["id"]
        self.status: str = self._summary["status"]
        self.log = EventLog()
        if events:
            self.log.extend(events)
        self.log.close()

    def summary(self) -> dict[str, Any]:
        return dict(self._summary)
