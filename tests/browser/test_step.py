"""Step mode on the page, in real Chromium: the learner chooses who runs next.

The runs are real value-race programs held by the server before each operation; the page
is driven only through what a person uses (Step buttons, keys 1, 2, 3…, Undo, the links,
the explorer's button), and every wait is on the page's own state.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import Dashboard, watched_page
from tests.browser.test_a11y_pages import settle, shown_theme, with_theme
from tests.serving import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

RACE = {"times": 2, "use_lock": False}
# The program's own last line, once p1 and p2 have lost one of their four updates.
LOST_ONE = "Expected 4, got 3\n"


def steps_so_far(page: Any) -> int:
    match = re.search(r"(\d+) steps? so far", str(page.locator("#step-facts").text_content()))
    assert match, page.locator("#step-facts").text_content()
    return int(match.group(1))


def settled_after(page: Any, count: int) -> None:
    """Until the server's answer to the step that made ``count`` steps is on the page."""
    facts = page.locator("#step-facts")
    expect(facts).to_contain_text(re.compile(rf"\b{count} steps? so far"))
    expect(facts).not_to_contain_text("stepping…")


def next_op(d: Dashboard, proc: str) -> Any:
    return d.lane(proc).locator(".step-slot .next-op")


def step(d: Dashboard, proc: str, will: str, key: str | None = None) -> None:
    """Let ``proc`` go, once its lane says it ``will`` do that: by its button, or by ``key``."""
    expect(next_op(d, proc)).to_have_text(f"{proc} will {will}")
    before = steps_so_far(d.page)
    if key is None:
        d.lane(proc).get_by_role("button", name=re.compile(rf"^Step {re.escape(proc)}:")).click()
    else:
        d.page.keyboard.press(key)
    settled_after(d.page, before + 1)


def lose_an_update(d: Dashboard) -> None:
    """main starts p1 and p2; both read the counter before either writes it back."""
    step(d, "main", "start p1")
    step(d, "main", "start p2", key="1")  # main's is the first lane
    step(d, "main", "join p1 (wait for it to finish)")
    # What a blocked process waits for is the server's wording (waits_for), shown as it is.
    expect(next_op(d, "main")).to_have_text(re.compile(r"^main waits for .*p1"))
    step(d, "p1", "arrive at barrier", key="2")
    step(d, "p2", "arrive at barrier", key="3")
    step(d, "p1", "read counter.value")
    step(d, "p2", "read counter.value", key="3")
    step(d, "p1", "set counter.value to 1")
    step(d, "p2", "set counter.value to 1", key="3")


def finish(d: Dashboard) -> None:
    """The rest in order: p1's second update, then p2's, then main's joins and its print."""
    step(d, "p1", "read counter.value")
    step(d, "p1", "set counter.value to 2")
    step(d, "p2", "read counter.value")
    step(d, "p2", "set counter.value to 3")
    step(d, "main", "join p2 (wait for it to finish)")
    while d.page.evaluate("() => document.body.dataset.runStatus") == "running":
        ready = d.page.locator("button.step:not([disabled])")
        if ready.count() == 0:
            d.page.wait_for_function(
                "() => document.body.dataset.runStatus !== 'running' || "
                "document.querySelector('button.step:not([disabled])') !== null"
            )
            continue
        before = steps_so_far(d.page)
        ready.first.click()
        settled_after(d.page, before + 1)
    d.wait_status("succeeded")


def start_step_run(d: Dashboard) -> None:
    d.open(scenario="value-race", pace_ms=0, mode="step", **RACE)
    expect(d.page.locator("#step-mode")).to_be_checked()
    d.page.click("#run")
    expect(d.page.locator("#step-panel")).to_be_visible()
    settled_after(d.page, 0)


