"""Each scenario's step formula against real runs: the longest path of paced operations
that its events show (tests/scenarios/paths.py), at a few sizes and at the defaults."""

from __future__ import annotations

from typing import Any

import pytest

from app.scenarios import registry
from tests.conftest import Finished
from tests.scenarios.paths import longest_path, paced_per_process

pytestmark = pytest.mark.anyio

SIZES: dict[str, list[dict[str, Any]]] = {
    "separate-memory": [{}, {"mylist": []}, {"mylist": list(range(12))}],
    "shared-memory": [{}, {"mylist": []}, {"mylist": list(range(10))}],
    "manager": [{}, {"records": []}, {"records": [["A\nB", 1], ["C", 2]] * 3, "new_record": ["x\ry", 3]}],
    "queue": [{}, {"mylist": []}, {"mylist": list(range(12))}],
    "pipe": [{}, {"msgs": ["END"]}, {"msgs": ["a\nb", "x" * 40, "END", "after the end"]}],
    "queue-flood": [{}, {"count": 1}, {"count": 5000}],
    "value-race": [{}, {"times": 1}, {"times": 200}, {"times": 20, "use_lock": True}],
    "worker-pool": [{}, {"numbers": [], "workers": 4}, {"numbers": list(range(20)), "workers": 1}],
    "pool": [{}, {"numbers": []}, {"numbers": list(range(12)), "workers": 4, "chunksize": 1}],
    "joinable-queue": [{}, {"numbers": [], "workers": 4}, {"numbers": list(range(20)), "workers": 3}],
    "join-deadlock": [{}, {"get_first": True}, {"size": 10}],
    # Unlocked, the corrupted reads make the path what the mixing made it: measured locked.
    "pipe-same-end": [{"safe": True}, {"size": 1000, "per_sender": 4, "safe": True}],
    "lock": [{}, {"times": 1}, {"times": 8}],
    "event": [{}, {"waiters": 1}, {"waiters": 4, "prepare_s": 0.5}],
    "barrier": [{}, {"runners": 2}, {"runners": 4}],
    "semaphore": [{}, {"workers": 1, "free_slots": 1}, {"workers": 6, "free_slots": 2}],
    "condition": [{}, {"consumers": 1}, {"consumers": 4}],
    "shared-memory-block": [{}, {"left": "a", "right": "b"}, {"left": "x" * 40, "right": "two\nlines"}],
    "manager-shared": [{}, {"workers": 1, "rounds": 1}, {"workers": 4, "rounds": 5}],
    "remote-manager": [
        {},
        {"rounds": 1},
        {"rounds": 8},
        {"rounds": 8, "wrong_key": True},
        {"rounds": 1, "wrong_key": True},
    ],
}
CASES = [(sid, params) for sid, sizes in SIZES.items() for params in sizes]
# Whoever is free takes the next task, or the lock: at pace 0 one worker may take nearly
# all the tasks, and whoever releases a lock takes it straight back, while paced (what the
# estimate is for) they share the work and take turns. These are measured paced, and who
# gets the lock when still varies with the run (a condition's consumers, 26 to 32 paces
# for a formula of 30 over ten runs): their formula is an estimate within an eighth.
SHARED_WORK = frozenset(
    {
        "pool",
        "joinable-queue",
        "lock",
        "event",
        "barrier",
        "semaphore",
        "condition",
        "pipe-same-end",
        "manager-shared",
        "remote-manager",
    }
)


def test_every_scenario_is_measured() -> None:
    assert set(SIZES) == set(registry.SCENARIOS)


def shares_work(scenario: str, params: dict[str, Any]) -> bool:
    return scenario in SHARED_WORK or bool(params.get("use_lock"))  # value-race's lock too


def close_enough(formula: int, measured: int, shared: bool) -> bool:
    return abs(formula - measured) <= 2 + measured // (8 if shared else 50)


@pytest.mark.parametrize(("scenario", "params"), CASES, ids=[f"{s}-{i}" for i, (s, _) in enumerate(CASES)])
async def test_formula_is_the_longest_path(run_to_end: Any, scenario: str, params: dict[str, Any]) -> None:
    s = registry.get(scenario)
    valid = s.validate(params)
    shared = shares_work(scenario, params)
    done: Finished = await run_to_end(scenario, params, pace_ms=20 if shared else 0)
    assert done.run.status == s.ends(valid), done.events[-3:]
    measured = longest_path(done.events)
    # The path is never shorter than the busiest process, nor longer than all of them.
    per_process = paced_per_process(done.events)
    assert max(per_process.values()) <= measured <= sum(per_process.values())
    assert close_enough(s.steps(valid), measured, shared), (s.steps(valid), measured, dict(per_process))


def test_printed_counts_lines_as_the_tracer_splits_them() -> None:
    assert registry.printed("one") == 1
    assert registry.printed("a\nb") == 2
    assert registry.printed("a\nb\n") == 3  # print's own newline ends an empty line
    assert registry.printed("a\rb\nc") == 3
