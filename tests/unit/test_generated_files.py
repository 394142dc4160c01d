"""Generated files stay in step with their source (app/events/)."""

from __future__ import annotations

from app.events import codegen
from app.events.schema import WAIT_KINDS


def test_generated_files_are_up_to_date() -> None:
    for path, text in codegen.render().items():
        assert path.read_text() == text, f"{path.name} is stale: run `python -m app.events.codegen`"


def test_schema_covers_every_kind() -> None:
    schema = codegen.json_schema()
    tags = set(schema["discriminator"]["mapping"])
    assert {
        "run.start",
        "run.end",
        "queue.put",
        "queue.get",
        "pipe.send",
        "pipe.recv",
        "value.set",
        "array.set",
        "manager.call",
        "proc.start",
        "proc.exit",
        "stdout",
    } <= tags
    # A kind is a wait (the process is blocked after it) exactly when it is named *.wait.
    assert {t for t in tags if t.endswith(".wait")} == WAIT_KINDS
