"""Managers: a proxy's call, the server process serving it on the real object, the reply."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from app.events import kinds as K
from app.events.schema.base import Doc, Event, Value, ValueEvent

# The list and dict methods that change the object in place and return None.
CHANGES = "append|extend|insert|remove|reverse|sort|clear|update"

TypeId = Annotated[
    str | None,
    Doc(
        description="What the object is in the manager: list, dict, Namespace, Value, Array, Queue, "
        "Lock, Event…"
    ),
]

Creates = Annotated[
    bool,
    Doc(
        description="The call makes an object of a type the program registered on its BaseManager "
        "subclass (its method is the type's name)."
    ),
]

Proposed = Annotated[
    str | None,
    Doc(
        description="The name the caller's variable proposed, when the server knew the object by "
        "another (a registered callable that hands out the same object again)."
    ),
]

CalledBy = Annotated[
    Literal["for"] | None,
    Doc(description="What made the call when the program did not write it: a for loop's next step."),
]


class ManagerCall(Event, kw_only=True, tag=K.MANAGER_CALL):
    """A proxy sends a method call to the manager's server process."""

    # Dunder methods are what Python calls for `x[i]`, `len(x)`, `for … in x`: say those.
    say = (
        "[creates=True; args=] {proc} calls {method}() on its manager: the server makes or finds the "
        "object, and {obj} will be a proxy to it",
        "[creates=True] {proc} calls {method}({args}) on its manager: the server makes or finds the "
        "object, and {obj} will be a proxy to it",
        "[method=list|dict; args=] {proc} asks the manager to create an empty {method}; {obj} will be "
        "the proxy to it",
        "[method=list|dict] {proc} asks the manager to create a {method} from {args}; {obj} will be "
        "the proxy to it",
        "[method=__getitem__; by=for] {proc}'s for loop asks the manager for item {args} of {obj}",
        "[method=__getitem__] {proc} asks the manager for {obj}[{args}]",
        "[method=__setitem__] {proc} asks the manager to set {obj}[{args[0]}] = {args[1]}",
        "[method=__delitem__] {proc} asks the manager to delete {obj}[{args}]",
        "[method=__len__] {proc} asks the manager how many items {obj} has",
        "[method=__contains__] {proc} asks the manager whether {obj} contains {args}",
        "[method=__iter__; by=for] {proc}'s for loop asks the manager to go through {obj}",
        "[method=__iter__] {proc} asks the manager to go through {obj}",
        "[method=__reversed__] {proc} asks the manager to go through {obj} backwards",
        "[method=__add__] {proc} asks the manager for {obj} + {args}",
        "[method=__mul__|__rmul__] {proc} asks the manager for {obj} * {args}",
        "[method=__imul__] {proc} asks the manager to repeat {obj} {args} times",
        "[method=Namespace] {proc} asks the manager to create a Namespace; {obj} will be the proxy to it",
        "[method=Value|Array] {proc} asks the manager to create a {method} from {args}; {obj} will be "
        "the proxy to it",
        "[method=Queue|Lock|Event] {proc} asks the manager to create a {method}; {obj} will be the "
        "proxy to it",
        "[method=__getattribute__] {proc} asks the manager for {obj}.{args[0]}",
        "[method=__setattr__] {proc} asks the manager to set {obj}.{args[0]} = {args[1]}",
        "[method=__delattr__] {proc} asks the manager to delete {obj}.{args[0]}",
        "[type=Value; method=get] {proc} asks the manager for {obj}.value",
        "[type=Value; method=set] {proc} asks the manager to set {obj}.value = {args[0]}",
        "[type=Queue; method=put|put_nowait] {proc} asks the manager to put {args[0]} into {obj}",
        "[type=Queue; method=get|get_nowait] {proc} asks the manager for the next item of {obj}",
        "[type=Lock; method=acquire] {proc} asks the manager to acquire {obj}",
        "[type=Lock; method=release] {proc} asks the manager to release {obj}",
        "[type=Event; method=set] {proc} asks the manager to set {obj}",
        "[type=Event; method=clear] {proc} asks the manager to clear {obj}",
        "[type=Event; method=wait] {proc} asks the manager to wait until {obj} is set",
        "[type=Event; method=is_set] {proc} asks the manager whether {obj} is set",
        "{proc} asks the manager to run {obj}.{method}({args})",
    )
    group = "message"
    flow = "call"

    method: str
    type: TypeId = None
    args: list[Value] = msgspec.field(default_factory=list)
    msg: str
    by: CalledBy = None
    creates: Creates = False


Reason = Literal["empty", "full", "held", "unset"]


