"""The set-up folds into one line once a run is on screen, and focus never drops to <body>."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Dashboard, watched_page
from tests.serving import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
FOLDED_MAX_PX = 48
LINE = "Set-up of the run on screen"


@pytest.fixture(params=list(VIEWPORTS))
def sized(request: pytest.FixtureRequest, browser: Any, server: LiveServer) -> Iterator[Dashboard]:
    with watched_page(browser, viewport=VIEWPORTS[request.param]) as (page, console):
        yield Dashboard(page, server, console)


def active_id(d: Dashboard) -> str:
    return str(d.evaluate("() => document.activeElement?.id ?? ''"))


def setup_height(d: Dashboard) -> float:
    box = d.page.locator("#setup").bounding_box()
    assert box is not None
    return float(box["height"])


def test_run_folds_the_set_up_into_one_line_with_cancel(sized: Dashboard) -> None:
    d = sized
    # Slow enough to stay live while the test looks at the folded line.
    d.open(scenario="queue-flood", pace_ms=200, count=50, start_method="spawn")
    unfolded = setup_height(d)
    d.page.click("#run")
    line = d.page.get_by_role("region", name=LINE)
    expect(line).to_be_visible()
    for part in ("A Queue under load", "count=50", "200 ms per step", "spawn"):
        expect(line).to_contain_text(part)
    expect(d.page.locator("#scenario-picker")).to_be_hidden()
    expect(d.page.locator("#run")).to_be_hidden()
    height = setup_height(d)
    assert height <= FOLDED_MAX_PX, f"folded set-up is {height} px high (unfolded {unfolded} px)"

    # While the run is live, focus is on Cancel, which sits in the line.
    cancel = line.locator("#cancel")
    expect(cancel).to_be_visible()
    expect(cancel).to_be_enabled()
    assert active_id(d) == "cancel"
    d.page.keyboard.press("Enter")
    d.wait_status("cancelled")
    # Cancel is disabled now and out of the line; focus went on to the narration.
    expect(d.page.locator("#cancel")).to_be_hidden()
    assert active_id(d) == "narration"
    assert d.evaluate("() => document.querySelector('#narration').tabIndex") == -1

    # One click unfolds it, with focus where editing starts.
    d.page.click("#edit-setup")
    expect(line).to_be_hidden()
    expect(d.page.locator("#scenario-picker")).to_be_visible()
    expect(d.page.locator("#run")).to_be_enabled()
    assert d.evaluate("() => document.activeElement.matches(\"input[name='scenario']:checked\")")
    assert setup_height(d) > FOLDED_MAX_PX


def test_a_run_that_ends_at_once_leaves_focus_on_the_narration(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="queue", pace_ms=0)
    d.run()
    assert active_id(d) == "narration"


def test_a_link_to_a_run_opens_folded_and_escape_unfolds(sized: Dashboard) -> None:
    d = sized
    d.open(scenario="pipe", pace_ms=0)
    d.run()
    d.page.goto(d.page.url)  # the address now names the run
    d.page.wait_for_selector("body[data-ready='true']")
    d.wait_status("succeeded")
    line = d.page.get_by_role("region", name=LINE)
    expect(line).to_be_visible()
    expect(line).to_contain_text("Message passing: a Pipe")
    expect(line).to_contain_text('msgs=["hello","hey","hru?","END"]')
    expect(line.get_by_role("link", name="Link to this run")).to_be_visible()
    assert setup_height(d) <= FOLDED_MAX_PX
    # No run is live: the line has no Cancel to offer.
    expect(d.page.locator("#cancel")).to_be_hidden()

    d.page.focus("#edit-setup")
    d.page.keyboard.press("Escape")
    expect(d.page.locator("#scenario-picker")).to_be_visible()
    expect(line).to_be_hidden()
    expect(d.page.locator("#edit-setup")).to_have_attribute("aria-expanded", "true")
