"""The lock, event, barrier, semaphore and condition scenarios: their step formulas against
real runs, their parameters' bounds, their metadata.

tests/scenarios/paths.py replays the paced operations of the article's primitives; here the
same replay also counts the paced operations of locks, semaphores, events, conditions and
barriers, and lets a process that was let through by another's release, set, notify or
last arrival go on only once that operation took effect (before its own pause)."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

from app.scenarios import registry
from tests.runs.test_sync import GATED, SYNC_SCENARIOS
from tests.scenarios.paths import PACED

pytestmark = pytest.mark.anyio

SYNC_PACED = PACED | GATED
PACE_MS = 20


def lets_through(e: dict[str, Any]) -> bool:
    """An operation that lets a waiter go on: a lock's last release, a semaphore's release,
    a set, a notify, a barrier's last arrival."""
    kind = e["kind"]
    if kind == "lock.release":
        return not e.get("depth") and not e.get("error")
    return kind in ("semaphore.release", "event.set", "condition.notify") or (
        kind == "barrier.pass" and e.get("last")
    )


def sync_path(events: list[dict[str, Any]]) -> int:
    """The run's length in paces, as ``paths.longest_path`` measures it, with the waits of
    this family: an operation that waited (an acquire after its wait, a wake-up, a pass
    that was not the last arrival) starts no earlier than the hand-off that let it go."""
    clock: dict[str, int] = {}
    started: dict[str, int] = {}
    exited: dict[str, int] = {}
    handed: dict[str, int] = {}  # object -> when its latest hand-off took effect
    waiting: set[tuple[str, str]] = set()  # (process, object) blocked in a *.wait
    for e in events:
        kind, proc, obj = e["kind"], e["proc"], e.get("obj")
        if kind in ("run.start", "run.end"):
            continue
        now = clock.setdefault(proc, started.get(proc, 0))
        if kind == "proc.join":
            now = max(now, exited.get(e["child"], now))
        if kind.endswith(".wait") and obj is not None:
            waiting.add((proc, obj))
        elif (proc, obj) in waiting and kind in SYNC_PACED:
            waiting.discard((proc, obj))
            now = max(now, handed.get(str(obj), 0))
        if kind in SYNC_PACED:
            if lets_through(e):
                handed[str(obj)] = now
            if kind == "proc.spawn":
                started[e["child"]] = now
            now += 1
        elif kind == "proc.exit":
            exited[proc] = now
        clock[proc] = now
    return max(clock.values())


SIZES: dict[str, list[dict[str, Any]]] = {
    "lock": [{}, {"times": 1}, {"times": 8}],
    "event": [{}, {"waiters": 1}, {"waiters": 4, "prepare_s": 0.5}],
    "barrier": [{}, {"runners": 2}, {"runners": 4}],
    "semaphore": [{}, {"workers": 1, "free_slots": 1}, {"workers": 6, "free_slots": 2}],
    "condition": [{}, {"consumers": 1}, {"consumers": 4}],
}
CASES = [(sid, params) for sid, sizes in SIZES.items() for params in sizes]


def test_every_sync_scenario_is_measured() -> None:
    assert set(SIZES) == set(SYNC_SCENARIOS) <= set(registry.SCENARIOS)


@pytest.mark.parametrize(("scenario", "params"), CASES, ids=[f"{s}-{i}" for i, (s, _) in enumerate(CASES)])
async def test_formula_is_the_longest_path(run_to_end: Any, scenario: str, params: dict[str, Any]) -> None:
    s = registry.get(scenario)
    # Paced, as the formula is meant: unpaced, whoever releases a lock tends to take it
    # straight back, while paced the waiter takes over during the releaser's pause.
    done = await run_to_end(scenario, params, pace_ms=PACE_MS)
    assert done.run.status == "succeeded", done.events[-3:]
    measured = sync_path(done.events)
    formula = s.steps(s.validate(params))
    assert abs(formula - measured) <= 2 + measured // 20, (formula, measured)


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


@pytest.mark.parametrize("scenario", SYNC_SCENARIOS)
def test_each_has_a_title_and_a_two_sentence_summary(scenario: str) -> None:
    s = registry.get(scenario)
    assert s.title
    assert s.program.startswith("sync_")
    assert s.path.exists()
    sentences = [part for part in s.summary.split(". ") if part]
    assert len(sentences) == 2, s.summary
    assert s.summary.endswith("."), s.summary
