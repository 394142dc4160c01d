"""What a person sees of a deadlock (who waits for whom) and of a JoinableQueue (how many
tasks are unfinished), on the dashboard in Chromium, from real runs."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Dashboard

pytestmark = pytest.mark.browser


def test_the_deadlock_shows_who_waits_for_whom(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="join-deadlock", pace_ms=0)
    d.run(status="deadlocked")
    expect(d.page.locator("#run-status")).to_have_text(re.compile("Deadlocked"))
    # At the end, each box says what it was stuck in when the run was stopped.
    expect(d.lane("main").locator(".status")).to_have_text(
        "deadlocked: was waiting for p1.join(), then stopped"
    )
    expect(d.lane("p1").locator(".status")).to_have_text(
        "deadlocked: was waiting for q to flush, then stopped"
    )

    # Just before the stop, both are waiting: main at p1's box, p1 at the queue.
    events = d.events()
    last_wait = max(i for i, e in enumerate(events) if e["kind"] in ("queue.wait", "proc.wait"))
    d.seek(last_wait)
    expect(d.lane("main").locator(".status")).to_have_text("waiting for p1.join()")
    expect(d.lane("p1").locator(".status")).to_have_text("waiting for q to flush")
    expect(d.lane("p1").locator(".parked-here")).to_have_text("main waits here for p1 to end")
    queue = d.page.locator(".obj.queue[data-obj='q']")
    expect(queue.locator(".parked .chip")).to_contain_text(["p1"])
    expect(queue.locator(".note")).to_contain_text(
        "p1 cannot exit until what it put is written into the pipe"
    )
    # The item is still in the queue: nobody took it.
    expect(queue.locator(".fifo .item")).to_have_count(1)


def test_a_joinable_queue_counts_its_unfinished_tasks(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="joinable-queue", pace_ms=0, numbers=[5, 6, 7], workers=1)
    d.run()
    queue = d.page.locator(".obj.queue[data-obj='tasks']")
    expect(queue.locator("h3 .type")).to_have_text("JoinableQueue")
    expect(queue.locator(".unfinished")).to_have_text("0 unfinished · 4 marked done")
    events = d.events()
    # Right after main's last put (3 numbers and a stop signal), every put that no
    # task_done has answered yet is unfinished.
    last_put = max(i for i, e in enumerate(events) if e["kind"] == "queue.put")
    done_before = sum(1 for e in events[:last_put] if e["kind"] == "queue.task_done")
    d.seek(last_put)
    expect(queue.locator(".unfinished")).to_have_text(
        f"{4 - done_before} unfinished · {done_before} marked done"
    )
    # main waits in join() until the last task_done.
    waits = [i for i, e in enumerate(events) if e["kind"] == "queue.wait" and e["op"] == "join"]
    if waits:
        d.seek(waits[0])
        expect(d.lane("main").locator(".status")).to_have_text("waiting for tasks.join()")
        expect(queue.locator(".parked .chip")).to_contain_text(["main"])
