"""One run, as the server holds it: settings, status, process table and event log."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from app.events.schema import FINAL_STATUSES, RunStatus
from app.runs.encoder import ProcInfo
from app.runs.eventlog import EventLog
from app.runs.program import Program


def new_run_id() -> str:
    return secrets.token_urlsafe(9)


def _iso(ts: float | None) -> str | None:
    return None if ts is None else datetime.fromtimestamp(ts, UTC).isoformat()


class Run:
    def __init__(
        self,
        program: Program,
        pace_ms: int,
        start_method: str,
        client: str | None = None,
        gate: str = "free",
        mode: str = "free",
        schedule: list[str] | None = None,
        then: str | None = None,
    ) -> None:
        self.id = new_run_id()
        self.program = program
        self.pace_ms = pace_ms
        self.start_method = start_method
        # Step mode (app/runs/stepping.py): who takes the next operation is decided from
        # outside, by the learner (mode "step") or by a schedule replayed first (planned),
        # after which the run goes on as ``then`` says.
        self.mode = mode
        self.planned = schedule
        self.then = then or mode
        self.gate = "hold" if mode == "step" or schedule is not None else gate
        self.schedule: list[str] = []  # the processes released so far, in order
        self.diverged: dict[str, Any] | None = None  # where a replay left its schedule
        self.client = client
        self.status: RunStatus = "queued"
        self.created_at = time.time()
        self.ended_at: float | None = None
        self.exitcode: int | None = None
        self.error: str | None = None
        self.runner_pid: int | None = None
        self.kept = True  # archived when over (RunService: the explorer's runs are not)
        self.over = False  # the service has seen it end (and archived it, if kept)
        self.t0 = time.monotonic()
        self.processes: dict[str, ProcInfo] = {}
        self.log = EventLog()
        self.done = asyncio.Event()
        self.stop_requested: asyncio.Future[RunStatus] = asyncio.get_running_loop().create_future()
        self.stop_reason: str | None = None  # said as the run's error, when a stop has one
        # Told who waits for whom when every process is blocked and the run is not stopped
        # for it (``RunLimits.deadlock_stops``).
        self.on_stuck: Callable[[str], None] | None = None

    @property
    def scenario(self) -> str:
        return self.program.name

    @property
    def params(self) -> dict[str, Any]:
        return self.program.params

    @property
    def source(self) -> str:
        return self.program.source

    @property
    def finished(self) -> bool:
        return self.status in FINAL_STATUSES

    @property
    def stepped(self) -> bool:
        """Whether a person steps it (now or after its schedule): no time limit, an idle one."""
        return self.mode == "step" or (self.planned is not None and self.then == "step")

    def request_stop(
        self, status: Literal["cancelled", "timed_out", "deadlocked"], reason: str | None = None
    ) -> None:
        if not self.stop_requested.done():
            self.stop_reason = reason
            self.stop_requested.set_result(status)

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "scenario": self.scenario,
            "params": self.params,
            "pace_ms": self.pace_ms,
            "start_method": self.start_method,
            "mode": self.mode,
            "schedule": list(self.schedule),
            "diverged": self.diverged,
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
