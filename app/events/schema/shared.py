"""Shared memory made by multiprocessing: ``Value`` and ``Array`` reads and writes, each
with the version it saw or made."""

from __future__ import annotations

from app.events import kinds as K
from app.events.schema.base import Index, ValueEvent


class ValueNew(ValueEvent, kw_only=True, tag=K.VALUE_NEW):
    say = ("{proc} created shared value {obj} = {value}",)

    typecode: str


class ValueGet(ValueEvent, kw_only=True, tag=K.VALUE_GET):
    """Read of ``.value``; ``version`` counts the writes it saw."""

    say = ("{proc} read {obj}.value: {value}",)
    group = "memory"

    version: int


class ValueSet(ValueEvent, kw_only=True, tag=K.VALUE_SET):
    say = ("{proc} set {obj}.value = {value}",)
    group = "memory"

    version: int


class ArrayNew(ValueEvent, kw_only=True, tag=K.ARRAY_NEW):
    say = ("{proc} created shared array {obj} = {value}",)

    typecode: str
    size: int


class ArrayGet(ValueEvent, kw_only=True, tag=K.ARRAY_GET):
    """Read of one cell (``index``) or a slice (``[start, stop]``)."""

    say = ("{proc} read {obj}[{index}]: {value}",)
    group = "memory"

    index: Index
    version: int


class ArraySet(ValueEvent, kw_only=True, tag=K.ARRAY_SET):
    say = ("{proc} set {obj}[{index}] = {value}",)
    group = "memory"

    index: Index
    version: int


EVENTS = (
    ValueNew,
    ValueGet,
    ValueSet,
    ArrayNew,
    ArrayGet,
    ArraySet,
)
