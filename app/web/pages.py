"""The dashboard page. It is a shell: the scripts fetch scenarios and runs from the API."""

from __future__ import annotations

from functools import cache

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse
from fastapi.templating import Jinja2Templates

from app.paths import STATIC, TEMPLATES

FAVICON = STATIC / "favicon.svg"


@cache
def _templates() -> Jinja2Templates:
    return Jinja2Templates(directory=TEMPLATES)


router = APIRouter(include_in_schema=False)


@router.get("/", response_class=HTMLResponse)
async def dashboard(request: Request) -> HTMLResponse:
    return _templates().TemplateResponse(request, "dashboard.html")


@router.get("/favicon.ico")
async def favicon() -> FileResponse:
    """Browsers ask for /favicon.ico on pages that name no icon (/healthz, /docs…)."""
    return FileResponse(FAVICON, media_type="image/svg+xml")
