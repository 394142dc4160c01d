"""Each scenario's hand-written cast against the processes and objects of a real run."""

from __future__ import annotations

from typing import Any

import pytest

from app.scenarios import registry
from tests.scenarios.paths import seen_cast

pytestmark = pytest.mark.anyio


def results_from(cast: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The cast without the pool's result senders, and those senders. Which worker takes
    which task is up to the scheduler: a worker may take only its stop signal and never
    put a result, so the senders seen are checked as "some of these"."""
    senders: list[str] = []
    objects = []
    for o in cast["objects"]:
        if o["name"] == "results":
            o = dict(o)
            senders = o.pop("from")
        objects.append(o)
    return {**cast, "objects": objects}, senders


def assert_matches(seen: dict[str, Any], cast: dict[str, Any]) -> None:
    seen_rest, seen_senders = results_from(seen)
    cast_rest, cast_senders = results_from(cast)
    assert seen_rest == cast_rest
    assert set(seen_senders) <= set(cast_senders)
    assert bool(seen_senders) == bool(cast_senders)


@pytest.mark.parametrize("scenario", list(registry.SCENARIOS))
async def test_cast_is_what_a_default_run_has(run_to_end: Any, scenario: str) -> None:
    done = await run_to_end(scenario)
    s = registry.get(scenario)
    assert done.run.status == s.ends(s.params_model())
    assert_matches(seen_cast(done.events), s.cast)


@pytest.mark.parametrize(
    ("scenario", "params"),
    [
        ("worker-pool", {"workers": 2}),
        ("worker-pool", {"numbers": [], "workers": 1}),
        ("queue", {"mylist": []}),
    ],
)
async def test_cast_follows_the_parameters(run_to_end: Any, scenario: str, params: dict[str, Any]) -> None:
    s = registry.get(scenario)
    done = await run_to_end(scenario, params)
    assert_matches(seen_cast(done.events), s.cast_for(s.validate(params)))
