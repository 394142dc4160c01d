"""The body of POST /api/runs and POST /api/estimate: read once, checked in one pass.

``checked_run`` names every invalid field at once (the body's own fields, the scenario and
each of its parameters), so a page can mark them all; each error has the shape FastAPI gives
a body error. Both endpoints take the body as plain JSON and check it here, rather than
letting FastAPI validate ``RunCreate`` first and the scenario's parameters after: one path,
the same 422 from both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import pydantic
from annotated_types import Le
from fastapi.exceptions import RequestValidationError

from app.api.models import RunCreate
from app.scenarios import registry

# The API's own bound on pace_ms (RunCreate), the most max_pace_ms may say.
MAX_PACE_MS = cast(int, next(m.le for m in RunCreate.model_fields["pace_ms"].metadata if isinstance(m, Le)))
_FIELDS = list(RunCreate.model_fields)

# The request body both endpoints document (FastAPI cannot see it: they take plain JSON).
RUN_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/RunCreate"}}},
    }
}


@dataclass(frozen=True)
class CheckedRun:
    body: RunCreate
    scenario: registry.Scenario[Any]
    params: registry.Params


def value_error(loc: tuple[str | int, ...], message: str) -> dict[str, Any]:
    """An error of our own in the shape of pydantic's, for a 422 like any other."""
    return {"loc": loc, "msg": message, "type": "value_error", "input": None}


def _field_order(err: dict[str, Any]) -> int:
    loc = err["loc"]
    if len(loc) < 2:
        return -1  # the body itself
    return _FIELDS.index(loc[1]) if loc[1] in _FIELDS else len(_FIELDS)


def checked_run(body: Any, catalog: registry.Catalog) -> CheckedRun:
    """The run ``body`` asks for, of a scenario in ``catalog``; RequestValidationError
    listing every problem, in the order of the body's fields."""
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
        found = catalog.find(fields["scenario"])
        if isinstance(found, registry.BrokenProgram):
            message = f"scenario {found.id!r} cannot be run: {found.error}"
            errors.append(value_error(("body", "scenario"), message))
        elif found is None:
            choices = ", ".join(catalog.ids())
            message = f"unknown scenario {fields['scenario']!r}; choose one of: {choices}"
            errors.append(value_error(("body", "scenario"), message))
        else:
            scenario = found
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
