"""Replay in real time (events at their recorded times) and the timeline scaled by time."""

from __future__ import annotations

from itertools import accumulate
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Dashboard

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

# True once the event on screen is one of `ks` (indices; which one is the browser's call).
AT_ONE_OF = """(ks) => ks.some((k) =>
  document.querySelector('#position').textContent.startsWith(`event ${k + 1} of`))"""

# Records when each position is first shown, on the page's clock (ms).
WATCH_POSITION = """() => {
  window.__shown = [];
  const el = document.querySelector('#position');
  new MutationObserver(() => window.__shown.push([performance.now(), el.textContent]))
    .observe(el, { childList: true, characterData: true, subtree: true });
}"""


def clock(events: list[dict[str, Any]]) -> list[float]:
    """Each event's time on the run's clock: the latest `t` so far (t can step back a little)."""
    return list(accumulate((float(ev["t"]) for ev in events), max))


def test_real_time_playback_follows_the_recorded_times(dashboard: Dashboard) -> None:
    d = dashboard
    # Paced, so the events are spread over about three seconds, unevenly.
    d.open(scenario="pipe", pace_ms=100)
    d.run(timeout_ms=30_000)
    times = clock(d.events())
    n = len(times)
    d.page.keyboard.press("Home")
    d.wait_at(-1)
    d.page.select_option("#ctl-timing", "time")
    expect(d.page.locator("#ctl-speed")).to_have_value("1")
    d.page.select_option("#ctl-speed", "2")
    d.evaluate(WATCH_POSITION)
    d.page.click("#ctl-play")
    d.page.wait_for_function(
        "(want) => document.querySelector('#position').textContent === want",
        arg=f"event {n} of {n}",
        timeout=20_000,
    )
    expect(d.page.locator("#ctl-play")).to_have_attribute("aria-label", "Play")
    shown: list[tuple[float, str]] = d.evaluate("() => window.__shown")
    seen = [(at, int(text.split()[1]) - 1) for at, text in shown if text.startswith("event ")]
    first_at, first = seen[0]
    # The first frame shows the first event, or the last of those within a frame of it.
    assert (times[first] - times[0]) * 1000 / 2 < 50, "real-time playback did not start at the start"

    def due(k: int) -> float:
        return (times[k] - times[first]) * 1000 / 2  # ms after the first frame, at 2x

    # Each event appears when its time has come, give or take a few frames on a busy
    # machine; by steps (8 events a second at 2x) it would be seconds off.
    late = [(k, round(at - first_at), round(due(k))) for at, k in seen if abs(at - first_at - due(k)) > 120]
    assert late == [], "events shown at other times than their recorded ones: (event, shown ms, due ms)"
    assert len({k for _, k in seen}) > n / 3, "playback skipped most events of a slow run"


def test_timeline_by_time_seeks_by_time(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="queue-flood", count=200)
    d.run()
    events = d.events()
    times = clock(events)
    n = len(times)
    canvas = d.page.locator(".tl-canvas")
    box = canvas.bounding_box()
    assert box is not None
    width = float(d.evaluate("() => document.querySelector('.tl-canvas').clientWidth"))

    def by_time(x: float) -> int:
        due = times[0] + (x / width) * (times[-1] - times[0])
        return max(0, sum(1 for t in times if t <= due) - 1)

    def by_event(x: float) -> int:
        return min(n - 1, int((x / width) * n))

    # Where waits and bursts make the two scales differ most, so a wrong one shows.
    xs = sorted(range(5, int(width) - 5, 7), key=lambda x: -abs(by_time(x) - by_event(x)))[:3]
    assert abs(by_time(xs[0]) - by_event(xs[0])) > n / 20, "the run's events are evenly spread in time"

    d.page.select_option("#tl-scale", "time")
    expect(d.page.locator("#tl-extent")).to_have_text(f"0 to {(times[-1] - times[0]) * 1000:.1f} ms")
    for x in xs:
        canvas.click(position={"x": x, "y": 3})
        # A pixel either side: where the click lands within the pixel is the browser's.
        window = {by_time(x - 1), by_time(x), by_time(x + 1)}
        d.page.wait_for_function(
            AT_ONE_OF,
            arg=sorted(window),
        )
    # By event again: a click at x is event x / width of the way through.
    d.page.select_option("#tl-scale", "events")
    expect(d.page.locator("#tl-extent")).to_have_text(f"{n:,} events")
    x = xs[0]
    canvas.click(position={"x": x, "y": 3})
    d.page.wait_for_function(
        AT_ONE_OF,
        arg=sorted({by_event(x - 1), by_event(x), by_event(x + 1)}),
    )
    assert d.page.get_attribute("#tl-scale", "aria-label")
    assert d.page.get_attribute("#ctl-timing", "aria-label")
