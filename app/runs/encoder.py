"""Number a run's events in their final order and write each as its JSON bytes.

This runs for every event of every run, so it formats the JSON itself instead of building a
dict per event: the part of an event that repeats (kind, proc, pid, obj, line) is encoded
once per distinct combination and kept, only ``seq``, ``t`` and the kind's fields are new
each time. ``t`` is written with 6 decimals (the value ``round(t, 6)`` gives). On the way
it keeps the run's process table, from the events that start, end and join processes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import msgspec

from app.events import kinds as K
from app.runs.sequencer import Released
from app.runs.sinks import EventSink

_encode = msgspec.json.Encoder().encode
# An event's JSON: seq and t, then the cached '"kind":…,"proc":…,"pid":…,"obj":…,"line":…'
# and, when the kind has fields, those fields' JSON object minus its opening brace.
_EVENT = b'{"seq":%d,"t":%.6f,%b}'
_EVENT_WITH_FIELDS = b'{"seq":%d,"t":%.6f,%b,%b'
_TRACKED = frozenset({K.PROC_SPAWN, K.PROC_START, K.PROC_EXIT, K.PROC_JOIN})
_MAX_HEADS = 4096


@dataclass
class ProcInfo:
    name: str
    pid: int
    role: str
    exitcode: int | None = None
    exited: bool = False


class EventEncoder:
    """Encodes released events into ``sink`` and keeps ``processes`` up to date."""

    def __init__(self, sink: EventSink, processes: dict[str, ProcInfo], t0: float) -> None:
        self.sink = sink
        self.processes = processes
        self.t0 = t0
        self.count = 0
        self.ended = False  # run.end is out
        self._heads: dict[tuple[int, str, str, str | None, int | None], bytes] = {}

    def release(self, items: list[Released]) -> None:
        """Sequencer callback: number, record and publish events in their final order.
        Nothing comes after ``run.end``: a process the group kill caught as it began may
        still send a last word, which the run's story does not take any more."""
        if self.ended:
            return
        seq = self.count
        heads = self._heads
        encoded = []
        for pid, proc, (kind, t, obj, line, fields, _key, _after) in items:
            head = heads.get((pid, proc, kind, obj, line))
            if head is None:
                head = self._head(pid, proc, kind, obj, line)
            if fields:
                # b'{"value":1,"msg":"7.1"}' joins the head as ',"value":1,"msg":"7.1"}'
                encoded.append(_EVENT_WITH_FIELDS % (seq, t, head, _encode(fields)[1:]))
                if kind in _TRACKED:
                    self._track(kind, proc, pid, fields)
            else:
                encoded.append(_EVENT % (seq, t, head))
            seq += 1
        self.count = seq
        self.sink.extend(encoded)
        if any(kind == K.RUN_END for _, _, (kind, *_rest) in items):
            self.ended = True

    def server_event(self, kind: str, proc: str, pid: int, fields: dict[str, Any]) -> None:
        """An event the server itself records (a killed process's exit, the run's end)."""
        self.release([(pid, proc, (kind, time.monotonic() - self.t0, None, None, fields, None, None))])

    def _head(self, pid: int, proc: str, kind: str, obj: str | None, line: int | None) -> bytes:
        if len(self._heads) >= _MAX_HEADS:  # a program with very many distinct lines/names
            self._heads.clear()
        head = _encode({"kind": kind, "proc": proc, "pid": pid, "obj": obj, "line": line})[1:-1]
        self._heads[(pid, proc, kind, obj, line)] = head
        return head

    def _track(self, kind: str, proc: str, pid: int, fields: dict[str, Any]) -> None:
        if kind == K.PROC_SPAWN:
            # Known from its parent already: a child killed before it ran still gets a lane.
            child = str(fields["child"])
            self.processes[child] = ProcInfo(
                child, int(fields["child_pid"]), str(fields.get("role", "worker"))
            )
        elif kind == K.PROC_START:
            self.processes[proc] = ProcInfo(proc, pid, str(fields.get("role", "worker")))
        elif kind == K.PROC_EXIT and proc in self.processes:
            info = self.processes[proc]
            info.exitcode, info.exited = fields.get("exitcode"), True
        elif kind == K.PROC_JOIN:
            joined = self.processes.get(str(fields.get("child")))
            if joined is not None and joined.exitcode is None:
                joined.exitcode = fields.get("exitcode")
