"""Narration sentences, the same in the terminal and (via kinds.js) on the page."""

from __future__ import annotations

from app.events.narration import narrate, pyrepr


def ev(kind: str, **fields: object) -> dict:
    return {"kind": kind, "proc": "p1", "obj": fields.pop("obj", None), **fields}


def test_sentences() -> None:
    assert narrate(ev("queue.put", obj="q", value=4)) == "p1 put 4 into q"
    assert narrate(ev("pipe.recv", obj="child_conn", value="hey")) == "p1 received 'hey' from child_conn"
    assert narrate(ev("array.set", obj="result", index=2, value=9)) == "p1 set result[2] = 9"
    assert (
        narrate(ev("array.get", obj="result", index=[0, 4], value=[1, 4, 9, 16]))
        == "p1 read result[0:4]: [1, 4, 9, 16]"
    )
    assert narrate(
        ev(
            "manager.result",
            obj="records",
            method="__getitem__",
            value=["Jeff", 8],
            repr="('Jeff', 8)",
        )
    ) == ("p1 got ('Jeff', 8) from records.__getitem__()")
    assert narrate(ev("manager.serve", obj="records", method="append", args=[["Jeff", 8]])) == (
        "p1 ran records.append(['Jeff', 8]): None"
    )
    assert narrate(ev("queue.get", obj="q", error="Empty")) == "p1 found q empty (Empty)"
    assert narrate(ev("proc.exit", exitcode=None, reason="killed")) == "p1 ended (killed)"
    assert narrate(ev("stdout", text="Queue elements:\n")) == "p1 printed 'Queue elements:'"


def test_pyrepr() -> None:
    assert pyrepr(["it's", None, True, 1.5, {"a": 1}]) == "['it\\'s', None, True, 1.5, {'a': 1}]"
