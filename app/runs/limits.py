"""Limits: how long a run may take and how much is kept (``RunLimits``), and admission: how
many runs may run at once, per server and per client, and how often."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class RunLimits:
    timeout_s: float = 30.0
    grace_s: float = 0.5  # between SIGTERM and SIGKILL
    keep_runs: int = 200
    keep_bytes: int = 256 * 2**20  # events of finished runs held in memory, in total
    settle_s: float = 2.0  # how long killed processes get to close their connections


@dataclass(frozen=True)
class AdmissionLimits:
    max_runs: int = 4
    max_runs_per_client: int = 2
    runs_per_minute: int = 30


class LimitExceeded(Exception):
    """A run was refused; ``limit`` names the setting, ``retry_after`` is in seconds."""

    def __init__(self, limit: str, message: str, retry_after: int) -> None:
        # The message ends with the setting's name, for whoever runs the server.
        message = f"{message} [{limit}]"
        super().__init__(message)
        self.limit = limit
        self.message = message
        self.retry_after = retry_after


_WINDOW_S = 60.0


class Admission:
    """Decides, synchronously (no await between check and start), whether a run may start."""

    def __init__(self, limits: AdmissionLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._starts: dict[str, deque[float]] = {}

    def check(self, client: str | None, active_clients: Iterable[str | None]) -> None:
        """Raise LimitExceeded, or record the start and return."""
        active = list(active_clients)
        lim = self.limits
        if len(active) >= lim.max_runs:
            raise LimitExceeded(
                "MPSCOPE_MAX_RUNS",
                f"the server is running its maximum of {lim.max_runs} runs at once; try again shortly",
                1,
            )
        key = client or "unknown"
        mine = sum(1 for c in active if (c or "unknown") == key)
        if mine >= lim.max_runs_per_client:
            raise LimitExceeded(
                "MPSCOPE_MAX_RUNS_PER_CLIENT",
                f"you already have {mine} runs running (limit {lim.max_runs_per_client}); "
                "wait for one to finish or cancel it",
                1,
            )
        now = self._clock()
        starts = self._starts.setdefault(key, deque())
        while starts and now - starts[0] >= _WINDOW_S:
            starts.popleft()
        if len(starts) >= lim.runs_per_minute:
            wait = math.ceil(_WINDOW_S - (now - starts[0]))
            raise LimitExceeded(
                "MPSCOPE_RUNS_PER_MINUTE",
                f"you started {len(starts)} runs in the last minute (limit {lim.runs_per_minute}); "
                f"try again in {wait} s",
                max(wait, 1),
            )
        starts.append(now)
        self._forget_idle(now)

    def _forget_idle(self, now: float) -> None:
        # Keep memory bounded by clients seen in the last minute.
        if len(self._starts) > 1024:
            for key in [k for k, q in self._starts.items() if not q or now - q[-1] >= _WINDOW_S]:
                del self._starts[key]
