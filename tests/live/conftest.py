"""Live tests: a real uvicorn on a free port; helpers to read its streams."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import psutil
import pytest

from tests.serving import LiveServer, live_server

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with live_server(
        {"MPSCOPE_MAX_RUNS": "8", "MPSCOPE_MAX_RUNS_PER_CLIENT": "8", "MPSCOPE_RUNS_PER_MINUTE": "10000"}
    ) as s:
        yield s


def start(server: LiveServer, scenario: str, **body: Any) -> dict[str, Any]:
    r = httpx.post(server.url + "/api/runs", json={"scenario": scenario, **body}, timeout=10)
    assert r.status_code == 201, r.text
    run: dict[str, Any] = r.json()
    return run


def parse_sse(text: str) -> list[dict[str, Any]]:
    """Messages of an SSE body: their fields (data joined), comments skipped."""
    messages = []
    for block in text.split("\n\n"):
        fields: dict[str, Any] = {}
        for line in block.splitlines():
            if line.startswith(":") or not line:
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            fields[name] = fields.get(name, "") + ("\n" if name in fields else "") + value
        if fields:
            messages.append(fields)
    return messages


def sse_events(text: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = []
    for msg in parse_sse(text):
        if "data" in msg:
            batch = json.loads(msg["data"])
            assert int(msg["id"]) == batch[-1]["seq"]
            events.extend(batch)
    return events


def descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def alive(procs: list[psutil.Process]) -> list[psutil.Process]:
    out = []
    for p in procs:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(p)
        except psutil.NoSuchProcess:
            pass
    return out


def wait_for(
    condition: Callable[[], bool], within_s: float, what: str = "condition", step_s: float = 0.02
) -> float:
    """Seconds until ``condition()`` held; fails, naming ``what``, if it does not hold within
    ``within_s``. A bounded poll: clean-up after a run is asynchronous."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > within_s:
            raise AssertionError(f"not within {within_s} s: {what}")
        time.sleep(step_s)
    return time.monotonic() - started


def holds_within(condition: Callable[[], bool], within_s: float) -> bool:
    """Whether ``condition()`` came to hold within ``within_s`` (``wait_for``, as a bool)."""
    try:
        wait_for(condition, within_s)
    except AssertionError:
        return False
    return True


def run_processes(server_pid: int) -> list[psutil.Process]:
    """Processes of runs: everything under the server in a session of its own (a runner
    and its children), leaving out the forkserver and the resource tracker."""
    out = []
    for p in alive(descendants(server_pid)):
        try:
            if os.getsid(p.pid) != os.getsid(server_pid):
                out.append(p)
        except ProcessLookupError:
            pass
    return out
