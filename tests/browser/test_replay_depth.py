"""The queue-depth chart under the timeline: its summary, seeking from it, its marker."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.axe import axe_violations, describe
from tests.browser.conftest import Dashboard

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

# True once the event on screen is one of `ks` (indices; which one is the browser's call).
AT_ONE_OF = """(ks) => ks.some((k) =>
  document.querySelector('#position').textContent.startsWith(`event ${k + 1} of`))"""


def depths(events: list[dict[str, Any]], queue: str) -> list[int]:
    """Items in `queue` after each event: a put adds one, a get that returned one takes one."""
    out, depth = [], 0
    for ev in events:
        if ev.get("obj") == queue and ev["kind"] == "queue.put":
            depth += 1
        elif ev.get("obj") == queue and ev["kind"] == "queue.get" and ev.get("error") is None:
            depth -= 1
        out.append(depth)
    return out


def test_depth_chart_of_a_flood(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="queue-flood", count=1000)
    d.run()
    events = d.events()
    n = len(events)
    queue = next(ev["obj"] for ev in events if ev["kind"] == "queue.new")
    series = depths(events, queue)
    peak = max(series)
    at = series.index(peak)
    assert peak > 1

    chart = d.page.locator("#depth-chart")
    expect(chart).to_be_visible()
    expect(chart).to_have_attribute("aria-labelledby", "depth-heading")
    summary = d.page.locator("#depth-summary button")
    expect(summary).to_have_count(1)
    expect(summary).to_have_text(f"{queue}: at most {peak:,} items, at event {at + 1:,}")

    # The summary is a button: it seeks to the peak, by keyboard too.
    d.page.keyboard.press("Home")
    d.wait_at(-1)
    summary.focus()
    d.page.keyboard.press("Enter")
    d.wait_at(at)

    # Clicking the chart seeks to the event drawn there (the axis is the timeline's).
    canvas = d.page.locator(".depth-canvas")
    width = float(d.evaluate("() => document.querySelector('.depth-canvas').clientWidth"))
    x = round(width * 0.3)
    canvas.click(position={"x": x, "y": 10})
    want = sorted({min(n - 1, int(((x + dx) / width) * n)) for dx in (-1, 0, 1)})
    d.page.wait_for_function(
        AT_ONE_OF,
        arg=want,
    )

    # The marker stands at the event on screen.
    for k in (n // 4, (3 * n) // 4):
        d.seek(k)
        marker = d.evaluate(
            """() => {
              const cursor = document.querySelector('.depth-cursor').getBoundingClientRect();
              const track = document.querySelector('.depth-canvas').getBoundingClientRect();
              return (cursor.left + cursor.width / 2 - track.left) / track.width;
            }"""
        )
        assert abs(marker - (k + 0.5) / n) < 0.01, f"the marker is not at event {k}"


def test_no_depth_chart_without_a_queue(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="pipe", pace_ms=0)
    d.run()
    expect(d.page.locator("#depth-chart")).to_be_hidden()


def test_replay_bar_is_accessible(dashboard: Dashboard) -> None:
    """axe-core on the controls, the timeline and the chart, with every part of them shown."""
    d = dashboard
    d.open(scenario="queue-flood", count=50)
    d.run()
    d.seek(10)
    expect(d.page.locator("#depth-chart")).to_be_visible()
    violations = axe_violations(d.page, {"include": [["#controls"], ["#timeline"]]})
    assert violations == [], describe(violations)
