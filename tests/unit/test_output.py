"""What a process prints becomes one event per line, and the lines add up to the output."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app.tracing import emitter
from app.tracing.gate import Gate
from app.tracing.output import LineStream


class Recorder:
    """Stands in for the process's emitter: keeps what the stream emits."""

    gate = Gate()  # free mode

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    def emit(self, kind: str, obj: object, line: object, fields: dict[str, Any], **_: object) -> None:
        self.events.append((kind, fields))

    def after(self) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    rec = Recorder()
    saved = emitter.EMITTER
    emitter.EMITTER = rec  # type: ignore[assignment]
    yield rec
    emitter.EMITTER = saved


def test_print_patterns(recorder: Recorder) -> None:
    out = LineStream("stdout")
    print(16, file=out)
    print("Name: Sam\nScore: 10\n", file=out)
    out.write("par")
    out.write("tial ")
    out.write("line\nand more")
    out.write("\n")
    print("no newline", end="", file=out)
    out.flush()
    texts = [fields["text"] for kind, fields in recorder.events]
    assert {kind for kind, _ in recorder.events} == {"stdout"}
    assert texts == [
        "16\n",
        "Name: Sam\n",
        "Score: 10\n",
        "\n",
        "partial line\n",
        "and more\n",
        "no newline",
    ]
    assert "".join(texts) == "16\nName: Sam\nScore: 10\n\npartial line\nand more\nno newline"


def test_only_text_is_accepted(recorder: Recorder) -> None:
    with pytest.raises(TypeError):
        LineStream("stdout").write(b"bytes")  # type: ignore[arg-type]
