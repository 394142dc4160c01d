"""One place per kind: a kind cannot be half-added.

The names live in app/events/kinds.py, everything else about a kind next to its fields in
app/events/schema.py; the tracer and the server spell kinds only through the names. (The
page's side, that the reducer has a handler for every kind and narrates it as Python does,
is checked in Chromium: tests/browser/.)
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import msgspec

from app.events import keys, kinds, schema

APP = Path(__file__).resolve().parents[2] / "app"
# The code that emits events: the tracer (in the program's processes) and the server.
EMITTERS = sorted([*(APP / "tracing").glob("*.py"), *(APP / "runs").glob("*.py")])
NAMES = {name: value for name, value in vars(kinds).items() if name.isupper()}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def kind_names_used(path: Path) -> set[str]:
    """Kinds a module refers to through app/events/kinds (``K.QUEUE_PUT`` → queue.put)."""
    used = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "K":
            assert node.attr in NAMES, f"{path.name}: K.{node.attr} is not in app/events/kinds.py"
            used.add(NAMES[node.attr])
    return used


def test_the_names_are_the_schema_kinds() -> None:
    assert sorted(NAMES.values()) == sorted(schema.KINDS)
    assert len(set(NAMES.values())) == len(NAMES), "two names spell the same kind"


def test_the_tracer_and_server_spell_kinds_only_through_the_names() -> None:
    for path in EMITTERS:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and node.value in schema.KINDS:
                raise AssertionError(
                    f"{path.relative_to(APP)}:{node.lineno}: the kind {node.value!r} written as a "
                    "string; use its name from app/events/kinds.py"
                )


def test_every_kind_is_emitted_by_someone() -> None:
    emitted = set().union(*(kind_names_used(path) for path in EMITTERS))
    assert emitted == set(schema.KINDS), f"never emitted: {sorted(set(schema.KINDS) - emitted)}"


def test_every_kind_is_narrated_with_its_own_fields() -> None:
    common = {f.name for f in msgspec.structs.fields(schema.Event)}
    for kind, cls in schema.KINDS.items():
        assert cls.say, f"{kind} has no narration template"
        fields = {f.name for f in msgspec.structs.fields(cls)} | common
        for template in cls.say:
            unknown = set(PLACEHOLDER.findall(template)) - fields
            assert not unknown, f"{kind}: {template!r} names {unknown}, which it does not carry"
    assert {kind: list(cls.say) for kind, cls in schema.KINDS.items()} == schema.TEMPLATES


def test_answers_and_flows_name_real_kinds_that_carry_a_message_id() -> None:
    for consumer, producer in schema.ANSWERS.items():
        assert producer in schema.KINDS, f"{consumer} answers an unknown kind {producer!r}"
        for kind in (consumer, producer):
            assert "msg" in {f.name for f in msgspec.structs.fields(schema.KINDS[kind])}, kind
    producers = {"queue.put", "pipe.send", "manager.call", "pool.task", "pool.done", "listener.connect"}
    assert producers == schema.PRODUCER_KINDS
    assert schema.CHAINS["manager.call"] == ["manager.serve", "manager.result"]
    for producer in schema.PRODUCER_KINDS:
        assert schema.CHAINS[producer], f"{producer} draws a flow but nothing answers it"


def test_every_key_names_its_producer() -> None:
    made = [
        keys.message(41, 7),
        keys.write(42, "42-1", 3),
        keys.spawn(43, 99),
        keys.exited(44),
        keys.reply(45, keys.message(41, 7)),
        keys.handoff(46, "42-1", 3),
        keys.holding(47, "42-1", 3),
        keys.refusal(48, keys.message(41, 7)),
    ]
    assert [keys.producer(k) for k in made] == [41, 42, 43, 44, 45, 46, 47, 48]
    assert keys.message(41, 7) == keys.message_prefix(41) + "7"
    assert len(set(made)) == len(made)
