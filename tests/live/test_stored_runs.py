"""Finished runs outlive the server, and export to a Chrome trace."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from tests.live.conftest import sse_events, start
from tests.serving import live_server


def test_a_finished_run_is_still_there_after_a_restart(tmp_path: Path) -> None:
    with live_server(data_dir=tmp_path) as first:
        run = start(first, "manager")
        before = sse_events(httpx.get(f"{first.url}/api/runs/{run['id']}/events", timeout=30).text)
        summary = httpx.get(f"{first.url}/api/runs/{run['id']}", timeout=10).json()
    assert (tmp_path / "runs.sqlite3").exists()
    with live_server(data_dir=tmp_path) as second:
        assert httpx.get(f"{second.url}/healthz", timeout=10).json()["runs_kept"] == 0  # not in memory
        again = httpx.get(f"{second.url}/api/runs/{run['id']}", timeout=10)
        assert again.status_code == 200
        assert again.json() == summary
        after = sse_events(httpx.get(f"{second.url}/api/runs/{run['id']}/events", timeout=30).text)
        assert after == before
        resumed = sse_events(httpx.get(f"{second.url}/api/runs/{run['id']}/events?after=20", timeout=30).text)
        assert resumed == before[21:]
        listed = httpx.get(f"{second.url}/api/runs", timeout=10).json()
        assert [r["id"] for r in listed] == [run["id"]]
        done = httpx.get(f"{second.url}/api/runs/{run['id']}/events", headers={"Last-Event-ID": "9999"})
        assert done.status_code == 204
        cancelled = httpx.delete(f"{second.url}/api/runs/{run['id']}", timeout=10)
        assert cancelled.json()["status"] == "succeeded"  # finished runs stay as they were


def test_trace_export_pairs_every_put_with_its_get(tmp_path: Path) -> None:
    with live_server(data_dir=tmp_path) as server:
        run = start(server, "queue")
        httpx.get(f"{server.url}/api/runs/{run['id']}/events", timeout=30)  # to its end
        r = httpx.get(f"{server.url}/api/runs/{run['id']}/trace", timeout=30)
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert "attachment" in r.headers["content-disposition"]
    trace = json.loads(r.content)
    events = trace["traceEvents"]
    names = {e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "process_name"}
    assert {"main", "p1", "p2"} <= names
    starts = {e["id"] for e in events if e["ph"] == "s"}
    ends = {e["id"] for e in events if e["ph"] == "f"}
    assert starts == ends
    assert len(starts) >= 4  # four puts paired with four gets, plus spawns and joins
