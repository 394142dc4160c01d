"""What every traced run's saved events must show, and how to pair producers with answers."""

from __future__ import annotations

from typing import Any

from app.events import kinds as K
from app.events.causality import problems
from tests.trace.running import Result

Event = dict[str, Any]


def check_run(t: Result, method: str, procs: int, exitcode: int = 0) -> None:
    """The saved run is whole and in causal order: it starts with ``run.start`` (with the
    start method asked for) and ends with ``run.end`` (the program's exit code and the
    status that goes with it), ``seq`` has no gap, every answer comes after what it
    answers, every child starts after its parent spawned it, and ``procs`` processes
    started, each reporting its start once and ending once."""
    ev = t.events
    assert ev, f"no events saved\n{t.describe()}"
    assert ev[0]["kind"] == K.RUN_START, ev[0]
    assert ev[0]["start_method"] == method, ev[0]
    assert ev[-1]["kind"] == K.RUN_END, ev[-1]
    assert ev[-1]["exitcode"] == exitcode, ev[-1]
    assert ev[-1]["status"] == ("succeeded" if exitcode == 0 else "failed"), ev[-1]
    assert problems(ev) == []
    starts = t.of(K.PROC_START)
    names = [e["proc"] for e in starts]
    assert len(names) == procs, f"{len(names)} processes started, not {procs}: {names}"
    assert len(set(names)) == len(names), names
    assert len({e["pid"] for e in starts}) == procs, "two processes with one pid"
    assert sorted(e["proc"] for e in t.of(K.PROC_EXIT)) == sorted(names), "a process without one exit"
    for child in starts[1:]:
        spawn = [e for e in t.of(K.PROC_SPAWN) if e["child_pid"] == child["pid"]]
        assert len(spawn) == 1, f"{child['proc']} has {len(spawn)} spawn events"
        assert spawn[0]["proc"] == child["parent"], (spawn[0], child)
        assert spawn[0]["seq"] < child["seq"]


def printed(t: Result, kind: str = K.STDOUT) -> str:
    """What the events say the program wrote, in their order."""
    return "".join(e["text"] for e in t.events if e["kind"] == kind)


def value(e: Event) -> tuple[Any, Any]:
    return e.get("value"), e.get("repr")


def matched(
    t: Result, producer: str, consumer: str, obj: str | None = None, same_value: bool = True
) -> list[tuple[Event, Event]]:
    """Each ``consumer`` event of ``obj`` (a get, a recv…) with the ``producer`` event it
    answers (same ``msg``), which must come first and, with ``same_value``, carry the same
    value (an item arrives as it was sent; a manager's answer is not its call). Consumers
    that found nothing (``error``) and a pool worker's stop sentinel are left out."""
    producers = {e["msg"]: e for e in t.of(producer, obj=obj) if "msg" in e}
    pairs = []
    for c in t.of(consumer, obj=obj):
        if c.get("error") or c.get("stop"):
            continue
        p = producers.get(c.get("msg", ""))
        assert p is not None, f"{consumer} at seq {c['seq']} answers no {producer}: {c}"
        assert p["seq"] < c["seq"], (p, c)
        if same_value:
            assert value(p) == value(c), (p, c)
        pairs.append((p, c))
    return pairs


def values(events: list[Event]) -> list[Any]:
    return [e.get("value") for e in events]


def procs_of(events: list[Event]) -> set[str]:
    return {e["proc"] for e in events}


def mutually_exclusive(t: Result, obj: str, prints_inside: bool = False) -> None:
    """Between two acquisitions of lock ``obj`` its holder released it; with
    ``prints_inside``, every line a child printed was printed while it held the lock."""
    holder = None
    for e in t.events:
        if e["kind"] == K.LOCK_ACQUIRE and e["obj"] == obj and e.get("acquired", True):
            assert holder is None, f"{e['proc']} took {obj} at seq {e['seq']} while {holder} held it"
            holder = e["proc"]
        elif e["kind"] == K.LOCK_RELEASE and e["obj"] == obj and not e.get("error"):
            assert holder == e["proc"], e
            holder = None
        elif prints_inside and e["kind"] == K.STDOUT and e["proc"] != "main":
            assert holder == e["proc"], f"{e['proc']} printed at seq {e['seq']} without holding {obj}"


def role_of(t: Result, proc: str) -> str:
    return next(e["role"] for e in t.of(K.PROC_START) if e["proc"] == proc)
