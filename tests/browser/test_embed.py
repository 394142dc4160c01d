"""Embeds in a course page served from a second local origin, in real Chromium.

The course site is a small static server on another 127.0.0.1 port. The mpscope server
lets that origin (and only it, besides itself) frame its pages and call its API.
"""

from __future__ import annotations

import html
import json
import re
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import psutil
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import AT_END, SERVER_ENV, Dashboard, watched_page
from tests.browser.course import CourseSite, course_page, course_site
from tests.serving import LiveServer, live_server

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

# README's "Embed in your course": fits each iframe to its content.
SIZE_SCRIPT = """<script>
  addEventListener("message", (event) => {
    if (event.origin !== %s || event.data?.type !== "mpscope:size") return;
    for (const frame of document.querySelectorAll("iframe")) {
      if (frame.contentWindow === event.source) frame.style.height = event.data.height + "px";
    }
  });
</script>"""


def iframe(server: LiveServer, path: str, name: str) -> str:
    src = html.escape(server.url + path)
    style = "width: 100%; height: 320px; border: 0"
    return f'<iframe id="{name}" src="{src}" title="mpscope: {name}" style="{style}"></iframe>'


@pytest.fixture(scope="module")
def mpscope(course: CourseSite) -> Iterator[LiveServer]:
    env = {
        **SERVER_ENV,
        "MPSCOPE_CORS_ORIGINS": course.origin,
        "MPSCOPE_FRAME_ANCESTORS": f"'self' {course.origin}",
    }
    with live_server(env) as server:
        yield server


def health(server: LiveServer) -> dict[str, Any]:
    data: dict[str, Any] = httpx.get(f"{server.url}/healthz", timeout=5).json()
    return data


def wait_streams(server: LiveServer, count: int, timeout_s: float = 15) -> None:
    """Poll /healthz until exactly ``count`` event streams are open."""
    deadline = time.monotonic() + timeout_s
    while (open_now := health(server)["streams_open"]) != count:
        assert time.monotonic() < deadline, f"{open_now} streams open, waiting for {count}"
        time.sleep(0.05)


def connections(server: LiveServer) -> int:
    """TCP connections the server has open to clients right now (any state but listening)."""
    port = int(server.url.rsplit(":", 1)[1])
    conns = psutil.Process(server.pid).net_connections(kind="tcp")
    return sum(1 for c in conns if c.laddr.port == port and c.status == psutil.CONN_ESTABLISHED)


def finished_run(server: LiveServer, scenario: str) -> str:
    run = httpx.post(f"{server.url}/api/runs", json={"scenario": scenario}, timeout=10).json()
    httpx.get(f"{server.url}/api/runs/{run['id']}/events?format=ndjson", timeout=30)  # returns at its end
    return str(run["id"])


def frame_of(page: Any, name: str) -> Any:
    return page.locator(f"iframe#{name}").element_handle().content_frame()


# The copies p2 received, in its own box (the stage shows the last four).
RECEIVED_BY_P2 = ".proc-box[data-proc='p2'] .inbox .token .val"


def output(frame: Any, proc: str) -> Any:
    return frame.locator(f".proc-box[data-proc='{proc}'] .console")


