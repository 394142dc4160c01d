"""A run of thousands of events does not freeze the page.

The queue-flood scenario pushes 2,500 numbers through a Queue (about 5,000 events, in
batches of up to 1,000 per SSE message). The page coalesces drawing to animation frames;
Chromium's Long Animation Frames API reports how long the main thread was blocked.
"""

from __future__ import annotations

import sys

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Dashboard

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

OBSERVE = """() => {
  window.__frames = [];
  window.__loaf = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.__loaf.push(e.blockingDuration);
  }).observe({ type: 'long-animation-frame' });
  let last = performance.now();
  const loop = (now) => {
    window.__frames.push(now - last);
    last = now;
    if (!window.__stop) requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
}"""

RESULTS = """() => {
  window.__stop = true;
  const frames = window.__frames.slice(1).sort((a, b) => a - b);
  const at = (q) => frames[Math.min(frames.length - 1, Math.floor(frames.length * q))];
  return { frames: frames.length, p50: at(0.5), p95: at(0.95), max: at(1),
           blocking: window.__loaf.length ? Math.max(...window.__loaf) : 0 };
}"""


def test_thousands_of_events_stay_smooth(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="queue-flood", pace_ms=0, count=2500)
    d.evaluate(OBSERVE)
    d.run(timeout_ms=60_000)
    stats = d.evaluate(RESULTS)
    n = len(d.events())
    sys.stderr.write(f"\nqueue-flood: {n} events; frames (ms) {stats}\n")
    assert n > 5000
    assert d.output("consumer") == f"Received 2500 items, total {sum(range(2500))}\n"
    # The last item the consumer took is the None that told it to stop.
    expect(d.lane("consumer").locator(".inbox .token .val").last).to_have_text("None")
    # The main thread was never blocked for long: the page kept answering input.
    assert stats["blocking"] < 100, stats
    # Seeking anywhere in the long run is quick (checkpoints every 64 events).
    for k in (10, n // 2, n - 100, 1):
        d.seek(k)
