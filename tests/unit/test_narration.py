"""Narration sentences, the same in the terminal and (via kinds.js) on the page.

The rules (guards, placeholders, the first template that applies) and every template's
use of them; the sentences of real runs are in test_narration_runs.py.
"""

from __future__ import annotations

import msgspec
import pytest

from app.events import schema
from app.events.narration import PLACEHOLDER, narrate, parse, pyrepr


def ev(kind: str, **fields: object) -> dict[str, object]:
    return {"kind": kind, "proc": "p1", "obj": fields.pop("obj", None), **fields}


def test_sentences() -> None:
    assert narrate(ev("queue.put", obj="q", value=4)) == "p1 put 4 into q"
    assert narrate(ev("pipe.recv", obj="child_conn", value="hey")) == "p1 received 'hey' from child_conn"
    assert narrate(ev("array.set", obj="result", index=2, value=9)) == "p1 set result[2] = 9"
    assert (
        narrate(ev("array.get", obj="result", index=[0, 4], value=[1, 4, 9, 16]))
        == "p1 read result[0:4]: [1, 4, 9, 16]"
    )
    assert narrate(ev("stdout", text="Queue elements:\n")) == "p1 printed 'Queue elements:'"


def test_a_guard_picks_the_sentence_for_what_happened() -> None:
    call = ev("manager.call", obj="records", method="__getitem__", args=[4], msg="m1")
    assert narrate(call) == "p1 asks the manager for records[4]"
    assert narrate({**call, "by": "for"}) == "p1's for loop asks the manager for item 4 of records"
    result = ev("manager.result", obj="records", method="__getitem__", msg="m1", by="for")
    assert narrate({**result, "error": "IndexError"}) == "records has no more items, so p1's for loop ends"
    assert narrate({**result, "value": ["Jeff", 8], "repr": "('Jeff', 8)"}) == (
        "p1's for loop gets ('Jeff', 8), the next item of records"
    )
    # An empty alternative matches no arguments at all.
    create = ev("manager.call", obj="d", method="dict", msg="m2")
    assert (
        narrate({**create, "args": []})
        == "p1 asks the manager to create an empty dict; d will be the proxy to it"
    )
    assert narrate({**create, "args": [{"a": 1}]}) == (
        "p1 asks the manager to create a dict from {'a': 1}; d will be the proxy to it"
    )
    setitem = ev("manager.call", obj="d", method="__setitem__", args=["k", [1, 2]], msg="m3")
    assert narrate(setitem) == "p1 asks the manager to set d['k'] = [1, 2]"
    # An item that is not there: the next template that applies.
    assert narrate({**setitem, "args": ["k"]}) == "p1 asks the manager to run d.__setitem__('k')"


def test_sentences_for_processes_and_the_run() -> None:
    assert narrate(ev("proc.exit", exitcode=None, reason="killed")) == "p1 was killed before it finished"
    assert narrate(ev("proc.exit", exitcode=0)) == "p1 finished (exit code 0)"
    assert narrate(ev("proc.exit", exitcode=1)) == "p1 exited with code 1"
    assert narrate(ev("proc.start", role="manager", target="_run_server")) == (
        "p1 starts: it is the manager's server process, where the shared objects will live"
    )
    assert narrate(ev("run.end", status="timed_out", error="stopped after the 30 s time limit")) == (
        "run timed out: stopped after the 30 s time limit"
    )
    assert narrate(ev("run.end", status="cancelled", error="cancelled")) == "run cancelled"
    assert narrate(ev("run.end", status="failed", error="boom")) == "run failed: boom"


def test_pyrepr_spells_strings_as_python_does() -> None:
    for text in ["plain", "it's", 'say "hi"', "both ' and \"", "tab\tnew\nline\r", "back\\slash", "\x00\x7f"]:
        assert pyrepr(text) == repr(text)
    for text in ["\u200b", "\xa0", "\U0001f600", "é"]:
        assert pyrepr(text) == repr(text)
    assert pyrepr(["it's", None, True, 1.5, {"a": 1}]) == "[\"it's\", None, True, 1.5, {'a': 1}]"


@pytest.mark.parametrize("kind", sorted(schema.KINDS))
def test_templates_name_only_their_own_fields(kind: str) -> None:
    fields = {f.name for f in msgspec.structs.fields(schema.KINDS[kind])}
    for template in schema.TEMPLATES[kind]:
        guard, text = parse(template)
        named = set(guard) | {name for name, _ in PLACEHOLDER.findall(text)}
        assert named <= fields, f"{template!r} names {named - fields}, which {kind} does not carry"
        assert not text.startswith("["), f"{template!r}: a guard must end with '] '"
