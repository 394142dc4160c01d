"""Runs the schedules the search chooses, as real step-mode runs, and judges each one.

A run of a schedule is an ordinary step-mode run (``RunService.start_program(mode="step")``)
that this module steps itself, the way a learner would: wait until it is settled, release
the process the schedule names, and again, to its end. Each step records who was ready and
what the released operation touched (its events), which is all ``search`` needs.

Almost all of a run's time is its steps (a few milliseconds each: the run must settle
after each one), so what can be reused between runs is reused: the program is rendered
once, the next run is started ahead while one is stepped (its processes held at their
first operation), and a run cut short is ended in the background. One run is stepped at a
time by default: the next prefix is then chosen knowing every state the last run reached.
A failure is a process that raised or exited non-zero, a deadlock, or the scenario's check.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.explore.search import Op, Prefix, Search, Step, count_preemptions, default_choice, deviations
from app.runs.limits import LimitExceeded
from app.runs.program import Program
from app.runs.run import Run
from app.runs.service import RunService
from app.runs.stepping import STEP_SETTLE_S, NotStepping
from app.scenarios.model import Check, Params

# choose(step number, who went last, who is ready) -> who goes
Choose = Callable[[int, str | None, Sequence[str]], str]
# go_on(the steps so far, who is ready now) -> whether the rest of the run is worth running
GoOn = Callable[[Sequence[Step], Sequence[Op]], bool]
SHRINK_RUNS = 30  # at most this many runs spent making a found schedule simpler
# A run stepped this many times is cut short: a schedule that long is not one to read (a
# flood of items), and the search could not try its orders anyway.
MAX_STEPS = 2000
ADMIT_RETRY_S = 0.05  # how soon to ask again for a run when the server is full


@dataclass
class Outcome:
    """One run of a schedule: its steps, and what failed (None: it passed, or it was cut
    short where another run had been)."""

    run: Run
    steps: list[Step]
    failure: str | None
    cut: bool = False
    too_long: bool = False  # cut at MAX_STEPS: what is below it was not searched

    @property
    def schedule(self) -> list[str]:
        return list(self.run.schedule)


@dataclass
class Progress:
    """What an exploration has done so far (read by its owner at any time)."""

    runs: int = 0
    found: Outcome | None = None
    complete: bool = False  # every schedule within the bound was tried (or one like it)
    too_long: int = 0  # runs cut at MAX_STEPS (then the search is not complete)
    started: bool = False  # its first run was admitted
    skipped: int = 0
    deadline: float = field(default=float("inf"))
    _ran: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    def count_run(self) -> None:
        self.runs += 1
        ran, self._ran = self._ran, asyncio.Event()
        ran.set()

    async def wait_runs(self, runs: int) -> None:
        """Return once ``runs`` runs are done."""
        while self.runs < runs:
            await self._ran.wait()


def judge(run: Run, events: list[dict[str, Any]], params: Params, check: Check[Any] | None) -> str | None:
    """What went wrong in a finished run: a deadlock, a crash, or the scenario's check."""
    if run.status == "deadlocked":
        return f"the run deadlocked: {run.error}" if run.error else "the run deadlocked"
    for e in events:
        if e["kind"] == "proc.exit" and e.get("exitcode") not in (0, None) and e["proc"] != "main":
            return f"{e['proc']} exited with code {e['exitcode']}{_raised(events, e['proc'])}"
    if run.exitcode not in (0, None):
        return f"the program exited with code {run.exitcode}{_raised(events, 'main')}"
    if check is not None:
        return check.fails(params, events, run.status)
    return None


def _raised(events: list[dict[str, Any]], proc: str) -> str:
    """``": ZeroDivisionError: division by zero"``: the last line ``proc`` wrote to stderr."""
    text = "".join(e.get("text", "") for e in events if e["kind"] == "stderr" and e["proc"] == proc)
    lines = text.strip().splitlines()
    return f": {lines[-1].strip()}" if lines else ""


