"""Step mode: the learner (or a replayed schedule, or the explorer) decides which process
takes its next operation.

A step run's processes hold before every traced operation (``HoldGate``); the supervisor
knows who holds and lets one go (``RunSupervisor.release``). What this module adds is the
moment a step is over: after a release, the run is *settled* once every live process is
again held (ready), blocked inside an operation (its last event is a wait with no
timeout), or gone. Only then is the next choice well defined, and only then does the same
schedule give the same run.

Settled is decided from outside the processes, without asking them anything:

- every thread of every live process (the manager's server aside: it only serves calls
  that a caller waits for) is asleep, and none of them ran between two looks taken a
  moment apart (their scheduler switch counts in ``/proc/<pid>/task/<tid>/schedstat`` are
  the same), so nothing is on its way: a woken process is runnable at once, in the
  context of whoever woke it;
- nothing a process sent is still unread on its connection (``EventChannel.unread``),
  so the last event known of each process is its last event;
- each process is held, or its last event is a wait without a timeout, or it is gone.

A process that said it exits is not gone until the kernel says so (its exit hooks still
run, and its parent's join wakes only at its death); and one that has just died counts as
gone only at the next look, so that a parent its death wakes is seen awake.

A process that computes, sleeps, waits with a timeout or has just started is *running*:
the run is not settled until it holds or blocks.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from app.events import wire
from app.events.schema import WAIT_KINDS
from app.runs import procfs
from app.runs.deadlock import describe, waits_for

if TYPE_CHECKING:
    from app.runs.supervisor import RunSupervisor

POLL_S = 0.001  # how often an unsettled run is looked at again
STEP_SETTLE_S = 10.0  # a step answers after this even if a process is still running


class NotStepping(Exception):
    """A step that cannot be taken: the message says why (answered 409)."""


@dataclass
class StepState:
    ready: list[dict[str, Any]] = field(default_factory=list)
    blocked: list[dict[str, Any]] = field(default_factory=list)
    running: list[str] = field(default_factory=list)
    finished: bool = False

    @property
    def settled(self) -> bool:
        return self.finished or not self.running

    def ready_procs(self) -> list[str]:
        return [entry["proc"] for entry in self.ready]


_ASLEEP = frozenset("SIZXtTP")  # anything but running (R) or in an uninterruptible wait (D)


class Stepper:
    """Step control of one run whose gate holds."""

    def __init__(self, supervisor: RunSupervisor) -> None:
        self.supervisor = supervisor
        self.run = supervisor.run
        # "replay" while a schedule is being followed, then "step" (the learner releases)
        # or "free" (every hold is let go at once, for good).
        self.phase = "replay" if self.run.planned else ("step" if self.run.mode == "step" else "free")
        self.last_step_at = time.monotonic()
        self._read = 0  # events of the log looked at so far
        self._last: dict[str, dict[str, Any]] = {}  # each process's last event
        self._dead: set[int] = set()  # pids seen dead at an earlier look
        self._lock = asyncio.Lock()  # one step at a time
        self._replayed = asyncio.Event()  # the planned schedule is behind it (or it had none)
        if self.phase != "replay":
            self._replayed.set()

    # -- looking ---------------------------------------------------------------------

    def _catch_up(self) -> None:
        log = self.run.log
        end = len(log)
        if end > self._read:
            for raw in log.read(self._read, end - self._read):
                event = json.loads(raw)
                self._last[event["proc"]] = event
            self._read = end

    def _live(self) -> list[tuple[str, int, bool]]:
        """(name, pid, said it exits) of the run's processes not yet seen dead."""
        return [
            (p.name, p.pid, p.exited)
            for p in self.run.processes.values()
            if p.pid not in self._dead and p.role != "manager"
        ]

    def _snapshot(self) -> dict[int, list[tuple[str, int]]]:
        return {pid: list(procfs.threads(pid)) for _, pid, _ in self._live()}

    def state(self) -> StepState:
        """Who is ready, blocked and running now (``running`` empty: settled)."""
        if self.run.finished:
            return StepState(finished=True)
        before = self._snapshot()
        quiet = self.supervisor.quiet()
        self._catch_up()
        after = self._snapshot()
        state = StepState()
        held = self.supervisor.held
        live = self._live()
        if not live and not self.run.processes:
            state.running.append("main")  # nothing has started yet
        for name, pid, exiting in live:
            threads = after.get(pid, [])
            if not threads or all(s in "ZX" for s, _ in threads):
                self._dead.add(pid)
                state.running.append(name)  # gone just now: gone for good at the next look
                continue
            asleep = before.get(pid) == threads and all(s in _ASLEEP for s, _ in threads)
            last = self._last.get(name)
            if exiting:
                state.running.append(name)  # still running its exit hooks
            elif name in held and asleep and quiet:
                state.ready.append({"proc": name, **held[name][1]})
            elif (
                asleep
                and quiet
                and last is not None
                and last["kind"] in WAIT_KINDS
                and last.get("timeout") is None
            ):
                state.blocked.append(
                    {
                        "proc": name,
                        "kind": last["kind"],
                        "obj": last.get("obj"),
                        "line": last.get("line"),
                        "waits_for": waits_for(last),
                    }
                )
            else:
                state.running.append(name)
        return state

    async def settled(self, within_s: float | None = None) -> StepState:
        """The state once the run is settled (or has finished); after ``within_s`` the
        state as it is, with who is still running."""
        deadline = None if within_s is None else time.monotonic() + within_s
        while True:
            state = self.state()
            if state.settled:
                if not state.finished and not state.ready and state.blocked:
                    self._deadlocked(state)
                return state
            if deadline is not None and time.monotonic() >= deadline:
                return state
            # A hold arriving is most often what settles a step (the released process is
            # at its next operation): look again then, or after POLL_S at the latest.
            await self.supervisor.held_changed(POLL_S)

    def _deadlocked(self, state: StepState) -> None:
        self._catch_up()
        waits = {entry["proc"]: self._last[entry["proc"]] for entry in state.blocked}
        self.supervisor.deadlocked(describe(waits))

    # -- deciding --------------------------------------------------------------------

    async def step(self, proc: str) -> StepState:
        """Release ``proc``'s held operation and wait until the run is settled again."""
        async with self._lock:
            if self.run.finished:
                raise NotStepping(f"run {self.run.id} has finished ({self.run.status})")
            if self.phase == "replay":
                raise NotStepping("the run is still replaying its schedule; step once it is done")
            if self.phase != "step":
                raise NotStepping(f"run {self.run.id} is not in step mode")
            state = await self.settled(STEP_SETTLE_S)
            self._check_ready(proc, state)
            self.last_step_at = time.monotonic()
            self._release(proc)
            return await self.settled(STEP_SETTLE_S)

    @staticmethod
    def _check_ready(proc: str, state: StepState) -> None:
        if state.finished:
            raise NotStepping("the run has finished")
        if proc in state.ready_procs():
            return
        ready = ", ".join(state.ready_procs()) or "none"
        blocked = next((b for b in state.blocked if b["proc"] == proc), None)
        if blocked is not None:
            raise NotStepping(f"{proc} is blocked: it waits for {blocked['waits_for']}; ready: {ready}")
        if proc in state.running:
            raise NotStepping(f"{proc} is running, not held; ready: {ready}")
        raise NotStepping(f"{proc} is not a process that is ready; ready: {ready}")

    async def drive(self) -> None:
        """Follow the run's planned schedule, then go on as ``run.then`` says."""
        run = self.run
        assert run.planned is not None
        try:
            for at, proc in enumerate(run.planned):
                state = await self.settled()
                if proc not in state.ready_procs():
                    run.diverged = {"at": at, "expected": proc, "ready": state.ready_procs()}
                    break
                self._release(proc)
            if run.finished:
                return
            if run.then == "step":
                self.phase = "step"
                self.last_step_at = time.monotonic()
            else:
                self.go_free()
        finally:
            self._replayed.set()

    async def replayed(self) -> None:
        """Return once the run's planned schedule has been followed (or left), or the run is
        over (it may end before its replay began)."""
        if self._replayed.is_set() or self.run.finished:
            return
        waits = [asyncio.ensure_future(self._replayed.wait()), asyncio.ensure_future(self.run.done.wait())]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()

    def _release(self, proc: str) -> None:
        if self.supervisor.release(proc):
            self.run.schedule.append(proc)

    def go_free(self) -> None:
        """Let every held process go, and every later hold at once: the run runs freely."""
        self.phase = "free"
        for proc in list(self.supervisor.held):
            self.supervisor.release(proc, wire.FREE)

    def on_hold(self, proc: str) -> None:
        """A process now holds: in the free phase it goes on at once."""
        if self.phase == "free":
            self.supervisor.release(proc, wire.FREE)

    async def watch_idle(self, idle_s: float) -> None:
        """Cancel the run once nobody has stepped it for ``idle_s`` while it waits to be."""
        run = self.run
        while not run.finished:
            left = self.last_step_at + idle_s - time.monotonic()
            if left <= 0 and self.phase == "step":
                run.request_stop("cancelled", f"nobody stepped it for {idle_s:g} s")
                return
            await asyncio.sleep(max(left, 0.05) if self.phase == "step" else 1.0)
