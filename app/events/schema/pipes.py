"""Pipes: two connected ends, messages sent and received, waiting, closing."""

from __future__ import annotations

from typing import Literal

from app.events import kinds as K
from app.events.schema.base import Event, ValueEvent


class PipeNew(Event, kw_only=True, tag=K.PIPE_NEW):
    """Pipe() made two connected ends: ``obj`` and ``peer``."""

    say = (
        "[duplex=False] {proc} created a one-way pipe: what is sent into {peer} comes out of {obj}",
        "{proc} created a pipe with two connected ends, {obj} and {peer}",
        "{proc} created a pipe: {obj}",
    )

    peer: str | None
    duplex: bool


class PipeSend(ValueEvent, kw_only=True, tag=K.PIPE_SEND):
    say = ("{proc} sent {value} into {obj}; it comes out at {peer}", "{proc} sent {value} into {obj}")
    group = "message"
    flow = "message"

    msg: str
    peer: str | None = None


class PipeRecv(ValueEvent, kw_only=True, tag=K.PIPE_RECV):
    say = (
        "[error=EOFError] {proc} tried to receive on {obj}, but the other end is closed and nothing is "
        "left, so recv() raised EOFError",
        "{proc} got {error} on {obj}",
        "{proc} received {value} from {obj}",
    )
    answers = K.PIPE_SEND
    group = "message"

    msg: str | None = None
    error: str | None = None


class PipeWait(Event, kw_only=True, tag=K.PIPE_WAIT):
    """recv() blocks: nothing has arrived at this end yet."""

    say = ("{proc} waits for a message on {obj}",)
    blocks = True

    op: Literal["recv"] = "recv"


class PipeClose(Event, kw_only=True, tag=K.PIPE_CLOSE):
    say = ("{proc} closed {obj}",)


EVENTS = (
    PipeNew,
    PipeSend,
    PipeRecv,
    PipeWait,
    PipeClose,
)