class ManagerWait(Event, kw_only=True, tag=K.MANAGER_WAIT):
    """The call is blocked in the server (a get from an empty Queue, an acquire of a held
    Lock, a wait on an unset Event): the caller waits for its reply until it can go on."""

    say = (
        "[reason=empty] {proc} waits up to {timeout} s: {obj} in the manager is empty, so the server "
        "holds its get() until an item comes",
        "[reason=empty] {proc} waits: {obj} in the manager is empty, so the server holds its get() until "
        "an item comes",
        "[reason=full] {proc} waits: {obj} in the manager is full, so the server holds its put() until "
        "there is room",
        "[reason=held] {proc} waits up to {timeout} s: {holder} holds {obj}, so the server holds the "
        "acquire() until it is released",
        "[reason=held] {proc} waits: {holder} holds {obj}, so the server holds the acquire() until it is "
        "released",
        "[reason=held] {proc} waits: {obj} is held, so the server holds the acquire() until it is released",
        "[reason=unset] {proc} waits up to {timeout} s for {obj} to be set: the server holds its wait()",
        "[reason=unset] {proc} waits for {obj} to be set: the server holds its wait()",
    )
    blocks = True

    method: str
    type: TypeId = None
    msg: str
    by: CalledBy = None
    reason: Reason
    holder: Annotated[str | None, Doc(description="For a Lock: the process that holds it.")] = None
    timeout: Annotated[
        float | None,
        Doc(description="The call's timeout in seconds, when it has one (it then ends by itself)."),
    ] = None


class ManagerServe(ValueEvent, kw_only=True, tag=K.MANAGER_SERVE):
    """The server process ran the call on the real object; ``state`` is the object after."""

    say = (
        "[method=__getitem__; error=IndexError] {proc} finds no item {args} in {obj}, so it answers "
        "IndexError",
        "[method=__getitem__; error=KeyError] {proc} finds no key {args} in {obj}, so it answers KeyError",
        "{proc} answers {error}: what was asked of {obj} failed",
        "[creates=True] {proc} hands {caller} a proxy to {obj} = {state}, the real object it holds",
        "[creates=True] {proc} hands {caller} a proxy to {obj}, the real object it holds",
        "[method=list|dict|Namespace|Value|Array] {proc} now holds the real {method} {obj} = {state}",
        "[method=Queue] {proc} now holds the real queue {obj}, empty",
        "[method=Lock] {proc} now holds the real lock {obj}, free",
        "[method=Event] {proc} now holds the real event {obj}, not set",
        "[method=__getattribute__] {proc} looks up {obj}.{args[0]} and sends back {value}",
        "[method=__setattr__] {proc} sets {obj}.{args[0]} = {args[1]}; {obj} is now {state}",
        "[method=__delattr__] {proc} deletes {obj}.{args[0]}; {obj} is now {state}",
        "[type=Value; method=get] {proc} reads {obj}.value and sends back {value}",
        "[type=Value; method=set] {proc} sets {obj}.value = {args[0]}",
        "[type=Queue; method=put|put_nowait] {proc} puts {args[0]} into {obj}; it now holds {state}",
        "[type=Queue; method=get|get_nowait] {proc} takes {value} out of {obj} and sends it back; "
        "{obj} now holds {state}",
        "[type=Lock; method=acquire; value=True] {proc} gives {obj} to {caller}",
        "[type=Lock; method=acquire] {proc} could not give {obj} to {caller}: it is held",
        "[type=Lock; method=release] {proc} releases {obj} for {caller}; it is free",
        "[type=Event; method=set] {proc} sets {obj}: whoever waits for it goes on",
        "[type=Event; method=clear] {proc} clears {obj}",
        "[type=Event; method=wait] {proc} answers {caller}'s wait() on {obj} with {value}",
        "[method=__getitem__] {proc} looks up {obj}[{args}] and sends back {value}",
        "[method=__setitem__] {proc} sets {obj}[{args[0]}] = {args[1]}; {obj} is now {state}",
        "[method=__delitem__] {proc} deletes {obj}[{args}]; {obj} is now {state}",
        "[method=__len__] {proc} counts the items of {obj} and sends back {value}",
        "[method=__contains__] {proc} looks for {args} in {obj} and sends back {value}",
        "[method=__iter__|__reversed__] {proc} starts going through {obj} and sends back {value}",
        "[method=__add__] {proc} works out {obj} + {args} and sends back {value}",
        "[method=__mul__|__rmul__] {proc} works out {obj} * {args} and sends back {value}",
        "[method=__imul__] {proc} repeats {obj} {args} times; {obj} is now {state}",
        f"[method={CHANGES}] {{proc}} runs {{obj}}.{{method}}({{args}}); {{obj}} is now {{state}}",
        "[method=pop|popitem|setdefault] {proc} runs {obj}.{method}({args}) and sends back {value}; "
        "{obj} is now {state}",
        "{proc} runs {obj}.{method}({args}) and sends back {value}",
    )
    answers = K.MANAGER_CALL
    group = "memory"

    method: str
    type: TypeId = None
    args: list[Value] = msgspec.field(default_factory=list)
    msg: str | None = None
    caller: Annotated[str | None, Doc(description="The process whose call this is.")] = None
    state: Annotated[
        Value,
        Doc(
            description="The real object after the call: a list's or Queue's items, a dict's or "
            "Namespace's entries, a Value's value, an Array's cells, a Lock's {locked, holder}, "
            "an Event's flag."
        ),
    ] = None
    error: str | None = None
    creates: Creates = False
    proposed: Proposed = None