class Explorer:
    """Searches one program's schedules for a failing run."""

    def __init__(
        self,
        service: RunService,
        program: Program,
        params: Params,
        check: Check[Any] | None,
        *,
        start_method: str = "fork",
        client: str | None = None,
        parallel: int = 1,
        spare: bool = True,
    ) -> None:
        self.service = service
        self.program = program
        self.params = params
        self.check = check
        self.start_method = start_method
        self.client = client
        # Runs stepped at once. One: each run's states are known before the next is
        # chosen, which prunes more than two at once save in time (measured: bench/step.py).
        self.parallel = parallel
        # A run started ahead, held at its first operation, so that the next schedule's
        # run need not wait for its processes to start (nor a cut run's end be waited for).
        self.spare = spare
        self._spare: Run | None = None
        self._ending: set[asyncio.Task[Any]] = set()

    async def explore(self, max_runs: int, progress: Progress, search: Search | None = None) -> Progress:
        """Search until a run fails, the tree is done, or ``max_runs`` or the deadline is
        reached; a found schedule is then made simpler (fewer deviations) where it can be."""
        search = search or Search()
        try:
            found = await self._search(search, max_runs, progress)
            progress.skipped = search.skipped
            if found is not None:
                progress.found = found  # already, in case time runs out while it is made simpler
                await self._shrink(max_runs, progress)
        finally:
            await self._end_all()
            if progress.found is not None:
                # The one run an exploration answers with: archived, so its link lasts.
                await self.service.keep(progress.found.run)
        return progress

    async def _end_all(self) -> None:
        """Nothing of this exploration's left running: the spare, and runs being ended."""
        spare, self._spare = self._spare, None
        if spare is not None:
            self._end_soon(spare)
        while self._ending:
            await asyncio.gather(*self._ending, return_exceptions=True)

    def _end_soon(self, run: Run) -> None:
        """Cancel ``run`` without waiting for it (``_end_all`` does)."""
        task = asyncio.create_task(self.service.cancel(run.id), name=f"explore-end-{run.id}")
        self._ending.add(task)
        task.add_done_callback(self._ending.discard)

    async def _search(self, search: Search, max_runs: int, progress: Progress) -> Outcome | None:
        going: dict[asyncio.Task[Outcome], Prefix] = {}
        try:
            while True:
                self._fill(search, going, max_runs, progress)
                if not going:
                    if search.lowest() is None:
                        progress.complete = progress.too_long == 0
                        return None
                    if progress.runs >= max_runs or time.monotonic() >= progress.deadline:
                        return None
                    await asyncio.sleep(ADMIT_RETRY_S)  # the server is full: ask again soon
                    continue
                done, _ = await asyncio.wait(going, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    prefix = going.pop(task)
                    outcome = task.result()
                    progress.count_run()
                    progress.too_long += outcome.too_long
                    search.record(prefix, outcome.steps)
                    if outcome.failure is not None:
                        return outcome
        finally:
            for task in going:
                task.cancel()
            await asyncio.gather(*going, return_exceptions=True)

    def _fill(
        self, search: Search, going: dict[asyncio.Task[Outcome], Prefix], max_runs: int, progress: Progress
    ) -> None:
        """Start runs of the next prefixes while there is room. A prefix with more
        preemptions waits while a run with fewer is going: that run may add some below it."""
        while len(going) < self.parallel and progress.runs + len(going) < max_runs:
            if time.monotonic() >= progress.deadline:
                return
            fewest = min((p.preemptions for p in going.values()), default=search.max_preemptions)
            prefix = search.next(fewest)
            if prefix is None:
                return
            try:
                run = self._take_run()
            except LimitExceeded:
                search.put_back(prefix)
                return
            progress.started = True
            go_on = functools.partial(search.reached, prefix)
            task = asyncio.create_task(self._drive(run, prefix.choose, go_on), name=f"explore-{run.id}")
            going[task] = prefix

    def _start(self) -> Run:
        return self.service.start_program(
            self.program, 0, self.start_method, client=self.client, mode="step", rated=False, kept=False
        )

    def _take_run(self) -> Run:
        """A run to step: the spare (started ahead) when there is one; then the next spare
        is started, if the server has room for it. Raises LimitExceeded."""
        run, self._spare = self._spare, None
        if run is None or run.finished:
            run = self._start()
        if self.spare:
            with contextlib.suppress(LimitExceeded):  # no room: it starts when it is needed
                self._spare = self._start()
        return run

    async def run_once(self, choose: Choose) -> Outcome:
        """One run under ``choose`` (waiting for room on the server if it is full)."""
        while True:
            try:
                run = self._take_run()
            except LimitExceeded:
                await asyncio.sleep(ADMIT_RETRY_S)
                continue
            return await self._drive(run, choose)

    async def _drive(self, run: Run, choose: Choose, go_on: GoOn | None = None) -> Outcome:
        """Step ``run`` to its end (or until ``go_on`` says it need not go on), ``choose``
        deciding each time; cancelled, the run is too."""
        cut = False
        try:
            steps, cut = await self._step_through(run, choose, go_on)
            if cut:  # the rest is known: it ends meanwhile, while the next run goes
                self._end_soon(run)
                return Outcome(run, steps, None, cut=True, too_long=len(steps) >= MAX_STEPS)
            await run.done.wait()
        finally:
            if not run.finished and not cut:
                await self.service.cancel(run.id)
        events = [json.loads(raw) for raw in run.log.read(0)]
        return Outcome(run, steps, judge(run, events, self.params, self.check))

    async def _step_through(self, run: Run, choose: Choose, go_on: GoOn | None) -> tuple[list[Step], bool]:
        """The steps taken, and whether the run was stopped because ``go_on`` said so."""
        steps: list[Step] = []
        stepper = self.service.stepper(run.id)
        if stepper is None:  # over already (it could not start)
            return steps, False
        state = await stepper.settled(STEP_SETTLE_S)
        last: str | None = None
        while not state.finished:
            if not state.ready:
                if not state.running:
                    break  # every process blocked: the run ends deadlocked
                state = await stepper.settled(STEP_SETTLE_S)
                continue
            ready = tuple(Op.announced(entry) for entry in state.ready)
            procs = [op.proc for op in ready]
            if len(steps) >= MAX_STEPS or (go_on is not None and not go_on(steps, ready)):
                return steps, True
            proc = choose(len(steps), last, procs)
            if proc not in procs:
                proc = default_choice(last, procs)  # the plan does not fit this run
            before = len(run.log)
            try:
                state = await stepper.step(proc)
            except NotStepping:
                break  # it ended meanwhile (stopped, or a process crashed)
            events = [json.loads(raw) for raw in run.log.read(before, len(run.log) - before)]
            steps.append(Step(ready, ready[procs.index(proc)].with_events(events)))
            last = proc
        return steps, False

    async def _shrink(self, max_runs: int, progress: Progress) -> None:
        """Drop the deviations of the failing schedule one at a time, keeping each drop that
        still fails: what is left is closer to the default, with fewer switches to read."""
        assert progress.found is not None
        at = 0
        spent = 0
        while spent < SHRINK_RUNS and progress.runs < max_runs and time.monotonic() < progress.deadline:
            best = progress.found
            devs = deviations(best.steps)
            if at >= len(devs):
                return
            keep = {d: best.steps[d].chosen for d in devs if d != devs[at]}
            trial = await self.run_once(_planned(keep))
            spent += 1
            progress.count_run()
            simpler = len(deviations(trial.steps)) < len(devs)
            fewer = count_preemptions(trial.steps) <= count_preemptions(best.steps)
            if trial.failure is not None and simpler and fewer:
                progress.found = trial  # the deviation at ``at`` is gone: the next is there now
            else:
                at += 1


def _planned(deviating: dict[int, str]) -> Choose:
    """The default policy, but at each step named in ``deviating`` its process if ready."""

    def choose(at: int, last: str | None, ready: Sequence[str]) -> str:
        wanted = deviating.get(at)
        return wanted if wanted is not None and wanted in ready else default_choice(last, ready)

    return choose
