"""axe-core on the set-up panel: unfolded, with its messages, and folded, in both themes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible, axe_violations, describe
from tests.browser.conftest import Dashboard, watched_page
from tests.serving import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

VIEWPORTS = {"desktop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
THEMES = ["light", "dark"]


@pytest.fixture(params=list(VIEWPORTS))
def sized(request: pytest.FixtureRequest, browser: Any, server: LiveServer) -> Iterator[Dashboard]:
    with watched_page(browser, viewport=VIEWPORTS[request.param]) as (page, console):
        yield Dashboard(page, server, console)


def in_theme(d: Dashboard, theme: str) -> None:
    d.evaluate("(theme) => { document.documentElement.dataset.theme = theme; }", theme)


def test_the_checker_reports_what_it_finds(dashboard: Dashboard) -> None:
    """The helper itself: a field with no name is a violation, named with its selector."""
    d = dashboard
    d.open()
    d.evaluate("() => document.querySelector('#pace').removeAttribute('id')")
    violations = axe_violations(d.page, "#setup")
    assert "label" in {v["id"] for v in violations}
    with pytest.raises(AssertionError, match=r"label \(critical\).*\n.*input\[name=\"pace_ms\"\]"):
        assert_accessible(d.page, "#setup")
    assert describe([]) == ""


@pytest.mark.parametrize("theme", THEMES)
def test_the_unfolded_set_up_with_its_messages(sized: Dashboard, theme: str) -> None:
    d = sized
    d.console.expect("status of 422")  # the run refused below, on purpose
    # A link with a value replaced (the notice), and a pace that does not fit (the warning).
    d.open(scenario="queue-flood", count=20000, pace_ms=2000, start_method="bogus")
    in_theme(d, theme)
    expect(d.page.locator("#link-notice")).not_to_be_empty()
    expect(d.page.locator("#pace-warning")).not_to_be_empty()
    assert_accessible(d.page, "#setup")

    d.open(scenario="manager", pace_ms=0)
    in_theme(d, theme)
    d.page.locator("[data-path='records.0.0']").fill("")
    d.page.locator("#pace").fill("5000")
    d.page.click("#run")
    expect(d.page.locator("#pace")).to_have_attribute("aria-invalid", "true")
    assert_accessible(d.page, "#setup")


@pytest.mark.parametrize("theme", THEMES)
def test_the_folded_set_up(sized: Dashboard, theme: str) -> None:
    d = sized
    d.open(scenario="queue-flood", count=40, pace_ms=150)
    in_theme(d, theme)
    d.page.click("#run")
    expect(d.page.locator("#setup-line #cancel")).to_be_enabled()
    assert_accessible(d.page, "#setup")  # folded, with Cancel live
    d.page.click("#cancel")
    d.wait_status("cancelled")
    assert_accessible(d.page, "#setup")  # folded, nothing live
