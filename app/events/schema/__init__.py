"""The event schema: one struct per event kind, the single source for every consumer.

Each struct says, next to its fields, everything else about its kind: how it is narrated
(``say``: templates in plain words, the first that applies is used; the rules are in
``app/events/narration.py``), which kind it answers (``answers``: the producer whose
``msg`` it shares, for causal checks and trace flows), what it is about (``group``: what
the timeline weighs), and whether the process is blocked after it (``blocks``), and for a
producer the name of the arrow a trace draws to its answers (``flow``). Kind names come
from ``app/events/kinds.py``.

The structs live in one module per family of primitives (``processes``, ``queues``,
``pipes``…), each listing its kinds in ``EVENTS``; this package gathers them. A new family
is a new module added to ``FAMILIES``.

The tracer emits these kinds, the server stores and streams them as JSON objects, the
JSON Schema in ``events.schema.json`` and the JS constants in ``static/js/kinds.js`` are
generated from here (``python -m app.events.codegen``), and tests validate every event a
scenario produces against these structs.
"""

from __future__ import annotations

import functools
from typing import Any, Union

import msgspec

from app.events.schema import blocks, listeners, managers, pipes, pools, processes, queues, run, shared, sync
from app.events.schema.base import (
    FINAL_STATUSES,
    STATUS_LABELS,
    Event,
    FinalStatus,
    Group,
    Index,
    RunStatus,
    Value,
    ValueEvent,
)
from app.events.schema.managers import CHANGES

__all__ = [
    "ANSWERS",
    "CHAINS",
    "CHANGES",
    "EVENT_TYPES",
    "FINAL_STATUSES",
    "KINDS",
    "PRODUCER_KINDS",
    "STATUS_LABELS",
    "TEMPLATES",
    "WAIT_KINDS",
    "AnyEvent",
    "Event",
    "FinalStatus",
    "Group",
    "Index",
    "RunStatus",
    "Value",
    "ValueEvent",
    "decode",
]

FAMILIES = (run, processes, queues, pipes, shared, managers, sync, pools, blocks, listeners)

EVENT_TYPES: tuple[type[Event], ...] = tuple(cls for family in FAMILIES for cls in family.EVENTS)
# The tagged union of every kind, for msgspec (decoding, JSON Schema).
AnyEvent: Any = Union[EVENT_TYPES]  # noqa: UP007 (a union built from a tuple)
KINDS: dict[str, type[Event]] = {str(cls.__struct_config__.tag): cls for cls in EVENT_TYPES}
assert len(KINDS) == len(EVENT_TYPES), "two structs share a kind"

# consumer kind -> the producer kind whose ``msg`` it shares (get -> put, serve -> call…)
ANSWERS: dict[str, str] = {kind: cls.answers for kind, cls in KINDS.items() if cls.answers is not None}
# Kinds that start a chain of answers (a put, a send, a manager call).
PRODUCER_KINDS = frozenset(kind for kind, cls in KINDS.items() if cls.flow is not None)
WAIT_KINDS = frozenset(kind for kind, cls in KINDS.items() if cls.blocks)


def _chain(producer: str) -> list[str]:
    """The kinds that answer ``producer`` in turn: queue.put -> [queue.get];
    manager.call -> [manager.serve, manager.result]."""
    chain, last = [], producer
    while (answer := next((c for c, p in ANSWERS.items() if p == last), None)) is not None:
        chain.append(last := answer)
    return chain


CHAINS: dict[str, list[str]] = {kind: _chain(kind) for kind in PRODUCER_KINDS}
TEMPLATES: dict[str, list[str]] = {kind: list(cls.say) for kind, cls in KINDS.items()}


@functools.cache
def _decoder() -> msgspec.json.Decoder[Any]:
    # Built on first use: it takes most of this module's import time, and the processes
    # that import the schema (a traced program's, the trace command) mostly never decode.
    return msgspec.json.Decoder(AnyEvent)


def decode(data: bytes | str) -> Event:
    """Parse and validate one event from JSON; raises msgspec.ValidationError."""
    event: Event = _decoder().decode(data)
    return event
