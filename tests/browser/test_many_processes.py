"""Many processes on the stage, in Chromium: a Pool of eight and ten queue workers stay
readable. Past six processes the boxes are compact and the processes of one kind share a
lane under a header that counts them ("pool workers (8)"), main first; no two boxes
overlap, none is cut off or pushes the page sideways, every name is shown whole, and the
stage passes axe. The lanes themselves (static/js/views/lanes.js) are checked on a tree of
processes no scenario makes, and an object of a kind the page does not know is still drawn.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.axe import assert_accessible
from tests.browser.conftest import Dashboard, watched_page
from tests.serving import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

SIZES = {"laptop": {"width": 1366, "height": 900}, "phone": {"width": 390, "height": 844}}
POOL = [f"pool-worker-{i}" for i in range(1, 9)]
WORKERS = [f"worker-{i}" for i in range(1, 11)]

# What the stage shows, measured: every box with its name chip, every lane group with its
# name and boxes, the timeline's labels, and whether anything is wider than its room.
LAYOUT = """() => {
  const rect = (el) => { const r = el.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  const fits = (el) => el.scrollWidth <= el.clientWidth + 1;
  const grid = document.querySelector('#stage-grid');
  return {
    compact: grid.classList.contains('compact'),
    innerWidth, pageWidth: document.documentElement.scrollWidth,
    gridFits: fits(grid),
    boxes: [...grid.querySelectorAll('.proc-box')].map((el) => {
      const chip = el.querySelector('.proc-name');
      return {
        proc: el.dataset.proc, rect: rect(el),
        chip: chip.textContent, chipRect: rect(chip), chipFits: fits(chip),
      };
    }),
    groups: [...grid.querySelectorAll('.lane-group')].map((el) => ({
      name: document.getElementById(el.getAttribute('aria-labelledby')).textContent,
      head: el.querySelector('.group-head').textContent,
      rect: rect(el),
      procs: [...el.querySelectorAll('.proc-box')].map((b) => b.dataset.proc),
    })),
    objects: Object.fromEntries(
      [...grid.querySelectorAll('.obj[data-obj]')].map((el) => [el.dataset.obj, rect(el)]),
    ),
    labels: [...document.querySelectorAll('.tl-labels li')].map(
      (el) => ({ text: el.textContent, fits: fits(el) }),
    ),
  };
}"""


@pytest.fixture(params=list(SIZES))
def sized(request: pytest.FixtureRequest, browser: Any, server: LiveServer) -> Iterator[Dashboard]:
    with watched_page(browser, viewport=SIZES[request.param]) as (page, console):
        yield Dashboard(page, server, console)


def overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] - 0.5 and b[0] < a[2] - 0.5 and a[1] < b[3] - 0.5 and b[1] < a[3] - 0.5


def inside(inner: list[float], outer: list[float], slack: float = 1.0) -> bool:
    return (
        outer[0] - slack <= inner[0]
        and inner[2] <= outer[2] + slack
        and outer[1] - slack <= inner[1]
        and inner[3] <= outer[3] + slack
    )


def assert_readable(layout: dict[str, Any], procs: list[str]) -> None:
    """Every process has one box, none overlaps another, none is off the page sideways,
    and each box's name chip says the whole name, inside its box."""
    boxes = layout["boxes"]
    assert sorted(b["proc"] for b in boxes) == sorted(procs)
    assert layout["pageWidth"] <= layout["innerWidth"], "the page scrolls sideways"
    assert layout["gridFits"], "the stage is wider than its panel"
    for i, a in enumerate(boxes):
        assert a["rect"][0] >= 0, a
        assert a["rect"][2] <= layout["innerWidth"], a
        assert a["rect"][2] - a["rect"][0] >= 100, f"{a['proc']}'s box is too narrow to read: {a['rect']}"
        assert a["chip"] == a["proc"]
        assert a["chipFits"], f"{a['proc']}'s name is cut short"
        assert inside(a["chipRect"], a["rect"]), a
        for b in boxes[i + 1 :]:
            assert not overlap(a["rect"], b["rect"]), f"{a['proc']} and {b['proc']} overlap"
    for label in layout["labels"]:
        assert label["fits"], f"the timeline's label {label['text']} is cut short"


def test_a_pool_of_eight_is_one_lane_of_compact_boxes_under_its_count(sized: Dashboard) -> None:
    d = sized
    d.open(scenario="pool", pace_ms=0, workers=8, numbers=list(range(1, 17)), chunksize=1)
    d.run()
    layout = d.evaluate(LAYOUT)
    assert layout["compact"]
    assert_readable(layout, ["main", *POOL])
    # Main first, in a lane of its own; the workers together, in order, under their count.
    assert layout["boxes"][0]["proc"] == "main"
    [group] = layout["groups"]
    assert group["name"] == "pool workers (8)"
    assert group["head"] == "pool workers (8) each runs worker(), started by main"
    assert group["procs"] == POOL
    for box in layout["boxes"][1:]:
        assert inside(box["rect"], group["rect"]), box
    # The region is named for a screen reader by its header.
    expect(d.page.get_by_role("region", name="pool workers (8)")).to_have_count(1)
    assert [label["text"] for label in layout["labels"]] == ["main", *POOL]
    # The keyboard goes through the lanes as drawn: main's output, then each worker's.
    d.console_of("main").focus()
    for worker in POOL:
        d.page.keyboard.press("Tab")
        expect(d.console_of(worker)).to_be_focused()
    laptop = d.page.viewport_size["width"] > 1000
    if laptop:
        # Side by side on a laptop, several across: not a column of nine boxes.
        lefts = {round(b["rect"][0]) for b in layout["boxes"] if b["proc"] in POOL}
        assert len(lefts) >= 3, lefts
        tops = {round(b["rect"][1]) for b in layout["boxes"]}
        assert len(tops) <= 4, tops
    # On a phone the replay bar is fixed over the bottom of the stage, so what is under it
    # is left undecided by axe (as on every phone page): there, violations only.
    assert_accessible(d.page, "#stage", review=laptop)
    # Mid-run too: tasks in flight, workers busy, the pool's view full.
    d.seek(len(d.events()) // 2)
    assert_readable(d.evaluate(LAYOUT), ["main", *POOL])
    assert_accessible(d.page, "#stage", review=laptop)


def test_ten_workers_share_a_lane_beside_the_queue_that_feeds_them(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="joinable-queue", pace_ms=0, workers=10, numbers=list(range(1, 13)))
    d.run()
    layout = d.evaluate(LAYOUT)
    assert layout["compact"]
    assert_readable(layout, ["main", *WORKERS])
    [group] = layout["groups"]
    assert group["name"] == "workers (10)"
    assert group["procs"] == WORKERS
    # The queue is in the gap between main and its workers: across, main | tasks | workers.
    main = next(b["rect"] for b in layout["boxes"] if b["proc"] == "main")
    tasks = layout["objects"]["tasks"]
    assert main[2] <= tasks[0] + 1, (main, tasks)
    assert tasks[2] <= group["rect"][0] + 1, (tasks, group["rect"])
    expect(d.page.locator(".obj.queue[data-obj='tasks'] .to .chip")).to_have_count(10)


def test_scrubbing_back_keeps_the_compact_picture_and_counts_who_is_there(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="pool", pace_ms=0, workers=8, numbers=[1, 2, 3], chunksize=1)
    d.run()
    events = d.events()
    # Right after the second worker's start: main and two workers so far, still compact.
    second = [i for i, e in enumerate(events) if e["kind"] == "proc.start" and e["proc"] in POOL][1]
    d.seek(second)
    layout = d.evaluate(LAYOUT)
    assert layout["compact"], "stepping back changed the picture's layout"
    seen = {e["proc"] for e in events[: second + 1]} | {
        e["child"] for e in events[: second + 1] if e["kind"] == "proc.spawn"
    }
    workers = [p for p in POOL if p in seen]
    assert len(workers) >= 2
    assert_readable(layout, ["main", *workers])
    assert [g["name"] for g in layout["groups"]] == [f"pool workers ({len(workers)})"]
    d.seek(len(events) - 1)
    assert [g["name"] for g in d.evaluate(LAYOUT)["groups"]] == ["pool workers (8)"]


def test_a_few_processes_keep_a_lane_each(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="pool", pace_ms=0, workers=4)
    d.run()
    layout = d.evaluate(LAYOUT)
    assert not layout["compact"]
    assert layout["groups"] == []
    assert_readable(layout, ["main", *POOL[:4]])


# -- the lanes and the fallbacks, as pure functions in the page ---------------------------


def start(seq: int, proc: str, parent: str | None, role: str, target: str | None) -> dict[str, Any]:
    return {
        "seq": seq,
        "t": seq / 1000,
        "kind": "proc.start",
        "proc": proc,
        "pid": 1000 + seq,
        "obj": None,
        "line": None,
        "parent": parent,
        "ppid": 999,
        "target": target,
        "role": role,
    }


# A forkserver-started tree: main starts a manager, two bosses and a pool; each boss its
# own workers (named worker-N@boss-M by the tracer); one producer of its own name.
TREE = [
    ("main", None, "main", None),
    ("manager", "main", "manager", "_run_server"),
    ("boss-1", "main", "worker", "boss"),
    ("boss-2", "main", "worker", "boss"),
    ("worker-1@boss-1", "boss-1", "worker", "work"),
    ("pool-worker-1", "main", "worker", "worker"),
    ("worker-2@boss-1", "boss-1", "worker", "work"),
    ("worker-1@boss-2", "boss-2", "worker", "work"),
    ("pool-worker-2", "main", "worker", "worker"),
    ("pool-worker-3", "main", "worker", "worker"),
    ("producer", "main", "worker", "produce"),
]

LANES = """async ([events, compact]) => {
  const { reduceAll } = await import('/static/js/reducer.js');
  const { lanes } = await import('/static/js/views/lanes.js');
  return lanes(reduceAll(events), compact ?? undefined).map((l) => [l.label, l.procs, l.detail]);
}"""


def by(target: str, parent: str) -> str:
    return f"each runs {target}(), started by {parent}"


def test_lanes_group_a_tree_of_processes_by_kind_and_parent(js: Any) -> None:
    # Events in an order where main's own start is not the first one the page sees.
    order = [TREE[2], TREE[0], *TREE[1:2], *TREE[3:]]
    events = [start(i, *row) for i, row in enumerate(order)]
    lanes = js.evaluate(LANES, [events, None])
    assert lanes == [
        [None, ["main"], ""],
        ["boss processes (2)", ["boss-1", "boss-2"], by("boss", "main")],
        [None, ["manager"], ""],
        ["workers of boss-1 (2)", ["worker-1@boss-1", "worker-2@boss-1"], by("work", "boss-1")],
        ["pool workers (3)", ["pool-worker-1", "pool-worker-2", "pool-worker-3"], by("worker", "main")],
        [None, ["worker-1@boss-2"], ""],
        [None, ["producer"], ""],
    ]
    # Six processes or fewer: a lane each, in order of appearance.
    few = js.evaluate(LANES, [events[:6], None])
    assert few == [[None, [e["proc"]], ""] for e in events[:6]]


UNKNOWN = """async (events) => {
  const { reduceAll, castState } = await import('/static/js/reducer.js');
  const { StageView } = await import('/static/js/views/stage.js');
  const state = reduceAll(events);
  const grid = document.createElement('div');
  const status = document.createElement('span');
  document.body.append(status, grid);
  const stage = new StageView({ status, grid });
  stage.render(state);
  const view = grid.querySelector('.obj.generic');
  const code = view.querySelector('h3 .obj-name');
  const cast = castState({ processes: ['main'], objects: [{ type: 'widget', name: 'w', users: ['main'] }] });
  stage.reset();
  stage.render(cast);
  const casted = grid.querySelector('.obj.generic[data-obj="w"]');
  grid.remove();
  status.remove();
  return {
    objects: state.objects, other: JSON.parse(JSON.stringify(state.others)),
    label: view.getAttribute('aria-label'), kind: view.querySelector('h3 .kind').textContent,
    shown: code.textContent, title: code.title, users: view.querySelector('.users').textContent,
    note: view.querySelector('.note').textContent,
    cast: casted && casted.querySelector('h3 .kind').textContent,
  };
}"""


def test_an_object_of_an_unknown_kind_is_still_drawn_with_its_name_shortened(js: Any) -> None:
    name = "a_really_long_gadget_name_made_in@pool-worker-12"
    base = {"t": 0.0, "pid": 1, "line": 3}
    events = [
        start(0, "main", None, "main", None),
        start(1, "pool-worker-12", "main", "worker", "worker"),
        {**base, "seq": 2, "kind": "queue.new", "proc": "main", "obj": "q", "maxsize": 0},
        {**base, "seq": 3, "kind": "gadget.turn", "proc": "pool-worker-12", "obj": name},
        {**base, "seq": 4, "kind": "gadget.turn", "proc": "main", "obj": name},
        # A kind the page does not know, on an object it draws already: that view stays.
        {**base, "seq": 5, "kind": "queue.peek", "proc": "main", "obj": "q"},
    ]
    out = js.evaluate(UNKNOWN, events)
    assert out["objects"] == [{"type": "queue", "name": "q"}, {"type": "other", "name": name}]
    assert out["other"][name]["kind"] == "gadget"
    assert out["other"][name]["users"] == ["pool-worker-12", "main"]
    assert out["other"][name]["count"] == 2
    assert out["label"] == f"gadget {name}"
    assert out["kind"] == "gadget"
    assert len(out["shown"]) <= 28
    assert "…" in out["shown"]
    assert out["shown"].startswith("a_really")
    assert out["shown"].endswith("@pool-worker-12")
    assert out["title"] == name
    assert out["users"] == "used bypool-worker-12main"
    assert out["note"] == "last: gadget.turn by main"
    # A cast may name a type the page does not know: drawn the same way.
    assert out["cast"] == "widget"
