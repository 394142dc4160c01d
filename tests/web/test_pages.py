"""The dashboard page and the static files it loads, served in process (no browser)."""

from __future__ import annotations

import re
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from app.config import Settings
from app.main import create_app

pytestmark = pytest.mark.anyio

STATIC = Path(__file__).resolve().parents[2] / "static"
IMPORT = re.compile(r"""^\s*(?:import|export)\s[^'"]*?from\s+["'](\.{1,2}/[^"']+)["']""", re.M)


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    with tempfile.TemporaryDirectory(prefix="mpscope-web-") as tmp:
        app = create_app(Settings(data_dir=Path(tmp)))
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://mpscope.test") as c:
                yield c


async def test_dashboard_page(client: httpx.AsyncClient) -> None:
    r = await client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<script type="module" src="http://mpscope.test/static/js/app.js">' in html
    assert 'aria-live="polite"' in html
    for asset in re.findall(r'(?:href|src)="http://mpscope.test(/static/[^"]+)"', html):
        assert (await client.get(asset)).status_code == 200, asset


async def test_favicon(client: httpx.AsyncClient) -> None:
    r = await client.get("/favicon.ico")
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/svg+xml"


def module_graph(entry: Path) -> set[Path]:
    """Every module reachable from ``entry`` through relative imports."""
    seen: set[Path] = set()
    todo = [entry]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        todo.extend((path.parent / spec).resolve() for spec in IMPORT.findall(path.read_text()))
    return seen


async def test_every_module_the_page_imports_is_served(client: httpx.AsyncClient) -> None:
    modules = module_graph((STATIC / "js" / "app.js").resolve())
    assert len(modules) > 15
    for path in modules:
        url = "/static/" + path.relative_to(STATIC.resolve()).as_posix()
        r = await client.get(url)
        assert r.status_code == 200, url
        assert "javascript" in r.headers["content-type"], url


def test_js_modules_stay_small() -> None:
    """One module per concept: a JS file past ~500 lines is a sign to split it."""
    for path in (STATIC / "js").rglob("*.js"):
        if path.name == "kinds.js":  # generated
            continue
        assert len(path.read_text().splitlines()) <= 500, path.name
