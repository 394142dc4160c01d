"""The tracer follows every process whatever the start method."""

from __future__ import annotations

import pytest

from app.events.causality import problems
from tests.runs.test_seed_scenarios import ARTICLE

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("method", ["spawn", "forkserver"])
@pytest.mark.parametrize("scenario", list(ARTICLE))
async def test_seed_scenarios_under_other_start_methods(run_to_end, scenario: str, method: str) -> None:
    done = await run_to_end(scenario, start_method=method)
    assert done.run.status == "succeeded"
    assert done.events[0]["start_method"] == method
    assert problems(done.events) == []
    for proc, lines in ARTICLE[scenario].items():
        assert done.output(proc) == lines
