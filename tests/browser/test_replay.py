"""Replay: stepping, scrubbing, playing; by keyboard as well as by pointer."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import AT_END, Dashboard, watched_page
from tests.serving import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

# What a person sees of the run at the event on screen: the narration, each process's box
# and each travelling token (the stage's own classes belong to its views and may change).
SNAPSHOT = """() => ({
  narration: document.querySelector('#narration').textContent,
  procs: [...document.querySelectorAll('[data-proc]')].map((el) => [el.dataset.proc, el.innerText]),
  tokens: [...document.querySelectorAll('[data-token]')].map((el) => [el.dataset.token, el.innerText]),
})"""


@pytest.fixture
def still(browser: Any, server: LiveServer) -> Iterator[Dashboard]:
    """A dashboard that asks for reduced motion: tokens jump instead of travelling, so what
    is on screen after a step does not depend on how far an animation has got."""
    with watched_page(browser, viewport={"width": 1280, "height": 900}, reduced_motion="reduce") as (
        page,
        console,
    ):
        yield Dashboard(page, server, console)


def snapshot(d: Dashboard) -> dict[str, Any]:
    shot: dict[str, Any] = d.evaluate(SNAPSHOT)
    return shot


@pytest.mark.parametrize("scenario", ["queue", "pipe", "shared-memory", "manager", "separate-memory"])
def test_stepping_back_restores_every_earlier_state(still: Dashboard, scenario: str) -> None:
    d = still
    d.open(scenario=scenario, pace_ms=0)
    d.run()
    n = len(d.events())
    at_end = snapshot(d)
    assert at_end["procs"], "no process boxes ([data-proc]) on the stage"

    # Forward from the start, one event at a time, by keyboard.
    d.page.keyboard.press("Home")
    d.wait_at(-1)
    forward = [snapshot(d)]
    for k in range(n):
        d.page.keyboard.press("ArrowRight")
        d.wait_at(k)
        forward.append(snapshot(d))
    assert forward[-1] == at_end

    # Back from the end: every state is the one seen on the way forward.
    for k in range(n - 2, -2, -1):
        d.page.keyboard.press("ArrowLeft")
        d.wait_at(k)
        assert snapshot(d) == forward[k + 1], f"state at event {k} differs after stepping back"

    # Scrubbing straight to an event shows the same state too.
    for k in (n - 1, n // 2, 3, n - 2):
        d.seek(k)
        assert snapshot(d) == forward[k + 1]


def test_play_pause_and_speed(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="queue", pace_ms=0)
    d.run()
    d.page.keyboard.press("Home")
    d.wait_at(-1)
    d.page.select_option("#ctl-speed", "10")
    d.page.locator("#timeline-slider").focus()  # keys still reach the page's shortcuts…
    d.page.locator("#ctl-play").focus()
    d.page.keyboard.press("Space")  # …and Space on the button presses it once
    expect(d.page.locator("#ctl-play")).to_have_attribute("aria-label", "Pause")
    d.wait_at(5)
    d.page.locator("#ctl-play").click()
    expect(d.page.locator("#ctl-play")).to_have_attribute("aria-label", "Play")
    paused_at = d.position()
    assert paused_at.startswith("event ")
    # Played to the end, playback stops by itself.
    d.page.locator("#ctl-play").click()
    d.wait_status("succeeded")
    expect(d.page.locator("#ctl-play")).to_have_attribute("aria-label", "Play")


def test_keyboard_only(dashboard: Dashboard) -> None:
    """Pick a scenario, run it and step through it without a pointer."""
    d = dashboard
    d.open(scenario="queue", pace_ms=0)
    d.page.locator("input[name='scenario'][value='queue']").focus()
    d.page.keyboard.press("ArrowDown")  # radios: the next scenario, the pipe
    expect(d.page.locator("#scenario-title")).to_have_text("Message passing: a Pipe")
    d.page.locator("#pace").focus()
    d.page.keyboard.press("Enter")  # submits the form: Run
    d.wait_status("succeeded")
    # Tab on from the form to the replay controls.
    for _ in range(12):
        if d.evaluate("() => document.activeElement.id") == "ctl-play":
            break
        d.page.keyboard.press("Tab")
    expect(d.page.locator("#ctl-play")).to_be_focused()
    d.page.keyboard.press("Home")
    d.wait_at(-1)
    d.page.keyboard.press("l")
    d.wait_at(0)
    d.page.keyboard.press("End")
    d.page.wait_for_function(AT_END)
    # The slider is reachable and moves with the arrow keys.
    slider = d.page.locator("#timeline-slider")
    slider.focus()
    d.page.keyboard.press("ArrowLeft")
    n = len(d.events())
    d.wait_at(n - 2)
    assert "event" in str(slider.get_attribute("aria-valuetext"))
    # Every control has a name a screen reader can say.
    for button in d.page.locator("#controls button").all():
        assert button.get_attribute("aria-label")


def test_live_run_with_pace_streams_events(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="pipe", pace_ms=40)
    d.page.click("#run")
    # While it runs, the position follows the live end of the run.
    expect(d.page.locator("#position")).to_contain_text("live")
    expect(d.page.locator("#cancel")).to_be_enabled()
    expect(d.page.locator("#run")).to_be_disabled()
    d.wait_status("succeeded")
    expect(d.page.locator("#run")).to_be_enabled()
    expect(d.page.locator("#cancel")).to_be_disabled()
    # Every event the run made reached the page through the stream.
    expect(d.page.locator("#position")).to_have_text(f"event {len(d.events())} of {len(d.events())}")
