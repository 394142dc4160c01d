"""The encoder writes each event's JSON itself: it must say what a dict encoding would."""

from __future__ import annotations

import json

import pytest

from app.runs.encoder import EventEncoder
from app.runs.program import Program
from app.runs.run import Run

pytestmark = pytest.mark.anyio


async def test_released_events_are_the_json_of_their_fields() -> None:
    run = Run(Program("queue", ""), 0, "fork")
    EventEncoder(run.log, run.processes, run.t0).release(
        [
            (7, "p1", ("queue.put", 0.1234567, "q", 7, {"value": [1, "a"], "msg": "7.1"}, "7.1", None)),
            (7, "p1", ("queue.put", 2.0, "q", 8, {"value": None, "msg": "7.2"}, "7.2", None)),
            (8, "p2", ("queue.wait", 1e-7, 'q\n"', None, None, None, None)),
            (8, "p2", ("proc.start", 3.5, None, 4, {"parent": "main", "role": "worker"}, None, "1.s8")),
        ]
    )
    events = [json.loads(raw) for raw in run.log.read(0)]
    assert events == [
        {"seq": 0, "t": 0.123457, "kind": "queue.put", "proc": "p1", "pid": 7, "obj": "q", "line": 7,
         "value": [1, "a"], "msg": "7.1"},
        {"seq": 1, "t": 2.0, "kind": "queue.put", "proc": "p1", "pid": 7, "obj": "q", "line": 8,
         "value": None, "msg": "7.2"},
        {"seq": 2, "t": 0.0, "kind": "queue.wait", "proc": "p2", "pid": 8, "obj": "q\n\"", "line": None},
        {"seq": 3, "t": 3.5, "kind": "proc.start", "proc": "p2", "pid": 8, "obj": None, "line": 4,
         "parent": "main", "role": "worker"},
    ]  # fmt: skip
    # Keys in the order the schema lists them; one line each (the store splits on newlines).
    assert [list(e)[:7] for e in events] == [["seq", "t", "kind", "proc", "pid", "obj", "line"]] * 4
    assert all(b"\n" not in raw for raw in run.log.read(0))
    assert run.processes["p2"].pid == 8  # proc.* events still update the process table
