"""What the set-up tells: every invalid field at once, values from a link it replaced, the
pace each scenario starts with, and whether the chosen pace fits the run timeout."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Dashboard

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]

FALLBACK_PACE = 300  # the page's pace for a scenario that names none
TO = "\u2013"  # the en dash the page writes ranges with


def scenarios(d: Dashboard) -> dict[str, dict[str, Any]]:
    r = httpx.get(f"{d.server.url}/api/scenarios", timeout=10)
    r.raise_for_status()
    return {s["id"]: s for s in r.json()}


def default_pace(d: Dashboard, scenario: str) -> int:
    return int(scenarios(d)[scenario].get("default_pace_ms", FALLBACK_PACE))


def runs_started(d: Dashboard) -> int:
    return len(httpx.get(f"{d.server.url}/api/runs", timeout=10).json())


def described_by(d: Dashboard, selector: str) -> str:
    """The text of what the element's aria-describedby names, as a screen reader reads it."""
    return str(
        d.evaluate(
            """(sel) => (document.querySelector(sel).getAttribute('aria-describedby') ?? '')
                 .split(' ').filter(Boolean)
                 .map((id) => document.getElementById(id)?.textContent ?? '').join(' ')""",
            selector,
        )
    )


def expect_invalid(d: Dashboard, selector: str, message: str) -> None:
    expect(d.page.locator(selector)).to_have_attribute("aria-invalid", "true")
    assert message in described_by(d, selector)


def test_the_servers_messages_land_on_every_field_at_once(dashboard: Dashboard) -> None:
    d = dashboard
    d.console.expect("status of 422")  # Chromium logs the rejected request; it is the point here
    d.open(scenario="manager", pace_ms=0)
    d.page.locator("[data-path='records.0.0']").fill("")
    d.page.locator("[data-path='records.2.1']").fill("5000")
    d.page.locator("[data-path='new_record.0']").fill("")
    before = runs_started(d)
    d.page.click("#run")
    expect_invalid(d, "[data-path='records.0.0']", "String should have at least 1 character")
    expect_invalid(d, "[data-path='records.2.1']", "Input should be less than or equal to 1000")
    expect_invalid(d, "[data-path='new_record.0']", "String should have at least 1 character")
    message = "3 values are not accepted; see the messages next to them."
    expect(d.page.locator("#form-message")).to_have_text(message)
    assert d.evaluate("() => document.activeElement.dataset.path") == "records.0.0"
    assert runs_started(d) == before

    # A message about a whole list is under the list, and its first input is described by it.
    d.open(scenario="pipe", pace_ms=0, msgs=["no", "end"])
    d.page.click("#run")
    expect_invalid(d, "[data-path='msgs.0']", 'must contain "END"')


def test_the_pages_own_checks_and_the_servers_are_reported_together(dashboard: Dashboard) -> None:
    d = dashboard
    d.console.expect("status of 422")
    d.open(scenario="manager", pace_ms=0)
    d.page.locator("[data-path='records.1.1']").fill("-5000")
    d.page.locator("#pace").fill("99999")
    before = runs_started(d)
    d.page.click("#run")
    # The pace is checked in the page; the parameters by the server, without starting a run.
    expect_invalid(d, "#pace", "Input should be less than or equal to 2000")
    expect_invalid(d, "[data-path='records.1.1']", "Input should be greater than or equal to -1000")
    expect(d.page.locator("#form-message")).to_contain_text("2 values are not accepted")
    assert d.evaluate("() => document.activeElement.dataset.path") == "records.1.1"
    assert runs_started(d) == before

    # Fixing both clears every message and the run goes ahead.
    d.page.locator("[data-path='records.1.1']").fill("3")
    d.page.locator("#pace").fill("0")
    d.run()
    expect(d.page.locator("[aria-invalid]")).to_have_count(0)
    expect(d.page.locator(".field-error:not(:empty)")).to_have_count(0)


def test_json_fields_are_all_checked_before_sending(js: Any) -> None:
    result = js.evaluate(
        """async () => {
          const { ParamsForm } = await import('/static/js/form.js');
          const root = document.createElement('div');
          document.body.append(root);
          const form = new ParamsForm(root, () => {});
          form.show({ properties: { a: { title: 'a' }, b: { title: 'b' }, c: { title: 'c' } } },
                    { a: [1], b: [2], c: [3] });
          const [a, b] = root.querySelectorAll('input');
          a.value = '[1, 2';
          b.value = "['x']";
          const problems = form.check();
          const { marked } = form.showErrors(problems);
          const said = marked.map((input) => input.getAttribute('aria-describedby').split(' ')
            .map((id) => document.getElementById(id).textContent).join(''));
          root.remove();
          return { paths: problems.map((p) => p.path.join('.')), invalid: marked.map((i) => i.dataset.path),
                   aria: marked.map((i) => i.getAttribute('aria-invalid')), said };
        }"""
    )
    assert result["paths"] == ["a", "b"]
    assert result["invalid"] == ["a", "b"]
    assert result["aria"] == ["true", "true"]
    assert all("Not valid JSON" in text for text in result["said"])


