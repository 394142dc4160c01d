"""Rendering pages: the templates they share, and the page that says what is not here."""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from app.paths import TEMPLATES


@cache
def templates() -> Jinja2Templates:
    return Jinja2Templates(directory=TEMPLATES)


def page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    return templates().TemplateResponse(request, name, context, status_code=status_code)


def not_found(request: Request, heading: str, message: str, *, embed: bool = False) -> HTMLResponse:
    """A 404 that says what was asked for and where to go instead (in an embed, compactly)."""
    context = {"heading": heading, "message": message, "embed": embed}
    return page(request, "not_found.html", context, status_code=404)


def missing_run(request: Request, run_id: str, *, embed: bool = False) -> HTMLResponse:
    shown = run_id if len(run_id) <= 64 else run_id[:63] + "…"
    where = "The embed's address" if embed else "The link"
    # A reader of an embed cannot fix it; the teacher who made it can.
    then = " Tell your teacher, who can embed another run." if embed else ""
    message = (
        f"There is no run “{shown}” here. {where} may be mistyped, or the run was removed "
        f"to make room for newer ones.{then}"
    )
    return not_found(request, "No such run", message, embed=embed)


def broken_program(request: Request, title: str, error: str, *, embed: bool = False) -> HTMLResponse:
    """A course program that cannot run: what is wrong, for the teacher who can fix it."""
    message = (
        f"“{title}” is one of this course's own programs, but it cannot run as it is, so there is "
        f"nothing to show. Tell your teacher, who can fix it: {error}"
    )
    context = {"heading": "This program cannot run", "message": message, "embed": embed}
    # As an embed whose parameters are not accepted: a 422, and nothing runs.
    return page(request, "not_found.html", context, status_code=422)