def test_three_embeds_run_at_once_and_the_site_stays_responsive(
    browser: Any, course: CourseSite, mpscope: LiveServer
) -> None:
    stored = finished_run(mpscope, "separate-memory")
    embeds = "\n".join(
        [
            iframe(mpscope, "/embed/queue?autoplay=1&pace_ms=300", "queue"),
            iframe(mpscope, '/embed/pipe?autoplay=1&pace_ms=500&msgs=["hello","hey","hru?","END"]', "pipe"),
            iframe(mpscope, "/embed/shared-memory?autoplay=1&pace_ms=300&controls=0", "shared"),
        ]
    )
    # One row, with room for a fourth: an iframe out of sight is not drawn (Chromium throttles it).
    body = f'<div class="row" id="row">{embeds}</div>\n{SIZE_SCRIPT % json.dumps(mpscope.url)}'
    url = course.publish("/lesson.html", course_page("Processes that talk", body))

    with watched_page(browser, viewport={"width": 1500, "height": 1000}) as (page, _console):
        page.goto(url)
        # All three run at once, each on its own event stream.
        for name in ("queue", "pipe", "shared"):
            expect(page.frame_locator(f"iframe#{name}").locator("body")).to_have_attribute(
                "data-run-status", "running"
            )
        wait_streams(mpscope, 3)
        during = connections(mpscope)

        # Meanwhile the course page can call the API (CORS), and a fourth embed loads.
        t0 = time.monotonic()
        scenarios = page.evaluate(
            f"() => fetch({json.dumps(mpscope.url)} + '/api/scenarios').then((r) => r.json())"
        )
        fetch_s = time.monotonic() - t0
        assert "queue" in [s["id"] for s in scenarios]
        page.evaluate(
            "(html) => document.querySelector('#row').insertAdjacentHTML('beforeend', html)",
            iframe(mpscope, f"/embed/runs/{stored}", "stored"),
        )
        fourth = page.frame_locator("iframe#stored")
        expect(fourth.locator("body")).to_have_attribute("data-run-status", "succeeded")
        expect(fourth.locator(".proc-box .var .val")).to_have_text(["result = []", "result = [1, 4, 9, 16]"])
        fourth_s = time.monotonic() - t0
        # …and all that happened while the three were still running and streaming.
        assert health(mpscope)["runs_active"] == 3
        for name in ("queue", "pipe", "shared"):
            expect(page.frame_locator(f"iframe#{name}").locator("body")).to_have_attribute(
                "data-run-status", "running", timeout=500
            )
        sys.stderr.write(
            f"\nthree live embeds: {during} connections open to the server; /api/scenarios took "
            f"{fetch_s * 1000:.0f} ms, a fourth embed loaded in {fourth_s * 1000:.0f} ms\n"
        )

        # Each runs to its end, showing what the programs print.
        for name in ("queue", "pipe", "shared"):
            frame = page.frame_locator(f"iframe#{name}")
            expect(frame.locator("body")).to_have_attribute("data-run-status", "succeeded", timeout=20_000)
        queue, pipe, shared = (page.frame_locator(f"iframe#{n}") for n in ("queue", "pipe", "shared"))
        expect(output(queue, "p2")).to_have_text("Queue elements:\n1\n4\n9\n16\nQueue is now empty!\n")
        expect(queue.locator(RECEIVED_BY_P2)).to_have_text(["1", "4", "9", "16"])
        received = "".join(f"Received the message: {m}\n" for m in ("hello", "hey", "hru?"))
        expect(output(pipe, "p2")).to_have_text(received)
        expect(output(shared, "main")).to_have_text(
            "Result(in main program): [1, 4, 9, 16]\nSum of squares(in main program): 30\n"
        )
        expect(shared.locator("#controls")).to_have_count(0)  # controls=0
        expect(queue.locator("#controls")).to_have_count(1)

        # Every stream closed at its run's end; nothing else holds one.
        wait_streams(mpscope, 0)
        sys.stderr.write(f"after the runs: {connections(mpscope)} connections open (idle keep-alive)\n")

        # The stored run came in one bounded NDJSON request, not a stream.
        loaded = frame_of(page, "stored").evaluate(
            "() => performance.getEntriesByType('resource').map((e) => e.name)"
        )
        requests = [name for name in loaded if "/events" in name]
        assert requests == [f"{mpscope.url}/api/runs/{stored}/events?format=ndjson"]

        # The size script fitted each iframe to its content.
        for name in ("queue", "pipe", "shared", "stored"):
            content = frame_of(page, name).evaluate("() => document.documentElement.offsetHeight")
            assert content > 320  # taller than the iframe was at first
            page.wait_for_function(
                "([name, content]) => Math.abs(document.getElementById(name).offsetHeight - content) <= 1",
                arg=[name, content],
            )


FIRST = "/embed/queue?autoplay=1&pace_ms=150"


