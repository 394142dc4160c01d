"""/api/estimate: how long a run would take, asked before it is started.

The body is POST /api/runs's, checked here in one pass (``checked_run``) so that a 422
names every invalid field at once: the body's own fields, the scenario and each of its
parameters. Each error has the shape POST /api/runs gives it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated, Any, cast

import pydantic
from annotated_types import Le
from fastapi import APIRouter, Body
from fastapi.exceptions import RequestValidationError

from app.api.deps import CurrentSettings
from app.api.models import EstimateOut, RunCreate
from app.scenarios import registry, timing

router = APIRouter(tags=["runs"])

# The API's own bound on pace_ms (RunCreate), the most max_pace_ms may say.
MAX_PACE_MS = cast(int, next(m.le for m in RunCreate.model_fields["pace_ms"].metadata if isinstance(m, Le)))
_FIELDS = list(RunCreate.model_fields)


@dataclass(frozen=True)
class CheckedRun:
    body: RunCreate
    scenario: registry.Scenario[Any]
    params: registry.Params


def _error(loc: tuple[str | int, ...], message: str) -> dict[str, Any]:
    return {"loc": loc, "msg": message, "type": "value_error", "input": None}


def _field_order(err: dict[str, Any]) -> int:
    loc = err["loc"]
    if len(loc) < 2:
        return -1  # the body itself
    return _FIELDS.index(loc[1]) if loc[1] in _FIELDS else len(_FIELDS)


def checked_run(body: Any) -> CheckedRun:
    """The run ``body`` asks for; RequestValidationError listing every problem, in the
    order of the body's fields."""
    errors: list[dict[str, Any]] = []
    create: RunCreate | None = None
    try:
        # As FastAPI validates a body model (from_attributes: the same error for a non-object).
        create = RunCreate.model_validate(body, from_attributes=True)
    except pydantic.ValidationError as exc:
        errors += [{**err, "loc": ("body", *err["loc"])} for err in exc.errors(include_url=False)]
    fields = body if isinstance(body, dict) else {}
    scenario_ok = not any(err["loc"][1:2] == ("scenario",) for err in errors)
    scenario: registry.Scenario[Any] | None = None
    if "scenario" in fields and scenario_ok:
        try:
            scenario = registry.get(fields["scenario"])
        except KeyError:
            choices = ", ".join(registry.SCENARIOS)
            errors.append(
                _error(
                    ("body", "scenario"), f"unknown scenario {fields['scenario']!r}; choose one of: {choices}"
                )
            )
    params: registry.Params | None = None
    raw_params = fields.get("params", {})
    if scenario is not None and isinstance(raw_params, dict):
        try:
            params = scenario.validate(raw_params)
        except pydantic.ValidationError as exc:
            errors += [
                {**err, "loc": ("body", "params", *err["loc"])} for err in exc.errors(include_url=False)
            ]
    if errors or create is None or scenario is None or params is None:
        raise RequestValidationError(sorted(errors, key=_field_order))
    return CheckedRun(create, scenario, params)


@router.post(
    "/estimate",
    response_model=EstimateOut,
    summary="Estimate a run's length before starting it",
    description=(
        "Takes the body of `POST /api/runs` and answers how many paced operations the run makes "
        "on its longest path (`steps`: each is followed by a pause of `pace_ms`, and processes run "
        "at once), about how long it takes at that pace (`seconds`), whether that ends before this "
        "server's time limit (`timeout_s`, `fits`), and the slowest pace that still does "
        "(`max_pace_ms`), and what it will have (`cast`: its processes and objects, for a picture "
        "before it starts). Nothing is started. An invalid body gets the 422 `POST /api/runs` would "
        "give, listing every invalid field at once."
    ),
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RunCreate"}}},
        }
    },
)
async def estimate_run(body: Annotated[Any, Body()], settings: CurrentSettings) -> dict[str, Any]:
    run = checked_run(body)
    result = timing.estimate(
        run.scenario,
        run.params,
        run.body.pace_ms,
        run.body.start_method,
        settings.run_timeout_s,
        MAX_PACE_MS,
    )
    return {**asdict(result), "cast": run.scenario.cast_for(run.params)}
