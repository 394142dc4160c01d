"""Turn a Python value into what an event carries: a small JSON copy, plus repr when needed."""

from __future__ import annotations

import math
from multiprocessing.managers import BaseProxy
from typing import Any

MAX_ITEMS = 64  # items kept from a container
MAX_STR = 200  # characters kept from a string or a repr
MAX_DEPTH = 4
_JS_SAFE = 2**53


def describe(value: Any) -> tuple[Any, str | None]:
    """Return ``(json_value, repr_or_None)``.

    The repr is there when the JSON copy would mislead a Python reader: tuples, bytes,
    sets, objects, non-finite floats, huge ints, or anything that had to be cut short. A
    manager's proxy is shown as what it stands for ("a proxy for the manager's list"), not
    as its class and address.
    """
    kind = type(value)
    # The hot path: queues and pipes mostly carry small ints and short strings.
    if kind is int:
        return (value, None) if -_JS_SAFE < value < _JS_SAFE else (str(value), repr(value))
    if kind is str:
        return (value, None) if len(value) <= MAX_STR else (value[:MAX_STR] + "…", _cut(repr(value)))
    if value is None or kind is bool:
        return value, None
    proxies: list[bool] = []
    copy, exact = _copy(value, 0, proxies)
    if exact:
        return copy, None
    return copy, _cut(repr(_spelled(value, 0) if proxies else value))


def _proxy_text(proxy: BaseProxy) -> str:
    typeid = getattr(getattr(proxy, "_token", None), "typeid", None) or "object"
    return f"a proxy for the manager's {str(typeid).lower()}"


class _Spelled:
    """Stands for a proxy inside a container's repr."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def _spelled(value: Any, depth: int) -> Any:
    """``value`` with every proxy in its lists, tuples and dicts replaced by its text, so
    Python's own repr spells the rest (only called when ``_copy`` found a proxy)."""
    if isinstance(value, BaseProxy):
        return _Spelled(_proxy_text(value))
    if depth >= MAX_DEPTH:
        return value
    if isinstance(value, (list, tuple)):
        items = [_spelled(v, depth + 1) for v in value]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, dict):
        return {k: _spelled(v, depth + 1) for k, v in value.items()}
    return value


def _cut(text: str) -> str:
    return text if len(text) <= MAX_STR else text[:MAX_STR] + "…"


def _copy(value: Any, depth: int, proxies: list[bool]) -> tuple[Any, bool]:
    """The JSON copy and whether it is exact; appends to ``proxies`` for each proxy met."""
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
        items = [_copy(v, depth + 1, proxies) for v in value[:MAX_ITEMS]]
        exact = isinstance(value, list) and len(value) <= MAX_ITEMS and all(ok for _, ok in items)
        return [v for v, _ in items], exact
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        exact = len(value) <= MAX_ITEMS
        for i, (k, v) in enumerate(value.items()):
            if i >= MAX_ITEMS:
                break
            exact = exact and type(k) is str
            out[k if type(k) is str else repr(k)], ok = _copy(v, depth + 1, proxies)
            exact = exact and ok
        return out, exact
    if isinstance(value, BaseProxy):  # after the containers: messages are rarely proxies
        proxies.append(True)
        return _proxy_text(value), False
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
