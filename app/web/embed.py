"""The embeds: the stage alone, for an iframe in a course page.

``/embed/{scenario}`` starts a new run of a scenario (on a click, or by itself with
``autoplay``); ``/embed/runs/{id}`` shows a recorded or running run. The query's options
are read in ``options.py``; the scenario's parameters are checked here, before any run, so
a mistake in a course page shows as a message in the frame rather than as a failed run.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pydantic
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from app.api.deps import Runs, Scenarios
from app.scenarios import registry
from app.web.options import EmbedQuery, read_query
from app.web.render import broken_program, missing_run, not_found, page
from app.web.run_data import find_run, run_data

router = APIRouter(prefix="/embed", include_in_schema=False)


def _render(
    request: Request, config: dict[str, Any], query: EmbedQuery, open_url: str, status_code: int = 200
) -> HTMLResponse:
    config = {**config, "options": query.options.as_json(), "notes": query.notes}
    title = config["scenario"]["title"]
    context = {"config": config, "options": query.options, "title": title, "open_url": open_url}
    return page(request, "embed.html", context, status_code)


def _dashboard_url(request: Request, scenario: str, params: dict[str, Any], query: EmbedQuery) -> str:
    """The dashboard with this embed's set-up, as its address bar would hold it."""
    setup: dict[str, str] = {"scenario": scenario, "pace_ms": str(query.options.pace_ms)}
    setup["start_method"] = query.options.start_method
    if query.options.schedule:
        setup["schedule"] = ",".join(query.options.schedule)
    setup.update({name: json.dumps(value, separators=(",", ":")) for name, value in params.items()})
    return f"{request.url_for('dashboard')}?{urlencode(setup)}"


@router.get("/runs/{run_id}", response_class=HTMLResponse)
async def embed_run(request: Request, run_id: str, runs: Runs, catalog: Scenarios) -> HTMLResponse:
    run = await find_run(runs, run_id)
    if run is None:
        return missing_run(request, run_id, embed=True)
    query = read_query(request.query_params.multi_items(), None)
    config = {"kind": "run", "errors": [], **run_data(run, catalog)}
    return _render(request, config, query, str(request.url_for("run_page", run_id=run.id)))


@router.get("/{scenario_id}", response_class=HTMLResponse)
async def embed_scenario(request: Request, scenario_id: str, catalog: Scenarios) -> HTMLResponse:
    scenario = catalog.find(scenario_id)
    if isinstance(scenario, registry.BrokenProgram):
        return broken_program(request, scenario.title, scenario.error, embed=True)
    if scenario is None:
        shown = scenario_id if len(scenario_id) <= 64 else scenario_id[:63] + "…"
        return not_found(
            request,
            "No such scenario",
            f"This embed asks for a program called “{shown}”, which this server does not have, so "
            "there is nothing to run. Tell your teacher: the embed's address may be mistyped. "
            f"Scenarios: {', '.join(catalog.ids())}.",
            embed=True,
        )
    query = read_query(request.query_params.multi_items(), list(scenario.params_model.model_fields))
    errors: list[str] = []
    cast: dict[str, Any] | None = None
    try:
        params = scenario.validate(query.params)
    except pydantic.ValidationError as exc:
        errors = registry.validation_messages(exc)
        values, source = query.params, scenario.source
    else:
        values, source = params.model_dump(mode="json"), scenario.render(params)
        cast = dict(scenario.cast_for(params))  # the picture before Run, and its height
    config = {
        "kind": "scenario",
        "scenario": {
            "id": scenario.id,
            "title": scenario.title,
            "summary": scenario.summary,
            "defaults": scenario.defaults,
        },
        "params": values,
        "source": source,
        "cast": cast,
        "errors": errors,
    }
    # Parameters the scenario does not accept: the page says which and why, and runs nothing.
    open_url = _dashboard_url(request, scenario.id, {} if errors else values, query)
    return _render(request, config, query, open_url, 422 if errors else 200)
