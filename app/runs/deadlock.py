"""Deadlock detection: a run whose every live process is blocked for good ends ``deadlocked``.

A process is blocked when its last sequenced event is a wait (a kind with ``blocks``, e.g.
``proc.wait``, ``queue.wait``) that has no ``timeout``: a traced process sends its events
before it blocks, so that wait is the last thing the server hears from it until it goes
on. When that holds for every live process and nothing has been sequenced for
``quiet_s``, nothing can change any more: each waits for another one that waits too.

A wait's own end may still sit in its process's unsent batch (a wait shorter than the
emitter's 10 ms flush interval, then a long computation with no event): so a process also
counts as blocked only if it used no CPU time during the quiet period (``/proc``).

It costs nothing per event: one timer per run looks at how many events the run has, and
only once it stops growing reads the processes' CPU times and, after ``quiet_s``, the last
event of each live process, from the end of the log backwards. Not blocked, so never
called deadlocked: a process that computes, sleeps or is paced (its last event is an
operation, not a wait), one held by the gate before its next operation (``held``), one
that waits with a timeout, one just spawned that has not said anything yet. A manager's
server process only ever waits for calls, so it keeps no run alive by itself.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Collection
from typing import Any

from app.events import kinds as K
from app.events.schema import WAIT_KINDS
from app.runs import procfs
from app.runs.encoder import ProcInfo
from app.runs.run import Run

DEADLOCK_S = 1.5  # how long a run must be quiet with everyone blocked (MPSCOPE_DEADLOCK_S)
_READ_BACK = 256  # events read at a time from the end of the log


def waits_for(event: dict[str, Any]) -> str:
    """What a blocked process waits for, in a few words: ``p1.join()``, ``q to flush``."""
    obj, op = event.get("obj"), event.get("op")
    if event["kind"] == K.PROC_WAIT:
        return f"{event.get('child')}.join()"
    if event["kind"] == K.QUEUE_WAIT:
        return {
            "get": f"an item in {obj}",
            "put": f"room in {obj}",
            "join": f"{obj}.join() (tasks not marked done)",
            "flush": f"{obj} to flush",
        }.get(str(op), f"{obj}")
    words = _WAITS.get(event["kind"])
    if words is not None:
        return words(obj, event)
    # A family without words of its own: its object and what it was doing.
    what = event["kind"].split(".")[0]
    return f"{what} {obj}" if obj else what


def _lock(obj: Any, event: dict[str, Any]) -> str:
    holder = event.get("holder")
    return f"the lock {obj} to be released" + (f" (held by {holder})" if holder else "")


def _barrier(obj: Any, event: dict[str, Any]) -> str:
    there, parties = event.get("n"), event.get("parties")
    return f"the barrier {obj} to fill" + (f" ({there} of {parties} there)" if there and parties else "")


def _pipe(obj: Any, event: dict[str, Any]) -> str:
    op = event.get("op")
    return {"send": f"room in the pipe {obj}", "recv": f"data on the pipe {obj}"}.get(
        str(op), f"the pipe {obj}"
    )


# Words for each kind of wait (a queue's and a join's are above: they name their op).
_WAITS: dict[str, Callable[[Any, dict[str, Any]], str]] = {
    K.LOCK_WAIT: _lock,
    K.SEMAPHORE_WAIT: lambda obj, _e: f"a release of the semaphore {obj}",
    K.EVENT_WAIT: lambda obj, _e: f"the event {obj} to be set",
    K.CONDITION_WAIT: lambda obj, _e: f"a notify of the condition {obj}",
    K.BARRIER_WAIT: _barrier,
    K.PIPE_WAIT: _pipe,
    K.MANAGER_WAIT: lambda obj, e: f"the manager to answer {obj}.{e.get('method')}()",
    K.POOL_WAIT: lambda obj, e: f"a task from {obj}" if e.get("op") == "task" else f"the workers of {obj}",
    K.LISTENER_WAIT: lambda _obj, e: (
        f"a connection to {e.get('address')}" if e.get("op") == "accept" else f"{e.get('address')} to accept"
    ),
}


def describe(blocked: dict[str, dict[str, Any]]) -> str:
    """``main waits for p1.join(); p1 waits for q to flush``."""
    return "; ".join(f"{proc} waits for {waits_for(ev)}" for proc, ev in blocked.items())


class DeadlockWatch:
    """Watches one run; calls ``on_deadlock(description)`` once, when it is stuck."""

    def __init__(
        self,
        run: Run,
        held: Collection[str],
        in_flight: Callable[[], int],
        on_deadlock: Callable[[str], None],
        quiet_s: float = DEADLOCK_S,
    ) -> None:
        self.run = run
        self.held = held
        self.in_flight = in_flight
        self.on_deadlock = on_deadlock
        self.quiet_s = quiet_s
        self._count = -1  # events in the log at the last look
        self._quiet_since = 0.0
        self._cpu: dict[int, int | None] = {}  # CPU times when the quiet began
        self._timer: asyncio.TimerHandle | None = None

    def start(self) -> None:
        self._schedule()

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _schedule(self) -> None:
        # Four looks per quiet period: a deadlock is found 1 to 1.25 quiet periods in.
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self.quiet_s / 4, self._tick)

    def _live(self) -> list[ProcInfo]:
        return [p for p in self.run.processes.values() if not p.exited and p.role != "manager"]

    def _tick(self) -> None:
        now = time.monotonic()
        count = len(self.run.log)
        if count != self._count:
            # Something happened: the quiet starts again from here.
            self._count, self._quiet_since = count, now
            self._cpu = {p.pid: procfs.cpu_ticks(p.pid) for p in self._live()}
        elif now - self._quiet_since >= self.quiet_s:
            blocked = self.blocked()
            if blocked is not None:
                self._timer = None
                self.on_deadlock(describe(blocked))
                return
            self._quiet_since = now  # not stuck: look again after another quiet period
            self._cpu = {p.pid: procfs.cpu_ticks(p.pid) for p in self._live()}
        self._schedule()

    def blocked(self) -> dict[str, dict[str, Any]] | None:
        """Each live process with the wait it is blocked in, if every one is blocked."""
        live = self._live()
        if not live or self.in_flight() or any(p.name in self.held for p in live):
            return None
        if any(procfs.cpu_ticks(p.pid) != self._cpu.get(p.pid, -1) for p in live):
            return None  # someone computed meanwhile (or is gone): not stuck
        last = self._last_events({p.name for p in live})
        blocked = {}
        for p in live:
            ev = last.get(p.name)
            if ev is None or ev["kind"] not in WAIT_KINDS or ev.get("timeout") is not None:
                return None
            blocked[p.name] = ev
        return blocked

    def _last_events(self, procs: set[str]) -> dict[str, dict[str, Any]]:
        """The last event of each of ``procs``, reading the log from its end."""
        log = self.run.log
        found: dict[str, dict[str, Any]] = {}
        end = len(log)
        while end > 0 and len(found) < len(procs):
            start = max(0, end - _READ_BACK)
            for raw in reversed(log.read(start, end - start)):
                ev = json.loads(raw)
                proc = ev.get("proc")
                if proc in procs and proc not in found:
                    found[proc] = ev
                    # The first event from the end that is not a wait settles it: not blocked.
                    if ev["kind"] not in WAIT_KINDS:
                        return found
            end = start
        return found
