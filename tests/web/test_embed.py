"""The embed pages, in process: what the address asks for reaches the page, and no address
makes a server error."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.web.conftest import finished_run, page_data

pytestmark = pytest.mark.anyio


async def test_a_scenario_embed(client: httpx.AsyncClient) -> None:
    r = await client.get("/embed/queue?mylist=[5,6]&pace_ms=0&autoplay=1&source=1&theme=dark")
    assert r.status_code == 200
    html = r.text
    assert '<html lang="en" class="embedded" data-theme="dark">' in html
    assert '<script type="module" src="http://mpscope.test/static/js/embed.js">' in html
    assert '<h1 class="embed-title">Message passing: a Queue</h1>' in html
    assert 'id="source"' in html
    assert 'id="controls"' in html
    assert '<header class="top">' not in html  # no site chrome
    config = page_data(html)
    assert config["kind"] == "scenario"
    assert config["params"] == {"mylist": [5, 6]}
    assert "    mylist = [5, 6]\n" in config["source"]  # the program as this run would run it
    assert config["options"] == {
        "autoplay": True,
        "controls": True,
        "source": True,
        "theme": "dark",
        "pace_ms": 0,
        "start_method": "fork",
        "schedule": [],
    }
    assert config["notes"] == []
    assert config["errors"] == []
    # The way out opens the same set-up on the dashboard.
    assert (
        'href="http://mpscope.test/?scenario=queue&amp;pace_ms=0&amp;start_method=fork&amp;mylist=%5B5%2C6%5D"'
        in html
    )


async def test_an_embed_of_an_interleaving(client: httpx.AsyncClient) -> None:
    r = await client.get("/embed/value-race?times=2&use_lock=false&schedule=main,main,main,p1,p2")
    assert r.status_code == 200
    config = page_data(r.text)
    assert config["options"]["schedule"] == ["main", "main", "main", "p1", "p2"]
    assert config["notes"] == []
    # Opened on the dashboard, the same link replays the same interleaving.
    assert "&amp;schedule=main%2Cmain%2Cmain%2Cp1%2Cp2&amp;" in r.text
    r = await client.get("/embed/value-race?schedule=main,,p1")
    assert r.status_code == 200  # lenient, like the other options: the program still runs
    assert page_data(r.text)["notes"] == [
        "schedule='main,,p1' is not process names separated by commas; the run goes freely."
    ]


async def test_an_embed_without_options_takes_the_defaults(client: httpx.AsyncClient) -> None:
    r = await client.get("/embed/pipe")
    config = page_data(r.text)
    assert config["params"] == {"msgs": ["hello", "hey", "hru?", "END"]}
    assert config["options"]["pace_ms"] == 300
    assert config["options"]["autoplay"] is False
    assert 'id="source"' not in r.text
    assert "data-theme" not in r.text.split(">", 2)[1]  # the reader's own preference


async def test_controls_can_be_hidden(client: httpx.AsyncClient) -> None:
    r = await client.get("/embed/queue?controls=0")
    assert 'id="controls"' not in r.text
    assert 'id="timeline"' not in r.text
    assert 'id="stage-grid"' in r.text


async def test_parameters_the_scenario_refuses_are_a_message(client: httpx.AsyncClient) -> None:
    r = await client.get('/embed/pipe?msgs=["hi"]&autoplay=1')
    assert r.status_code == 422
    assert "This embed's parameters are not accepted, so it runs nothing:" in r.text
    config = page_data(r.text)
    assert config["errors"] == [
        'params.msgs: must contain "END": the receiver waits for it and would never stop'
    ]
    assert '<button type="button" id="run" class="primary" disabled>' in r.text


async def test_a_run_embed(client: httpx.AsyncClient) -> None:
    run = await finished_run(client, "queue")
    r = await client.get(f"/embed/runs/{run['id']}?autoplay=1&pace_ms=0&mylist=[1]")
    assert r.status_code == 200
    config = page_data(r.text)
    assert config["kind"] == "run"
    assert config["run"]["id"] == run["id"]
    assert config["run"]["status"] == "succeeded"
    assert config["options"]["autoplay"] is True
    assert config["notes"] == [
        "'pace_ms' is ignored: a recorded run keeps the settings it ran with "
        "(options here: autoplay, controls, source, theme).",
        "'mylist' is ignored: a recorded run keeps the settings it ran with "
        "(options here: autoplay, controls, source, theme).",
    ]
    assert 'id="run"' not in r.text  # nothing to start here
    assert f'href="http://mpscope.test/runs/{run["id"]}"' in r.text


async def test_an_unknown_scenario_is_a_404_page(client: httpx.AsyncClient) -> None:
    r = await client.get("/embed/no-such-scenario?autoplay=1")
    assert r.status_code == 404
    assert "<h2>No such scenario</h2>" in r.text
    assert re.search(r"Scenarios: separate-memory, shared-memory, manager, queue, pipe", r.text)
    assert 'target="_blank"' in r.text  # an embed's links leave the course page alone


@pytest.mark.parametrize(
    "query",
    [
        "mylist=",
        "mylist=[",
        "mylist=null",
        'mylist={"a":1}',
        "mylist=[1.5]",
        "mylist=" + "[" * 500,
        "mylist=[" + ",".join(["1"] * 40) + "]",
        "pace_ms=99999999999999999999999",
        "pace_ms=-1",
        "pace_ms=1e3",
        "pace_ms=%00",
        "autoplay=%F0%9F%92%A5",
        "theme=" + "x" * 5000,
        "start_method=thread",
        "autoplay&controls&source",
        "autoplay=1&autoplay=0",
        "%ZZ=%ZZ",
        "=1",
        "&&&",
        "mylist=NaN",
        "mylist=[1e999]",
    ],
)
async def test_no_query_breaks_an_embed(client: httpx.AsyncClient, query: str) -> None:
    for path in ("/embed/queue", "/embed/runs/nosuchrun"):
        r = await client.get(f"{path}?{query}")
        assert r.status_code in (200, 404, 422), (path, query, r.status_code)
        assert r.headers["content-type"].startswith("text/html")


async def test_what_the_address_says_is_shown_as_text(client: httpx.AsyncClient) -> None:
    r = await client.get("/embed/queue?<img src=x onerror=alert(1)>=1&theme=<b>dark</b>")
    assert r.status_code == 200
    assert "<img" not in r.text
    assert "<b>" not in r.text
    assert "Unknown option &#39;&lt;img src&#39; is ignored" in r.text
