"""Pipes: two connected ends, messages sent and received, waiting, closing."""

from __future__ import annotations

from typing import Annotated, Literal

from app.events import kinds as K
from app.events.schema.base import Doc, Event, ValueEvent


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
    size: Annotated[
        int | None,
        Doc(description="Bytes written into the pipe for this message (its pickle and a small trailer)."),
    ] = None


class PipeRecv(ValueEvent, kw_only=True, tag=K.PIPE_RECV):
    """A message came out of this end (``msg`` names its send); ``error`` when none could;
    ``corrupt`` when what came out is not what anyone sent (two processes wrote into, or
    read from, one end at the same time and their bytes got mixed)."""

    say = (
        "[error=EOFError] {proc} tried to receive on {obj}, but the other end is closed and nothing is "
        "left, so recv() raised EOFError",
        "[corrupt=True] {proc} read bytes from {obj} that are no whole message anyone sent, so recv() "
        "raised {error}",
        "[corrupt=True] {proc} received {value} from {obj}, but that is not what was sent: the bytes of "
        "two messages were mixed",
        "{proc} got {error} on {obj}",
        "{proc} received {value} from {obj}",
    )
    answers = K.PIPE_SEND
    group = "message"

    msg: str | None = None
    error: str | None = None
    corrupt: Annotated[
        bool,
        Doc(description="True when the bytes read were not a message as sent: two messages mixed."),
    ] = False


class PipeWait(Event, kw_only=True, tag=K.PIPE_WAIT):
    """recv() blocks: nothing has arrived at this end yet; or send() of a message bigger
    than the pipe holds at once (``size`` bytes) goes in as the reader makes room, in many
    writes, so the sender waits inside it."""

    say = (
        "[op=send] {proc} starts sending {size} bytes into {obj}: more than the pipe holds at once, so "
        "they go in piece by piece as the other end reads",
        "[op=poll] {proc} waits up to {timeout} s for something to arrive on {obj}",
        "[op=poll] {proc} waits until something arrives on {obj} (poll with no timeout)",
        "{proc} waits for a message on {obj}",
    )
    blocks = True

    op: Literal["recv", "send", "poll"] = "recv"
    size: int | None = None
    timeout: Annotated[
        float | None,
        Doc(description="How long the wait may last, in seconds, when the operation had a timeout."),
    ] = None


class PipePoll(Event, kw_only=True, tag=K.PIPE_POLL):
    """``poll(timeout)`` answered: ``value`` is whether there is something to read (a
    message, or the other end's closing); ``timeout`` when it could wait (more than 0 s)."""

    say = (
        "[value=True] {proc} asked whether {obj} has something to read: yes",
        "[value=False] {proc} waited {timeout} s on {obj}; nothing arrived",
        "[value=False] {proc} asked whether {obj} has something to read: not yet",
    )

    value: bool
    timeout: float | None = None


class PipeClose(Event, kw_only=True, tag=K.PIPE_CLOSE):
    say = ("{proc} closed {obj}",)


EVENTS = (
    PipeNew,
    PipeSend,
    PipeRecv,
    PipeWait,
    PipeClose,
    PipePoll,
)
