"""How the app answers an HTTP error, whoever raised it: FastAPI, Starlette or a route.

- A missing page gets an HTML 404 (people reach pages; programs reach the API).
- A body that cannot be read as JSON at all (not UTF-8, a number too long to convert) gets
  the 422 any other bad body gets, not FastAPI's undocumented 400.
- A run asked of a dashboard that starts none (``python -m app trace``'s) gets a 403 saying so.
- A 405 lists in ``Allow`` every method the path has, not only those of the one route that
  matched first (FastAPI makes a route per method).
"""

from __future__ import annotations

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount
from starlette.types import Scope

from app.runs.service import RunsRefused
from app.web.render import not_found


def install(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RunsRefused, _refused)  # type: ignore[arg-type]


async def _refused(request: Request, exc: RunsRefused) -> Response:
    # The dashboard of `python -m app trace` or `view`: it shows one program's run.
    return await http_exception_handler(request, StarletteHTTPException(403, str(exc)))


async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
    path = request.url.path
    if exc.status_code == 404 and not path.startswith(("/api/", "/static/")):
        return not_found(request, "Nothing here", f"There is no page at {path}.")
    if exc.status_code == 400 and isinstance(exc.__cause__, ValueError):
        # FastAPI raises this 400 from the body's decoding, with the decoder's error as cause.
        return await request_validation_exception_handler(request, _not_json(exc.__cause__))
    if exc.status_code == 405 and (methods := allowed_methods(request.app, request.scope)):
        exc.headers = {**(exc.headers or {}), "Allow": ", ".join(methods)}
    return await http_exception_handler(request, exc)


def _not_json(cause: ValueError) -> RequestValidationError:
    # The shape and words FastAPI gives a body that is text but not JSON.
    error = {"type": "json_invalid", "loc": ("body",), "msg": "JSON decode error", "input": {}}
    return RequestValidationError([{**error, "ctx": {"error": str(cause)}}])


# The methods a 405 may list; Starlette's matching decides which a path has.
METHODS = ("DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT")


def allowed_methods(app: FastAPI, scope: Scope) -> list[str]:
    """Every method some route answers at the request's path, sorted. Mounts (static files)
    are left out: they match any method and answer a 405 of their own."""
    routes = [route for route in app.router.routes if not isinstance(route, Mount)]
    return [
        method
        for method in METHODS
        if any(route.matches({**scope, "method": method})[0] == Match.FULL for route in routes)
    ]
