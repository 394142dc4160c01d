"""RunService: every run of one server (or one CLI invocation), from request to archive.

It admits runs (``app/runs/limits.py``), gives each a supervisor (``app/runs/supervisor.py``)
that runs it and publishes its events into the run's in-memory log, keeps finished runs in
memory up to a count and a size, and saves each one to the archive (``app/runs/archive.py``)
where they are read back from once they have left memory.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any

from app.runs.archive import ArchiveError, RunArchive, StoredRun
from app.runs.launcher import Launcher, RunLauncher
from app.runs.limits import Admission, AdmissionLimits, RunLimits
from app.runs.program import Program
from app.runs.run import Run
from app.runs.stepping import Stepper
from app.runs.supervisor import RunSupervisor

log = logging.getLogger(__name__)

START_METHODS = ("fork", "spawn", "forkserver")
GATES = ("free", "hold")
MODES = ("free", "step")
MAX_SCHEDULE = 10_000  # releases a schedule to replay may list


class RunService:
    """Owns every run of one server (or one CLI invocation)."""

    def __init__(
        self,
        limits: RunLimits | None = None,
        admission: AdmissionLimits | None = None,
        archive: RunArchive | None = None,
        launcher: RunLauncher | None = None,
    ) -> None:
        self.limits = limits or RunLimits()
        # Finished runs are saved here (when there is one) and read back from it once they
        # have left memory.
        self.archive = archive
        # Without admission limits (the CLI, most tests) every run is admitted.
        self.admission = Admission(admission) if admission is not None else None
        self.launcher: RunLauncher = launcher or Launcher()
        self._runs: dict[str, Run] = {}
        self._supervisors: dict[str, RunSupervisor] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._base: Path | None = None
        # Why this service starts no more runs (the trace and view commands' dashboards).
        self._refusing: str | None = None

    def refuse_new_runs(self, reason: str) -> None:
        """From now on every start is refused with ``RunsRefused(reason)``."""
        self._refusing = reason

    async def start(self) -> None:
        self._base = Path(tempfile.mkdtemp(prefix="mpscope-"))
        await asyncio.to_thread(self.launcher.warm_up)

    def stop_all(self) -> None:
        """Ask every active run to stop (cancelled); returns at once."""
        for run in self._runs.values():
            if not run.finished:
                run.request_stop("cancelled")

    async def close(self) -> None:
        """Cancel what is running and wait until it is all cleaned up."""
        self.stop_all()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._base is not None:
            shutil.rmtree(self._base, ignore_errors=True)
            self._base = None

    # -- queries ---------------------------------------------------------------------

    def get(self, run_id: str) -> Run | None:
        return self._runs.get(run_id)

    def supervisor(self, run_id: str) -> RunSupervisor | None:
        """The supervisor of an active run (for its back channel)."""
        return self._supervisors.get(run_id)

    def runs(self) -> list[Run]:
        """Runs held in memory, newest first."""
        return sorted(self._runs.values(), key=lambda r: r.created_at, reverse=True)

    def active(self) -> list[Run]:
        return [r for r in self._runs.values() if not r.finished]

    async def find(self, run_id: str, with_events: bool = False) -> Run | StoredRun | None:
        """A run in memory, or else the archived one (with its events when asked)."""
        run = self._runs.get(run_id)
        if run is not None or self.archive is None:
            return run
        return await asyncio.to_thread(self._load, self.archive, run_id, with_events)

    @staticmethod
    def _load(archive: RunArchive, run_id: str, with_events: bool) -> StoredRun | None:
        try:
            summary = archive.summary(run_id)
            if summary is None:
                return None
            return StoredRun(summary, archive.events(run_id) if with_events else None)
        except ArchiveError:
            log.exception("could not read run %s from the archive", run_id)
            return None

    async def summaries(self, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """Runs newest first: those in memory and those in the archive."""
        merged: dict[str, dict[str, Any]] = {}
        if self.archive is not None:
            try:
                for summary in await asyncio.to_thread(self.archive.list, limit + offset, 0):
                    merged[summary["id"]] = summary
            except ArchiveError:
                log.exception("could not list the archived runs")
        for run in self._runs.values():
            merged[run.id] = run.summary()
        ordered = sorted(merged.values(), key=lambda s: s["created_at"], reverse=True)
        return ordered[offset : offset + limit]

    # -- commands --------------------------------------------------------------------

    def create(
        self,
        scenario_id: str,
        params: dict[str, Any] | None = None,
        pace_ms: int = 0,
        start_method: str = "fork",
        client: str | None = None,
    ) -> Run:
        """Validate, admit and start a run of a scenario. Raises KeyError (unknown
        scenario), ValueError (bad pace or start method), pydantic.ValidationError (bad
        parameters) or LimitExceeded (over a limit)."""
        from app.scenarios import registry  # not needed by a command that runs no scenario

        scenario = registry.get(scenario_id)
        _check_settings(pace_ms, start_method, "free")  # before the parameters, as always
        program = scenario.make_program(scenario.validate(params or {}))
        return self._start(program, pace_ms, start_method, client, "free")

    def start_program(
        self,
        program: Program,
        pace_ms: int = 0,
        start_method: str = "fork",
        client: str | None = None,
        gate: str = "free",
        *,
        mode: str = "free",
        schedule: list[str] | None = None,
        then: str | None = None,
        rated: bool = True,
        kept: bool = True,
    ) -> Run:
        """Admit and start a run of any program. Raises ValueError (bad settings) or
        LimitExceeded; the admission check and the start have no await between them, so
        concurrent requests cannot overshoot a limit.

        ``mode="step"`` holds every operation until ``stepper(run.id).step(proc)``;
        ``schedule`` (process names) is replayed first, then the run goes on as ``then``
        says (``"free"`` or ``"step"``; the mode's by default). A run that is not
        ``rated`` counts against the runs at once but not the runs per minute. A run not
        ``kept`` is not archived (unless ``keep`` is called for it) and is the first to
        leave memory: the explorer's runs, thousands of which would push out the runs
        people made and linked to."""
        _check_settings(pace_ms, start_method, gate)
        _check_stepping(mode, schedule, then)
        return self._start(
            program,
            pace_ms,
            start_method,
            client,
            gate,
            mode=mode,
            schedule=schedule,
            then=then,
            rated=rated,
            kept=kept,
        )

    def stepper(self, run_id: str) -> Stepper | None:
        """Step control of an active run that has it (step mode or a schedule)."""
        supervisor = self._supervisors.get(run_id)
        return supervisor.stepper if supervisor is not None else None

    def check_step(self, client: str | None) -> None:
        """Raise LimitExceeded when ``client`` steps too often."""
        if self.admission is not None:
            self.admission.check_step(client)

    def _start(
        self,
        program: Program,
        pace_ms: int,
        start_method: str,
        client: str | None,
        gate: str,
        *,
        mode: str = "free",
        schedule: list[str] | None = None,
        then: str | None = None,
        rated: bool = True,
        kept: bool = True,
    ) -> Run:
        if self._base is None:
            raise RuntimeError("RunService.start() was not awaited")
        if self._refusing is not None:
            raise RunsRefused(self._refusing)
        if self.admission is not None:
            self.admission.check(client, (r.client for r in self._runs.values() if not r.finished), rated)
        run = Run(program, pace_ms, start_method, client, gate, mode, schedule, then)
        run.kept = kept
        self._runs[run.id] = run
        self._forget_old()
        supervisor = RunSupervisor(run, self.launcher, self._base, self.limits)
        self._supervisors[run.id] = supervisor
        task = asyncio.create_task(supervisor.supervise(self._finished), name=f"run-{run.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return run

    async def cancel(self, run_id: str) -> Run | None:
        run = self._runs.get(run_id)
        if run is None:
            return None
        if not run.finished:
            run.request_stop("cancelled")
            await run.done.wait()
        return run

    async def _finished(self, run: Run) -> None:
        """A run's last event is out: keep it, then trim memory."""
        self._supervisors.pop(run.id, None)
        run.over = True
        if run.kept:
            await self._save(run)
        self._forget_old()

    async def keep(self, run: Run) -> None:
        """Archive a run started not ``kept`` after all (once it is over, if it is not yet)."""
        if run.kept:
            return
        run.kept = True
        if run.over:
            await self._save(run)

    async def _save(self, run: Run) -> None:
        if self.archive is not None:
            try:
                await asyncio.to_thread(self.archive.save, run.summary(), run.source, run.log.read(0))
            except ArchiveError as exc:
                log.warning("run %s was not kept: %s", run.id, exc)

    def _forget_old(self) -> None:
        """Let the oldest finished runs go from memory (the archive still has them) while
        more than ``keep_runs`` runs or ``keep_bytes`` of their events are held."""
        count = len(self._runs)
        held = sum(r.log.bytes for r in self._runs.values() if r.finished)
        finished = [r for r in self._runs.values() if r.finished]  # oldest first
        # Runs not kept go first: nobody links to them, and a search makes them by the thousand.
        for run in [r for r in finished if not r.kept] + [r for r in finished if r.kept]:
            if count <= self.limits.keep_runs and held <= self.limits.keep_bytes:
                break
            del self._runs[run.id]
            count -= 1
            held -= run.log.bytes


class RunsRefused(Exception):
    """This service starts no runs (it shows what another command ran)."""


def _check_stepping(mode: str, schedule: list[str] | None, then: str | None) -> None:
    if mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)}")
    if then is not None and then not in MODES:
        raise ValueError(f"then must be one of {', '.join(MODES)}")
    if schedule is not None and len(schedule) > MAX_SCHEDULE:
        raise ValueError(f"a schedule lists at most {MAX_SCHEDULE} steps")


def _check_settings(pace_ms: int, start_method: str, gate: str) -> None:
    if not 0 <= pace_ms <= 2000:
        raise ValueError("pace_ms must be between 0 and 2000")
    if start_method not in START_METHODS:
        raise ValueError(f"start_method must be one of {', '.join(START_METHODS)}")
    if gate not in GATES:
        raise ValueError(f"gate must be one of {', '.join(GATES)}")
