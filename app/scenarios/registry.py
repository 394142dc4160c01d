"""The scenarios mpscope can run: a fixed, reviewed set with bounded parameters, gathered
from their families (``article``: the article's programs and their variations).

What a scenario is lives in ``model``; this module is where the server and the page look
them up."""

from __future__ import annotations

from typing import Any

from app.scenarios import article, blocks, corruption, hazards, managers, pools, queues, sync
from app.scenarios.model import Params, Scenario, printed, validation_messages

__all__ = ["SCENARIOS", "Params", "Scenario", "get", "printed", "validation_messages"]

FAMILIES = (article, queues, sync, pools, hazards, corruption, blocks, managers)

SCENARIOS: dict[str, Scenario[Any]] = {s.id: s for family in FAMILIES for s in family.SCENARIOS}
assert len(SCENARIOS) == sum(len(f.SCENARIOS) for f in FAMILIES), "two scenarios share an id"
# The OpenAPI document names each parameter model's schema after its class.
assert len({s.params_model for s in SCENARIOS.values()}) == len(
    {s.params_model.__name__ for s in SCENARIOS.values()}
), "two parameter models share a class name"


def get(scenario_id: str) -> Scenario[Any]:
    """Raises KeyError for an unknown id."""
    return SCENARIOS[scenario_id]