def test_values_a_link_gives_badly_are_replaced_and_announced(dashboard: Dashboard) -> None:
    d = dashboard
    pace = default_pace(d, "queue-flood")
    d.open(scenario="queue-flood", pace_ms=99999, start_method="bogus", count=50000, colour="red")
    notice = d.page.locator("#link-notice")
    expect(notice).to_have_attribute("role", "status")  # polite: read out when the page settles
    expect(notice).to_contain_text("From the link: ")
    expect(notice).to_contain_text(f"pace_ms=99999 is out of range (0{TO}2000); using {pace}.")
    expect(notice).to_contain_text("start_method=bogus is not one of fork, spawn, forkserver; using fork.")
    expect(notice).to_contain_text(f"count=50000 is out of range (1{TO}20000); using 2000.")
    expect(notice).to_contain_text("colour=red: queue-flood has no parameter colour; left out.")
    expect(d.page.locator("#pace")).to_have_value(str(pace))
    expect(d.page.locator("[data-path='count']")).to_have_value("2000")
    q = {k: v[0] for k, v in parse_qs(urlparse(d.page.url).query).items()}
    assert (q["count"], q["pace_ms"], q["start_method"]) == ("2000", str(pace), "fork")
    assert "colour" not in q

    # Wrong types, and a bad item inside a list, name what was wrong.
    d.open(scenario="queue", mylist="abc")
    expect(notice).to_have_text("From the link: mylist=abc is not a list; using [1,2,3,4].")
    d.open(scenario="queue", mylist=[1, 5000])
    expect(notice).to_have_text(
        f"From the link: mylist=[1, 5000]: mylist[1] is out of range (-1000{TO}1000); using [1,2,3,4]."
    )
    d.open(scenario="queue", pace_ms="fast")
    pace = default_pace(d, "queue")
    expect(notice).to_have_text(f"From the link: pace_ms=fast is not a whole number; using {pace}.")

    # A link the form takes as it is says nothing.
    d.open(scenario="queue", pace_ms=100, mylist=[5, 6])
    expect(d.page.locator("[data-path='mylist.1']")).to_have_value("6")
    expect(notice).to_have_text("")


def test_each_scenario_starts_at_its_own_pace_unless_one_was_typed(dashboard: Dashboard) -> None:
    d = dashboard
    d.open()
    for sid in scenarios(d):
        d.page.locator(f"input[name='scenario'][value='{sid}']").check()
        expect(d.page.locator("#pace")).to_have_value(str(default_pace(d, sid)))
    d.page.locator("#pace").fill("450")
    d.page.locator("input[name='scenario'][value='queue']").check()
    expect(d.page.locator("#pace")).to_have_value("450")


def estimate(d: Dashboard, body: dict[str, Any]) -> dict[str, Any]:
    r = httpx.post(f"{d.server.url}/api/estimate", json=body, timeout=10)
    r.raise_for_status()
    answer: dict[str, Any] = r.json()
    return answer


def test_a_pace_that_cannot_fit_the_timeout_is_said_before_run(dashboard: Dashboard) -> None:
    d = dashboard
    body = {"scenario": "queue-flood", "params": {"count": 200}, "pace_ms": 2000, "start_method": "fork"}
    answer = estimate(d, body)
    assert answer["fits"] is False
    assert 0 < answer["max_pace_ms"] < 2000
    d.open(scenario="queue-flood", count=200, pace_ms=2000)
    warning = d.page.locator("#pace-warning")
    expect(warning).to_contain_text("At 2000 ms per step this run takes about ")
    expect(warning).to_contain_text(f"it would be stopped. Choose {answer['max_pace_ms']} ms or less.")
    assert "would be stopped" in described_by(d, "#pace")
    expect(d.page.locator("#pace-estimate")).to_have_text("")

    # Edits in a burst are asked about once they pause, not one request per key.
    asked: list[str] = []
    d.page.on("request", lambda r: asked.append(r.url) if r.url.endswith("/api/estimate") else None)
    for pace in ("1500", "700", "0"):
        d.page.locator("#pace").fill(pace)
    d.page.locator("[data-path='count']").fill("10")
    assert estimate(d, {**body, "params": {"count": 10}, "pace_ms": 0})["fits"] is True
    expect(d.page.locator("#pace-estimate")).to_have_text(re.compile(r"^(under 1 s|about \d+ (s|min))"))
    expect(warning).to_have_text("")
    assert 1 <= len(asked) < 4