def test_stepping_a_race_into_a_lost_update_and_replaying_its_link(
    browser: Any, dashboard: Dashboard
) -> None:
    d = dashboard
    start_step_run(d)
    expect(d.page.locator("footer.keys")).to_contain_text("in step mode")
    lose_an_update(d)
    # The page's own sign of it: p2's write overwrote p1's.
    expect(d.lane("p2").locator(".writes .pair.stale")).to_have_count(1)
    finish(d)
    assert d.output("main") == LOST_ONE
    run_id = d.run_id()
    schedule = httpx.get(f"{d.server.url}/api/runs/{run_id}", timeout=5).json()["schedule"]
    link = d.page.locator("#step-link")
    expect(link).to_have_attribute("href", re.compile(r"schedule="))
    href = str(link.get_attribute("href"))
    query = parse_qs(urlparse(href).query)
    assert query["schedule"] == [",".join(schedule)]
    assert "mode" not in query  # the run is over: the link replays it, then the program goes on
    # The Embed dialog's "new run of this set-up" replays the same interleaving.
    d.page.click("#embed")
    d.page.get_by_label(re.compile("a new run of this set-up that replays this interleaving")).check()
    snippet = str(d.page.locator("#embed-iframe").input_value())
    assert f"schedule={','.join(schedule)}" in snippet
    d.page.keyboard.press("Escape")

    # A reader who was never here: a fresh context, the link alone.
    with watched_page(browser, viewport={"width": 1280, "height": 900}) as (page, console):
        other = Dashboard(page, d.server, console)
        page.goto(href)
        other.wait_status("succeeded")
        assert other.output("main") == LOST_ONE
        replayed = httpx.get(f"{d.server.url}/api/runs/{other.run_id()}", timeout=5).json()
        assert replayed["id"] != run_id
        assert replayed["schedule"] == schedule
        assert replayed["diverged"] is None


def test_undo_replays_all_but_the_last_step_on_the_runs_page(
    dashboard: Dashboard, server: LiveServer
) -> None:
    d = dashboard
    start_step_run(d)
    step(d, "main", "start p1")
    step(d, "main", "start p2")
    step(d, "main", "join p1 (wait for it to finish)")
    step(d, "p1", "arrive at barrier")
    step(d, "p2", "arrive at barrier")
    step(d, "p1", "read counter.value")
    before = {p: str(next_op(d, p).text_content()) for p in ("main", "p1", "p2")}
    assert re.match(r"main waits for .*p1", before.pop("main"))
    assert before == {"p1": "p1 will set counter.value to 1", "p2": "p2 will read counter.value"}
    step(d, "p2", "read counter.value")
    first = d.run_id()
    # The same run on its own page, where Undo goes to the new run's page.
    d.page.goto(f"{server.url}/runs/{first}")
    d.page.wait_for_selector("body[data-ready='true']")
    settled_after(d.page, 7)
    expect(d.page.locator("#explore-start")).to_be_visible()  # value-race declares a check
    d.page.locator("#step-undo").click()
    d.page.wait_for_url(re.compile(r"/runs/(?!" + re.escape(first) + r")[\w-]+$"))
    d.page.wait_for_selector("body[data-ready='true']")
    settled_after(d.page, 6)
    expect(next_op(d, "main")).to_have_text(re.compile(r"^main waits for .*p1"))
    for proc, text in before.items():
        expect(next_op(d, proc)).to_have_text(text)
    second = d.page.url.rsplit("/", 1)[1]
    old = httpx.get(f"{server.url}/api/runs/{first}", timeout=5).json()
    assert old["status"] == "cancelled"  # gone before the new one started
    new = httpx.get(f"{server.url}/api/runs/{second}", timeout=5).json()
    assert new["mode"] == "step"
    assert new["schedule"] == old["schedule"][:-1]
    # Undo again, to the step before, and step on from there by key.
    d.page.locator("#step-undo").click()
    d.page.wait_for_url(re.compile(r"/runs/(?!" + re.escape(second) + r")[\w-]+$"))
    d.page.wait_for_selector("body[data-ready='true']")
    settled_after(d.page, 5)
    expect(next_op(d, "p1")).to_have_text("p1 will read counter.value")
    step(d, "p1", "read counter.value", key="2")
    expect(d.page.locator("#step-undo")).to_be_enabled()


