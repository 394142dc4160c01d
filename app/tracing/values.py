"""Turn a Python value into what an event carries: a small JSON copy, plus repr when needed."""

from __future__ import annotations

import math
from typing import Any

MAX_ITEMS = 64  # items kept from a container
MAX_STR = 200  # characters kept from a string or a repr
MAX_DEPTH = 4
_JS_SAFE = 2**53


def describe(value: Any) -> tuple[Any, str | None]:
    """Return ``(json_value, repr_or_None)``.

    The repr is there when the JSON copy would mislead a Python reader: tuples, bytes,
    sets, objects, non-finite floats, huge ints, or anything that had to be cut short.
    """
    kind = type(value)
    # The hot path: queues and pipes mostly carry small ints and short strings.
    if kind is int:
        return (value, None) if -_JS_SAFE < value < _JS_SAFE else (str(value), repr(value))
    if kind is str:
        return (value, None) if len(value) <= MAX_STR else (value[:MAX_STR] + "…", _cut(repr(value)))
    if value is None or kind is bool:
        return value, None
    copy, exact = _copy(value, 0)
    return copy, (None if exact else _cut(repr(value)))


def _cut(text: str) -> str:
    return text if len(text) <= MAX_STR else text[:MAX_STR] + "…"


def _copy(value: Any, depth: int) -> tuple[Any, bool]:
    kind = type(value)
    if value is None or kind is bool or (kind is str and len(value) <= MAX_STR):
        return value, True
    if kind is int:
        return (value, True) if -_JS_SAFE < value < _JS_SAFE else (str(value), False)
    if kind is float:
        return (value, True) if math.isfinite(value) else (None, False)
    if kind is str:
        return value[:MAX_STR] + "…", False
    if depth >= MAX_DEPTH:
        return _cut(repr(value)), False
    if isinstance(value, (list, tuple)):
        items = [_copy(v, depth + 1) for v in value[:MAX_ITEMS]]
        exact = isinstance(value, list) and len(value) <= MAX_ITEMS and all(ok for _, ok in items)
        return [v for v, _ in items], exact
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        exact = len(value) <= MAX_ITEMS
        for i, (k, v) in enumerate(value.items()):
            if i >= MAX_ITEMS:
                break
            exact = exact and type(k) is str
            out[k if type(k) is str else repr(k)], ok = _copy(v, depth + 1)
            exact = exact and ok
        return out, exact
    return _cut(repr(value)), False


def value_fields(value: Any) -> dict[str, Any]:
    """A new dict of the fields an event carries for ``value``: ``value`` (its JSON copy),
    and ``repr`` when the copy would mislead. Callers add the kind's other fields to it."""
    kind = type(value)
    # The hot path, as in describe(): small ints and short strings are their own copy.
    if (kind is int and -_JS_SAFE < value < _JS_SAFE) or (kind is str and len(value) <= MAX_STR):
        return {"value": value}
    shown, rep = describe(value)
    return {"value": shown} if rep is None else {"value": shown, "repr": rep}
