"""The site's pages (dashboard, run permalinks) and the static files they load, in process."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.web.conftest import finished_run, page_data, serve

pytestmark = pytest.mark.anyio

STATIC = Path(__file__).resolve().parents[2] / "static"
IMPORT = re.compile(r"""^\s*(?:import|export)\s[^'"]*?from\s+["'](\.{1,2}/[^"']+)["']""", re.M)


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


@pytest.mark.parametrize("entry", ["app.js", "runpage.js", "embed.js"])
async def test_every_module_a_page_imports_is_served(client: httpx.AsyncClient, entry: str) -> None:
    modules = module_graph((STATIC / "js" / entry).resolve())
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


async def test_a_runs_page(client: httpx.AsyncClient) -> None:
    run = await finished_run(client, "pipe", params={"msgs": ["</script><b>hi", "END"]})
    r = await client.get(f"/runs/{run['id']}")
    assert r.status_code == 200
    html = r.text
    assert '<script type="module" src="http://mpscope.test/static/js/runpage.js">' in html
    assert f"run <code>{run['id']}</code>" in html
    assert "Message passing: a Pipe" in html
    assert f'href="http://mpscope.test/?run={run["id"]}"' in html
    assert f'href="http://mpscope.test/api/runs/{run["id"]}/trace" download' in html
    # The run goes to the script as JSON that no value in it can break out of.
    assert "</script><b>" not in html
    data = page_data(html)
    assert data["run"]["id"] == run["id"]
    assert data["run"]["status"] == "succeeded"
    assert "</script><b>hi" in data["run"]["source"]
    assert data["scenario"] == {
        "id": "pipe",
        "title": "Message passing: a Pipe",
        "defaults": {"msgs": ["hello", "hey", "hru?", "END"]},
        "offered": True,
    }


@pytest.mark.parametrize("run_id", ["nosuchrun123", "x" * 65, "bad id!", "%00", "Ω"])
async def test_an_unknown_run_is_a_404_page(client: httpx.AsyncClient, run_id: str) -> None:
    for path in (f"/runs/{run_id}", f"/embed/runs/{run_id}"):
        r = await client.get(path)
        assert r.status_code == 404, path
        assert r.headers["content-type"].startswith("text/html")
        assert "<h2>No such run</h2>" in r.text
        assert "There is no run “" in r.text


async def test_every_page_says_who_may_frame_it() -> None:
    async with serve() as client:
        for path in ("/", "/embed/queue", "/runs/nosuchrun", "/api/scenarios"):
            r = await client.get(path)
            assert r.headers["content-security-policy"] == "frame-ancestors *", path
    async with serve(frame_ancestors="'self' https://course.example") as client:
        r = await client.get("/embed/queue")
        assert r.headers["content-security-policy"] == "frame-ancestors 'self' https://course.example"


async def test_the_api_answers_the_listed_origins_only() -> None:
    course = "https://course.example"
    async with serve(cors_origins=[course]) as client:
        r = await client.get("/api/scenarios", headers={"Origin": course})
        assert r.headers["access-control-allow-origin"] == course
        preflight = await client.options(
            "/api/runs",
            headers={
                "Origin": course,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == course
        r = await client.post("/api/runs", json={"scenario": "nope"}, headers={"Origin": course})
        assert r.status_code == 422
        exposed = {h.strip().lower() for h in r.headers["access-control-expose-headers"].split(",")}
        assert {"location", "retry-after"} <= exposed
        other = await client.get("/api/scenarios", headers={"Origin": "https://elsewhere.example"})
        assert "access-control-allow-origin" not in other.headers


async def test_a_missing_page_is_an_html_404_and_a_missing_api_path_json() -> None:
    async with serve() as client:
        await check_missing(client)


async def check_missing(client: httpx.AsyncClient) -> None:
    page = await client.get("/runs/")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "There is no page at /runs/" in page.text
    api = await client.get("/api/nothing")
    assert api.status_code == 404
    assert api.json() == {"detail": "Not Found"}