class ManagerResult(ValueEvent, kw_only=True, tag=K.MANAGER_RESULT):
    """The proxy got the reply (``value``) or an error."""

    say = (
        "[method=__getitem__; by=for; error=IndexError] {obj} has no more items, so {proc}'s for loop ends",
        "[method=__getitem__; by=for] {proc}'s for loop gets {value}, the next item of {obj}",
        "[method=__getitem__; error=IndexError] {proc} hears that {obj} has no such item (IndexError)",
        "[method=__getitem__; error=KeyError] {proc} hears that {obj} has no such key (KeyError)",
        "{proc} gets {error} back: what it asked of {obj} failed",
        "[creates=True] {proc} gets {obj}, a proxy to what {method}() gave the server",
        "[method=list|dict|Namespace|Value|Array|Queue|Lock|Event] {proc} gets {obj}: {value}",
        "[method=__getattribute__] {proc} gets {obj}.{args[0]} = {value}",
        "[method=__setattr__|__delattr__] {proc} hears back: the manager has changed {obj}",
        "[type=Value; method=get] {proc} gets {obj}.value = {value}",
        "[type=Value; method=set] {proc} hears back: the manager has set {obj}.value",
        "[type=Queue; method=get|get_nowait] {proc} gets {value} from {obj}",
        "[type=Queue; method=put|put_nowait] {proc} hears back: the item is in {obj}",
        "[type=Lock; method=acquire; value=True] {proc} now holds {obj}",
        "[type=Lock; method=acquire] {proc} did not get {obj}",
        "[type=Lock; method=release] {proc} hears back: {obj} is released",
        "[type=Event; method=wait; value=True] {proc}'s wait() on {obj} returns: it is set",
        "[type=Event; method=wait] {proc}'s wait() on {obj} timed out: it is not set",
        "[type=Event; method=set|clear] {proc} hears back: the manager has changed {obj}",
        "[method=__getitem__] {proc} gets {value} from {obj}",
        "[method=__len__] {proc} hears how many items {obj} has: {value}",
        "[method=__contains__; value=True] {proc} hears that {obj} contains it",
        "[method=__contains__] {proc} hears that {obj} does not contain it",
        "[method=__iter__; by=for] {proc}'s for loop gets {value} to go through {obj}",
        "[method=__iter__|__reversed__] {proc} gets {value} to go through {obj}",
        "[method=__add__|__mul__|__rmul__] {proc} gets {value}",
        f"[method=__setitem__|__delitem__|__imul__|{CHANGES}] {{proc}} hears back: the manager has "
        "changed {obj}",
        "{proc} gets {value} back from {obj}.{method}()",
    )
    answers = K.MANAGER_SERVE
    group = "message"

    method: str
    type: TypeId = None
    args: list[Value] = msgspec.field(default_factory=list)
    msg: str
    error: str | None = None
    by: CalledBy = None
    creates: Creates = False
    proposed: Proposed = None


Address = Annotated[str, Doc(description="Where the server listens: host:port, or a socket's path.")]
Message = Annotated[str | None, Doc(description="The exception's text, as the program would see it.")]


class ManagerListen(Event, kw_only=True, tag=K.MANAGER_LISTEN):
    """A manager's server begins serving at a network address (``start()`` or
    ``get_server().serve_forever()``); the processes that know the address and the authkey
    can connect to it."""

    say = (
        "{proc} serves a manager at {address}, offering {types}: whoever has its address and authkey "
        "can connect",
        "{proc} serves a manager at {address}: whoever has its address and authkey can connect",
    )
    group = "control"

    address: Address
    types: Annotated[
        list[str] | None, Doc(description="The types registered on the manager's class, if any.")
    ] = None


class ManagerConnect(Event, kw_only=True, tag=K.MANAGER_CONNECT):
    """A process connects its manager object to a server that is already running
    (``connect()``), or is turned away: a wrong authkey is an ``AuthenticationError``."""

    say = (
        "[error=AuthenticationError] {proc} is turned away by the server at {address}: its authkey is "
        "not the server's (AuthenticationError: {message})",
        "[error=ConnectionRefusedError] {proc} finds no server at {address} (ConnectionRefusedError)",
        "{proc} could not connect {manager} to {address}: {error}: {message}",
        "{proc} could not connect to {address}: {error}",
        "{proc}'s {manager} connects to the server at {address}: its authkey is accepted",
        "{proc} connects to the server at {address}: its authkey is accepted",
    )
    group = "control"

    address: Address
    manager: Annotated[str | None, Doc(description="The program's variable for the manager.")] = None
    error: str | None = None
    message: Message = None


class ManagerRefuse(Event, kw_only=True, tag=K.MANAGER_REFUSE):
    """The server turns a connection away: the client's answer to its challenge was not
    made with the server's authkey."""

    say = (
        "{proc} turns away a connection at {address}: it was not made with the server's authkey "
        "({error}: {message})",
    )
    group = "control"

    address: Address
    error: str
    message: Message = None


EVENTS = (
    ManagerCall,
    ManagerWait,
    ManagerServe,
    ManagerResult,
    ManagerListen,
    ManagerConnect,
    ManagerRefuse,
)
