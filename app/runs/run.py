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
        """Sequencer callback: number, record and store events in their final order."""
        seq = len(self.log)
        encoded = []
        for pid, proc, (kind, t, obj, line, fields, _key, _after) in items:
            event: dict[str, Any] = {
                "seq": seq,
                "t": round(t, 6),
                "kind": kind,
                "proc": proc,
                "pid": pid,
                "obj": obj,
                "line": line,
            }
            if fields:
                event.update(fields)
                if kind.startswith("proc."):
                    self._track(kind, proc, pid, fields)
            encoded.append(_encode(event))
            seq += 1
        self.log.extend(encoded)

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
