"""multiprocessing.shared_memory: SharedMemory blocks and ShareableLists."""

from __future__ import annotations

from app.events.schema.base import Event

EVENTS: tuple[type[Event], ...] = ()
