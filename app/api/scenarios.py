"""/api/scenarios: what can be run, with parameter schemas and program source."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from app.api.models import ScenarioDetail, ScenarioOut
from app.scenarios import registry

router = APIRouter(prefix="/scenarios", tags=["scenarios"])


def _out(s: registry.Scenario[Any]) -> dict[str, object]:
    return {
        "id": s.id,
        "title": s.title,
        "summary": s.summary,
        "params": s.params_schema,
        "defaults": s.defaults,
        "default_pace_ms": s.default_pace_ms,
        "concepts": list(s.concepts),
        "cast": s.cast,
    }


@router.get("", response_model=list[ScenarioOut], summary="List the scenarios")
async def list_scenarios() -> list[dict[str, object]]:
    return [_out(s) for s in registry.SCENARIOS.values()]


@router.get(
    "/{scenario_id}",
    response_model=ScenarioDetail,
    summary="One scenario, with its program",
    responses={404: {"description": "No such scenario"}},
)
async def get_scenario(scenario_id: str) -> dict[str, object]:
    try:
        s = registry.get(scenario_id)
    except KeyError:
        raise HTTPException(404, f"no scenario {scenario_id!r}") from None
    return {**_out(s), "source": s.source, "lines": s.source.splitlines()}
