"""Where a run's events go once they are in order: the seam between the supervisor that
produces them and whoever serves them.

The embedded server publishes into an in-memory ``EventLog`` (app/runs/eventlog.py), which
readers follow; a remote worker would publish into a shared stream instead. Events arrive
already numbered and encoded (app/runs/encoder.py), in batches, in their final order.
"""

from __future__ import annotations

from typing import Protocol


class EventSink(Protocol):
    def extend(self, encoded: list[bytes]) -> None:
        """Publish the next events (seq continues from the last batch)."""

    def close(self) -> None:
        """No more events: readers see the end of the run's stream."""
