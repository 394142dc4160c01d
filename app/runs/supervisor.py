"""The supervisor of one run: launch, watch, stop, clean up, and publish the events in order.

It owns everything a run needs while it runs: the run's directory, the event channel (and
its back channel to each process), the sequencer that restores causal order, the encoder
that numbers and encodes the events into the run's sink, and the runner process with its
process group. It is the piece a remote worker would host; what it needs from outside is
a launcher (how a runner is started) and a sink (where the events go).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import signal
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from app.events import kinds as K
from app.events import wire
from app.events.schema import FINAL_STATUSES, RunStatus
from app.runs import launcher as launching
from app.runs import leftovers
from app.runs.channel import EventChannel
from app.runs.deadlock import DeadlockWatch
from app.runs.encoder import EventEncoder
from app.runs.limits import RunLimits
from app.runs.program import RunnerConfig
from app.runs.run import Run
from app.runs.sequencer import Sequencer
from app.runs.stepping import Stepper

log = logging.getLogger(__name__)


class RunSupervisor:
    def __init__(self, run: Run, launcher: launching.RunLauncher, base_dir: Path, limits: RunLimits) -> None:
        self.run = run
        self.launcher = launcher
        self.base_dir = base_dir
        self.limits = limits
        self.encoder = EventEncoder(run.log, run.processes, run.t0)
        # Processes held before an operation (a gate that holds): name -> (connection, what).
        self.held: dict[str, tuple[int, wire.Hold]] = {}
        self._held_changed = asyncio.Event()
        self._channel: EventChannel | None = None
        self._sequencer: Sequencer | None = None
        # Who decides which process goes next, when someone other than the processes does.
        self.stepper = Stepper(self) if run.mode == "step" or run.planned is not None else None
        # Who waits for whom, once the run was found deadlocked (app/runs/deadlock.py).
        self.deadlock: str | None = None
        self.deadlock_s = limits.deadlock_s  # MPSCOPE_DEADLOCK_S

    # -- the back channel ------------------------------------------------------------

    def _on_hold(self, conn_id: int, proc: str, hold: wire.Hold | None) -> None:
        if hold is not None:
            self.held[proc] = (conn_id, hold)
            if self.stepper is not None:
                self.stepper.on_hold(proc)
        elif proc in self.held and self.held[proc][0] == conn_id:
            del self.held[proc]  # its connection closed: it holds no more
        self._wake()

    def _wake(self) -> None:
        changed, self._held_changed = self._held_changed, asyncio.Event()
        changed.set()

    def release(self, proc: str, command: str = wire.GO) -> bool:
        """Let a held process take its operation (``wire.FREE``: and hold no more); False
        if it is not held (or gone)."""
        entry = self.held.pop(proc, None)
        if entry is None or self._channel is None:
            return False
        return self._channel.send(entry[0], wire.command_frame(command))

    def quiet(self) -> bool:
        """Nothing the processes sent waits to be read or to be put in order."""
        channel, sequencer = self._channel, self._sequencer
        if channel is None or sequencer is None:
            return False
        return not channel.unread() and not sequencer.pending

    def deadlocked(self, description: str) -> None:
        """Every live process is blocked for good: stop the run as a cancel would (or, when
        the limits say not to, say so)."""
        self.deadlock = description
        if self.limits.deadlock_stops:
            self.run.request_stop("deadlocked")
        elif self.run.on_stuck is not None:
            self.run.on_stuck(description)

    async def held_changed(self, within_s: float) -> None:
        """Return once a process holds or stops holding, or after ``within_s``."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._held_changed.wait(), within_s)

    async def wait_held(self) -> dict[str, wire.Hold]:
        """What the held processes are about to do, once at least one is held; empty once
        the run has finished."""
        while not self.held and not self.run.finished:
            await self._held_changed.wait()
        return {proc: hold for proc, (_, hold) in self.held.items()}

    # -- the life of a run -----------------------------------------------------------

    async def supervise(self, finished: Callable[[Run], Awaitable[None]]) -> None:
        """Run to the end; ``finished(run)`` is awaited after ``run.end`` is published and
        before the run's sink is closed (readers see the end of the stream after it)."""
        run = self.run
        run_dir = Path(tempfile.mkdtemp(prefix=f"run-{run.id}-", dir=self.base_dir))
        sequencer = Sequencer(self.encoder.release)
        channel = self._channel = EventChannel(str(run_dir / "events.sock"), sequencer, self._on_hold)
        proc = None
        self._sequencer = sequencer
        watch = DeadlockWatch(run, self.held, lambda: sequencer.pending, self.deadlocked, self.deadlock_s)
        helpers: list[asyncio.Task[None]] = []
        try:
            await channel.start()
            config = RunnerConfig(
                run_id=run.id,
                program=run.program,
                pace_ms=run.pace_ms,
                start_method=run.start_method,
                socket_path=channel.path,
                run_dir=str(run_dir),
                t0=run.t0,
                gate=run.gate,
            )
            proc = self.launcher.launch(config)
            run.runner_pid = proc.pid
            run.status = "running"
            watch.start()
            if self.stepper is not None:
                helpers = self._start_stepping(self.stepper)
            stop = await self._watch(proc.pid, proc.sentinel)
            watch.stop()
            for task in helpers:
                task.cancel()
            self._note_unfinished_schedule()
            proc.join()
            run.exitcode = proc.exitcode
            if not await channel.wait_idle(self.limits.settle_s):
                log.warning("run %s: processes still connected after the group was killed", run.id)
            sequencer.finish()
            if stop is None:
                run.status = "succeeded" if proc.exitcode == 0 else "failed"
            else:
                run.status = stop
                if stop == "timed_out":
                    run.error = f"stopped after the {self.limits.timeout_s:g} s time limit"
                elif stop == "deadlocked":
                    run.error = self.deadlock
                else:
                    run.error = f"cancelled: {run.stop_reason}" if run.stop_reason else "cancelled"
        except Exception as exc:
            log.exception("run %s failed to run", run.id)
            run.status = "failed"
            run.error = f"internal error: {exc}"
            if proc is not None and proc.pid is not None:
                launching.signal_group(proc.pid, signal.SIGKILL)
        finally:
            watch.stop()
            for task in helpers:
                task.cancel()
            self._finish()
            self._wake()
            try:
                await finished(run)
            finally:
                # Readers see the stream end only now: once a run's stream has ended, the
                # run is kept and memory is trimmed, whatever they ask next.
                run.log.close()
            await channel.close()
            self._channel = None
            if proc is not None:
                with contextlib.suppress(ValueError, AssertionError):
                    proc.join(1)
                    proc.close()
            # The group is dead: nothing of the run can make or use a semaphore any more.
            if left := leftovers.remove_semaphores(run.id):
                log.info("run %s: removed what killed processes left in /dev/shm: %s", run.id, left)
            pids = [p.pid for p in run.processes.values()]
            if run.runner_pid is not None:
                pids.append(run.runner_pid)
            if left := leftovers.remove_heap_arenas(pids):
                log.info("run %s: removed heap arenas killed processes left: %s", run.id, left)
            if left := leftovers.remove_blocks(str(run_dir)):
                log.info("run %s: removed shared memory blocks the run left: %s", run.id, left)
            shutil.rmtree(run_dir, ignore_errors=True)
            run.done.set()

    def _note_unfinished_schedule(self) -> None:
        # A replay whose run ended before its schedule did: say where it left it.
        run = self.run
        planned, done = run.planned, len(run.schedule)
        if planned is not None and run.diverged is None and done < len(planned):
            run.diverged = {"at": done, "expected": planned[done], "ready": []}

    def _start_stepping(self, stepper: Stepper) -> list[asyncio.Task[None]]:
        tasks = []
        if self.run.planned is not None:
            tasks.append(asyncio.create_task(stepper.drive(), name=f"replay-{self.run.id}"))
        if self.run.stepped:
            tasks.append(asyncio.create_task(stepper.watch_idle(self.limits.step_idle_s)))
        return tasks

    async def _watch(self, pid: int | None, sentinel: int) -> RunStatus | None:
        """Wait for the runner to exit, a stop request or the time limit; then make sure
        nothing of the run's process group is left. Returns why it was stopped, if it was."""
        assert pid is not None
        run = self.run
        loop = asyncio.get_running_loop()
        exited: asyncio.Future[None] = loop.create_future()

        def on_exit() -> None:
            if not exited.done():
                exited.set_result(None)

        loop.add_reader(sentinel, on_exit)
        try:
            waiting: set[asyncio.Future[Any]] = {exited, run.stop_requested}
            # A run a person steps waits for them: its limit is how long nobody steps it.
            timeout = None if run.stepped else self.limits.timeout_s
            done, _ = await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            stop: RunStatus | None = None
            if run.stop_requested in done:
                stop = run.stop_requested.result()
            elif exited not in done:
                stop = "timed_out"
            if stop is not None:
                await self._stop_group(pid, exited)
            # Whatever the program left behind goes with the runner.
            launching.signal_group(pid, signal.SIGKILL)
        finally:
            loop.remove_reader(sentinel)
        return stop

    async def _stop_group(self, pgid: int, exited: asyncio.Future[None]) -> None:
        """SIGTERM the run's group, give it ``grace_s``, then SIGKILL what is left."""
        launching.signal_group(pgid, signal.SIGTERM)
        deadline = time.monotonic() + self.limits.grace_s
        # The runner exits first; a spawn-mode resource tracker (which ignores SIGTERM)
        # needs a moment more to remove the run's semaphores before it goes too.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.shield(exited), self.limits.grace_s)
        # The group's other members are not our children: nothing signals their end, so
        # look at /proc until they are gone or the grace period is over.
        while launching.group_members(pgid) and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.01)
        launching.signal_group(pgid, signal.SIGKILL)

    def _finish(self) -> None:
        """Close the run's story: exits of processes that were killed, then run.end."""
        run, encoder = self.run, self.encoder
        if run.status not in FINAL_STATUSES:
            run.status = "failed"
        main = run.processes.get("main")
        if main is not None and main.exitcode is None:
            main.exitcode = run.exitcode
        for info in list(run.processes.values()):
            if not info.exited:
                encoder.server_event(
                    K.PROC_EXIT, info.name, info.pid, {"exitcode": info.exitcode, "reason": "killed"}
                )
                info.exited = True
        fields: dict[str, Any] = {"status": run.status, "exitcode": run.exitcode}
        if run.error:
            fields["error"] = run.error
        encoder.server_event(K.RUN_END, "main", main.pid if main else (run.runner_pid or 0), fields)
        run.ended_at = time.time()