def test_autoplay_waits_out_the_servers_limit(browser: Any, course: CourseSite) -> None:
    env = {"MPSCOPE_MAX_RUNS_PER_CLIENT": "1", "MPSCOPE_RUNS_PER_MINUTE": "100"}
    with (
        live_server(env) as server,
        watched_page(browser, viewport={"width": 1400, "height": 900}) as (page, console),
    ):
        console.expect("status of 429")  # Chromium logs each refused start; that is the point here
        url = course.publish(
            "/busy.html",
            course_page("Busy", f'<div class="row" id="row">{iframe(server, FIRST, "first")}</div>'),
        )
        page.goto(url)
        first = page.frame_locator("iframe#first")
        expect(first.locator("body")).to_have_attribute("data-run-status", "running")
        # A second embed while the first runs: this client may run only one at a time.
        page.evaluate(
            "(html) => document.querySelector('#row').insertAdjacentHTML('beforeend', html)",
            iframe(server, "/embed/pipe?autoplay=1&pace_ms=0", "second"),
        )
        second = page.frame_locator("iframe#second")
        message = second.locator("#form-message")
        # Worded for a student; the server's own words (naming the setting) are in the title.
        expect(message).to_contain_text(
            "Your other runs are still going (in other embeds or tabs of this browser). "
            "This one starts by itself as soon as it can"
        )
        expect(message).to_contain_text(re.compile(r"next try in \d+ seconds?\.$"))
        expect(message).not_to_contain_text("MPSCOPE_")
        expect(message).to_have_attribute(
            "title", re.compile(r"\(limit 1\).*\[MPSCOPE_MAX_RUNS_PER_CLIENT\]$")
        )
        expect(message).to_have_attribute("data-kind", "wait")
        # It starts by itself once the first run is over, and the message goes.
        expect(first.locator("body")).to_have_attribute("data-run-status", "succeeded", timeout=20_000)
        expect(second.locator("body")).to_have_attribute("data-run-status", "succeeded", timeout=20_000)
        expect(message).to_be_empty()
        expect(second.locator(RECEIVED_BY_P2)).to_have_count(4)


def test_only_the_listed_sites_may_frame_the_pages(
    browser: Any, mpscope: LiveServer, course: CourseSite
) -> None:
    headers = httpx.get(f"{mpscope.url}/embed/queue", timeout=5).headers
    assert headers["content-security-policy"] == f"frame-ancestors 'self' {course.origin}"
    with course_site() as other, watched_page(browser) as (page, console):
        console.expect("frame-ancestors")  # Chromium reports the refusal; that is the point here
        url = other.publish(
            "/elsewhere.html", course_page("Elsewhere", iframe(mpscope, "/embed/queue", "queue"))
        )
        with page.expect_console_message(lambda m: "frame-ancestors" in m.text):
            page.goto(url)
        assert frame_of(page, "queue").url.startswith("chrome-error://")
    # The API answers other origins without CORS headers, so their pages cannot read it.
    r = httpx.get(f"{mpscope.url}/api/scenarios", headers={"Origin": "http://elsewhere.test"}, timeout=5)
    assert "access-control-allow-origin" not in r.headers
    r = httpx.get(f"{mpscope.url}/api/scenarios", headers={"Origin": course.origin}, timeout=5)
    assert r.headers["access-control-allow-origin"] == course.origin


def test_the_embed_dialog_gives_snippets_that_work(dashboard: Dashboard, course: CourseSite) -> None:
    d = dashboard
    d.open(scenario="pipe", pace_ms=0, msgs=["hi", "there", "END"])
    d.page.click("#embed")
    dialog = d.page.locator("#embed-dialog")
    expect(dialog).to_be_visible()
    # No run on screen yet: only a new run of this set-up can be embedded.
    expect(dialog.get_by_label("this run, replayed")).to_be_hidden()
    dialog.get_by_label("autoplay").check()
    dialog.get_by_label("replay controls").uncheck()
    dialog.locator("select[name='theme']").select_option("dark")
    fresh = d.page.locator("#embed-iframe").input_value()
    assert f'src="{d.server.url}/embed/pipe?msgs=[%22hi%22,%22there%22,%22END%22]&amp;pace_ms=0' in fresh
    assert "&amp;autoplay=1&amp;controls=0&amp;theme=dark" in fresh
    script = d.page.locator("#embed-script").input_value()
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()

    # After a run, the dialog offers that run, replayed.
    d.run()
    d.page.click("#embed")
    expect(dialog.get_by_label("this run, replayed")).to_be_checked()
    dialog.get_by_label("replay controls").check()
    replay = d.page.locator("#embed-iframe").input_value()
    assert f'src="{d.server.url}/embed/runs/{d.run_id()}?' in replay
    d.page.keyboard.press("Escape")

    # Both snippets, and the script, pasted into a course page on another site.
    page_url = course.publish(
        "/snippets.html",
        course_page("Pipes", f'<div class="row">{fresh}\n{replay}</div>\n{script}'),
    )
    d.page.goto(page_url)
    live, replayed = (d.page.frame_locator("iframe").nth(i) for i in (0, 1))
    expect(live.locator("body")).to_have_attribute("data-run-status", "succeeded", timeout=20_000)
    expect(live.locator(RECEIVED_BY_P2)).to_have_text(["'hi'", "'there'", "'END'"])
    expect(live.locator("#controls")).to_have_count(0)
    expect(live.locator("html")).to_have_attribute("data-theme", "dark")
    # Autoplay replays the recorded run from its first event; its last shows what the run did.
    expect(replayed.locator("#ctl-play")).to_have_attribute("aria-label", "Pause")
    expect(replayed.locator("#position")).not_to_have_text(re.compile(r"^event (\d+) of \1$"))
    replayed.locator("#ctl-end").click()
    expect(replayed.locator("#ctl-play")).to_have_attribute("aria-label", "Play")
    expect(replayed.locator(RECEIVED_BY_P2)).to_have_text(["'hi'", "'there'", "'END'"])
    # The script fitted both iframes to their content (the snippet says 600px until then).
    d.page.wait_for_function(
        "() => [...document.querySelectorAll('iframe')].every((f) => !['', '600px'].includes(f.style.height))"
    )


