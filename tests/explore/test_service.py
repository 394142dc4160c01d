"""The explorations of a server: one per client at a time, bounded in runs and time,
cancelled on request and when the server closes, with nothing of theirs left running."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from app.explore.service import Exploration, ExplorationBusy, ExplorationService
from app.runs.limits import RunLimits
from app.runs.service import RunService
from app.runs.store import RunStore
from app.scenarios import registry

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(120)]

LOCKED = {"times": 2, "use_lock": True}
RACE = {"times": 2, "use_lock": False}


def start(
    service: ExplorationService, params: dict[str, Any], max_runs: int = 100, client: str = "a"
) -> Exploration:
    scenario = registry.get("value-race")
    return service.start(scenario, scenario.validate(params), max_runs, client=client)


async def finished(exploration: Exploration) -> dict[str, Any]:
    assert exploration.task is not None
    await exploration.task
    return exploration.summary()


async def test_an_exploration_says_what_it_found(manager: RunService) -> None:
    service = ExplorationService(manager)
    exploration = start(service, RACE)
    assert exploration.status in ("queued", "running")
    out = await finished(exploration)
    assert out["status"] == "found"
    assert out["runs"] <= 100
    assert out["preemptions"] is not None
    assert out["preemptions"] <= out["max_preemptions"] == 2
    assert out["run"] is not None
    assert manager.get(out["run"]) is not None
    assert out["schedule"] == manager.get(out["run"]).schedule  # type: ignore[union-attr]
    assert out["failure"].startswith("the counter ended at")
    assert out["error"] is None
    assert service.get(exploration.id) is exploration
    assert manager.active() == []


async def test_one_exploration_per_client_at_a_time(manager: RunService) -> None:
    service = ExplorationService(manager)
    first = start(service, LOCKED, client="a")
    with pytest.raises(ExplorationBusy, match="already have an exploration running"):
        start(service, LOCKED, client="a")
    other = start(service, RACE, client="b")  # another client's may run meanwhile
    await finished(other)
    await service.cancel(first.id)
    assert first.status == "cancelled"
    again = start(service, RACE, client="a")  # once it is over, the client may start another
    await finished(again)


async def test_cancelling_stops_its_runs(manager: RunService) -> None:
    service = ExplorationService(manager)
    exploration = start(service, LOCKED)
    await exploration.progress.wait_runs(2)
    cancelled = await service.cancel(exploration.id)
    assert cancelled is exploration
    out = exploration.summary()
    assert out["status"] == "cancelled"
    assert manager.active() == []
    # Cancelling again, or one that is over, changes nothing.
    await service.cancel(exploration.id)
    assert exploration.summary()["runs"] == out["runs"]
    assert await service.cancel("nope") is None


async def test_cancelled_before_it_began(manager: RunService) -> None:
    service = ExplorationService(manager)
    exploration = start(service, LOCKED)
    await service.cancel(exploration.id)
    assert exploration.status == "cancelled"
    assert exploration.summary()["runs"] == 0
    assert manager.active() == []


async def test_budgets_in_runs_and_time(manager: RunService) -> None:
    service = ExplorationService(manager, max_runs=50, timeout_s=0.3)
    with pytest.raises(ValueError, match="max_runs must be between 1 and 50"):
        start(service, LOCKED, max_runs=51)
    with pytest.raises(ValueError, match="max_runs must be between 1 and 50"):
        start(service, LOCKED, max_runs=0)
    out = await finished(start(service, LOCKED, max_runs=50))
    assert out["status"] == "exhausted"
    assert not out["complete"]
    assert out["error"] == "stopped after 0.3 s, before every schedule was tried"
    assert out["seconds"] < 5
    service = ExplorationService(manager)
    out = await finished(start(service, LOCKED, max_runs=2))
    assert (out["status"], out["runs"], out["complete"]) == ("exhausted", 2, False)
    assert out["error"] == "stopped after max_runs (2) runs, before every schedule was tried"
    assert manager.active() == []


async def test_closing_stops_every_exploration_and_its_runs(manager: RunService) -> None:
    service = ExplorationService(manager)
    explorations = [start(service, LOCKED, client=c) for c in "abc"]
    for exploration in explorations:
        await exploration.progress.wait_runs(1)
    await service.close()
    assert [e.status for e in explorations] == ["cancelled"] * 3
    assert service.active() == []
    assert manager.active() == []


async def test_a_server_that_starts_no_runs_says_so(manager: RunService) -> None:
    manager.refuse_new_runs("this dashboard shows one program's run")
    out = await finished(start(ExplorationService(manager), RACE))
    assert (out["status"], out["runs"]) == ("exhausted", 0)
    assert out["error"] == "this dashboard shows one program's run"


async def test_only_the_failing_run_is_archived(tmp_path: Path) -> None:
    # Thousands of schedule runs in the archive would push out the runs people linked to.
    store = RunStore(tmp_path / "runs.db", max_runs=1000, max_bytes=2**30)
    runs = RunService(RunLimits(timeout_s=20), archive=store)
    await runs.start()
    try:
        out = await finished(start(ExplorationService(runs), RACE))
        assert out["status"] == "found"
        assert out["runs"] > 1
        archived = [summary["id"] for summary in store.list(limit=1000)]
        assert archived == [out["run"]]
        assert store.events(out["run"])  # its events too: the link replays it
    finally:
        await runs.close()
        store.close()
