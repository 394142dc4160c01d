"""Gates: when a traced operation may take effect.

Every traced operation calls its process's gate twice through the emitter: ``before`` it
takes effect (the scheduler holds it here until the learner says go) and ``after`` it has
taken effect and its event is recorded (pacing gives people time here). A gate is called
with no lock held, neither the emitter's nor a primitive's own, so a gate that blocks
stops only its own process.

Free mode is the base class: it passes everything straight through, and the emitter
does not even call it (``holds`` and ``paces`` are False), so tracing costs what it did
before gates existed.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from app.tracing.values import value_fields

if TYPE_CHECKING:
    from app.tracing.emitter import Emitter

_real_sleep = time.sleep
# What ``before`` gets when the operation's caller cannot say what it will put or store.
UNKNOWN: Any = object()


class Gate:
    """Free mode: every operation proceeds at once."""

    holds = False  # before() may block
    paces = False  # after() does something

    def before(
        self,
        em: Emitter,
        kind: str,
        obj: str | None,
        line: int | None,
        value: Any = UNKNOWN,
        child: str | None = None,
    ) -> None:
        """``em``'s process is about to do ``kind`` on ``obj`` at ``line`` (putting, sending
        or storing ``value``, starting or joining ``child``, where known)."""

    def after(self, em: Emitter) -> None:
        """The operation took effect and its event is recorded."""


class PacedGate(Gate):
    """Pause after each operation so a person can follow (``pace_ms``)."""

    def __init__(self, pace_s: float) -> None:
        self.pace_s = pace_s
        self.paces = pace_s > 0

    def after(self, em: Emitter) -> None:
        em.flush()  # show the operation now, not after the pause
        _real_sleep(self.pace_s)


class HoldGate(PacedGate):
    """Hold each operation until the server lets it go on, over the back channel: the
    process sends what it is about to do with its batch and waits for ``go`` (or ``free``:
    go, and hold no more)."""

    holds = True

    def before(
        self,
        em: Emitter,
        kind: str,
        obj: str | None,
        line: int | None,
        value: Any = UNKNOWN,
        child: str | None = None,
    ) -> None:
        if line is not None and line.__class__ is not int:  # a FileLine: another file's
            op: dict[str, Any] = {"kind": kind, "obj": obj, "line": int(line), "file": line.file}  # type: ignore[attr-defined]
        else:
            op = {"kind": kind, "obj": obj, "line": line}
        if value is not UNKNOWN:
            op.update(value_fields(value))  # what a step will put, send or store
        if child is not None:
            op["child"] = child
        em.hold(op)


def make(mode: str, pace_s: float) -> Gate:
    """The gate a run asks for: ``free`` (paced when ``pace_s``) or ``hold``."""
    if mode == "hold":
        return HoldGate(pace_s)
    if mode != "free":
        raise ValueError(f"unknown gate mode {mode!r}")
    return PacedGate(pace_s) if pace_s else Gate()
