"""The OpenAPI document: FastAPI's, plus what FastAPI cannot see.

- ``Event``: the schema of every event (msgspec's), which the stream's responses refer to.
- ``RunCreate``: the body of POST /api/runs and /api/estimate, one variant per scenario
  (``RunCreate-<id>``), each with that scenario's own parameter schema. The routes take plain
  JSON and check it in one pass (``app/api/run_body.py``), so FastAPI would document the body
  as anything; with the variants, a body the document calls valid is one the API accepts, and
  a client (or schemathesis) knows the scenario ids and their parameters from the document.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

import msgspec
from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from app.api.models import RunCreate
from app.events.schema import AnyEvent
from app.scenarios import registry

COMPONENTS = "#/components/schemas/"
REF = COMPONENTS + "{model}"  # pydantic's template; msgspec names the same place {name}


def document(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema:
        return app.openapi_schema
    doc = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
    schemas: dict[str, Any] = doc.setdefault("components", {}).setdefault("schemas", {})
    (event,), components = msgspec.json.schema_components([AnyEvent], ref_template=COMPONENTS + "{name}")
    schemas.update(components)
    schemas["Event"] = event
    # The scenarios of this app's catalog (made by its lifespan; the built-ins before that).
    catalog: registry.Catalog = getattr(app.state, "catalog", None) or registry.Catalog()
    schemas.update(run_bodies(catalog.scenarios()))
    app.openapi_schema = doc
    return doc


def run_bodies(scenarios: Iterable[registry.Scenario[Any]]) -> dict[str, Any]:
    """``RunCreate`` as a choice of one variant per scenario, and the schemas it refers to."""
    base = RunCreate.model_json_schema(ref_template=REF)
    schemas: dict[str, Any] = base.pop("$defs", {})
    variants: dict[str, str] = {}
    for scenario in scenarios:
        params = scenario.params_model.model_json_schema(ref_template=REF)
        schemas.update(params.pop("$defs", {}))
        schemas[scenario.params_model.__name__] = params
        variant = copy.deepcopy(base)
        variant.pop("examples", None)
        variant["title"] = f"RunCreate-{scenario.id}"
        properties = variant["properties"]
        properties["scenario"] = {**properties["scenario"], "const": scenario.id}
        properties["params"] = {
            "$ref": REF.format(model=scenario.params_model.__name__),
            "description": properties["params"].get("description", ""),
        }
        variants[scenario.id] = REF.format(model=variant["title"])
        schemas[variant["title"]] = variant
    schemas["RunCreate"] = {
        "title": "RunCreate",
        "description": "A run to start: a scenario id, its parameters (missing ones take defaults), "
        "the pace and the start method.",
        "oneOf": [{"$ref": ref} for ref in variants.values()],
        "discriminator": {"propertyName": "scenario", "mapping": variants},
        "examples": base.get("examples", []),
    }
    return schemas
