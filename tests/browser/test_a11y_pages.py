"""axe-core on every page that shows a run, in every theme, at the end and partway through.

The dashboard after a finished run (one per scenario: its process boxes, channels, shared
regions or manager objects, consoles, replay controls and charts), the run's permalink and
its embeds, each in the light and the dark theme and in "auto" with the system dark. Partway
through means paused where tokens are in flight, processes are parked and a process is the
current one (its box, its line): states the end of a run does not show. Any WCAG A/AA
violation fails, and so does anything axe leaves undecided that is not explained away
(tests/browser/axe.py).

One run per scenario is made through the API and shared by the whole module; one page
visits every state of it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from app.scenarios import registry
from tests.browser.axe import assert_accessible, axe_violations
from tests.browser.conftest import AT_END, Dashboard, watched_page
from tests.serving import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

SCENARIOS = ["queue", "pipe", "value-race", "manager"]
# The views of the other primitives (and the hazards), in the two themes.
PRIMITIVES = [
    "lock",
    "event",
    "barrier",
    "semaphore",
    "condition",
    "joinable-queue",
    "pool",
    "shared-memory-block",
    "manager-shared",
    "remote-manager",
    "join-deadlock",
    "pipe-same-end",
]
THEMES = ["light", "dark", "auto"]
# The page's background in each theme (--bg): proof that the theme asked for is the one shown.
BACKGROUND = {"light": "rgb(246, 247, 249)", "dark": "rgb(15, 18, 22)"}
# Events that put something on screen only partway through a run: a process parked at an
# object, a message in a channel or a call at a manager.
PARKED = (".wait",)
MESSAGES = ("queue.put", "pipe.send", "manager.call", "pool.task")


@pytest.fixture(scope="module")
def runs(server: LiveServer) -> dict[str, list[dict[str, Any]]]:
    """One finished run per scenario: its events, by scenario (the run's id is in each event)."""
    made = {}
    for scenario in SCENARIOS + PRIMITIVES:
        r = httpx.post(f"{server.url}/api/runs", json={"scenario": scenario}, timeout=10)
        r.raise_for_status()
        run_id = r.json()["id"]
        # The NDJSON answer ends with the run, so this also waits for it.
        events = httpx.get(f"{server.url}/api/runs/{run_id}/events?format=ndjson", timeout=60)
        made[scenario] = [{**json.loads(line), "run": run_id} for line in events.text.splitlines() if line]
        assert made[scenario][-1]["kind"] == "run.end"
        s = registry.get(scenario)
        assert made[scenario][-1]["status"] == s.ends(s.params_model())
    return made


@pytest.fixture(scope="module")
def viewer(browser: Any, server: LiveServer) -> Iterator[Dashboard]:
    with watched_page(browser, viewport={"width": 1366, "height": 900}) as (page, console):
        yield Dashboard(page, server, console)


def run_id(events: list[dict[str, Any]]) -> str:
    return str(events[0]["run"])


def with_theme(d: Dashboard, theme: str) -> None:
    """Choose ``theme`` as a person would have (theme.js reads it from localStorage at load);
    "auto" follows the system, which is dark here, so auto must look dark."""
    d.page.emulate_media(color_scheme="dark" if theme == "auto" else "light")
    d.page.goto(d.server.url + "/healthz")
    d.page.evaluate("(theme) => localStorage.setItem('mpscope.theme', theme)", theme)


def shown_theme(d: Dashboard, theme: str) -> None:
    want = BACKGROUND["dark" if theme == "auto" else theme]
    expect(d.page.locator("body")).to_have_css("background-color", want)


def open_page(d: Dashboard, path: str, theme: str) -> None:
    with_theme(d, theme)
    d.page.goto(d.server.url + path)
    d.page.wait_for_selector("body[data-ready='true']")
    d.page.wait_for_function(AT_END)
    shown_theme(d, theme)


def partway(events: list[dict[str, Any]]) -> dict[str, int]:
    """Where to pause: the first parked process, the first message on its way, the middle."""
    stops = {"middle": len(events) // 2}
    for i, e in enumerate(events):
        if e["kind"].endswith(PARKED) and "parked" not in stops:
            stops["parked"] = i
        if e["kind"] in MESSAGES and "message" not in stops:
            stops["message"] = i
    return stops


def settle(page: Any) -> None:
    """Until the stage is drawn and nothing on the page moves (axe reads a moving element
    as overlapped): two frames, then every animation finished."""
    page.evaluate(
        """async () => {
          for (let i = 0; i < 2; i += 1) await new Promise(requestAnimationFrame);
          await Promise.all(document.getAnimations().map((a) => a.finished.catch(() => null)));
        }"""
    )


def check_partway(d: Dashboard, events: list[dict[str, Any]]) -> None:
    """axe at each stop of ``partway``, paused there, with a current process on screen."""
    for what, index in partway(events).items():
        d.seek(index)
        settle(d.page)
        current = events[index]["proc"]
        # The current process's box is marked (its chip, pid, role and status are what the
        # issue found below 4.5:1), and so is the line it is at.
        expect(d.lane(current)).to_have_class(re.compile(r"\bis-current\b"))
        if events[index].get("line") is not None and d.page.locator("#source").count():
            expect(d.page.locator(".src-line.current")).not_to_have_count(0)
        try:
            assert_accessible(d.page, review=True)
        except AssertionError as e:
            raise AssertionError(f"paused at event {index} ({what}, {events[index]['kind']}): {e}") from None


@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_dashboard_after_a_run(
    viewer: Dashboard, runs: dict[str, list[dict[str, Any]]], scenario: str, theme: str
) -> None:
    d, events = viewer, runs[scenario]
    open_page(d, f"/?run={run_id(events)}", theme)
    expect(d.page.locator(".proc-box")).not_to_have_count(0)
    expect(d.page.locator(".console[role='log']")).to_have_count(d.page.locator(".proc-box").count())
    assert_accessible(d.page, review=True)
    if theme != "auto":  # auto is dark's colours (checked above); the states need no third look
        check_partway(d, events)


@pytest.mark.parametrize("theme", THEMES)
def test_a_runs_page(viewer: Dashboard, runs: dict[str, list[dict[str, Any]]], theme: str) -> None:
    d, events = viewer, runs["manager"]
    open_page(d, f"/runs/{run_id(events)}", theme)
    expect(d.page.locator("#run-heading")).not_to_be_empty()
    assert_accessible(d.page, review=True)
    if theme != "auto":
        check_partway(d, events)


@pytest.mark.parametrize("theme", THEMES)
def test_the_embeds(viewer: Dashboard, runs: dict[str, list[dict[str, Any]]], theme: str) -> None:
    d = viewer
    # The embed takes its theme from its address, not from the course reader's storage.
    d.page.emulate_media(color_scheme="dark" if theme == "auto" else "light")
    events = runs["queue"]
    d.page.goto(f"{d.server.url}/embed/runs/{run_id(events)}?theme={theme}&source=1")
    d.page.wait_for_selector("body[data-ready='true']")
    d.page.wait_for_function(AT_END)
    shown_theme_embed(d, theme)
    assert_accessible(d.page, review=True)
    if theme != "auto":
        check_partway(d, events)
    # A scenario's embed before Run: the cast, not started, and the Run button.
    d.page.goto(f"{d.server.url}/embed/pipe?theme={theme}&pace_ms=0")
    d.page.wait_for_selector("body[data-ready='true']")
    expect(d.page.locator("#run")).to_be_enabled()
    assert_accessible(d.page, review=True)


def shown_theme_embed(d: Dashboard, theme: str) -> None:
    # An embed's page is the panel colour (embed.css), so it sits flat in a course page.
    want = {"light": "rgb(255, 255, 255)", "dark": "rgb(23, 27, 33)"}["dark" if theme == "auto" else theme]
    expect(d.page.locator("body")).to_have_css("background-color", want)


def test_the_check_finds_what_the_issue_found(
    viewer: Dashboard, runs: dict[str, list[dict[str, Any]]]
) -> None:
    """The checks themselves: the two faults issue 11 reported, put back, are caught."""
    d, events = viewer, runs["queue"]
    open_page(d, f"/?run={run_id(events)}", "light")  # at the end: p2 has printed, main has not
    # A console labelled with no role: a plain div's aria-label is prohibited (when the
    # console has lines, axe only leaves it for review, which fails here too).
    d.evaluate("() => document.querySelector('.console').removeAttribute('role')")
    with pytest.raises(AssertionError, match=r"aria-prohibited-attr"):
        assert_accessible(d.page, review=True)
    d.evaluate("() => document.querySelector('.console:has(.out)').removeAttribute('role')")
    d.evaluate("() => document.querySelector('.console:not(:has(.out))').setAttribute('role', 'log')")
    assert not [v for v in axe_violations(d.page) if v["id"] == "aria-prohibited-attr"]
    with pytest.raises(AssertionError, match=r"could not decide(.|\n)*aria-prohibited-attr"):
        assert_accessible(d.page, review=True)
    # Process-coloured text as it was (the colour itself, not mixed toward the text colour).
    d.evaluate("() => document.querySelectorAll('.console').forEach((c) => c.setAttribute('role', 'log'))")
    assert_accessible(d.page, review=True)
    d.page.add_style_tag(content=":root, [class*='proc-'] { --pc-ink: var(--pc); --muted: #8a939c; }")
    with pytest.raises(AssertionError, match=r"color-contrast \(serious\)"):
        assert_accessible(d.page, review=True)


@pytest.mark.slow
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("scenario", PRIMITIVES)
def test_the_dashboard_after_a_run_of_each_primitive(
    viewer: Dashboard, runs: dict[str, list[dict[str, Any]]], scenario: str, theme: str
) -> None:
    d, events = viewer, runs[scenario]
    open_page(d, f"/?run={run_id(events)}", theme)
    expect(d.page.locator(".proc-box")).not_to_have_count(0)
    assert_accessible(d.page, review=True)
    check_partway(d, events)
