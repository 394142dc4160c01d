"""The templates the pages share, and the page that says what is not here."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.api.deps import Runs
from app.paths import TEMPLATES
from app.runs.archive import StoredRun
from app.runs.run import Run
from app.scenarios import registry

# Run ids are URL-safe tokens; anything else is not looked up at all.
RUN_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


@cache
def templates() -> Jinja2Templates:
    return Jinja2Templates(directory=TEMPLATES)


def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    return templates().TemplateResponse(request, name, context, status_code=status_code)


def not_found(request: Request, heading: str, message: str, *, embed: bool = False) -> HTMLResponse:
    """A 404 that says what was asked for and where to go instead (in an embed, compactly)."""
    context = {"heading": heading, "message": message, "embed": embed}
    return page(request, "not_found.html", context, status_code=404)


async def find_run(runs: Runs, run_id: str) -> Run | StoredRun | None:
    """A run in memory or in the store; None for an unknown or malformed id."""
    if RUN_ID.fullmatch(run_id) is None:
        return None
    return await runs.find(run_id)


def run_data(run: Run | StoredRun) -> dict[str, Any]:
    """What a page needs to show a run: the API's view of it, and its scenario's title."""
    summary = run.summary()
    scenario = registry.SCENARIOS.get(summary["scenario"])
    return {
        "run": {**summary, "source": run.source},
        "scenario": {
            "id": summary["scenario"],
            "title": scenario.title if scenario else summary["scenario"],
            "defaults": scenario.defaults if scenario else {},
        },
    }


def missing_run(request: Request, run_id: str, *, embed: bool = False) -> HTMLResponse:
    shown = run_id if len(run_id) <= 64 else run_id[:63] + "…"
    return not_found(
        request,
        "No such run",
        f"There is no run “{shown}” here. The link may be mistyped, or the run was removed "
        "from the store to make room for newer ones.",
        embed=embed,
    )