def test_bad_options_are_explained_and_never_break_the_embed(browser: Any, server: LiveServer) -> None:
    with watched_page(browser) as (page, console):
        console.expect("status of 422")  # the page of an embed whose parameters are refused
        page.goto(f"{server.url}/embed/queue?pace_ms=fast&controls=maybe&theme=purple&colour=red")
        page.wait_for_selector("body[data-ready='true']")
        expect(page.locator(".embed-notes li")).to_have_text(
            [
                "pace_ms='fast' is not a whole number from 0 to 2000; using 300.",
                "controls='maybe' is not 1 or 0; using 1.",
                "theme='purple' is not one of auto, light, dark; using auto.",
                "Unknown option 'colour' is ignored (options here: mylist, autoplay, controls, source, "
                "theme, pace_ms, start_method, schedule).",
            ]
        )
        expect(page.locator("#run")).to_be_enabled()
        expect(page.locator("#controls")).to_have_count(1)

        response = page.goto(f"{server.url}/embed/queue?mylist=[1,2000]&autoplay=1")
        assert response is not None
        assert response.status == 422
        page.wait_for_selector("body[data-ready='true']")
        expect(page.locator(".embed-errors li")).to_have_text(
            ["params.mylist.1: Input should be less than or equal to 1000"]
        )
        expect(page.locator("#run")).to_be_disabled()
        expect(page.locator("#narration")).to_have_text("Nothing to run: the parameters above need fixing.")
        assert page.evaluate("() => document.body.dataset.runStatus") == "waiting"


FRAMES = """() => new Promise((done) => {
  let n = 3;
  const next = () => (--n ? requestAnimationFrame(next) : done());
  requestAnimationFrame(next);
})"""


def fitted(page: Any, embed: Any) -> float:
    """The iframe's height once the size script has fitted it to the embed's content."""
    # A few frames first: the embed draws, then measures what it draws.
    embed.evaluate(FRAMES)
    content = embed.evaluate("() => document.documentElement.getBoundingClientRect().height")
    page.wait_for_function(
        "(h) => Math.abs(document.getElementById('lesson').getBoundingClientRect().height - h) <= 1",
        arg=content,
    )
    height: float = page.locator("iframe#lesson").evaluate("(f) => f.getBoundingClientRect().height")
    return height


