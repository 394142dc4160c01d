"""Finished runs read back from the store, offering what a live Run offers the API."""

from __future__ import annotations

from typing import Any

from app.runs.eventlog import EventLog


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
