"""/api/estimate: how long a run would take, asked before it is started.

The body is POST /api/runs's, checked the same way (``app/api/run_body.py``), so an invalid
one gets the same 422, naming every invalid field at once.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Body

from app.api.deps import CurrentSettings, Scenarios
from app.api.models import EstimateOut
from app.api.run_body import MAX_PACE_MS, RUN_BODY, checked_run
from app.scenarios import timing

router = APIRouter(tags=["runs"])


@router.post(
    "/estimate",
    response_model=EstimateOut,
    summary="Estimate a run's length before starting it",
    description=(
        "Takes the body of `POST /api/runs` and answers how many paced operations the run makes "
        "on its longest path (`steps`: each is followed by a pause of `pace_ms`, and processes run "
        "at once), about how long it takes at that pace (`seconds`), whether that ends before this "
        "server's time limit (`timeout_s`, `fits`), and the slowest pace that still does "
        "(`max_pace_ms`; these four are null for a course's own program, whose length is not "
        "known before it runs), and what it will have (`cast`: its processes and objects, for a picture "
        "before it starts). Nothing is started. An invalid body gets the 422 `POST /api/runs` would "
        "give, listing every invalid field at once."
    ),
    openapi_extra=RUN_BODY,
)
async def estimate_run(
    body: Annotated[Any, Body()], settings: CurrentSettings, catalog: Scenarios
) -> dict[str, Any]:
    run = checked_run(body, catalog)
    cast = run.scenario.cast_for(run.params)
    if run.scenario.steps_of is None:
        # A course's own program: how many operations it makes is known once it has run.
        unknown = {"steps": None, "seconds": None, "fits": None, "max_pace_ms": None}
        return {**unknown, "timeout_s": settings.run_timeout_s, "cast": cast}
    result = timing.estimate(
        run.scenario,
        run.params,
        run.body.pace_ms,
        run.body.start_method,
        settings.run_timeout_s,
        MAX_PACE_MS,
    )
    return {**asdict(result), "cast": cast}
