"""Check a run's events for the ordering guarantees mpscope makes (tests and benchmarks)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.events import kinds as K
from app.events import schema

# consumer kind -> producer kind sharing the same ``msg``
_PAIRS = schema.ANSWERS


def problems(events: Sequence[dict[str, Any]]) -> list[str]:
    """Every violation found: gaps in ``seq``, a consumer before its producer, a read
    before the write it saw, a child before its spawn, a join before the child's exit,
    a process's own events out of time order, anything after ``run.end``."""
    found: list[str] = []
    seen: dict[tuple[str, str], int] = {}
    writes: dict[tuple[str | None, int], int] = {}
    spawned: dict[int, int] = {}
    exited: dict[int, int] = {}
    last_t: dict[int, float] = {}
    for i, ev in enumerate(events):
        seq, kind, msg = ev["seq"], ev["kind"], ev.get("msg")
        if seq != i:
            found.append(f"seq {seq} at position {i}")
        if i and events[i - 1]["kind"] == K.RUN_END:
            found.append(f"seq {seq}: event after run.end")
        pid = ev["pid"]
        if ev["t"] < last_t.get(pid, 0.0) and kind not in (K.RUN_START, K.RUN_END, K.PROC_EXIT):
            found.append(f"seq {seq}: {ev['proc']} went back in time")
        last_t[pid] = max(ev["t"], last_t.get(pid, 0.0))
        producer = _PAIRS.get(kind)
        if producer and msg is not None and (producer, msg) not in seen and not ev.get("error"):
            found.append(f"seq {seq}: {kind} of msg {msg} before its {producer}")
        if msg is not None:
            seen.setdefault((kind, msg), seq)
        if kind in (K.VALUE_SET, K.ARRAY_SET):
            obj, version = ev["obj"], ev["version"]
            writes[(obj, version)] = seq
            if version > 1 and (obj, version - 1) not in writes:
                found.append(f"seq {seq}: write {version} of {obj} before write {version - 1}")
        elif (
            kind in (K.VALUE_GET, K.ARRAY_GET) and ev["version"] and (ev["obj"], ev["version"]) not in writes
        ):
            found.append(f"seq {seq}: read of {ev['obj']} version {ev['version']} before that write")
        elif kind == K.PROC_SPAWN:
            spawned[ev["child_pid"]] = seq
        elif kind == K.PROC_START and ev["role"] != "main" and pid not in spawned:
            found.append(f"seq {seq}: {ev['proc']} started before its parent's spawn event")
        elif kind == K.PROC_EXIT:
            exited[pid] = seq
    by_name = {ev["proc"]: ev["pid"] for ev in events if ev["kind"] == K.PROC_START}
    for ev in events:
        if ev["kind"] == K.PROC_JOIN and ev.get("exitcode") == 0:
            child = by_name.get(ev["child"])
            if child is not None and exited.get(child, ev["seq"]) > ev["seq"]:
                found.append(f"seq {ev['seq']}: join of {ev['child']} before its exit")
    return found
