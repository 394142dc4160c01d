"""Cancels, limits, kills and slow readers, against a real uvicorn."""

from __future__ import annotations

import json
import os
import signal
import socket
import threading
import time
from typing import Any
from urllib.parse import urlparse

import httpx
import psutil

from tests.conftest import shm_entries, shm_left_since
from tests.live.conftest import alive, descendants, run_processes, sse_events, start, wait_for
from tests.serving import LiveServer, live_server


def first_events(server: LiveServer, run_id: str, kind: str) -> list[dict[str, Any]]:
    """Read the run's stream until an event of ``kind`` shows up."""
    seen: list[dict[str, Any]] = []
    with httpx.stream("GET", f"{server.url}/api/runs/{run_id}/events", timeout=30) as r:
        buffer = ""
        for text in r.iter_text():
            buffer += text
            *blocks, buffer = buffer.split("\n\n")
            seen.extend(sse_events("\n\n".join(blocks) + "\n\n"))
            if any(e["kind"] == kind for e in seen):
                return seen
    raise AssertionError(f"no {kind} event")


def test_delete_mid_run_leaves_no_process_within_two_seconds(server: LiveServer) -> None:
    run = start(server, "queue", pace_ms=300, params={"mylist": list(range(20))})
    events = first_events(server, run["id"], "queue.put")
    pids = {e["pid"] for e in events if e["kind"] == "proc.start"}
    assert len(pids) >= 2
    started = time.monotonic()
    r = httpx.delete(f"{server.url}/api/runs/{run['id']}", timeout=10)
    assert r.status_code == 200
    assert r.json()["status"] == "cancelled"
    assert not alive([psutil.Process(p) for p in pids if psutil.pid_exists(p)])
    assert time.monotonic() - started < 2.0
    final = sse_events(httpx.get(f"{server.url}/api/runs/{run['id']}/events", timeout=10).text)
    assert final[-1]["kind"] == "run.end"
    assert final[-1]["status"] == "cancelled"


def test_three_times_the_cap_at_once() -> None:
    cap = 2
    env = {
        "MPSCOPE_MAX_RUNS": str(cap),
        "MPSCOPE_MAX_RUNS_PER_CLIENT": str(cap),
        "MPSCOPE_RUNS_PER_MINUTE": "1000",
    }
    with live_server(env) as server:
        results: list[int] = []
        barrier = threading.Barrier(3 * cap)

        def submit() -> None:
            barrier.wait()
            r = httpx.post(server.url + "/api/runs", json={"scenario": "manager", "pace_ms": 100}, timeout=30)
            results.append(r.status_code)

        samples: list[int] = []
        threads = [threading.Thread(target=submit) for _ in range(3 * cap)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == [201] * cap + [429] * (2 * cap)
        # Sample while the admitted runs go on: never more runners than the cap, never
        # more processes than the cap times the scenario's own (main, manager, p1, p2).
        while True:
            procs = run_processes(server.pid)
            runners = [p for p in procs if p.pid == os.getsid(p.pid)]
            samples.append(len(runners))
            assert len(runners) <= cap
            assert len(procs) <= cap * 4
            if not procs and len(samples) > 5:
                break
            time.sleep(0.02)
        assert max(samples) == cap
        statuses = [r["status"] for r in httpx.get(server.url + "/api/runs", timeout=10).json()]
        assert statuses == ["succeeded"] * cap


def test_server_killed_mid_run_leaves_nothing() -> None:
    shm_before = shm_entries()
    with live_server({"MPSCOPE_MAX_RUNS_PER_CLIENT": "4"}) as server:
        for scenario in ("manager", "shared-memory", "pipe"):
            start(server, scenario, pace_ms=500)
        wait_for(lambda: len(run_processes(server.pid)) >= 7, within_s=10)
        everything = descendants(server.pid)
        os.kill(server.pid, signal.SIGKILL)
        server.process.wait(5)
        took = wait_for(lambda: not alive(everything), within_s=3)
    assert took < 3
    assert shm_left_since(shm_before) == set()


def test_sigterm_stops_runs_cleanly_first() -> None:
    with live_server() as server:
        run = start(server, "queue", pace_ms=500, params={"mylist": list(range(30))})
        wait_for(lambda: len(run_processes(server.pid)) >= 2, within_s=10)
        runs = run_processes(server.pid)
        everything = descendants(server.pid)
        collected: list[dict[str, Any]] = []

        def read() -> None:
            r = httpx.get(f"{server.url}/api/runs/{run['id']}/events", timeout=30)
            collected.extend(sse_events(r.text))

        reader = threading.Thread(target=read)
        reader.start()
        wait_for(lambda: httpx.get(server.url + "/healthz").json()["streams_open"] == 1, within_s=5)
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        server.process.wait(10)
        reader.join(10)
        assert time.monotonic() - started < 3
        # uvicorn re-raises the signal once it has shut down gracefully.
        assert server.process.returncode in (0, -signal.SIGTERM)
        assert "Application shutdown complete" in server.log()
        # The runs were stopped before the server finished; its helpers (the forkserver,
        # the resource tracker) see it gone and follow at once.
        assert not alive(runs)
        wait_for(lambda: not alive(everything), within_s=2)
    assert collected[-1]["kind"] == "run.end"
    assert collected[-1]["status"] == "cancelled"


def test_slow_reader_does_not_hold_up_others_or_grow_memory() -> None:
    with live_server({"MPSCOPE_SSE_STALL_S": "1"}) as server:
        rss_before = psutil.Process(server.pid).memory_info().rss
        run = start(server, "queue-flood", params={"count": 20000})
        url = urlparse(f"{server.url}/api/runs/{run['id']}/events")
        # A reader that asks and then reads nothing.
        slow = socket.create_connection((url.hostname, url.port))
        slow.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        slow.sendall(f"GET {url.path} HTTP/1.1\r\nHost: {url.hostname}\r\n\r\n".encode())
        started = time.monotonic()
        fast = httpx.get(f"{server.url}/api/runs/{run['id']}/events?format=ndjson", timeout=60)
        fast_s = time.monotonic() - started
        events = [json.loads(line) for line in fast.text.splitlines()]
        assert events[-1]["kind"] == "run.end"
        assert len(events) > 40000
        # The stalled reader is dropped, and the server did not keep its backlog.
        wait_for(lambda: httpx.get(server.url + "/healthz").json()["streams_open"] == 0, within_s=10)
        slow.close()
        grown_mb = (psutil.Process(server.pid).memory_info().rss - rss_before) / 2**20
        log_mb = sum(len(line) for line in fast.text.splitlines()) / 2**20
        assert grown_mb < log_mb * 3 + 32, (grown_mb, log_mb)
        assert fast_s < 20


def test_client_disconnect_frees_the_stream_at_once(server: LiveServer) -> None:
    run = start(server, "queue", pace_ms=400, params={"mylist": list(range(10))})
    with httpx.stream("GET", f"{server.url}/api/runs/{run['id']}/events", timeout=30) as r:
        chunks = r.iter_text()  # keep it: a dropped iterator closes the response
        assert next(chunks).startswith("retry:")
        assert httpx.get(server.url + "/healthz").json()["streams_open"] >= 1
    took = wait_for(lambda: httpx.get(server.url + "/healthz").json()["streams_open"] == 0, within_s=2)
    assert took < 1
    httpx.delete(f"{server.url}/api/runs/{run['id']}", timeout=10)
