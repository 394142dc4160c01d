"""static/js/narrate.js and app/events/narration.py say the same thing for every event."""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.events.narration import narrate, pyrepr
from tests.browser.conftest import LOGS, recorded

pytestmark = pytest.mark.browser

# Events the seed scenarios rarely or never produce, covering every rule and template.
EDGE_CASES: list[dict[str, Any]] = [
    {"kind": "queue.get", "proc": "p2", "obj": "q", "error": "Empty"},
    {"kind": "queue.get", "proc": "p2", "obj": "q"},  # value missing: Python's None
    {"kind": "queue.put", "proc": "p1", "obj": "q", "value": "it's a \\ test"},
    {"kind": "queue.put", "proc": "p1", "obj": "q", "value": [1, "a", None, True, False, {"k": [2.5]}]},
    {"kind": "queue.put", "proc": "p1", "obj": "q", "value": ["x"], "repr": "('x',)"},
    {"kind": "queue.put", "proc": "p1", "obj": "q", "value": 0.1},
    {"kind": "queue.put", "proc": "p1", "obj": "q", "value": 1.5e-7},
    {"kind": "queue.put", "proc": "p1", "obj": "q", "value": 0.0001},
    {"kind": "queue.put", "proc": "p1", "obj": "q", "value": 1e22},
    {"kind": "queue.put", "proc": "p1", "obj": "q", "value": 12345678901234567.5},
    {"kind": "queue.put", "proc": "p1", "obj": "q", "value": -2.5e-5},
    {"kind": "queue.put", "proc": "p1", "obj": "q", "value": ""},
    {"kind": "queue.empty", "proc": "p2", "obj": "q", "value": False},
    {"kind": "queue.wait", "proc": "p2", "obj": "q", "op": "get"},
    {"kind": "pipe.recv", "proc": "p2", "obj": "child_conn", "error": "EOFError"},
    {"kind": "pipe.new", "proc": "main", "obj": "a", "peer": "b", "duplex": True},
    {"kind": "array.get", "proc": "p1", "obj": "result", "index": [0, 4], "value": [1, 4, 9, 16]},
    {"kind": "array.set", "proc": "p1", "obj": "result", "index": 2, "value": 9},
    {"kind": "manager.serve", "proc": "manager", "obj": "records", "method": "append", "args": [["J", 8]]},
    {
        "kind": "manager.serve",
        "proc": "manager",
        "obj": "r",
        "method": "pop",
        "args": [],
        "error": "IndexError",
    },
    {"kind": "manager.result", "proc": "p1", "obj": "r", "method": "get", "value": {"a": 1, "b": "c"}},
    {"kind": "proc.exit", "proc": "p1", "reason": "killed"},
    {"kind": "proc.join", "proc": "main", "child": "p1"},
    {"kind": "proc.start", "proc": "p1"},
    {"kind": "stdout", "proc": "p1", "text": "two newlines\n\n"},
    {"kind": "stdout", "proc": "p1", "text": "quote ' inside\n"},
    {"kind": "stderr", "proc": "p1", "text": "Traceback\n"},
    {"kind": "run.end", "proc": "main", "status": "failed", "error": "boom"},
    {"kind": "run.end", "proc": "main", "status": "cancelled"},
    {"kind": "no.such.kind", "proc": "p9"},
    {"kind": "constructor", "proc": "p9"},
    {"kind": "stdout"},
    # Guards: the sentence for what happened, and the next one when a guard does not hold.
    {"kind": "manager.call", "proc": "p2", "obj": "r", "method": "__getitem__", "args": [4], "by": "for"},
    {"kind": "manager.call", "proc": "p2", "obj": "r", "method": "__getitem__", "args": ["k"]},
    {"kind": "manager.call", "proc": "p2", "obj": "r", "method": "__setitem__", "args": ["k", [1]]},
    {"kind": "manager.call", "proc": "p2", "obj": "r", "method": "__setitem__", "args": ["k"]},
    {"kind": "manager.call", "proc": "main", "obj": "d", "method": "dict", "args": []},
    {"kind": "manager.call", "proc": "main", "obj": "d", "method": "dict", "args": [{"a": 1}]},
    {
        "kind": "manager.result",
        "proc": "p2",
        "obj": "r",
        "method": "__getitem__",
        "error": "IndexError",
        "by": "for",
    },
    {"kind": "manager.result", "proc": "p2", "obj": "r", "method": "__contains__", "value": True},
    {"kind": "manager.result", "proc": "p2", "obj": "r", "method": "__contains__", "value": False},
    {
        "kind": "manager.result",
        "proc": "main",
        "obj": "r",
        "method": "list",
        "value": "a proxy for the manager's list",
    },
    {"kind": "pipe.new", "proc": "main", "obj": "r", "peer": "w", "duplex": False},
    {"kind": "proc.exit", "proc": "p1", "exitcode": 0},
    {"kind": "proc.exit", "proc": "p1", "exitcode": -9, "reason": "killed"},
    {"kind": "run.end", "proc": "main", "status": "timed_out", "error": "stopped after the 30 s time limit"},
    {"kind": "stdout", "proc": "p1", "text": "\n"},
    # Strings as Python spells them: the quote it picks, escapes, unprintable characters.
    {"kind": "queue.put", "proc": "p1", "obj": "q", "value": "it's"},
    {"kind": "queue.put", "proc": "p1", "obj": "q", "value": "both ' and \""},
    {"kind": "queue.put", "proc": "p1", "obj": "q", "value": "tab\tline\nend\r\x00\x7f"},
    {"kind": "queue.put", "proc": "p1", "obj": "q", "value": "\u200b\xa0\u2028 é \U0001f600"},
]

NARRATE = """async (events) => {
  const { narrate } = await import('/static/js/narrate.js');
  return events.map(narrate);
}"""

PYREPR = """async (values) => {
  const { pyrepr } = await import('/static/js/narrate.js');
  return values.map(pyrepr);
}"""


def all_events() -> list[dict[str, Any]]:
    events = [e for p in sorted(LOGS.glob("*.ndjson")) for e in recorded(p.stem)]
    return events + EDGE_CASES


def test_js_and_python_narrate_the_same(js: Any) -> None:
    events = all_events()
    # Both sides read the same JSON text, as the page reads the stream.
    parsed = json.loads(json.dumps(events))
    from_js = js.evaluate(NARRATE, parsed)
    from_python = [narrate(e) for e in parsed]
    mismatches = [(e, js, py) for e, js, py in zip(parsed, from_js, from_python, strict=True) if js != py]
    assert mismatches == []
    assert "p1 put 4 into q" in from_js
    assert len({e["kind"] for e in events}) >= 25


def test_pyrepr_matches(js: Any) -> None:
    values: list[Any] = [
        None,
        True,
        False,
        0,
        -7,
        3.25,
        1e16,
        1e-5,
        "a'b\\c",
        "it's",
        'say "hi"',
        "both ' and \"",
        "tab\tline\n\r\x00\x7f\x85",
        "\u200b\xa0\u2028 é \U0001f600",
        [],
        {},
        [[1, [2]], {"x": None}],
    ]
    reprs = js.evaluate(PYREPR, values)
    assert reprs == [pyrepr(v) for v in values]
    # And both are Python's own spelling of the string.
    strings = [v for v in values if isinstance(v, str)]
    assert js.evaluate(PYREPR, strings) == [repr(v) for v in strings]
