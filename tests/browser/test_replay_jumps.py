"""Replay jumps: to the next operation of a kind, and to the next lost update of a race.

The lost-update rule (static/js/race.js) is checked against an implementation of the rule
written here, and against the stage's reducer, which counts the same writes.
"""

from __future__ import annotations

import json
import random
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.axe import axe_violations, describe
from tests.browser.conftest import Dashboard, recorded

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]


def stale_writes(events: list[dict[str, Any]]) -> list[int]:
    """Writes made more than one version past the version their own process last read."""
    reads: dict[tuple[str, str], int] = {}
    found = []
    for i, ev in enumerate(events):
        key = (ev.get("obj") or "", ev["proc"])
        if ev["kind"] == "value.get":
            reads[key] = ev["version"]
        elif ev["kind"] == "value.set":
            read = reads.pop(key, None)
            if read is not None and ev["version"] > read + 1:
                found.append(i)
    return found


LOST = """async ({ events, cuts }) => {
  const { lostUpdates, LostUpdates } = await import('/static/js/race.js');
  const { reduceAll } = await import('/static/js/reducer.js');
  // The same events arriving in batches (as a live run's do) give the same answer.
  const tracker = new LostUpdates();
  let from = 0;
  for (const cut of [...cuts, events.length]) {
    tracker.update(events.slice(0, cut));
    from = cut;
  }
  const state = reduceAll(events);
  return {
    once: lostUpdates(events),
    batched: tracker.indices,
    stage: Object.values(state.values).reduce((sum, box) => sum + box.stale, 0),
  };
}"""


def test_lost_updates_of_a_recorded_race(js: Any) -> None:
    events = recorded("value-race")
    expected = stale_writes(events)
    assert expected, "the recorded race lost no update: record it again"
    cuts = sorted(random.Random(7).sample(range(1, len(events)), 20))
    got = js.evaluate(LOST, {"events": events, "cuts": cuts})
    assert got["once"] == expected
    assert got["batched"] == expected
    assert got["stage"] == len(expected), "the reducer counts other writes as lost than race.js"


def test_lost_update_rule_cases(js: Any) -> None:
    def ev(kind: str, proc: str, version: int, obj: str = "v") -> dict[str, Any]:
        return {"kind": kind, "proc": proc, "obj": obj, "version": version}

    cases = [
        # p1 and p2 both read 0; p1 writes 1; p2 writes 2 from its stale 0: p1's update is lost.
        [
            ev("value.get", "p1", 0),
            ev("value.get", "p2", 0),
            ev("value.set", "p1", 1),
            ev("value.set", "p2", 2),
        ],
        # In turn, nothing is lost.
        [
            ev("value.get", "p1", 0),
            ev("value.set", "p1", 1),
            ev("value.get", "p2", 1),
            ev("value.set", "p2", 2),
        ],
        # A write with no read of its own (value = 5) overwrites nothing it computed from.
        [
            ev("value.get", "p1", 0),
            ev("value.set", "p2", 1),
            ev("value.set", "p1", 2),
            ev("value.set", "p1", 3),
        ],
        # Two Values: versions are counted per Value.
        [ev("value.get", "p1", 0, "a"), ev("value.set", "p2", 1, "b"), ev("value.set", "p1", 1, "a")],
    ]
    for events in cases:
        got = js.evaluate(
            "async (events) => (await import('/static/js/race.js')).lostUpdates(events)",
            events,
        )
        assert got == stale_writes(events), events


def test_jump_to_the_next_operation_of_a_kind(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="queue", pace_ms=0)
    d.run()
    events = d.events()
    gets = [i for i, ev in enumerate(events) if ev["kind"] == "queue.get"]
    messages = [i for i, ev in enumerate(events) if ev["kind"] in ("queue.put", "queue.get")]
    assert len(gets) >= 3
    d.page.keyboard.press("Home")
    d.wait_at(-1)
    d.page.select_option("#ctl-kind", "kind:queue.get")
    d.page.locator("#ctl-play").focus()  # the keys work away from the menu
    d.page.keyboard.press("]")
    d.wait_at(gets[0])
    d.page.keyboard.press("]")
    d.wait_at(gets[1])
    d.page.click("#ctl-kind-back")
    d.wait_at(gets[0])
    expect(d.page.locator("#ctl-kind-back")).to_have_attribute("aria-disabled", "true")  # none before
    d.page.click("#ctl-kind-next")
    d.wait_at(gets[1])
    # The last one: nothing further; the button says so and a press does nothing.
    d.seek(gets[-1])
    expect(d.page.locator("#ctl-kind-next")).to_have_attribute("aria-disabled", "true")
    d.page.keyboard.press("]")
    d.page.keyboard.press("ArrowLeft")  # a key after it, so a wrong jump would have shown
    d.wait_at(gets[-1] - 1)

    # A group: any message, i.e. every put and get.
    d.page.select_option("#ctl-kind", "group:message")
    d.seek(messages[2] - 1)
    d.page.locator("#ctl-play").focus()
    d.page.keyboard.press("]")
    d.wait_at(messages[2])
    d.page.keyboard.press("[")
    d.wait_at(messages[1])
    # The menu names what it offers, and every option is one the run has.
    kinds = {ev["kind"] for ev in events}
    values = d.page.eval_on_selector_all("#ctl-kind option", "(os) => os.map((o) => o.value)")
    assert {v[5:] for v in values if v.startswith("kind:")} == kinds
    assert d.page.get_attribute("#ctl-kind", "aria-label")


def race_with_lost_updates(d: Dashboard) -> tuple[str, list[dict[str, Any]], list[int]]:
    """A real value-race run that lost updates (it loses some in nearly every run)."""
    for _ in range(20):
        r = httpx.post(
            f"{d.server.url}/api/runs", json={"scenario": "value-race", "params": {"times": 500}}, timeout=10
        )
        r.raise_for_status()
        run_id = r.json()["id"]
        text = httpx.get(f"{d.server.url}/api/runs/{run_id}/events?format=ndjson", timeout=60).text
        events = [json.loads(line) for line in text.splitlines() if line.strip()]
        lost = stale_writes(events)
        if len(lost) >= 2:
            return run_id, events, lost
    pytest.fail("20 value-race runs in a row lost fewer than 2 updates")


def test_next_lost_update(dashboard: Dashboard) -> None:
    d = dashboard
    run_id, events, lost = race_with_lost_updates(d)
    d.page.goto(f"{d.server.url}/runs/{run_id}")
    d.wait_status("succeeded")
    count = d.page.locator("#lost-count")
    expect(count).to_have_text(f"{len(lost)} lost updates")
    d.page.keyboard.press("Home")
    d.wait_at(-1)
    button = d.page.locator("#ctl-lost-next")
    expect(button).to_have_attribute("aria-label", "Next lost update")
    button.click()
    d.wait_at(lost[0])
    # What is on screen is that write: the narration tells it.
    assert events[lost[0]]["kind"] == "value.set"
    d.page.keyboard.press("u")
    d.wait_at(lost[1])
    d.page.keyboard.press("Shift+U")
    d.wait_at(lost[0])
    d.seek(lost[-1])
    expect(button).to_have_attribute("aria-disabled", "true")
    expect(d.page.locator("#ctl-lost-back")).to_have_attribute("aria-disabled", "false")
    violations = axe_violations(d.page, "#controls")
    assert violations == [], describe(violations)


def test_no_lost_update_controls_without_a_value(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="pipe", pace_ms=0)
    d.run()
    expect(d.page.locator("#ctl-lost-next")).to_be_hidden()
