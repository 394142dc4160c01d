"""Capture what each process prints: every finished line becomes a stdout or stderr event."""

from __future__ import annotations

import io
import sys

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
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        end = text.rfind("\n")
        if end < 0:  # print() writes its text and its "\n" in two calls: keep the first
            self._pending += text
            return len(text)
        data = self._pending + text
        end += len(self._pending)
        self._pending = data[end + 1 :]
        em = emitter.EMITTER
        if em is not None:
            line = frames.scenario_line()
            for piece in data[: end + 1].splitlines(keepends=True):
                em.emit(self.kind, None, line, {"text": piece})
                em.op_done()
        return len(text)

    def flush(self) -> None:
        if self._pending:
            text, self._pending = self._pending, ""
            em = emitter.EMITTER
            if em is not None:
                em.emit(self.kind, None, frames.scenario_line(), {"text": text})

    def drop_pending(self) -> None:
        """After a fork the child must not print what its parent had not finished yet."""
        self._pending = ""


def capture() -> None:
    """Route this process's print() and error output through events."""
    if not isinstance(sys.stdout, LineStream):
        sys.stdout = LineStream("stdout")
    if not isinstance(sys.stderr, LineStream):
        sys.stderr = LineStream("stderr")


def after_fork_child() -> None:
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, LineStream):
            stream.drop_pending()
