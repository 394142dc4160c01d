"""The explorations of one server: each a search (``explorer``) running as a task, bounded
in runs and time, one per client at a time, cancellable, all stopped when the server is."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from typing import Any

from app.explore.explorer import MAX_STEPS, Explorer, Progress
from app.explore.search import MAX_PREEMPTIONS, count_preemptions
from app.runs.service import RunService, RunsRefused
from app.scenarios.model import Params, Scenario

log = logging.getLogger(__name__)

KEEP = 200  # finished explorations kept in memory, newest


class ExplorationBusy(Exception):
    """This client already has an exploration running (answered 429)."""


class Exploration:
    """One search for a failing schedule of a scenario, and where it is."""

    def __init__(
        self, scenario: Scenario[Any], params: Params, max_runs: int, start_method: str, client: str | None
    ) -> None:
        self.id = secrets.token_urlsafe(9)
        self.scenario = scenario
        self.params = params
        self.max_runs = max_runs
        self.start_method = start_method
        self.client = client
        self.progress = Progress()
        self.started_at = time.monotonic()
        self.ended_at: float | None = None
        self.cancelled = False
        self.error: str | None = None  # why it stopped before its search was done
        self.task: asyncio.Task[None] | None = None
        # Its summary once it has ended: kept instead of what it found (the failing run and
        # its steps), which the run service lets go of when it makes room for newer runs.
        self._final: dict[str, Any] | None = None

    def end(self) -> None:
        self.ended_at = time.monotonic()
        self._final = self.summary()
        self.progress.found = None

    @property
    def done(self) -> bool:
        return self.ended_at is not None

    @property
    def status(self) -> str:
        if self._final is not None:
            return str(self._final["status"])
        if self.cancelled:
            return "cancelled"
        if not self.done:
            return "running" if self.progress.started else "queued"
        return "found" if self.progress.found is not None else "exhausted"

    def summary(self) -> dict[str, Any]:
        if self._final is not None:
            return self._final
        found = self.progress.found
        end = self.ended_at if self.ended_at is not None else time.monotonic()
        return {
            "id": self.id,
            "scenario": self.scenario.id,
            "params": self.params.model_dump(mode="json"),
            "start_method": self.start_method,
            "status": self.status,
            "runs": self.progress.runs,
            "max_runs": self.max_runs,
            "max_preemptions": MAX_PREEMPTIONS,
            "complete": self.progress.complete,
            "preemptions": None if found is None else count_preemptions(found.steps),
            "schedule": None if found is None else found.schedule,
            "run": None if found is None else found.run.id,
            "failure": None if found is None else found.failure,
            "error": self.error,
            "seconds": round(end - self.started_at, 3),
        }


class ExplorationService:
    """Starts, keeps and stops the explorations of one server."""

    def __init__(self, runs: RunService, max_runs: int = 1000, timeout_s: float = 120.0) -> None:
        self.runs = runs
        self.max_runs = max_runs  # the most one exploration may ask for
        self.timeout_s = timeout_s
        self._explorations: dict[str, Exploration] = {}

    def get(self, exploration_id: str) -> Exploration | None:
        return self._explorations.get(exploration_id)

    def active(self) -> list[Exploration]:
        return [e for e in self._explorations.values() if not e.done]

    def start(
        self,
        scenario: Scenario[Any],
        params: Params,
        max_runs: int,
        start_method: str = "fork",
        client: str | None = None,
    ) -> Exploration:
        """Start searching; raises ValueError (max_runs out of bounds) or ExplorationBusy.
        No await between the check and the start: one per client holds under concurrency."""
        if not 1 <= max_runs <= self.max_runs:
            raise ValueError(f"max_runs must be between 1 and {self.max_runs}")
        if any(e.client == client for e in self.active()):
            raise ExplorationBusy(
                "you already have an exploration running; wait for it to finish or cancel it"
            )
        exploration = Exploration(scenario, params, max_runs, start_method, client)
        self._explorations[exploration.id] = exploration
        self._forget_old()
        task = asyncio.create_task(self._explore(exploration), name=f"exploration-{exploration.id}")
        exploration.task = task
        return exploration

    async def _explore(self, exploration: Exploration) -> None:
        scenario, params = exploration.scenario, exploration.params
        explorer = Explorer(
            self.runs,
            scenario.make_program(params),
            params,
            scenario.check,
            start_method=exploration.start_method,
            client=exploration.client,
        )
        exploration.progress.deadline = exploration.started_at + self.timeout_s
        try:
            # The deadline stops new runs; this stops what is still going a moment later.
            async with asyncio.timeout(self.timeout_s + 1.0):
                await explorer.explore(exploration.max_runs, exploration.progress)
        except TimeoutError:
            pass
        except RunsRefused as exc:
            exploration.error = str(exc)
        except asyncio.CancelledError:
            exploration.cancelled = True
            raise
        except Exception as exc:  # a bug of ours: said, not hidden, and nothing left running
            log.exception("exploration %s failed", exploration.id)
            exploration.error = f"the exploration failed: {exc}"
        finally:
            progress = exploration.progress
            stopped = progress.found is None and not progress.complete and not exploration.cancelled
            if stopped and not exploration.error:
                exploration.error = self._stopped_why(exploration)
            exploration.end()

    def _stopped_why(self, exploration: Exploration) -> str:
        if exploration.progress.too_long:
            return f"runs longer than {MAX_STEPS} steps were cut short: their orders were not all tried"
        if exploration.progress.runs >= exploration.max_runs:
            return f"stopped after max_runs ({exploration.max_runs}) runs, before every schedule was tried"
        return f"stopped after {self.timeout_s:g} s, before every schedule was tried"

    async def cancel(self, exploration_id: str) -> Exploration | None:
        """Stop an exploration and its runs; answers once they are all gone."""
        exploration = self._explorations.get(exploration_id)
        if exploration is None:
            return None
        if exploration.task is not None and not exploration.done:
            exploration.task.cancel()
            await asyncio.gather(exploration.task, return_exceptions=True)
            if not exploration.done:  # cancelled before it began: it ran nothing
                exploration.cancelled = True
                exploration.end()
        return exploration

    async def close(self) -> None:
        """Cancel every exploration still going and wait until its runs are gone."""
        for exploration in self.active():
            await self.cancel(exploration.id)

    def _forget_old(self) -> None:
        finished = [e for e in self._explorations.values() if e.done]  # oldest first
        for exploration in finished[: max(0, len(self._explorations) - KEEP)]:
            del self._explorations[exploration.id]
