"""The site's pages: the dashboard and a run's permalink. Both are shells: the scripts draw
the stage from the API's events."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from app.api.deps import Runs, Scenarios
from app.paths import STATIC
from app.web.render import missing_run, page
from app.web.run_data import find_run, run_data

FAVICON = STATIC / "favicon.svg"

router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
async def dashboard(request: Request) -> HTMLResponse:
    return page(request, "dashboard.html", {})


@router.get("/runs/{run_id}", response_class=HTMLResponse)
async def run_page(request: Request, run_id: str, runs: Runs, catalog: Scenarios) -> HTMLResponse:
    """A run's permalink: its replay when it has ended (also after a restart), live until then."""
    run = await find_run(runs, run_id)
    if run is None:
        return missing_run(request, run_id)
    return page(request, "run.html", {"data": run_data(run, catalog)})


@router.get("/favicon.ico")
async def favicon() -> FileResponse:
    """Browsers ask for /favicon.ico on pages that name no icon (/healthz, /docs…)."""
    return FileResponse(FAVICON, media_type="image/svg+xml")
