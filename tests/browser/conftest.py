"""Browser tests: the real server (``python -m app`` on a free port) and Debian's Chromium.

Playwright drives /usr/bin/chromium; it never downloads a browser. Without Chromium the
tests are skipped, unless MPSCOPE_REQUIRE_BROWSER=1 (CI), where that is a failure. Every
page records its console: any error or warning fails the test that produced it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import httpx
import pytest

from tests.browser.course import CourseSite, course_site
from tests.serving import LiveServer, live_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOGS = Path(__file__).parent / "logs"
# True once the last event of the run is on screen ("event 34 of 34").
AT_END = "() => /^event (\\d+) of \\1$/.test(document.querySelector('#position').textContent)"
# Room for every test's runs: the default per-client limits are for people, not suites.
SERVER_ENV = {
    "MPSCOPE_MAX_RUNS": "8",
    "MPSCOPE_MAX_RUNS_PER_CLIENT": "8",
    "MPSCOPE_RUNS_PER_MINUTE": "10000",
}


def chromium_or_skip() -> Path:
    if CHROMIUM.exists():
        return CHROMIUM
    if os.environ.get("MPSCOPE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{CHROMIUM} is missing and MPSCOPE_REQUIRE_BROWSER=1")
    pytest.skip(f"{CHROMIUM} is missing")


@pytest.fixture(scope="package")
def server() -> Iterator[LiveServer]:
    chromium_or_skip()
    with live_server(SERVER_ENV) as s:
        yield s


@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    chromium_or_skip()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Console:
    """What the page said: console messages of every level, and uncaught errors."""

    messages: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    expected: list[str] = field(default_factory=list)

    def expect(self, fragment: str) -> None:
        """A message the test provokes on purpose (e.g. Chromium logging a 422 response)."""
        self.expected.append(fragment)

    def problems(self) -> list[str]:
        bad = [
            f"{kind}: {text}"
            for kind, text in self.messages
            if kind in ("error", "warning") and not any(f in text for f in self.expected)
        ]
        return bad + [f"uncaught: {e}" for e in self.errors]


@contextmanager
def watched_page(browser: Any, **options: Any) -> Iterator[tuple[Any, Console]]:
    """A page in a fresh browser context, with its console checked when the test is done."""
    context = browser.new_context(**options)
    page = context.new_page()
    page.set_default_timeout(15_000)
    console = Console()
    page.on("console", lambda msg: console.messages.append((msg.type, msg.text)))
    page.on("pageerror", lambda exc: console.errors.append(str(exc)))
    try:
        yield page, console
    finally:
        context.close()
    assert console.problems() == [], "the browser console reported problems"


@pytest.fixture(scope="package")
def course() -> Iterator[CourseSite]:
    """A course site on a second local origin, serving the pages a test publishes."""
    with course_site() as site:
        yield site


@dataclass
class Dashboard:
    """A page on the dashboard, plus the helpers the tests share."""

    page: Any
    server: LiveServer
    console: Console

    def open(self, **query: Any) -> None:
        """Open ``/?…``; list and dict values are sent as JSON, like the page writes them."""
        args = {k: json.dumps(v) if isinstance(v, list | dict) else str(v) for k, v in query.items()}
        self.page.goto(f"{self.server.url}/?{urlencode(args)}")
        self.page.wait_for_selector("body[data-ready='true']")

    def run(self, status: str = "succeeded", timeout_ms: float = 20_000) -> None:
        """Press Run and wait until the run's last event is on screen (after a run, the
        folded set-up is opened first, as a person would)."""
        if self.page.locator("#edit-setup").is_visible():
            self.page.click("#edit-setup")
        self.page.click("#run")
        self.wait_status(status, timeout_ms)

    def wait_status(self, status: str, timeout_ms: float = 20_000) -> None:
        self.page.wait_for_selector(f"body[data-run-status='{status}']", timeout=timeout_ms)
        self.page.wait_for_function(AT_END, timeout=timeout_ms)

    def lane(self, proc: str) -> Any:
        """The process's box on the stage (its memory, its state, its console)."""
        return self.page.locator(f".proc-box[data-proc='{proc}']")

    def console_of(self, proc: str) -> Any:
        return self.lane(proc).locator(".console")

    def output(self, proc: str) -> str:
        """Exactly what ``proc``'s console shows (its lines, newlines included)."""
        return str(self.console_of(proc).text_content())

    def position(self) -> str:
        return str(self.page.inner_text("#position"))

    def evaluate(self, script: str, arg: Any = None) -> Any:
        return self.page.evaluate(script, arg)

    def run_id(self) -> str:
        """The run on screen, as the address bar names it."""
        return parse_qs(urlparse(self.page.url).query)["run"][0]

    def events(self) -> list[dict[str, Any]]:
        """The run's events, from the API (the truth the page is checked against)."""
        r = httpx.get(f"{self.server.url}/api/runs/{self.run_id()}/events?format=ndjson", timeout=10)
        r.raise_for_status()
        return [json.loads(line) for line in r.text.splitlines() if line.strip()]

    def seek(self, index: int) -> None:
        """Scrub the timeline to event ``index`` (-1: before the first)."""
        self.page.locator("#timeline-slider").fill(str(index))
        self.wait_at(index)

    def wait_at(self, index: int) -> None:
        want = "before event 1 of" if index < 0 else f"event {index + 1} of"
        self.page.wait_for_function(
            "(want) => document.querySelector('#position').textContent.startsWith(want + ' ')", arg=want
        )

    def texts(self, selector: str) -> list[str]:
        return [str(t) for t in self.page.locator(selector).all_inner_texts()]


@pytest.fixture
def dashboard(browser: Any, server: LiveServer) -> Iterator[Dashboard]:
    with watched_page(browser, viewport={"width": 1280, "height": 900}) as (page, console):
        yield Dashboard(page, server, console)


@pytest.fixture(scope="module")
def js(browser: Any, server: LiveServer) -> Iterator[Any]:
    """A page on the server's origin, for importing the ES modules and calling them."""
    context = browser.new_context()
    page = context.new_page()
    console = Console()
    page.on("console", lambda msg: console.messages.append((msg.type, msg.text)))
    page.on("pageerror", lambda exc: console.errors.append(str(exc)))
    page.goto(server.url + "/healthz")
    try:
        yield page
    finally:
        context.close()
    assert console.problems() == [], "the browser console reported problems"


def recorded(name: str) -> list[dict[str, Any]]:
    """A run recorded with ``python -m app run <scenario> --json`` (tests/browser/logs/)."""
    lines = (LOGS / f"{name}.ndjson").read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]
