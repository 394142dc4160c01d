"""The bench programs, registered as scenarios the way tests/runs/test_lifecycle.py does.

The server runs registered scenarios only, so the bench's server launcher and the
in-process figures call ``register()`` before anything starts a run.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from app.scenarios import registry
from app.scenarios.registry import Params, Scenario

PROGRAMS = Path(__file__).resolve().parent / "programs"


class LoopParams(Params):
    count: int = Field(100_000, ge=1, le=10_000_000)


class FloodParams(Params):
    count: int = Field(100_000, ge=1, le=10_000_000)
    workers: int = Field(2, ge=1, le=16)


class TickerParams(Params):
    rate: int = Field(1000, ge=1, le=100_000)
    seconds: float = Field(3.0, gt=0, le=600)
    warmup: float = Field(0.5, ge=0, le=60)


class IdleParams(Params):
    seconds: float = Field(60.0, gt=0, le=3600)


BENCH_SCENARIOS = {
    "bench-queue-loop": ("queue_loop.py", LoopParams),
    "bench-pipe-loop": ("pipe_loop.py", LoopParams),
    "bench-lock-loop": ("lock_loop.py", LoopParams),
    "bench-flood": ("flood.py", FloodParams),
    "bench-ticker": ("ticker.py", TickerParams),
    "bench-idle": ("idle.py", IdleParams),
}


def register() -> None:
    for sid, (program, model) in BENCH_SCENARIOS.items():
        registry.SCENARIOS[sid] = Scenario(
            id=sid, title=sid, summary="a bench program", program=str(PROGRAMS / program), params_model=model
        )


def source(sid: str, params: dict[str, object]) -> str:
    """The program as a run with ``params`` would run it (for the raw, untraced baseline)."""
    scenario = registry.SCENARIOS[sid]
    return scenario.render(scenario.validate(params))
