"""A course folder on the page, in real Chromium: a real server with MPSCOPE_SCENARIOS_DIR
set lists the course's programs on the dashboard (one that cannot run with its error), runs
one with the parameters typed into its form, and embeds it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import SERVER_ENV, Dashboard, chromium_or_skip, watched_page
from tests.serving import LiveServer, live_server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

COUNTDOWN = '''"""Countdown through a pipe

The parent counts down and sends each number to a child, which prints what it gets."""
import multiprocessing


def listen(conn, label):
    while (n := conn.recv()) is not None:
        print(label, n)


if __name__ == "__main__":
    start = 3  # param: where the count starts
    label = "got"  # param
    parent_end, child_end = multiprocessing.Pipe()
    child = multiprocessing.Process(target=listen, args=(child_end, label))
    child.start()
    for n in range(start, 0, -1):
        parent_end.send(n)
    parent_end.send(None)
    child.join()
'''
BROKEN = 'if __name__ == "__main__":\n    delay = 0.5  # param\n'
BROKEN_ERROR = (
    "broken.py: line 2: delay: 0.5 is a float; "
    "a parameter is an int, a str, a bool, or a list of one of those"
)


@pytest.fixture(scope="module")
def course_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    chromium_or_skip()
    folder: Path = tmp_path_factory.mktemp("course")
    (folder / "countdown.py").write_text(COUNTDOWN)
    (folder / "broken.py").write_text(BROKEN)
    with live_server({**SERVER_ENV, "MPSCOPE_SCENARIOS_DIR": str(folder)}) as server:
        yield server


@pytest.fixture
def course_dashboard(browser: Any, course_server: LiveServer) -> Iterator[Dashboard]:
    with watched_page(browser, viewport={"width": 1280, "height": 900}) as (page, console):
        yield Dashboard(page, course_server, console)


def test_the_course_programs_are_listed_and_one_runs_with_its_form(course_dashboard: Dashboard) -> None:
    d = course_dashboard
    d.open(pace_ms=0)
    picker = d.page.locator("#scenario-picker")
    expect(picker.locator(".pick-group")).to_have_text("This course's programs")
    # After the heading: the program that runs as a choice, the broken one with its error.
    after = picker.locator(".pick-group ~ .pick")
    expect(after.locator(".pick-id")).to_have_text(["broken", "countdown"])
    broken = picker.locator(".pick-broken")
    expect(broken.locator(".pick-error")).to_have_text(BROKEN_ERROR)
    expect(broken.locator("input")).to_have_count(0)
    expect(picker.locator("input[value='queue']")).to_have_count(1)  # the built-ins are there too

    picker.locator("label:has(input[value='countdown'])").click()
    expect(d.page.locator("#scenario-title")).to_have_text("Countdown through a pipe")
    expect(d.page.locator("#scenario-summary p").first).to_have_text(
        "The parent counts down and sends each number to a child, which prints what it gets."
    )
    start, label = d.page.locator("input[data-path='start']"), d.page.locator("input[data-path='label']")
    expect(start).to_have_value("3")
    expect(label).to_have_value("got")
    # The program is shown as it is before Run, its parameter lines as written.
    expect(d.page.locator(".src-line").nth(12)).to_contain_text("start = 3  # param: where the count starts")
    start.fill("5")
    label.fill("heard")
    d.page.locator("#pace").fill("0")
    d.run()
    assert d.output("child") == "".join(f"heard {n}\n" for n in range(5, 0, -1))
    expect(d.page.locator(".src-line").nth(12)).to_contain_text("start = 5  # param: where the count starts")
    run = d.events()[0]
    assert (run["scenario"], run["params"]) == ("countdown", {"start": 5, "label": "heard"})


def test_out_of_bound_values_are_refused_by_their_field(course_dashboard: Dashboard) -> None:
    d = course_dashboard
    d.open(scenario="countdown", pace_ms=0)
    d.page.locator("input[data-path='start']").fill("5000")
    d.console.expect("status of 422")  # the page asks the server what else is wrong
    d.page.click("#run")
    expect(d.page.locator(".field-error[data-for='start']")).to_have_text(
        "Input should be less than or equal to 1000"
    )
    expect(d.page.locator("#form-message")).to_have_text(
        "One value is not accepted; see the message next to it."
    )
    # Nothing was started: no run on screen, none in the address bar.
    assert d.evaluate("() => document.body.dataset.runStatus") == "waiting"
    assert "run=" not in d.page.url


def test_a_link_to_a_broken_program_says_why_it_is_not_shown(course_dashboard: Dashboard) -> None:
    d = course_dashboard
    d.open(scenario="broken")
    expect(d.page.locator("#link-notice")).to_have_text(
        f"From the link: scenario=broken cannot be run ({BROKEN_ERROR}); showing separate-memory."
    )
    expect(d.page.locator("#scenario-picker input:checked")).to_have_value("separate-memory")
    # The list with the course's group and its broken entry is as accessible as the rest.
    assert_accessible(d.page, "#setup", review=True)


def test_a_course_program_embeds(browser: Any, course_server: LiveServer) -> None:
    with watched_page(browser) as (page, console):
        page.goto(f"{course_server.url}/embed/countdown?start=2&label=%22e%22&pace_ms=0&source=1")
        page.wait_for_selector("body[data-ready='true']")
        expect(page.locator(".embed-title")).to_have_text("Countdown through a pipe")
        page.click("#run")
        page.wait_for_selector("body[data-run-status='succeeded']", timeout=20_000)
        expect(page.locator(".proc-box[data-proc='child'] .console")).to_have_text("e 2\ne 1\n")

        console.expect("status of 422")
        response = page.goto(f"{course_server.url}/embed/broken")
        assert response is not None
        assert response.status == 422
        expect(page.locator("h2")).to_have_text("This program cannot run")
        expect(page.locator(".not-found-message")).to_contain_text(BROKEN_ERROR)
