"""The events of a message's two ends, shared by queues and pipes: an item went in (put,
send) and an item came out (get, recv), tied together by the message id it travelled with."""

from __future__ import annotations

from typing import Any

from app.tracing.emitter import Emitter
from app.tracing.values import value_fields


def sent(
    em: Emitter, kind: str, obj: str | None, line: int | None, msg: str, item: Any, peer: str | None = None
) -> None:
    """``item`` left with id ``msg``: the event makes the key its receiver will wait for.
    ``peer``: the pipe end it went to."""
    fields = value_fields(item)
    fields["msg"] = msg
    if peer is not None:
        fields["peer"] = peer
    em.emit(kind, obj, line, fields, key=msg)
    em.after()


def received(em: Emitter, kind: str, obj: str | None, line: int | None, msg: str, item: Any) -> None:
    """``item`` arrived with id ``msg``: ordered after the event of its sending."""
    fields = value_fields(item)
    fields["msg"] = msg
    em.emit(kind, obj, line, fields, after=msg)
    em.after()


def failed(em: Emitter, kind: str, obj: str | None, line: int | None, error: str) -> None:
    """Nothing arrived (an empty queue's timeout, a closed pipe)."""
    em.emit(kind, obj, line, {"error": error})
    em.after()
