"""Listeners and clients (``multiprocessing.connection``): a listener made on an address,
a client connecting to it, the listener accepting or refusing it (a wrong authkey), waits
on both sides, and the listener closed. The connections they make are pipe ends: what
travels over them is ``pipe.*`` events."""

from __future__ import annotations

from typing import Annotated, Literal

from app.events import kinds as K
from app.events.schema.base import Doc, Event

Address = Annotated[str, Doc(description="A socket address as host:port, or a Unix socket's path.")]


class ListenerNew(Event, kw_only=True, tag=K.LISTENER_NEW):
    """``Listener(address, authkey=…)`` is bound and listening on ``address``."""

    say = (
        "[authkey=True] {proc} listens on {address} with {obj}; only a client that knows its authkey gets in",
        "{proc} listens on {address} with {obj}",
    )

    address: Address
    authkey: Annotated[bool, Doc(description="Whether a client must prove it knows the authkey.")]


class ListenerWait(Event, kw_only=True, tag=K.LISTENER_WAIT):
    """accept() blocks until a client connects (``op`` accept, ``obj`` the listener), or a
    client's Client() blocks until the listener accepts it and checks its authkey (``op``
    connect, ``obj`` the client's connection)."""

    say = (
        "[op=connect] {proc} waits for the listener at {address} to accept {obj} and check its authkey",
        "{proc} waits on {obj} for a client to connect to {address}",
    )
    blocks = True

    op: Literal["accept", "connect"]
    address: Address


class ListenerConnect(Event, kw_only=True, tag=K.LISTENER_CONNECT):
    """A client's socket ``obj`` is connected to the listener at ``address``; ``msg`` pairs
    it with the accept (or refusal) on the listener's side."""

    say = (
        "[authkey=True] {proc} connected {obj} to {address}; next it must prove it knows the authkey",
        "{proc} connected {obj} to {address}",
    )
    flow = "connection"

    msg: str
    address: Address
    authkey: bool = False


class ListenerAccept(Event, kw_only=True, tag=K.LISTENER_ACCEPT):
    """The listener ``obj`` accepted a connection: its new end ``conn`` is connected to the
    client's end ``peer`` in process ``client`` (``msg``: the client's connect)."""

    say = (
        "{proc} accepted {client}'s connection on {obj}: {conn} is connected to {peer}",
        "{proc} accepted a connection from {address} on {obj}: {conn}",
    )
    answers = K.LISTENER_CONNECT

    msg: str | None = None
    conn: str
    peer: str | None = None
    client: str | None = None
    address: Address


class ListenerRefuse(Event, kw_only=True, tag=K.LISTENER_REFUSE):
    """A connection failed: on the listener's side (``side`` listener, ``obj`` the listener)
    the client's proof of the authkey was wrong; on the client's (``side`` client, ``obj``
    its connection) the listener rejected it, or nothing listens at ``address``."""

    say = (
        "[side=client] {proc} was turned away by the listener at {address}: {error}",
        "{proc} refused {peer}'s connection on {obj}: {error}",
        "{proc} refused a connection on {obj}: {error}",
    )
    answers = K.LISTENER_CONNECT

    side: Literal["listener", "client"]
    error: Annotated[str, Doc(description="The exception the program got, as its type and text.")]
    msg: str | None = None
    peer: Annotated[str | None, Doc(description="The process on the other side, when known.")] = None
    address: Address


class ListenerClose(Event, kw_only=True, tag=K.LISTENER_CLOSE):
    say = ("{proc} closed {obj}: nobody can connect to it any more",)


EVENTS = (
    ListenerNew,
    ListenerWait,
    ListenerConnect,
    ListenerAccept,
    ListenerRefuse,
    ListenerClose,
)
