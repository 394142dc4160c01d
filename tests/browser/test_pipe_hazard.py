"""What a person sees when two senders share one end of a pipe: each sender waiting inside
its big send, then reads of mixed bytes drawn as broken tokens at the reading end."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Dashboard

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]


def corrupted_run(d: Dashboard) -> list[dict[str, Any]]:
    """Run the default scenario until a run mixes bytes (nine runs in ten do: see
    tests/runs/test_pipe_same_end.py); three whole runs in a row would be a failure."""
    for _ in range(3):
        d.run()
        events = d.events()
        if any(e["kind"] == "pipe.recv" and e.get("corrupt") for e in events):
            return events
    raise AssertionError("three default runs of pipe-same-end and no corrupted read")


def test_mixed_reads_are_broken_tokens_at_the_reading_end(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="pipe-same-end", pace_ms=0)
    events = corrupted_run(d)
    pipe = d.page.locator(".obj.pipe")
    broken = [e for e in events if e["kind"] == "pipe.recv" and e.get("corrupt")]
    tokens = pipe.locator(".corrupted .token.broken")
    expect(tokens).to_have_count(min(4, len(broken)))
    # Each says what the reader got: the exception it raised (its text in the title), or
    # the start of a value nobody sent.
    last = broken[-1]
    if "error" in last:
        expect(tokens.last.locator(".val")).to_have_text("✗ " + last["error"].split(":")[0])
        expect(tokens.last).to_have_attribute("title", re.compile(re.escape(last["error"])))
    else:
        expect(tokens.last.locator(".val")).to_contain_text("(not as sent)")
    expect(tokens.last.locator(".who")).to_have_text("main read mixed bytes")
    expect(pipe.locator(".note")).to_contain_text(f"{len(broken)} corrupted")
    whole = sum(1 for e in events if e["kind"] == "pipe.recv" and "msg" in e)
    expect(pipe.locator(".note")).to_contain_text(f"{whole} received")
    expect(d.page.locator("#run-status")).to_contain_text("Succeeded")

    # While a big send goes in piece by piece, its sender waits at the pipe's end.
    waits = next(i for i, e in enumerate(events) if e["kind"] == "pipe.wait" and e.get("op") == "send")
    d.seek(waits)
    who = events[waits]["proc"]
    expect(d.lane(who).locator(".status")).to_have_text("waiting for writer.send()")
    expect(pipe.locator(".parked .chip")).to_contain_text([who])
    expect(d.page.locator("#narration")).to_contain_text(f"{who} starts sending")
    expect(d.page.locator("#narration")).to_contain_text("more than the pipe holds at once")


def test_with_the_lock_nothing_is_broken(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="pipe-same-end", pace_ms=0, safe="true")
    d.run()
    pipe = d.page.locator(".obj.pipe")
    expect(pipe.locator(".corrupted .token")).to_have_count(0)
    expect(pipe.locator(".note")).to_contain_text("6 received")
    expect(pipe.locator(".note")).not_to_contain_text("corrupted")
    assert d.output("main") == "Whole messages received: 6\nCorrupted reads: 0\n"
