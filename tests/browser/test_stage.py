"""The stage as a picture, in Chromium at a laptop's and a phone's size: each process a box
(its memory), channels between the boxes, shared memory across them, a manager's object in
its server's box, and tokens that really travel from one box to another.

Positions are read from the page while it animates (getBoundingClientRect every frame), so
a token that jumped, or flew somewhere else, fails the test.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import AT_END, Dashboard, watched_page
from tests.serving import LiveServer

SIZES = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}

# Every frame until the run has ended and nothing moves any more: where each token is,
# and where each process box and each object is, in viewport coordinates.
SAMPLE = """
window.__frames = (async () => {
  const rect = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const frames = [];
  const t0 = performance.now();
  for (;;) {
    await new Promise(requestAnimationFrame);
    const tokens = {};
    for (const el of document.querySelectorAll('[data-token]')) tokens[el.dataset.token] = rect(el);
    const boxes = {};
    for (const el of document.querySelectorAll('.proc-box[data-proc]')) boxes[el.dataset.proc] = rect(el);
    const objects = {};
    for (const el of document.querySelectorAll('.obj[data-obj]')) objects[el.dataset.obj] = rect(el);
    const flying = document.getAnimations().filter((a) => a.effect?.target?.dataset?.token).length;
    const landed = document.querySelectorAll('[data-token].landed').length;
    frames.push({ tokens, boxes, objects, flying, landed });
    const ended = document.body.dataset.runStatus === 'succeeded';
    const still = document.getAnimations().every((a) => a.playState !== 'running');
    if ((ended && still && /^event (\\d+) of \\1$/.test(document.querySelector('#position').textContent))
        || performance.now() - t0 > 40000) break;
  }
  return frames;
})()
"""


def sample_run(d: Dashboard) -> list[dict[str, Any]]:
    """Press Run with the sampler already going, and return its frames."""
    d.page.evaluate("() => { " + SAMPLE + " }")
    d.page.click("#run")
    return list(d.page.evaluate("() => window.__frames"))


@pytest.fixture(params=list(SIZES))
def sized(request: pytest.FixtureRequest, browser: Any, server: LiveServer) -> Iterator[Dashboard]:
    with watched_page(browser, viewport=SIZES[request.param]) as (page, console):
        yield Dashboard(page, server, console)


def inside(point: tuple[float, float], r: list[float], slack: float = 1.0) -> bool:
    x, y = point
    return r[0] - slack <= x <= r[2] + slack and r[1] - slack <= y <= r[3] + slack


def center(r: list[float]) -> tuple[float, float]:
    return ((r[0] + r[2]) / 2, (r[1] + r[3]) / 2)


def touches(a: list[float], b: list[float]) -> bool:
    return a[0] <= b[2] and b[0] <= a[2] and a[1] <= b[3] and b[1] <= a[3]


def journey(frames: list[dict[str, Any]], token: str, places: list[tuple[str, str]]) -> list[int]:
    """The frame at which ``token``'s centre was first inside each place, in order
    (("box", name) or ("obj", name)); fails if it never got to one of them in that order."""
    seen: list[int] = []
    start = 0
    for kind, name in places:
        for i in range(start, len(frames)):
            frame = frames[i]
            where = frame["boxes" if kind == "box" else "objects"].get(name)
            at = frame["tokens"].get(token)
            if where and at and inside(center(at), where):
                seen.append(i)
                start = i + 1
                break
        else:
            raise AssertionError(f"token {token} never reached {kind} {name} after frame {start}: {places}")
    return seen


def flights(frames: list[dict[str, Any]], token: str) -> int:
    """How many distinct positions the token was seen at: a token that only appears and
    vanishes has one or two, one that travels has many."""
    return len({tuple(round(v) for v in f["tokens"][token]) for f in frames if token in f["tokens"]})


def msg_of(events: list[dict[str, Any]], kind: str, value: Any) -> str:
    return str(next(e["msg"] for e in events if e["kind"] == kind and e.get("value") == value))


def test_after_run_the_stage_is_in_view(sized: Dashboard) -> None:
    d = sized
    d.open(scenario="queue", pace_ms=0)
    # Wherever the learner scrolled to reach Run, the stage is what they see once it is pressed.
    d.page.locator("#run").scroll_into_view_if_needed()
    d.run()
    top, bottom, height = d.evaluate(
        "() => { const r = document.querySelector('#stage').getBoundingClientRect();"
        " return [r.top, r.bottom, innerHeight]; }"
    )
    assert 0 <= top < height * 0.3, (top, height)
    visible = min(bottom, height) - top
    assert visible >= min(bottom - top, height * 0.5), (top, bottom, height)


def test_a_pipe_message_travels_from_p1_into_the_pipe_and_on_to_p2(sized: Dashboard) -> None:
    d = sized
    d.open(scenario="pipe", pace_ms=500)
    frames = sample_run(d)
    events = d.events()
    # The second message: the first may be sent in the same instant the page starts.
    hey = msg_of(events, "pipe.recv", "hey")
    steps = journey(frames, hey, [("box", "p1"), ("obj", "parent_conn"), ("box", "p2")])
    assert flights(frames, hey) >= 6, "the token jumped instead of moving"
    # It is in p2's box at the end: the copy p2 received lives in p2's memory.
    assert inside(center(frames[-1]["tokens"][hey]), frames[-1]["boxes"]["p2"])
    assert steps[0] < steps[1] < steps[2]


def test_queue_items_pass_through_the_queue_drawn_between_p1_and_p2(sized: Dashboard) -> None:
    d = sized
    d.open(scenario="queue", pace_ms=300, mylist=[3, 5, 7])
    frames = sample_run(d)
    events = d.events()
    # Not the first item: its put may come in the page's first batch, drawn where it lands.
    for value in (25, 49):
        token = msg_of(events, "queue.get", value)
        journey(frames, token, [("box", "p1"), ("obj", "q"), ("box", "p2")])
        assert flights(frames, token) >= 6
    # The queue is drawn between the two: across on a laptop, down on a phone.
    last = frames[-1]
    p1, p2, q = last["boxes"]["p1"], last["boxes"]["p2"], last["objects"]["q"]
    across = p1[2] <= q[0] + 1 and q[2] <= p2[0] + 1
    down = p1[3] <= q[1] + 1 and q[3] <= p2[1] + 1
    assert across or down, (p1, q, p2)


def test_shared_memory_is_one_region_touching_both_processes(sized: Dashboard) -> None:
    d = sized
    d.open(scenario="shared-memory", pace_ms=0)
    d.run()
    boxes = {p: d.page.locator(f".proc-box[data-proc='{p}']").bounding_box() for p in ("main", "p1")}
    # Both shared objects are in one band of shared memory, drawn across both boxes.
    band = d.page.locator(".band")
    expect(band).to_have_count(1)
    expect(band.locator(".obj.region")).to_have_count(2)
    r = band.bounding_box()
    assert r is not None
    rect = [r["x"], r["y"], r["x"] + r["width"], r["y"] + r["height"]]
    for proc, b in boxes.items():
        assert b is not None
        box = [b["x"], b["y"], b["x"] + b["width"], b["y"] + b["height"]]
        assert touches(rect, box), f"shared memory does not touch {proc}'s box: {rect} {box}"
    expect(band.locator(".obj.region[data-obj='result'] .cell .val")).to_have_text(["1", "4", "9", "16"])
    expect(band.locator(".obj.region[data-obj='square_sum'] .box .val")).to_have_text("30")


def test_the_managers_list_is_inside_the_server_process_box(sized: Dashboard) -> None:
    d = sized
    d.open(scenario="manager", pace_ms=0)
    d.run()
    server = d.page.locator(".proc-box[data-proc='manager']")
    held = server.locator(".manager-object[data-obj='records']")
    expect(held).to_have_count(1)
    expect(held.locator(".held .record")).to_have_count(4)
    s, o = server.bounding_box(), held.bounding_box()
    assert s is not None
    assert o is not None
    assert s["x"] <= o["x"]
    assert o["x"] + o["width"] <= s["x"] + s["width"] + 1
    assert s["y"] <= o["y"]
    assert o["y"] + o["height"] <= s["y"] + s["height"] + 1
    # The clients hold proxies, not the list.
    for proc in ("main", "p1", "p2"):
        box = d.page.locator(f".proc-box[data-proc='{proc}']")
        expect(box.locator(".handle.proxy")).to_have_text(["records proxy"])
        expect(box.locator(".manager-object")).to_have_count(0)


def test_separate_memory_shows_each_process_its_own_result(sized: Dashboard) -> None:
    d = sized
    d.open(scenario="separate-memory", pace_ms=0, mylist=[1, 2, 3, 4])
    d.run()
    expect(d.page.locator(".proc-box")).to_have_count(2)
    main = d.page.locator(".proc-box[data-proc='main'] [data-var='result']")
    child = d.page.locator(".proc-box[data-proc='p1'] [data-var='result']")
    expect(main).to_have_text("result = []")
    expect(child).to_have_text("result = [1, 4, 9, 16]")


def test_a_process_blocked_on_a_get_is_parked_at_the_queue(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="worker-pool", pace_ms=0)
    d.run()
    events = d.events()
    # The workers start before main has put any task: the first get of each one blocks.
    wait = next(i for i, e in enumerate(events) if e["kind"] == "queue.wait")
    d.seek(wait)
    who, obj = events[wait]["proc"], events[wait]["obj"]
    expect(d.page.locator(f".obj.queue[data-obj='{obj}'] .parked .chip")).to_contain_text([who])
    expect(d.lane(who).locator(".status")).to_have_text(f"waiting for {obj}.get()")
    expect(d.lane(who)).to_have_class(re.compile(r"\bis-waiting\b"))


def test_with_reduced_motion_tokens_land_highlighted_without_flying(browser: Any, server: LiveServer) -> None:
    with watched_page(browser, viewport=SIZES["laptop"], reduced_motion="reduce") as (page, console):
        d = Dashboard(page, server, console)
        d.open(scenario="pipe", pace_ms=300)
        frames = sample_run(d)
        assert max(f["flying"] for f in frames) == 0, "a token flew although motion is reduced"
        assert max(f["landed"] for f in frames) >= 1, "no token was highlighted where it landed"
        page.wait_for_function(AT_END)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_stage_passes_axe(sized: Dashboard, theme: str) -> None:
    d = sized
    for scenario in ("pipe", "manager", "value-race", "shared-memory"):
        d.open(scenario=scenario, pace_ms=0)
        d.page.evaluate("(theme) => { document.documentElement.dataset.theme = theme; }", theme)
        d.run()
        assert_accessible(d.page, "#stage")
        # Mid-run too: waiting processes, tokens in flight, lit cells.
        d.seek(len(d.events()) // 2)
        assert_accessible(d.page, "#stage")


def test_before_run_the_stage_shows_what_the_program_will_have(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="pipe")
    boxes = d.page.locator(".proc-box")
    expect(boxes).to_have_count(3)
    expect(boxes.locator(".status")).to_have_text(["not started"] * 3)
    expect(d.page.locator(".obj.pipe[data-obj='parent_conn']")).to_have_count(1)
    # The picture follows the set-up: a pool of two workers is drawn with two.
    d.open(scenario="worker-pool", workers=2)
    expect(d.page.locator(".proc-box")).to_have_count(3)
    expect(d.page.locator(".proc-box[data-proc='worker-2']")).to_have_count(1)
    expect(d.page.locator(".obj.queue")).to_have_count(2)
    # And the run replaces it with the real thing.
    d.run()
    expect(d.page.locator(".proc-box .status")).to_have_text(["exited (exit code 0)"] * 3)


def test_on_a_phone_the_replay_bar_is_compact_at_the_bottom(browser: Any, server: LiveServer) -> None:
    with watched_page(browser, viewport=SIZES["phone"], is_mobile=True) as (page, console):
        d = Dashboard(page, server, console)
        d.open(scenario="queue", pace_ms=0)
        d.run()
        bar = page.locator(".player")
        box = bar.bounding_box()
        assert box is not None
        # At the bottom of the screen, and small: the stage keeps most of it.
        assert abs(box["y"] + box["height"] - 844) <= 1, box
        assert box["height"] <= 844 * 0.2, box
        expect(page.locator("#ctl-play")).to_be_visible()
        expect(page.locator("#timeline-slider")).to_be_visible()
        expect(page.locator("#timeline canvas").first).to_be_hidden()
        # More opens the rest, and says so to a screen reader.
        page.click("#replay-more")
        expect(page.locator("#replay-more")).to_have_attribute("aria-expanded", "true")
        expect(page.locator("#timeline canvas").first).to_be_visible()
        expect(page.locator("#ctl-speed")).to_be_visible()
