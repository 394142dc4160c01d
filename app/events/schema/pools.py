"""Pools of worker processes: tasks submitted, taken, done."""

from __future__ import annotations

from app.events.schema.base import Event

EVENTS: tuple[type[Event], ...] = ()
