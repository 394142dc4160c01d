"""What a page shows of a run: the run looked up by id, and the data its scripts start from."""

from __future__ import annotations

import re
from typing import Any

from app.api.deps import Runs
from app.runs.archive import StoredRun
from app.runs.run import Run
from app.scenarios import registry

# Run ids are URL-safe tokens; anything else is not looked up at all.
RUN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


async def find_run(runs: Runs, run_id: str) -> Run | StoredRun | None:
    """A run in memory or in the store; None for an unknown or malformed id."""
    if RUN_ID.fullmatch(run_id) is None:
        return None
    return await runs.find(run_id)


def run_data(run: Run | StoredRun, catalog: registry.Catalog) -> dict[str, Any]:
    """What a page needs to show a run: the API's view of it, and its scenario's title
    (a run of a program this server no longer offers keeps its id as its title)."""
    summary = run.summary()
    found = catalog.find(summary["scenario"])
    scenario = found if isinstance(found, registry.Scenario) else None
    return {
        "run": {**summary, "source": run.source},
        "scenario": {
            "id": summary["scenario"],
            "title": scenario.title if scenario else summary["scenario"],
            "defaults": scenario.defaults if scenario else {},
            # A run of a program this server does not offer (a traced one) cannot be run again here.
            "offered": scenario is not None,
        },
    }
