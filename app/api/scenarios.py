"""/api/scenarios: what can be run, with parameter schemas and program source: the built-in
scenarios, then the course's own programs (those that cannot run listed with their error)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from app.api.deps import Scenarios
from app.api.models import ScenarioDetail, ScenarioOut
from app.scenarios import course, registry

router = APIRouter(prefix="/scenarios", tags=["scenarios"])

# What a program that cannot run offers: no parameters, and the picture of a lone main.
NO_PARAMS: dict[str, Any] = {"type": "object", "properties": {}, "additionalProperties": False}
NO_CAST: dict[str, Any] = {"processes": ["main"], "objects": []}


def _out(entry: registry.Scenario[Any] | registry.BrokenProgram) -> dict[str, Any]:
    if isinstance(entry, registry.BrokenProgram):
        return {
            "id": entry.id,
            "title": entry.title,
            "summary": entry.summary,
            "params": NO_PARAMS,
            "defaults": {},
            "default_pace_ms": course.DEFAULT_PACE_MS,
            "concepts": [],
            "cast": NO_CAST,
            "origin": "course",
            "error": entry.error,
            "check": None,
        }
    return {
        "id": entry.id,
        "title": entry.title,
        "summary": entry.summary,
        "params": entry.params_schema,
        "defaults": entry.defaults,
        "default_pace_ms": entry.default_pace_ms,
        "concepts": list(entry.concepts),
        "cast": entry.cast,
        "origin": "course" if isinstance(entry, registry.CourseScenario) else "built-in",
        "error": None,
        "check": entry.check.says if entry.check is not None else None,
    }


@router.get("", response_model=list[ScenarioOut], summary="List the scenarios")
async def list_scenarios(catalog: Scenarios) -> list[dict[str, Any]]:
    return [_out(entry) for entry in catalog.entries()]


@router.get(
    "/{scenario_id}",
    response_model=ScenarioDetail,
    summary="One scenario, with its program",
    responses={404: {"description": "No such scenario"}},
)
async def get_scenario(scenario_id: str, catalog: Scenarios) -> dict[str, Any]:
    entry = catalog.find(scenario_id)
    if entry is None:
        raise HTTPException(404, f"no scenario {scenario_id!r}")
    return {**_out(entry), "source": entry.source, "lines": entry.source.splitlines()}
