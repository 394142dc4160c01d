"""Queues: made, items in and out, waiting, asking whether empty."""

from __future__ import annotations

from typing import Literal

from app.events import kinds as K
from app.events.schema.base import Event, ValueEvent


class QueueNew(Event, kw_only=True, tag=K.QUEUE_NEW):
    say = ("{proc} created queue {obj}",)

    maxsize: int = 0


class QueuePut(ValueEvent, kw_only=True, tag=K.QUEUE_PUT):
    """An item entered the queue; ``msg`` pairs it with the get that takes it out."""

    say = ("{proc} put {value} into {obj}",)
    group = "message"
    flow = "message"

    msg: str


class QueueGet(ValueEvent, kw_only=True, tag=K.QUEUE_GET):
    """An item left the queue (``msg`` names its put); ``error`` when none came."""

    say = (
        "[error=Empty] {proc} found {obj} empty, so get() raised queue.Empty",
        "{proc} could not get from {obj} ({error})",
        "{proc} got {value} from {obj}",
    )
    answers = K.QUEUE_PUT
    group = "message"

    msg: str | None = None
    error: str | None = None


class QueueWait(Event, kw_only=True, tag=K.QUEUE_WAIT):
    """The process blocks: the queue is empty (get) or full (put)."""

    say = (
        "[op=get] {proc} waits: {obj} is empty, there is nothing to get yet",
        "[op=put] {proc} waits: {obj} is full, there is no room to put yet",
    )
    blocks = True

    op: Literal["get", "put"]


class QueueEmpty(Event, kw_only=True, tag=K.QUEUE_EMPTY):
    """q.empty() was called; ``value`` is what it returned."""

    say = (
        "[value=True] {proc} asked whether {obj} is empty: yes",
        "[value=False] {proc} asked whether {obj} is empty: no",
    )

    value: bool


EVENTS = (
    QueueNew,
    QueuePut,
    QueueGet,
    QueueWait,
    QueueEmpty,
)
