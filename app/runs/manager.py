"""RunManager: start runs, watch them, stop them, and leave nothing behind."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import signal
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.runs import launcher
from app.runs.archive import StoredRun
from app.runs.channel import EventChannel
from app.runs.limits import Admission, AdmissionLimits
from app.runs.run import FINAL, Run, Status
from app.runs.runner import RunnerConfig
from app.runs.sequencer import Sequencer
from app.runs.store import RunStore, StoreError
from app.scenarios import registry

log = logging.getLogger(__name__)

START_METHODS = ("fork", "spawn", "forkserver")


@dataclass(frozen=True)
class RunLimits:
    timeout_s: float = 30.0
    grace_s: float = 0.5  # between SIGTERM and SIGKILL
    keep_runs: int = 200
    keep_bytes: int = 256 * 2**20  # events of finished runs held in memory, in total
    settle_s: float = 2.0  # how long killed processes get to close their connections


class RunManager:
    """Owns every run of one server (or one CLI invocation)."""

    def __init__(
        self,
        limits: RunLimits | None = None,
        admission: AdmissionLimits | None = None,
        store: RunStore | None = None,
    ) -> None:
        self.limits = limits or RunLimits()
        # Finished runs are saved here (when there is a store) and read back from it once
        # they have left memory.
        self.store = store
        # Without admission limits (the CLI, most tests) every run is admitted.
        self.admission = Admission(admission) if admission is not None else None
        self._runs: dict[str, Run] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._base: Path | None = None

    async def start(self) -> None:
        self._base = Path(tempfile.mkdtemp(prefix="mpscope-"))
        await asyncio.to_thread(launcher.warm_up)

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

    def runs(self) -> list[Run]:
        """Runs held in memory, newest first."""
        return sorted(self._runs.values(), key=lambda r: r.created_at, reverse=True)

    def active(self) -> list[Run]:
        return [r for r in self._runs.values() if not r.finished]

    async def find(self, run_id: str, with_events: bool = False) -> Run | StoredRun | None:
        """A run in memory, or else the stored one (with its events when asked)."""
        run = self._runs.get(run_id)
        if run is not None or self.store is None:
            return run
        return await asyncio.to_thread(self._load, self.store, run_id, with_events)

    @staticmethod
    def _load(store: RunStore, run_id: str, with_events: bool) -> StoredRun | None:
        try:
            summary = store.summary(run_id)
            if summary is None:
                return None
            return StoredRun(summary, store.events(run_id) if with_events else None)
        except StoreError:
            log.exception("could not read run %s from the store", run_id)
            return None

    async def summaries(self, limit: int = 50, offset: int = 0) -> list[dict[str, Any]]:
        """Runs newest first: those in memory and those in the store."""
        merged: dict[str, dict[str, Any]] = {}
        if self.store is not None:
            try:
                for summary in await asyncio.to_thread(self.store.list, limit + offset, 0):
                    merged[summary["id"]] = summary
            except StoreError:
                log.exception("could not list the stored runs")
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
        """Validate, admit and start a run. Raises KeyError (unknown scenario), ValueError
        (bad pace or start method), pydantic.ValidationError (bad parameters) or
        LimitExceeded (over a limit)."""
        if self._base is None:
            raise RuntimeError("RunManager.start() was not awaited")
        scenario = registry.get(scenario_id)
        if not 0 <= pace_ms <= 2000:
            raise ValueError("pace_ms must be between 0 and 2000")
        if start_method not in START_METHODS:
            raise ValueError(f"start_method must be one of {', '.join(START_METHODS)}")
        model = scenario.validate(params or {})
        if self.admission is not None:
            self.admission.check(client, (r.client for r in self._runs.values() if not r.finished))
        run = Run(
            scenario.id,
            model.model_dump(mode="json"),
            pace_ms,
            start_method,
            scenario.render(model),
            client,
        )
        self._runs[run.id] = run
        self._forget_old()
        task = asyncio.create_task(self._drive(run, scenario), name=f"run-{run.id}")
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

    def _forget_old(self) -> None:
        """Let the oldest finished runs go from memory (the store still has them) while more
        than ``keep_runs`` runs or ``keep_bytes`` of their events are held."""
        count = len(self._runs)
        held = sum(r.log.bytes for r in self._runs.values() if r.finished)
        for run in [r for r in self._runs.values() if r.finished]:  # oldest first
            if count <= self.limits.keep_runs and held <= self.limits.keep_bytes:
                break
            del self._runs[run.id]
            count -= 1
            held -= run.log.bytes

    # -- the life of a run -----------------------------------------------------------

    async def _drive(self, run: Run, scenario: registry.Scenario) -> None:
        assert self._base is not None
        run_dir = Path(tempfile.mkdtemp(prefix=f"run-{run.id}-", dir=self._base))
        sequencer = Sequencer(run.release)
        channel = EventChannel(str(run_dir / "events.sock"), sequencer)
        proc = None
        loop = asyncio.get_running_loop()
        try:
            await channel.start()
            config = RunnerConfig(
                run_id=run.id,
                scenario=run.scenario,
                params=run.params,
                source=run.source,
                program_path=str(scenario.path),
                pace_ms=run.pace_ms,
                start_method=run.start_method,
                socket_path=channel.path,
                run_dir=str(run_dir),
                t0=run.t0,
                watch=scenario.watch,
            )
            proc = launcher.launch(config)
            run.runner_pid = proc.pid
            run.status = "running"
            exited: asyncio.Future[None] = loop.create_future()

            def on_exit() -> None:
                if not exited.done():
                    exited.set_result(None)

            pid = proc.pid
            assert pid is not None
            loop.add_reader(proc.sentinel, on_exit)
            try:
                waiting: set[asyncio.Future[Any]] = {exited, run.stop_requested}
                done, _ = await asyncio.wait(
                    waiting,
                    timeout=self.limits.timeout_s,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                stop: Status | None = None
                if run.stop_requested in done:
                    stop = run.stop_requested.result()
                elif exited not in done:
                    stop = "timed_out"
                if stop is not None:
                    await self._stop_group(pid, exited)
                # Whatever the program left behind goes with the runner.
                launcher.signal_group(pid, signal.SIGKILL)
            finally:
                loop.remove_reader(proc.sentinel)
            proc.join()
            run.exitcode = proc.exitcode
            if not await channel.wait_idle(self.limits.settle_s):
                log.warning("run %s: processes still connected after the group was killed", run.id)
            sequencer.finish()
            if stop is None:
                run.status = "succeeded" if proc.exitcode == 0 else "failed"
            else:
                run.status = stop
                run.error = (
                    f"stopped after the {self.limits.timeout_s:g} s time limit"
                    if stop == "timed_out"
                    else "cancelled"
                )
        except Exception as exc:
            log.exception("run %s failed to run", run.id)
            run.status = "failed"
            run.error = f"internal error: {exc}"
            if proc is not None and proc.pid is not None:
                launcher.signal_group(proc.pid, signal.SIGKILL)
        finally:
            self._finish(run)
            try:
                await self._save(run)
                self._forget_old()
            finally:
                # Readers see the stream end only now: once a run's stream has ended, the
                # run is in the store and memory is trimmed, whatever they ask next.
                run.log.close()
            await channel.close()
            if proc is not None:
                with contextlib.suppress(ValueError, AssertionError):
                    proc.join(1)
                    proc.close()
            shutil.rmtree(run_dir, ignore_errors=True)
            run.done.set()

    async def _stop_group(self, pgid: int, exited: asyncio.Future[None]) -> None:
        """SIGTERM the run's group, give it ``grace_s``, then SIGKILL what is left."""
        launcher.signal_group(pgid, signal.SIGTERM)
        deadline = time.monotonic() + self.limits.grace_s
        # The runner exits first; a spawn-mode resource tracker (which ignores SIGTERM)
        # needs a moment more to remove the run's semaphores before it goes too.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(exited), self.limits.grace_s)
        # The group's other members are not our children: nothing signals their end, so
        # look at /proc until they are gone or the grace period is over.
        while launcher.group_members(pgid) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        launcher.signal_group(pgid, signal.SIGKILL)

    async def _save(self, run: Run) -> None:
        if self.store is None:
            return
        try:
            await asyncio.to_thread(self.store.save, run.summary(), run.source, run.log.read(0))
        except StoreError as exc:
            log.warning("run %s was not stored: %s", run.id, exc)

    def _finish(self, run: Run) -> None:
        """Close the run's story: exits of processes that were killed, then run.end."""
        if run.status not in FINAL:
            run.status = "failed"
        main = run.processes.get("main")
        if main is not None and main.exitcode is None:
            main.exitcode = run.exitcode
        for info in list(run.processes.values()):
            if not info.exited:
                run.server_event(
                    "proc.exit",
                    info.name,
                    info.pid,
                    {"exitcode": info.exitcode, "reason": "killed"},
                )
                info.exited = True
        fields: dict[str, Any] = {"status": run.status, "exitcode": run.exitcode}
        if run.error:
            fields["error"] = run.error
        run.server_event("run.end", "main", main.pid if main else (run.runner_pid or 0), fields)
        run.ended_at = time.time()
