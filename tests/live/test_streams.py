"""SSE against a real uvicorn: same story as the CLI, resumable, readable by SSE clients."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import defaultdict
from typing import Any

import httpx
import pytest
from httpx_sse import connect_sse

from app.events.causality import problems
from tests.live.conftest import parse_sse, sse_events, start
from tests.serving import LiveServer

SEEDS = ["separate-memory", "shared-memory", "manager", "queue", "pipe"]


def story(events: list[dict[str, Any]]) -> dict[str, list[tuple[Any, ...]]]:
    """What each process did, without pids or times (they differ from run to run), nor
    waits: whether a join or a recv had to wait depends on scheduling."""
    per: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    for e in events:
        if e["kind"] in ("run.start", "run.end") or e["kind"].endswith(".wait"):
            continue
        per[e["proc"]].append((e["kind"], e["obj"], e["line"], json.dumps(e.get("value")), e.get("text")))
    return dict(per)


@pytest.mark.parametrize("scenario", SEEDS)
def test_http_stream_tells_the_same_story_as_the_cli(server: LiveServer, scenario: str) -> None:
    cli = subprocess.run(
        [sys.executable, "-m", "app", "run", scenario, "--json"], capture_output=True, text=True, timeout=60
    )
    assert cli.returncode == 0, cli.stderr
    cli_events = [json.loads(line) for line in cli.stdout.splitlines()]
    run = start(server, scenario)
    r = httpx.get(f"{server.url}/api/runs/{run['id']}/events", timeout=30)
    assert r.headers["content-type"].startswith("text/event-stream")
    assert r.text.startswith("retry: ")
    events = sse_events(r.text)
    assert [e["seq"] for e in events] == list(range(len(events)))
    assert problems(events) == []
    assert events[-1]["kind"] == "run.end"
    assert story(events) == story(cli_events)


def test_cut_and_resume_gives_every_event_exactly_once(server: LiveServer) -> None:
    run = start(server, "pipe", pace_ms=15, params={"msgs": [f"m{i}" for i in range(12)] + ["END"]})
    url = f"{server.url}/api/runs/{run['id']}/events"
    seen: list[dict[str, Any]] = []
    last_id = None
    cuts = 0
    while True:
        headers = {"Last-Event-ID": last_id} if last_id is not None else {}
        with httpx.stream("GET", url, headers=headers, timeout=30) as r:
            if r.status_code == 204:
                break
            assert r.status_code == 200
            buffer = ""
            messages = 0
            for text in r.iter_text():
                buffer += text
                *complete, buffer = buffer.split("\n\n")
                for block in complete:
                    msg = parse_sse(block + "\n\n")
                    if msg and "data" in msg[0]:
                        seen.extend(json.loads(msg[0]["data"]))
                        last_id = msg[0]["id"]
                        messages += 1
                if messages >= 3 and seen[-1]["kind"] != "run.end":
                    cuts += 1
                    break  # hang up mid-stream
            else:
                if seen and seen[-1]["kind"] == "run.end":
                    break
    assert cuts >= 2
    assert [e["seq"] for e in seen] == list(range(len(seen)))
    assert seen[-1]["kind"] == "run.end"


def test_httpx_sse_client_reads_the_stream(server: LiveServer) -> None:
    run = start(server, "queue", pace_ms=5)
    events: list[dict[str, Any]] = []
    with (
        httpx.Client(timeout=30) as client,
        connect_sse(client, "GET", f"{server.url}/api/runs/{run['id']}/events") as es,
    ):
        for sse in es.iter_sse():
            batch = json.loads(sse.data)
            assert int(sse.id) == batch[-1]["seq"]
            assert sse.retry in (None, 2000)
            events.extend(batch)
    assert [e["value"] for e in events if e["kind"] == "queue.get"] == [1, 4, 9, 16]
    assert events[-1]["kind"] == "run.end"


def test_after_parameter_and_ndjson(server: LiveServer) -> None:
    run = start(server, "queue")
    url = f"{server.url}/api/runs/{run['id']}/events"
    full = [json.loads(line) for line in httpx.get(url + "?format=ndjson", timeout=30).text.splitlines()]
    assert full[-1]["kind"] == "run.end"
    tail = sse_events(httpx.get(url + "?after=10", timeout=30).text)
    assert tail == full[11:]


def test_keepalive_comments_on_an_idle_stream() -> None:
    from tests.serving import live_server

    with live_server({"MPSCOPE_SSE_KEEPALIVE_S": "0.2"}) as s:
        run = start(s, "queue", pace_ms=600)
        started = time.monotonic()
        with httpx.stream("GET", f"{s.url}/api/runs/{run['id']}/events", timeout=30) as r:
            text = ""
            for chunk in r.iter_text():
                text += chunk
                if text.count(": keep-alive") >= 2:
                    break
        assert time.monotonic() - started < 5
        httpx.delete(f"{s.url}/api/runs/{run['id']}", timeout=10)
