"""Queues (``Queue``, ``JoinableQueue``, ``SimpleQueue``): made, items in and out, waiting,
asking whether empty, and a JoinableQueue's tasks marked done and joined."""

from __future__ import annotations

from typing import Annotated, Literal

from app.events import kinds as K
from app.events.schema.base import Doc, Event, ValueEvent

Timeout = Annotated[
    float | None,
    Doc(description="The wait's timeout in seconds, when it has one (it then ends by itself)."),
]


class QueueNew(Event, kw_only=True, tag=K.QUEUE_NEW):
    say = (
        "[type=JoinableQueue] {proc} created joinable queue {obj}: its join() waits until every "
        "item put in has been marked done",
        "[type=SimpleQueue] {proc} created simple queue {obj}: a locked pipe, with no feeder thread",
        "{proc} created queue {obj}",
    )

    maxsize: int = 0
    type: Literal["Queue", "JoinableQueue", "SimpleQueue"] = "Queue"


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
    """The process blocks: the queue is empty (get) or full (put), a JoinableQueue still
    has unfinished tasks (join), or the process is exiting and its queue's feeder thread
    has not yet written everything it put into the pipe (flush)."""

    say = (
        "[op=get] {proc} waits up to {timeout} s: {obj} is empty, there is nothing to get yet",
        "[op=get] {proc} waits: {obj} is empty, there is nothing to get yet",
        "[op=put] {proc} waits up to {timeout} s: {obj} is full, there is no room to put yet",
        "[op=put] {proc} waits: {obj} is full, there is no room to put yet",
        "[op=join] {proc} waits in {obj}.join(): some items put in are not marked done yet",
        "[op=flush] {proc} has finished but cannot exit yet: it waits for {obj} to flush, until its "
        "feeder thread has written everything it put into the pipe (a full pipe needs a get first)",
    )
    blocks = True

    op: Literal["get", "put", "join", "flush"]
    timeout: Timeout = None


class QueueEmpty(Event, kw_only=True, tag=K.QUEUE_EMPTY):
    """q.empty() was called; ``value`` is what it returned."""

    say = (
        "[value=True] {proc} asked whether {obj} is empty: yes",
        "[value=False] {proc} asked whether {obj} is empty: no",
    )

    value: bool


class QueueTaskDone(Event, kw_only=True, tag=K.QUEUE_TASK_DONE):
    """A JoinableQueue's task_done(): one item taken out is finished. ``unfinished`` is how
    many items put in are still not marked done, just after; ``error`` when there was no
    task left to mark."""

    say = (
        "{proc} called {obj}.task_done() once too often: {error}",
        "[unfinished=0] {proc} marked a task of {obj} done; none is left unfinished, so join() returns",
        "{proc} marked a task of {obj} done; {unfinished} still unfinished",
    )

    unfinished: int | None = None
    error: str | None = None


class QueueJoin(Event, kw_only=True, tag=K.QUEUE_JOIN):
    """A JoinableQueue's join() returned: every item put in was marked done."""

    say = ("{proc}'s {obj}.join() returned: every item put in has been marked done",)


EVENTS = (
    QueueNew,
    QueuePut,
    QueueGet,
    QueueWait,
    QueueEmpty,
    QueueTaskDone,
    QueueJoin,
)
