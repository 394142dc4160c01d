"""One run: its settings, status, process table and event log."""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import msgspec

from app.runs.eventlog import EventLog
from app.runs.sequencer import Released

Status = Literal["queued", "running", "succeeded", "failed", "cancelled", "timed_out"]
FINAL: frozenset[str] = frozenset({"succeeded", "failed", "cancelled", "timed_out"})

_encode = msgspec.json.Encoder().encode
# An event's JSON: seq and t, then the cached '"kind":…,"proc":…,"pid":…,"obj":…,"line":…'
# and, when the kind has fields, those fields' JSON object minus its opening brace.
_EVENT = b'{"seq":%d,"t":%.6f,%b}'
_EVENT_WITH_FIELDS = b'{"seq":%d,"t":%.6f,%b,%b'
_TRACKED = frozenset({"proc.spawn", "proc.start", "proc.exit", "proc.join"})
_MAX_HEADS = 4096


def new_run_id() -> str:
    return secrets.token_urlsafe(9)


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


@dataclass
class ProcInfo:
    name: str
    pid: int
    role: str
    exitcode: int | None = None
    exited: bool = False


class Run:
    def __init__(
        self,
        scenario: str,
        params: dict[str, Any],
        pace_ms: int,
        start_method: str,
        source: str,
        client: str | None = None,
    ) -> None:
        self.id = new_run_id()
        self.scenario = scenario
        self.params = params
        self.pace_ms = pace_ms
        self.start_method = start_method
        self.source = source
        self.client = client
        self.status: Status = "queued"
        self.created_at = time.time()
        self.ended_at: float | None = None
        self.exitcode: int | None = None
        self.error: str | None = None
        self.runner_pid: int | None = None
        self.t0 = time.monotonic()
        self.processes: dict[str, ProcInfo] = {}
        self.log = EventLog()
        self._heads: dict[tuple[int, str, str, str | None, int | None], bytes] = {}
        self.done = asyncio.Event()
        self.stop_requested: asyncio.Future[Status] = asyncio.get_running_loop().create_future()

    @property
    def finished(self) -> bool:
        return self.status in FINAL

    def request_stop(self, status: Literal["cancelled", "timed_out"]) -> None:
        if not self.stop_requested.done():
            self.stop_requested.set_result(status)

    # -- events ------------------------------------------------------------------------

    def release(self, items: list[Released]) -> None:
        """Sequencer callback: number, record and store events in their final order.

        This runs for every event of every run, so it formats the JSON itself instead of
        building a dict per event: the part of an event that repeats (kind, proc, pid, obj,
        line) is encoded once per distinct combination and kept, only ``seq``, ``t`` and
        the kind's fields are new each time. ``t`` is written with 6 decimals (the value
        ``round(t, 6)`` gives).
        """
        seq = len(self.log)
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
        self.log.extend(encoded)

    def _head(self, pid: int, proc: str, kind: str, obj: str | None, line: int | None) -> bytes:
        if len(self._heads) >= _MAX_HEADS:  # a program with very many distinct lines/names
            self._heads.clear()
        head = _encode({"kind": kind, "proc": proc, "pid": pid, "obj": obj, "line": line})[1:-1]
        self._heads[(pid, proc, kind, obj, line)] = head
        return head

    def _track(self, kind: str, proc: str, pid: int, fields: dict[str, Any]) -> None:
        if kind == "proc.spawn":
            # Known from its parent already: a child killed before it ran still gets a lane.
            child = str(fields["child"])
            self.processes[child] = ProcInfo(
                child, int(fields["child_pid"]), str(fields.get("role", "worker"))
            )
        elif kind == "proc.start":
            self.processes[proc] = ProcInfo(proc, pid, str(fields.get("role", "worker")))
        elif kind == "proc.exit" and proc in self.processes:
            info = self.processes[proc]
            info.exitcode, info.exited = fields.get("exitcode"), True
        elif kind == "proc.join":
            joined = self.processes.get(str(fields.get("child")))
            if joined is not None and joined.exitcode is None:
                joined.exitcode = fields.get("exitcode")

    def server_event(self, kind: str, proc: str, pid: int, fields: dict[str, Any]) -> None:
        """An event the server itself records (a killed process's exit, the run's end)."""
        self.release([(pid, proc, (kind, time.monotonic() - self.t0, None, None, fields, None, None))])

    # -- views -------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "scenario": self.scenario,
            "params": self.params,
            "pace_ms": self.pace_ms,
            "start_method": self.start_method,
            "status": self.status,
            "created_at": _iso(self.created_at),
            "ended_at": _iso(self.ended_at),
            "exitcode": self.exitcode,
            "error": self.error,
            "events": len(self.log),
            "processes": [
                {"name": p.name, "pid": p.pid, "role": p.role, "exitcode": p.exitcode}
                for p in self.processes.values()
            ],
        }
