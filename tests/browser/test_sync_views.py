"""What a person sees of locks, events, barriers, semaphores and conditions, in Chromium:
a real run of each scenario, scrubbed to the moments that matter, read off the page and
checked against the run's own events (who holds the lock and who waits for it, in order;
the Event's flag; how many have arrived at the barrier; the free slots)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Dashboard

pytestmark = pytest.mark.browser


def region(d: Dashboard, name: str) -> Any:
    return d.page.locator(f".obj.sync[data-obj='{name}']")


def waiters_shown(d: Dashboard, name: str) -> list[str]:
    return d.texts(f".obj.sync[data-obj='{name}'] > .waiting ol.waiters > li")


def ran(d: Dashboard, scenario: str, **params: Any) -> list[dict[str, Any]]:
    d.open(scenario=scenario, pace_ms=0, start_method="fork", **params)
    d.run()
    return d.events()


def replay_lock(events: list[dict[str, Any]], upto: int, obj: str) -> tuple[str | None, list[str]]:
    """Holder and waiters (in the order they began to wait) after event ``upto``."""
    holder, waiters = None, []
    for ev in events[: upto + 1]:
        if ev.get("obj") != obj:
            continue
        if ev["kind"] == "lock.wait":
            waiters.append(ev["proc"])
        elif ev["kind"] == "lock.acquire" and ev.get("acquired", True):
            holder = ev["proc"]
            waiters = [w for w in waiters if w != ev["proc"]]
        elif ev["kind"] == "lock.release" and not ev.get("depth"):
            holder = None
    return holder, waiters


def test_a_lock_shows_its_holder_and_who_waits(dashboard: Dashboard) -> None:
    d = dashboard
    events = ran(d, "lock", times=3)
    waits = [e for e in events if e["kind"] == "lock.wait"]
    assert waits, "nobody waited in this run"
    for wait in waits:
        d.seek(wait["seq"])
        holder, waiters = replay_lock(events, wait["seq"], "lock")
        lock = region(d, "lock")
        assert lock.get_attribute("data-holder") == (holder or "")
        if holder:
            assert lock.locator(".holder-chip").inner_text() == holder
        assert waiters_shown(d, "lock") == waiters
        assert "waiting for lock.acquire()" in d.lane(wait["proc"]).inner_text()
    # Once a waiter has the lock it is the holder, no longer a waiter.
    got = next(
        e
        for e in events
        if e["kind"] == "lock.acquire" and e["seq"] > waits[0]["seq"] and e["proc"] == waits[0]["proc"]
    )
    d.seek(got["seq"])
    assert region(d, "lock").locator(".holder-chip").inner_text() == got["proc"]
    assert got["proc"] not in waiters_shown(d, "lock")
    d.seek(len(events) - 1)
    assert region(d, "lock").get_attribute("data-holder") == ""
    assert "nobody: free" in region(d, "lock").inner_text()


def test_an_event_shows_its_flag_and_its_waiters(dashboard: Dashboard) -> None:
    d = dashboard
    events = ran(d, "event", waiters=2, prepare_s=0.5)
    (set_,) = [e for e in events if e["kind"] == "event.set"]
    waits = [e for e in events if e["kind"] == "event.wait"]
    assert len(waits) == 2
    d.seek(set_["seq"] - 1)
    ready = region(d, "ready")
    assert ready.get_attribute("data-flag") == "clear"
    assert ready.locator(".flag").inner_text() == "not set"
    assert waiters_shown(d, "ready") == [w["proc"] for w in waits]
    d.seek(set_["seq"])
    assert ready.get_attribute("data-flag") == "set"
    assert ready.locator(".flag").inner_text() == "set"
    d.seek(len(events) - 1)
    assert waiters_shown(d, "ready") == []
    assert "went on:" in ready.inner_text()


def test_a_barrier_counts_its_arrivals(dashboard: Dashboard) -> None:
    d = dashboard
    events = ran(d, "barrier", runners=3)
    arrivals = [e for e in events if e["kind"] == "barrier.wait"]
    for arrival in arrivals:
        d.seek(arrival["seq"])
        assert region(d, "start_line").locator(".count-box").inner_text() == f"{arrival['n']} of 3"
    (last,) = [e for e in events if e["kind"] == "barrier.pass" and e.get("last")]
    d.seek(last["seq"])
    barrier = region(d, "start_line")
    assert barrier.locator(".count-box").inner_text() == "0 of 3"
    assert "passed together once" in barrier.inner_text()


def test_a_semaphore_shows_its_free_slots_and_holders(dashboard: Dashboard) -> None:
    d = dashboard
    events = ran(d, "semaphore", workers=3, free_slots=2)
    holding: list[str] = []
    for ev in events:
        if ev["kind"] == "semaphore.acquire":
            holding.append(ev["proc"])
        elif ev["kind"] == "semaphore.release":
            holding.remove(ev["proc"])
        else:
            continue
        d.seek(ev["seq"])
        slots = region(d, "slots")
        assert slots.get_attribute("data-count") == str(ev["count"])
        assert slots.locator(".count-box").inner_text() == str(ev["count"])
        assert sorted(slots.locator(".holder-chip").all_inner_texts()) == sorted(holding)


def test_a_condition_shows_who_waits_for_a_notify(dashboard: Dashboard) -> None:
    d = dashboard
    events = ran(d, "condition", consumers=2)
    (notify,) = [e for e in events if e["kind"] == "condition.notify"]
    sleeping = [e["proc"] for e in events[: notify["seq"]] if e["kind"] == "condition.wait"]
    d.seek(notify["seq"] - 1)
    cond = region(d, "ready")
    assert cond.locator("ol.sleepers > li").all_inner_texts() == sleeping
    for proc in sleeping:
        assert "waiting for a notify on ready" in d.lane(proc).inner_text()
    d.seek(notify["seq"])
    assert "notify_all()" in cond.inner_text()
