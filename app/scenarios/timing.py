"""How long a run of a scenario takes at a pace, and the slowest pace that fits the run
timeout: the model behind ``POST /api/estimate``, from each scenario's ``steps`` and cast."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from app.scenarios.registry import Params, Scenario

P = TypeVar("P", bound=Params)

# -- how long a run takes ------------------------------------------------------------------
# Measured here (2 cores, tests/scenarios/test_timing.py checks a paced run against it):
# a run starts in about 15 ms with fork; each child costs ~80 ms more to start with spawn
# or forkserver (a fresh interpreter); a traced operation costs ~10 µs unpaced, and a
# paced one ~0.3 ms beyond its pause (the batch it sends, the sleep's overshoot).
START_S = 0.05
CHILD_START_S = {"fork": 0.005, "spawn": 0.1, "forkserver": 0.1}
OP_S = 0.00002
PACED_OP_S = 0.0005


@dataclass(frozen=True)
class Estimate:
    steps: int
    seconds: float
    timeout_s: float
    fits: bool
    max_pace_ms: int  # 0 also when not even an unpaced run fits


def _seconds(steps: int, children: int, pace_ms: int, start_method: str) -> float:
    per_step = pace_ms / 1000 + (PACED_OP_S if pace_ms else OP_S)
    return START_S + children * CHILD_START_S[start_method] + steps * per_step


def estimate(
    scenario: Scenario[P], params: P, pace_ms: int, start_method: str, timeout_s: float, max_pace_ms: int
) -> Estimate:
    """How long a run takes at ``pace_ms``, and the slowest pace (up to ``max_pace_ms``)
    at which it still ends before ``timeout_s``."""
    steps = scenario.steps(params)
    children = len(scenario.cast_for(params)["processes"]) - 1

    def fits(pace: int) -> bool:
        return _seconds(steps, children, pace, start_method) < timeout_s

    # fits() only turns False as the pace grows: find its last True by bisection.
    low, high = 0, max_pace_ms
    if not fits(high):
        while high - low > 1:
            mid = (low + high) // 2
            low, high = (mid, high) if fits(mid) else (low, mid)
    seconds = _seconds(steps, children, pace_ms, start_method)
    return Estimate(steps, round(seconds, 3), timeout_s, seconds < timeout_s, high if fits(high) else low)
