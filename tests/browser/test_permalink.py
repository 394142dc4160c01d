"""A run's permalink (/runs/{id}), in real Chromium: a replay that outlives the server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import AT_END, SERVER_ENV, Dashboard, watched_page
from tests.browser.test_replay import snapshot
from tests.serving import live_server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]


def test_a_permalink_still_replays_after_a_restart(browser: Any, tmp_path: Path) -> None:
    with watched_page(browser, viewport={"width": 1280, "height": 900}) as (page, console):
        # A run on the dashboard, and its permalink.
        with live_server(SERVER_ENV, data_dir=tmp_path) as first:
            d = Dashboard(page, first, console)
            d.open(scenario="queue", pace_ms=0, mylist=[3, 5, 7])
            d.run()
            run_id = d.run_id()
            page.locator("#permalink").click()
            assert page.url == f"{first.url}/runs/{run_id}"
            page.wait_for_selector("body[data-run-status='succeeded']")
            page.wait_for_function(AT_END)
            before = snapshot(d)
            count = int(d.position().split(" of ")[1])

        # A new server on the same data: the run comes from the store.
        with live_server(SERVER_ENV, data_dir=tmp_path) as second:
            d = Dashboard(page, second, console)
            page.goto(f"{second.url}/runs/{run_id}")
            page.wait_for_selector("body[data-ready='true']")
            page.wait_for_function(AT_END)
            expect(page.locator("#form-message")).to_have_text(
                "Run succeeded. Step through it with the replay controls."
            )
            # Step through it from the start, by keyboard, to the end.
            page.keyboard.press("Home")
            d.wait_at(-1)
            expect(page.locator(".obj.queue")).to_have_count(0)
            for k in range(count):
                page.keyboard.press("ArrowRight")
                d.wait_at(k)
            page.wait_for_function(AT_END)
            assert snapshot(d) == before
            # The stored run came in one bounded request, not an event stream.
            loaded = page.evaluate("() => performance.getEntriesByType('resource').map((e) => e.name)")
            assert [u for u in loaded if "/events" in u] == [
                f"{second.url}/api/runs/{run_id}/events?format=ndjson"
            ]
            queue = page.locator(".obj.queue")
            expect(d.lane("p2").locator(".inbox .token .val")).to_have_text(["9", "25", "49"])
            expect(queue.locator(".fifo .item")).to_have_count(0)
            assert d.output("p2") == "Queue elements:\n9\n25\n49\nQueue is now empty!\n"
            for proc in ("main", "p1", "p2"):
                expect(d.lane(proc).locator(".status")).to_have_text("exited (exit code 0)")
            expect(page.locator("#run-status")).to_contain_text("Succeeded")
            expect(page.locator(".src-line[data-line='19'] code")).to_have_text("    mylist = [3, 5, 7]")
            # The page is the run's: heading, and the way back to the dashboard.
            expect(page.locator("#run-heading")).to_contain_text("Message passing: a Queue")
            expect(page.get_by_role("link", name="Open in the dashboard")).to_have_attribute(
                "href", f"{second.url}/?run={run_id}"
            )


def test_a_permalink_of_a_running_run_follows_it_live(dashboard: Dashboard) -> None:
    d = dashboard
    # 30 events, 250 ms apart: the run lasts about 7 s, long enough for the permalink page to
    # load and join it live even on a loaded machine (60 ms apart was not, once, in CI).
    d.open(scenario="pipe", pace_ms=250)
    d.page.click("#run")
    expect(d.page.locator("#permalink")).to_be_visible()
    d.page.goto(d.server.url + str(d.page.locator("#permalink").get_attribute("href")))
    d.page.wait_for_selector("body[data-ready='true']")
    expect(d.page.locator("#position")).to_contain_text("live")
    expect(d.page.locator("#form-message")).to_have_text("Running: the stage follows it live.")
    d.wait_status("succeeded")
    expect(d.lane("p2").locator(".inbox .token")).to_have_count(4)
    expect(d.page.locator("#form-message")).to_contain_text("Run succeeded.")


def test_unknown_runs_and_scenarios_get_a_clear_404_page(dashboard: Dashboard) -> None:
    d = dashboard
    d.console.expect("status of 404")  # Chromium logs the 404 of the page itself
    for path, heading, says in [
        ("/runs/nOsUcHrUn", "No such run", "There is no run “nOsUcHrUn” here."),
        ("/runs/not%20an%20id!", "No such run", "There is no run “not an id!” here."),
        ("/embed/runs/nOsUcHrUn", "No such run", "There is no run “nOsUcHrUn” here."),
        ("/embed/no-such-thing", "No such scenario", "Scenarios: separate-memory, shared-memory"),
    ]:
        response = d.page.goto(d.server.url + path)
        assert response is not None
        assert response.status == 404
        expect(d.page.locator("main h2")).to_have_text(heading)
        expect(d.page.locator("main")).to_contain_text(says)
        expect(d.page.get_by_role("link", name="Open mpscope")).to_be_visible()
