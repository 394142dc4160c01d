"""Locks, semaphores, events, conditions and barriers."""

from __future__ import annotations

from app.events.schema.base import Event

EVENTS: tuple[type[Event], ...] = ()