@pytest.mark.parametrize(
    ("path", "procs", "obj"),
    [
        ("/embed/queue?source=1&pace_ms=0", ["main", "p1", "p2"], ".obj.queue"),
        ('/embed/pipe?pace_ms=0&msgs=["hi","there","END"]', ["main", "p1", "p2"], ".obj.pipe"),
    ],
)
def test_before_run_the_embed_shows_the_cast_at_the_height_the_run_needs(
    browser: Any, course: CourseSite, mpscope: LiveServer, path: str, procs: list[str], obj: str
) -> None:
    # One embed in a course column, fitted by the Embed dialog's size script.
    body = f'<div style="max-width: 760px">{iframe(mpscope, path, "lesson")}</div>'
    url = course.publish(
        "/before-run.html", course_page("Before Run", body + SIZE_SCRIPT % json.dumps(mpscope.url))
    )
    with watched_page(browser, viewport={"width": 1000, "height": 900}) as (page, _console):
        page.goto(url)
        frame = page.frame_locator("iframe#lesson")
        expect(frame.locator("body")).to_have_attribute("data-ready", "true")
        # The picture of what the run will have, none of it started: not a blank box.
        expect(frame.locator("[data-proc]")).to_have_count(len(procs))
        for proc in procs:
            expect(frame.locator(f"[data-proc='{proc}']")).to_be_visible()
        expect(frame.locator(obj)).to_be_visible()
        assert frame.locator("body").get_attribute("data-run-status") == "waiting"
        if "source=1" in path:
            expect(frame.locator("#source .src-line").first).to_be_visible()  # the program too
        # The iframe settles at its reserved height before anything runs…
        embed = page.frame(url=re.compile(r"/embed/"))
        assert embed is not None
        before = fitted(page, embed)
        frame.locator("#run").click()
        expect(frame.locator("body")).to_have_attribute("data-run-status", "succeeded", timeout=20_000)
        expect(frame.locator("#run")).to_have_text("Run again")
        embed.wait_for_function(AT_END)
        # …and keeps it after the run, with everything the run drew: the page did not move.
        after = fitted(page, embed)
        sys.stderr.write(f"\n{path}: iframe {before:.0f} px before Run, {after:.0f} px after the run\n")
        assert abs(after - before) <= 4
        stage = frame.locator("#stage").evaluate("(s) => [s.clientHeight, s.scrollHeight]")
        sys.stderr.write(f"  stage reserved {stage[0]} px, its content {stage[1]} px\n")


def test_browsers_behind_one_address_are_clients_of_their_own(browser: Any, course: CourseSite) -> None:
    # One run at a time per client: two browsers (their own storage, so their own tokens)
    # at the same address 127.0.0.1 run at once; a second embed in the same browser waits.
    env = {"MPSCOPE_MAX_RUNS_PER_CLIENT": "1", "MPSCOPE_MAX_RUNS": "4", "MPSCOPE_RUNS_PER_MINUTE": "100"}
    slow = "/embed/queue?autoplay=1&pace_ms=400"
    with (
        live_server(env) as server,
        watched_page(browser, viewport={"width": 1400, "height": 900}) as (alice, alice_console),
        watched_page(browser, viewport={"width": 1400, "height": 900}) as (bob, _bob_console),
    ):
        alice_console.expect("status of 429")  # her second embed is refused until the first ends
        row = f'<div class="row" id="row">{iframe(server, slow, "first")}</div>'
        url = course.publish("/class.html", course_page("Class", row))
        for page in (alice, bob):
            page.goto(url)
        for page in (alice, bob):
            expect(page.frame_locator("iframe#first").locator("body")).to_have_attribute(
                "data-run-status", "running"
            )
        assert health(server)["runs_active"] == 2
        alice.evaluate(
            "(html) => document.querySelector('#row').insertAdjacentHTML('beforeend', html)",
            iframe(server, "/embed/pipe?autoplay=1&pace_ms=0", "second"),
        )
        second = alice.frame_locator("iframe#second")
        expect(second.locator("#form-message")).to_have_attribute("data-kind", "wait")
        for page in (alice, bob):
            expect(page.frame_locator("iframe#first").locator("body")).to_have_attribute(
                "data-run-status", "succeeded", timeout=20_000
            )
        expect(second.locator("body")).to_have_attribute("data-run-status", "succeeded", timeout=20_000)


def test_an_unreachable_server_is_said_plainly(browser: Any) -> None:
    with watched_page(browser) as (page, console):
        console.expect("ERR_CONNECTION_REFUSED")  # Chromium logs the failed start; that is the point
        with live_server() as server:
            page.goto(f"{server.url}/embed/queue")
            expect(page.locator("#run")).to_be_enabled()
        page.click("#run")  # the server has stopped
        message = page.locator("#form-message")
        expect(message).to_have_text(
            "The mpscope server cannot be reached. Check your connection, then press Run again."
        )
        expect(message).to_have_attribute("data-kind", "error")
        expect(page.locator("#run")).to_be_enabled()
