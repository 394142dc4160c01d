"""The estimate's seconds against a real paced run's wall time."""

from __future__ import annotations

import time
from typing import Any

import pytest

from app.api.run_body import MAX_PACE_MS
from app.scenarios import registry, timing
from tests.conftest import collect

pytestmark = pytest.mark.anyio


@pytest.mark.slow
@pytest.mark.alone
@pytest.mark.parametrize("scenario", ["pipe", "queue"])
async def test_a_default_run_takes_what_the_estimate_says(manager: Any, scenario: str) -> None:
    # pipe: its two processes run at once, so the longest path is about half of all its
    # paced operations; queue: p2 starts only after p1, so it is more than any one
    # process's. Either wrong model would miss by more than 30 %.
    s = registry.get(scenario)
    est = timing.estimate(s, s.validate({}), s.default_pace_ms, "fork", 30.0, MAX_PACE_MS)
    started = time.monotonic()
    done = await collect(manager.create(scenario, {}, s.default_pace_ms))
    wall = time.monotonic() - started
    assert done.run.status == "succeeded"
    assert est.seconds * 0.7 <= wall <= est.seconds * 1.3, (wall, est)
