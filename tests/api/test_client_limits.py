"""Browsers behind one address, over a real server: each browser's token makes it a
client of its own, an address has a cap of its own, and a malformed token is a 422."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.serving import LiveServer, live_server

pytestmark = pytest.mark.timeout(90)

PER_CLIENT = 2
PER_ADDRESS = 6
# A run that lasts while the test looks: four items at one operation a second.
SLOW = {"scenario": "queue", "pace_ms": 1000}


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    env = {
        "MPSCOPE_MAX_RUNS": "12",  # room above the address cap: that cap, not the server's, refuses
        "MPSCOPE_MAX_RUNS_PER_CLIENT": str(PER_CLIENT),
        "MPSCOPE_MAX_RUNS_PER_ADDRESS": str(PER_ADDRESS),
        "MPSCOPE_RUNS_PER_MINUTE": "100",
    }
    with live_server(env) as s:
        yield s


def post(server: LiveServer, token: str | None) -> httpx.Response:
    headers = {"X-Mpscope-Client": token} if token is not None else {}
    return httpx.post(server.url + "/api/runs", json=SLOW, headers=headers, timeout=30)


def all_at_once(server: LiveServer, tokens: list[str | None]) -> list[tuple[str | None, httpx.Response]]:
    """POST one run per entry of ``tokens``, every request released at the same moment."""
    barrier = threading.Barrier(len(tokens))
    answers: list[tuple[str | None, httpx.Response]] = []
    lock = threading.Lock()

    def submit(token: str | None) -> None:
        barrier.wait()
        r = post(server, token)
        with lock:
            answers.append((token, r))

    threads = [threading.Thread(target=submit, args=(t,)) for t in tokens]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def cancel_all(server: LiveServer) -> None:
    for run in httpx.get(server.url + "/api/runs", timeout=10).json():
        httpx.delete(f"{server.url}/api/runs/{run['id']}", timeout=30)
    assert httpx.get(server.url + "/healthz", timeout=10).json()["runs_active"] == 0


def limit_of(r: httpx.Response) -> str:
    detail: Any = r.json()["detail"]
    assert isinstance(detail, str)
    return detail.rsplit("[", 1)[1].rstrip("]")


def test_three_browsers_behind_one_address_each_run_two_at_once(server: LiveServer) -> None:
    browsers = ["browser-a", "browser-b", "browser-c"]
    try:
        # Three per browser at the same moment: two each get in, the third is its own cap.
        answers = all_at_once(server, [b for b in browsers for _ in range(3)])
        admitted = sorted(str(t) for t, r in answers if r.status_code == 201)
        assert admitted == sorted(browsers * PER_CLIENT)
        refused = [r for _, r in answers if r.status_code != 201]
        assert [r.status_code for r in refused] == [429] * len(browsers)
        assert {limit_of(r) for r in refused} == {"MPSCOPE_MAX_RUNS_PER_CLIENT"}
        assert all(int(r.headers["retry-after"]) >= 1 for r in refused)
        assert httpx.get(server.url + "/healthz", timeout=10).json()["runs_active"] == 6

        # A fourth browser (or a made-up token) is beyond what one address may run.
        fourth = post(server, "browser-d")
        assert fourth.status_code == 429
        assert limit_of(fourth) == "MPSCOPE_MAX_RUNS_PER_ADDRESS"
        assert f"(limit {PER_ADDRESS})" in fourth.json()["detail"]
        # So is a client without a token: the address is full.
        assert limit_of(post(server, None)) == "MPSCOPE_MAX_RUNS_PER_ADDRESS"
        # A browser that already runs its two is refused for its own cap.
        assert limit_of(post(server, "browser-a")) == "MPSCOPE_MAX_RUNS_PER_CLIENT"
    finally:
        cancel_all(server)


def test_without_a_token_the_address_is_one_client(server: LiveServer) -> None:
    try:
        answers = all_at_once(server, [None] * 3)
        assert sorted(r.status_code for _, r in answers) == [201, 201, 429]
        assert [limit_of(r) for _, r in answers if r.status_code == 429] == ["MPSCOPE_MAX_RUNS_PER_CLIENT"]
        # …and a browser with a token at that address still gets its own two.
        assert [post(server, "browser-e").status_code for _ in range(2)] == [201, 201]
    finally:
        cancel_all(server)


@pytest.mark.parametrize("token", ["", "two words", "a@b", "x" * 65, "semi;colon"])
def test_a_malformed_token_is_a_422_that_names_the_header(server: LiveServer, token: str) -> None:
    r = post(server, token)
    assert r.status_code == 422
    [error] = r.json()["detail"]
    assert error["loc"] == ["header", "x-mpscope-client"]
    assert httpx.get(server.url + "/healthz", timeout=10).json()["runs_active"] == 0
