"""Capture what each process prints: every finished line becomes a stdout or stderr event."""

from __future__ import annotations

import io
import sys
from typing import Any

from app.events import kinds as K
from app.tracing import emitter, frames


class LineStream(io.TextIOBase):
    """A text stream that emits one event per line written to it."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self._pending = ""

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return "utf-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def write(self, text: str) -> int:
        if type(text) is not str and not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if text == "\n":
            # print(x) writes str(x) and then "\n" in a second call: the common case,
            # one finished line and nothing to search.
            line_text, self._pending = self._pending + text, ""
            self._emit_lines(line_text, single=True)
            return 1
        if "\n" not in text:
            self._pending += text
            return len(text)
        data = self._pending + text
        end = data.rfind("\n") + 1
        self._pending = data[end:]
        self._emit_lines(data[:end], single=False)
        return len(text)

    def _emit_lines(self, text: str, single: bool) -> None:
        em = emitter.EMITTER
        if em is None:
            return
        line = frames.scenario_line(3)
        # Printing is the busiest path of all: ask the gate only when it paces.
        paces = em.gate.paces
        for piece in (text,) if single else text.splitlines(keepends=True):
            em.emit(self.kind, None, line, {"text": piece})
            if paces:
                em.after()

    def flush(self) -> None:
        if self._pending:
            text, self._pending = self._pending, ""
            em = emitter.EMITTER
            if em is not None:
                em.emit(self.kind, None, frames.scenario_line(), {"text": text})

    def drop_pending(self) -> None:
        """After a fork the child must not print what its parent had not finished yet."""
        self._pending = ""


class TeeStream(LineStream):
    """A LineStream that first writes everything to the process's own stream, unchanged:
    a traced program prints to its terminal exactly what it would untraced (same bytes,
    same buffering, same isatty), and each finished line is an event as well."""

    def __init__(self, kind: str, target: Any) -> None:
        super().__init__(kind)
        self.target = target

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return str(self.target.encoding)

    @property
    def errors(self) -> str | None:  # type: ignore[override]
        return self.target.errors  # type: ignore[no-any-return]

    @property
    def buffer(self) -> Any:
        return self.target.buffer

    @property
    def name(self) -> Any:
        return self.target.name

    @property
    def line_buffering(self) -> bool:
        return bool(self.target.line_buffering)

    def isatty(self) -> bool:
        return bool(self.target.isatty())

    def fileno(self) -> int:
        return int(self.target.fileno())

    def reconfigure(self, *args: Any, **kwargs: Any) -> None:
        self.target.reconfigure(*args, **kwargs)

    def write(self, text: str) -> int:
        written = self.target.write(text)  # its errors (a bytes argument, EPIPE) are the program's
        super().write(text)
        return int(written)

    def flush(self) -> None:
        self.target.flush()
        super().flush()


# What sys.stdout and sys.stderr were before capture(), for release().
_replaced: list[object] = []


def capture(tee: bool = False) -> None:
    """Route this process's print() and error output through events; with ``tee``, through
    to its own streams as well."""
    if not _replaced:
        _replaced[:] = [sys.stdout, sys.stderr]
    if not isinstance(sys.stdout, LineStream):
        sys.stdout = TeeStream(K.STDOUT, sys.stdout) if tee and sys.stdout else LineStream(K.STDOUT)
    if not isinstance(sys.stderr, LineStream):
        sys.stderr = TeeStream(K.STDERR, sys.stderr) if tee and sys.stderr else LineStream(K.STDERR)


def release() -> None:
    """Give the process its own streams back (a line not finished yet is emitted first)."""
    if not _replaced:
        return
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, LineStream):
            stream.flush()
    sys.stdout, sys.stderr = _replaced
    _replaced.clear()


def after_fork_child() -> None:
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, LineStream):
            stream.drop_pending()
