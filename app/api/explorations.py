"""/api/explorations: search a scenario's schedules for a failing run (app/explore)."""

from __future__ import annotations

import copy
from typing import Annotated, Any, Literal

import pydantic
from fastapi import APIRouter, Body, Depends, HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field

from app.api.deps import Client, Scenarios
from app.api.models import Problem
from app.api.run_body import value_error
from app.config import Settings
from app.explore.search import MAX_PREEMPTIONS
from app.explore.service import ExplorationBusy, ExplorationService
from app.json_types import Integer
from app.scenarios import registry

router = APIRouter(prefix="/explorations", tags=["explorations"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "No such exploration"}}


def get_explorations(request: Request) -> ExplorationService:
    explorations: ExplorationService = request.app.state.explorations
    return explorations


Explorations = Annotated[ExplorationService, Depends(get_explorations)]


EXAMPLE: dict[str, Any] = {
    "scenario": "value-race",
    "params": {"times": 2, "use_lock": False},
    "max_runs": 100,
}
LOCATION = {"description": "The exploration's URL", "schema": {"type": "string"}}


class ExplorationCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [EXAMPLE]},
    )

    scenario: str = Field(min_length=1, max_length=64, description="A scenario id from /api/scenarios.")
    params: dict[str, Any] = Field(
        default_factory=dict, description="Its parameters, as for POST /api/runs. Missing ones take defaults."
    )
    max_runs: Integer = Field(
        100, ge=1, description="The most runs (schedules) to try; at most MPSCOPE_EXPLORE_MAX_RUNS."
    )
    start_method: Literal["fork", "spawn", "forkserver"] = "fork"


class ExplorationOut(BaseModel):
    id: str
    scenario: str
    params: dict[str, Any]
    start_method: str
    status: Literal["queued", "running", "found", "exhausted", "cancelled"] = Field(
        description="queued until its first run starts; found: a failing run, in `run`; exhausted: "
        "none failed (`complete` says whether every schedule within the bound was tried)."
    )
    runs: int = Field(description="Schedules tried so far (each one real run).")
    max_runs: int
    max_preemptions: int = Field(
        MAX_PREEMPTIONS, description="Schedules are tried fewest preemptions first, up to this many."
    )
    complete: bool = Field(
        description="Every schedule with at most max_preemptions preemptions was tried, or one "
        "equivalent to it (the same operations up to swapping independent ones)."
    )
    preemptions: int | None = Field(
        description="Of the failing schedule: switches away from a process that could have gone on."
    )
    schedule: list[str] | None = Field(
        description="The failing schedule: the processes released in order. POST it to /api/runs "
        "(`schedule`) to replay the run.",
        examples=[["main", "main", "main", "p1", "p2", "p2", "p1"]],
    )
    run: str | None = Field(description="The failing run's id: GET /api/runs/{id}, its page /runs/{id}.")
    failure: str | None = Field(
        description="What went wrong in it.", examples=["the counter ended at 3, not 4: 1 update lost"]
    )
    error: str | None = Field(description="Why it stopped before trying every schedule, if it did.")
    seconds: float = Field(description="How long it has searched.")


def _bodies() -> dict[str, Any]:
    """The body's schema as the document gives it: one variant per built-in scenario, each
    with that scenario's parameters (their schemas are the run bodies', app/api/openapi.py),
    so that a body the document calls valid is one the API accepts."""
    base = ExplorationCreate.model_json_schema()
    base.pop("examples", None)
    variants = []
    for scenario in registry.SCENARIOS.values():
        variant = copy.deepcopy(base)
        variant["title"] = f"ExplorationCreate-{scenario.id}"
        properties = variant["properties"]
        properties["scenario"] = {**properties["scenario"], "const": scenario.id}
        properties["params"] = {
            "$ref": f"#/components/schemas/{scenario.params_model.__name__}",
            "description": properties["params"].get("description", ""),
        }
        properties["max_runs"]["maximum"] = Settings.model_fields["explore_max_runs"].default
        variants.append(variant)
    schema = {"title": "ExplorationCreate", "oneOf": variants, "examples": [EXAMPLE]}
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


@router.post(
    "",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=ExplorationOut,
    summary="Search a scenario's schedules for a failing run",
    description="Runs the scenario in step mode again and again, each time choosing another order "
    "of its processes' operations (fewest preemptions first, skipping orders equivalent to one "
    "tried), until a run fails: a process raises or exits non-zero, the run deadlocks, or the "
    "scenario's `check` fails. Answers at once; follow it with GET. One exploration per client at "
    "a time; its runs count against the client's runs at once. `max_runs` is at most "
    "MPSCOPE_EXPLORE_MAX_RUNS (1000 unless the server says otherwise).",
    responses={
        202: {"headers": {"Location": LOCATION}},
        429: {
            "model": Problem,
            "description": "This client already has an exploration running",
            "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
        },
    },
    openapi_extra=_bodies(),
)
async def create_exploration(
    body: Annotated[Any, Body()],
    response: Response,
    explorations: Explorations,
    catalog: Scenarios,
    client: Client,
) -> dict[str, Any]:
    create, scenario, params = _checked(body, catalog, explorations.max_runs)
    try:
        exploration = explorations.start(scenario, params, create.max_runs, create.start_method, client)
    except ExplorationBusy as exc:
        raise HTTPException(429, str(exc), headers={"Retry-After": "1"}) from None
    response.headers["Location"] = f"/api/explorations/{exploration.id}"
    return exploration.summary()


def _checked(
    body: Any, catalog: registry.Catalog, most: int
) -> tuple[ExplorationCreate, registry.Scenario[Any], registry.Params]:
    """The body, its scenario and the scenario's parameters; a 422 naming every problem at
    once, in the shape FastAPI gives a body error (as POST /api/runs does)."""
    errors: list[dict[str, Any]] = []
    create: ExplorationCreate | None = None
    try:
        create = ExplorationCreate.model_validate(body, from_attributes=True)
    except pydantic.ValidationError as exc:
        errors += [{**e, "loc": ("body", *e["loc"])} for e in exc.errors(include_url=False)]
    if create is not None and create.max_runs > most:
        errors.append(value_error(("body", "max_runs"), f"max_runs must be at most {most}"))
    fields = body if isinstance(body, dict) else {}
    scenario: registry.Scenario[Any] | None = None
    if isinstance(fields.get("scenario"), str) and not any(e["loc"][1:2] == ("scenario",) for e in errors):
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
            errors += [{**e, "loc": ("body", "params", *e["loc"])} for e in exc.errors(include_url=False)]
    if errors or create is None or scenario is None or params is None:
        raise RequestValidationError(errors)
    return create, scenario, params


@router.get(
    "/{exploration_id}", response_model=ExplorationOut, summary="One exploration", responses=NOT_FOUND
)
async def get_exploration(exploration_id: str, explorations: Explorations) -> dict[str, Any]:
    exploration = explorations.get(exploration_id)
    if exploration is None:
        raise HTTPException(404, f"no exploration {exploration_id!r}")
    return exploration.summary()


@router.delete(
    "/{exploration_id}",
    response_model=ExplorationOut,
    summary="Cancel an exploration",
    description="Stops the search and its runs, and answers once they are gone. Cancelling one "
    "that has ended changes nothing.",
    responses=NOT_FOUND,
)
async def cancel_exploration(exploration_id: str, explorations: Explorations) -> dict[str, Any]:
    exploration = await explorations.cancel(exploration_id)
    if exploration is None:
        raise HTTPException(404, f"no exploration {exploration_id!r}")
    return exploration.summary()
