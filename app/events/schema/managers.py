"""Managers: a proxy's call, the server process serving it on the real object, the reply."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from app.events import kinds as K
from app.events.schema.base import Doc, Event, Value, ValueEvent

# The list and dict methods that change the object in place and return None.
CHANGES = "append|extend|insert|remove|reverse|sort|clear|update"

CalledBy = Annotated[
    Literal["for"] | None,
    Doc(description="What made the call when the program did not write it: a for loop's next step."),
]


class ManagerCall(Event, kw_only=True, tag=K.MANAGER_CALL):
    """A proxy sends a method call to the manager's server process."""

    # Dunder methods are what Python calls for `x[i]`, `len(x)`, `for … in x`: say those.
    say = (
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
        "{proc} asks the manager to run {obj}.{method}({args})",
    )
    group = "message"
    flow = "call"

    method: str
    args: list[Value] = msgspec.field(default_factory=list)
    msg: str
    by: CalledBy = None


class ManagerServe(ValueEvent, kw_only=True, tag=K.MANAGER_SERVE):
    """The server process ran the call on the real object; ``state`` is the object after."""

    say = (
        "[method=__getitem__; error=IndexError] {proc} finds no item {args} in {obj}, so it answers "
        "IndexError",
        "[method=__getitem__; error=KeyError] {proc} finds no key {args} in {obj}, so it answers KeyError",
        "{proc} answers {error}: what was asked of {obj} failed",
        "[method=list|dict] {proc} now holds the real {method} {obj} = {state}",
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
    args: list[Value] = msgspec.field(default_factory=list)
    msg: str | None = None
    state: Value = None
    error: str | None = None


class ManagerResult(ValueEvent, kw_only=True, tag=K.MANAGER_RESULT):
    """The proxy got the reply (``value``) or an error."""

    say = (
        "[method=__getitem__; by=for; error=IndexError] {obj} has no more items, so {proc}'s for loop ends",
        "[method=__getitem__; by=for] {proc}'s for loop gets {value}, the next item of {obj}",
        "[method=__getitem__; error=IndexError] {proc} hears that {obj} has no such item (IndexError)",
        "[method=__getitem__; error=KeyError] {proc} hears that {obj} has no such key (KeyError)",
        "{proc} gets {error} back: what it asked of {obj} failed",
        "[method=list|dict] {proc} gets {obj}: {value}",
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
    msg: str
    error: str | None = None
    by: CalledBy = None


EVENTS = (
    ManagerCall,
    ManagerServe,
    ManagerResult,
)