def test_the_explorer_finds_the_lost_update_and_links_to_it(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="queue")
    expect(d.page.locator("#explore")).to_be_hidden()  # a queue declares no failure to look for
    d.open(scenario="value-race", pace_ms=0, **RACE)
    explore = d.page.locator("#explore")
    expect(explore).to_contain_text("the counter ends below 2 * times")
    d.page.get_by_role("button", name="Find a failing interleaving").click()
    progress = d.page.locator("#explore-progress")
    expect(progress).to_have_attribute("aria-live", "polite")
    expect(progress).to_have_text(re.compile(r"^Found a failing interleaving after \d+ schedules?\.$"))
    expect(explore.locator(".explore-failure")).to_contain_text("updates lost")
    expect(explore).to_contain_text(re.compile(r"\d+ preemptions?"))
    expect(d.page.locator("#explore-start")).to_be_enabled()
    expect(d.page.locator("#explore-cancel")).to_be_hidden()
    settle(d.page)
    assert_accessible(d.page, review=True)
    link = d.page.locator("#explore-link")
    expect(link).to_have_attribute("href", re.compile(r"schedule=main,"))
    run = d.page.locator("#explore-run")
    expect(run).to_have_attribute("href", re.compile(r"^/runs/[\w-]+$"))
    run.click()
    d.page.wait_for_selector("body[data-ready='true']")
    d.wait_status("succeeded")
    assert re.fullmatch(r"Expected 4, got [123]\n", d.output("main"))


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_a_step_mode_runs_page_is_accessible(dashboard: Dashboard, server: LiveServer, theme: str) -> None:
    d = dashboard
    with_theme(d, theme)
    body = {"scenario": "value-race", "params": RACE, "pace_ms": 0, "mode": "step"}
    body["schedule"], body["then"] = ["main", "main", "main", "p1"], "step"
    run = httpx.post(f"{server.url}/api/runs", json=body, timeout=10).json()
    d.page.goto(f"{server.url}/runs/{run['id']}")
    d.page.wait_for_selector("body[data-ready='true']")
    settled_after(d.page, 4)
    # A ready lane, and two blocked ones (main at its join, p1 at the barrier).
    expect(d.page.locator("button.step")).to_have_count(1)
    expect(d.lane("p2").get_by_role("button", name="Step p2: arrive at barrier")).to_have_attribute(
        "aria-keyshortcuts", "3"
    )
    expect(next_op(d, "p1")).to_have_text(re.compile(r"^p1 waits for .*barrier"))
    shown_theme(d, theme)
    settle(d.page)
    assert_accessible(d.page, review=True)
    httpx.delete(f"{server.url}/api/runs/{run['id']}", timeout=10)


def test_a_link_whose_schedule_the_program_cannot_follow_says_where(dashboard: Dashboard) -> None:
    d = dashboard
    # p1 cannot go first: main has not started it yet.
    d.open(scenario="value-race", pace_ms=0, mode="step", schedule="main,p2", **RACE)
    diverged = d.page.locator("#step-diverged")
    expect(diverged).to_have_text(
        "The replay left its schedule at step 2: the schedule says p2, but only main, p1 could go. "
        "The program took another path."
    )
    # What could be replayed was; from there the learner steps on.
    settled_after(d.page, 1)
    step(d, "main", "start p2")


def test_an_embedded_step_run_is_stepped_in_its_frame(dashboard: Dashboard, server: LiveServer) -> None:
    d = dashboard
    body = {"scenario": "value-race", "params": RACE, "pace_ms": 0, "mode": "step"}
    run = httpx.post(f"{server.url}/api/runs", json=body, timeout=10).json()
    d.page.goto(f"{server.url}/embed/runs/{run['id']}")
    d.page.wait_for_selector("body[data-ready='true']")
    settled_after(d.page, 0)
    step(d, "main", "start p1")
    step(d, "main", "start p2", key="1")
    expect(d.page.locator("#step-link")).to_have_attribute("target", "_blank")
    httpx.delete(f"{server.url}/api/runs/{run['id']}", timeout=10)


NEXT_OPS = """async (ops) => {
  const { nextOpText } = await import('/static/js/next-op.js');
  return ops.map(nextOpText);
}"""


def test_next_operations_in_words(js: Any) -> None:
    ops = [
        {"proc": "p2", "kind": "value.get", "obj": "counter"},
        {"proc": "p1", "kind": "value.set", "obj": "counter", "value": 1},
        {"proc": "main", "kind": "proc.spawn", "obj": None, "child": "p1"},
        {"proc": "p1", "kind": "queue.put", "obj": "q", "value": 5},
        {"proc": "p1", "kind": "queue.put", "obj": "q", "value": "END"},
        {"proc": "p1", "kind": "pipe.send", "obj": "a", "value": [1, None]},
        {"proc": "p1", "kind": "lock.acquire", "obj": "counter.lock"},
        {"proc": "p1", "kind": "something.new", "obj": "x"},
    ]
    assert js.evaluate(NEXT_OPS, ops) == [
        "p2 will read counter.value",
        "p1 will set counter.value to 1",
        "main will start p1",
        "p1 will put 5 on queue q",
        "p1 will put 'END' on queue q",
        "p1 will send [1, None] into a",
        "p1 will acquire counter.lock",
        "p1 will do something.new on x",
    ]
