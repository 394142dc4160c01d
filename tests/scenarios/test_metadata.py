"""Every scenario has a title and a two-sentence summary; the sync scenarios' parameters are
bounded (every scenario's step formula is checked in test_steps.py)."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

from app.scenarios import registry

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    ("scenario", "params"),
    [
        ("lock", {"times": 0}),
        ("lock", {"times": 21}),
        ("event", {"waiters": 5}),
        ("event", {"prepare_s": 3.5}),
        ("barrier", {"runners": 0}),
        ("semaphore", {"free_slots": 5}),
        ("condition", {"value": "42"}),
        ("condition", {"consumers": True}),
    ],
)
def test_parameters_are_bounded(scenario: str, params: dict[str, Any]) -> None:
    with pytest.raises(pydantic.ValidationError) as err:
        registry.get(scenario).validate(params)
    assert next(iter(params)) in str(err.value)


@pytest.mark.parametrize("scenario", list(registry.SCENARIOS))
def test_each_has_a_title_and_a_two_sentence_summary(scenario: str) -> None:
    s = registry.get(scenario)
    assert s.title
    assert s.path.exists()
    sentences = [part for part in s.summary.split(". ") if part]
    assert len(sentences) == 2, s.summary
    assert s.summary.endswith("."), s.summary
