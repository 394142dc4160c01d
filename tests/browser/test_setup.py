"""The set-up panel: the form from JSON Schema, the address bar, the API's messages, Cancel."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import AT_END, Console, Dashboard
from tests.serving import live_server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]


def query(d: Dashboard) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlparse(d.page.url).query).items()}


def test_every_scenario_is_offered_with_its_summary(dashboard: Dashboard) -> None:
    d = dashboard
    d.open()
    ids = d.page.locator("input[name='scenario']").evaluate_all("els => els.map((e) => e.value)")
    assert {"separate-memory", "shared-memory", "manager", "queue", "pipe"} <= set(ids)
    d.page.locator("label.pick", has_text="Shared memory").click()
    expect(d.page.locator("#scenario-title")).to_have_text("Shared memory: Value and Array")
    expect(d.page.locator("#scenario-summary p").first).to_contain_text("shared Array")
    expect(d.page.locator(".src-line[data-line='1'] code")).to_have_text("import multiprocessing")


def test_the_address_holds_the_set_up(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="pipe", pace_ms=250)
    inputs = d.page.locator(".param[data-param='msgs'] input")
    expect(inputs).to_have_count(4)
    inputs.nth(1).fill("howdy")
    d.page.locator(".param[data-param='msgs'] button.add").click()
    d.page.locator(".param[data-param='msgs'] input").last.fill("extra")
    d.page.select_option("#start-method", "spawn")
    q = query(d)
    assert q["scenario"] == "pipe"
    assert q["pace_ms"] == "250"
    assert q["start_method"] == "spawn"
    assert json.loads(q["msgs"]) == ["hello", "howdy", "hru?", "END", "extra"]

    # The same link opens the same set-up.
    d.page.goto(d.page.url)
    d.page.wait_for_selector("body[data-ready='true']")
    values = d.page.locator(".param[data-param='msgs'] input").evaluate_all("els => els.map((e) => e.value)")
    assert values == ["hello", "howdy", "hru?", "END", "extra"]
    expect(d.page.locator("#pace")).to_have_value("250")
    expect(d.page.locator("#start-method")).to_have_value("spawn")

    # A run's address names the run too; opening it replays that run.
    d.page.locator("#pace").fill("0")
    d.run()
    assert "run" in query(d)
    run_url = d.page.url
    d.page.goto("about:blank")
    d.page.goto(run_url)
    d.page.wait_for_selector("body[data-ready='true']")
    d.wait_status("succeeded")
    received = [e["value"] for e in d.events() if e["kind"] == "pipe.recv"]
    assert received == ["hello", "howdy", "hru?", "END"]  # the receiver stops at END
    values = d.page.locator(".param[data-param='msgs'] input").evaluate_all("els => els.map((e) => e.value)")
    assert values == ["hello", "howdy", "hru?", "END", "extra"]
    expect(d.page.locator("#start-method")).to_have_value("spawn")


def test_the_apis_messages_appear_by_their_fields(dashboard: Dashboard) -> None:
    d = dashboard
    d.console.expect("status of 422")  # Chromium logs the rejected request; it is the point here
    # Typed into the form: from a link, values like these are replaced by the defaults.
    d.open(scenario="manager", pace_ms=0, records=[["Sam", 10], ["Ann", 3]], new_record=["Jeff", 8])
    d.page.locator("[data-path='records.0.0']").fill("")
    d.page.locator("[data-path='records.0.1']").fill("5000")
    d.page.click("#run")
    name_error = d.page.locator(".field-error[data-for='records.0.0']")
    expect(name_error).to_have_text("String should have at least 1 character")
    expect(d.page.locator(".field-error[data-for='records.0.1']")).to_have_text(
        "Input should be less than or equal to 1000"
    )
    expect(d.page.locator("[data-path='records.0.1']")).to_have_attribute("aria-invalid", "true")
    expect(d.page.locator("#form-message")).to_have_attribute("data-kind", "error")
    expect(d.page.locator("#run")).to_be_enabled()

    # A message about a whole list lands under the list.
    d.open(scenario="pipe", pace_ms=0, msgs=["no", "end"])
    d.page.click("#run")
    expect(d.page.locator(".field-error[data-for='msgs']")).to_contain_text('must contain "END"')

    # Fixing the value clears the messages and the run goes ahead.
    d.page.locator(".param[data-param='msgs'] input").last.fill("END")
    d.run()
    expect(d.page.locator(".field-error:not(:empty)")).to_have_count(0)


STARTED = re.compile("running|waiting|exited")


def test_cancel(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="queue-flood", pace_ms=200, count=50)
    d.page.click("#run")
    # Cancel once the children run (the queue is made before they start).
    for child in ("producer", "consumer"):
        expect(d.lane(child).locator(".status")).to_have_attribute("data-status", STARTED)
    d.page.click("#cancel")
    d.wait_status("cancelled")
    expect(d.page.locator("#run-status")).to_contain_text("Cancelled")
    # Every process of the run is gone: the server reports the ones it had to kill.
    events = d.events()
    started = {e["proc"] for e in events if e["kind"] == "proc.start"}
    exits = {e["proc"]: e for e in events if e["kind"] == "proc.exit"}
    assert len(started) >= 2
    assert set(exits) == started
    assert any(e.get("reason") == "killed" for e in exits.values())
    d.page.click("#edit-setup")
    expect(d.page.locator("#run")).to_be_enabled()


def test_over_a_limit_says_which_and_when_to_retry(browser: Any) -> None:
    with live_server({"MPSCOPE_RUNS_PER_MINUTE": "1"}) as server:
        context = browser.new_context()
        page = context.new_page()
        console = Console()
        console.expect("status of 429")  # Chromium logs the refused request
        page.on("console", lambda msg: console.messages.append((msg.type, msg.text)))
        page.on("pageerror", lambda exc: console.errors.append(str(exc)))
        try:
            d = Dashboard(page, server, console)
            d.open(scenario="queue", pace_ms=0)
            d.run()
            page.click("#edit-setup")  # after a run the set-up is folded
            page.click("#run")
            message = page.locator("#form-message")
            expect(message).to_have_attribute("data-kind", "error")
            expect(message).to_contain_text("Try again in")
            expect(page.locator("#run")).to_be_enabled()
            # The finished run stays on the stage.
            assert page.evaluate("() => document.body.dataset.runStatus") == "succeeded"
            page.wait_for_function(AT_END)
        finally:
            context.close()
        assert console.problems() == []
