"""The program pane in real Chromium: at desktop widths every source line is seen whole.

A long line wraps inside the pane with a hanging indent (its continuation starts to the
right of the line's own first character, so Python's indentation still reads true); nothing
is cut at the pane's edge or left for sideways scrolling. On a phone the pane may scroll
sideways instead, but every line must be reachable by scrolling it. Checked for every
built-in scenario on the dashboard (before a run, at a run's end and mid-run with the
processes' marks on their lines), on a run's page and in an embed, and for runs whose
parameters make the filled-in source lines long.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from app.scenarios import registry
from tests.browser.conftest import AT_END, watched_page
from tests.serving import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.timeout(240)]

# The narrowest common desktop, and the 1400: wider panes wrap less.
DESKTOP = [(1024, 768), (1400, 900)]
PHONE = (390, 844)

# Parameters that make one line of the filled-in source long: numbers with spaces to wrap
# at, and 40-character words with none (the limits the scenarios allow).
LONG_PARAMS: list[tuple[str, dict[str, Any]]] = [
    ("queue", {"mylist": [-1000] * 32}),
    ("pipe", {"msgs": ["W" * 40, "x" * 40, "END"]}),
    ("manager", {"records": [["N" * 40, -1000]] * 8, "new_record": ["M" * 40, -1000]}),
]

# One call per page state: where each line's glyphs are, measured against the pane. Each
# character's box comes from a Range, so a trailing space that hangs past the edge where a
# line breaks (it takes no room and shows nothing) is told apart from a cut glyph. Each
# line is scrolled into view and each of its glyphs hit-tested, so text that is clipped or
# covered counts as unreadable. On the phone (`phone`), the pane is scrolled sideways to
# each glyph that is out of view, as a reader would, to see that it can be reached.
MEASURE = """([expected, phone]) => {
  const pane = document.querySelector("#source");
  const lines = [...pane.querySelectorAll(".src-line")];
  const problems = [];
  const wrapped = []; // lines that take more than one row
  const say = (n, what) => problems.push(`line ${n}: ${what}`);
  const range = document.createRange();
  const box = (node, k) => {
    range.setStart(node, k);
    range.setEnd(node, k + 1);
    return range.getBoundingClientRect();
  };
  // The pane's visible area, in the window.
  const view = () => {
    const b = pane.getBoundingClientRect();
    const left = b.left + pane.clientLeft;
    const top = b.top + pane.clientTop;
    const bottom = Math.min(top + pane.clientHeight, innerHeight);
    return { left, right: left + pane.clientWidth, top: Math.max(top, 0), bottom };
  };
  if (lines.length !== expected.length) {
    problems.push(`${lines.length} lines shown, ${expected.length} in the program`);
  }
  lines.forEach((li, i) => {
    const n = i + 1;
    const code = li.querySelector("code");
    const want = expected[i] === "" ? " " : expected[i];
    // Every character of the line's code, in order, whatever element holds it (its
    // indentation is a span of its own).
    const chars = [];
    const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      for (let k = 0; k < t.length; k += 1) chars.push({ node: t, k });
    }
    if (code.textContent !== want) {
      const [shown, has] = [code.textContent, expected[i]].map((t) => JSON.stringify(t));
      say(n, `shows ${shown}, the program has ${has}`);
      return;
    }
    const text = code.textContent;
    const ink = chars.map((c, j) => j).filter((j) => text[j].trim() !== "");
    pane.scrollLeft = 0;
    li.scrollIntoView({ block: "center", inline: "nearest", behavior: "instant" });
    let v = view();
    if (!phone) {
      const b = li.getBoundingClientRect();
      if (li.scrollWidth > pane.clientWidth || b.right > v.right + 0.5) {
        say(n, `is ${li.scrollWidth}px wide in a pane of ${pane.clientWidth}px`);
      }
      const boxes = ink.map((j) => box(chars[j].node, chars[j].k));
      const cut = ink.filter((j, m) => boxes[m].right > v.right + 0.5 || boxes[m].left < v.left - 0.5);
      if (cut.length) {
        say(n, `${cut.length} characters beyond the pane's edge: ${JSON.stringify(text.slice(cut[0]))}`);
      }
      for (const chip of li.querySelectorAll(".marks .chip")) {
        if (chip.getBoundingClientRect().right > v.right + 0.5) {
          say(n, `the mark ${chip.textContent} ends beyond the pane's edge`);
        }
      }
      // Hanging indent: each continuation row starts right of the line's first character.
      const rows = new Map();
      for (const r of boxes) if (!rows.has(Math.round(r.top))) rows.set(Math.round(r.top), r);
      const [first, ...continued] = rows.values();
      const flush = continued.filter((r) => r.left <= first.left + 0.5);
      if (flush.length) {
        const [at, under] = [flush[0], first].map((r) => Math.round(r.left - v.left));
        say(n, `a continuation starts at ${at}px, not right of the line's first character at ${under}px`);
      }
      if (continued.length) wrapped.push(n);
    }
    let unseen = null;
    for (const j of ink) {
      const { node, k } = chars[j];
      let r = box(node, k);
      if (phone && (r.right > v.right || r.left < v.left)) {
        pane.scrollLeft += (r.left + r.right) / 2 - (v.left + v.right) / 2;
        r = box(node, k);
      }
      if (r.top < v.top || r.bottom > v.bottom) {
        pane.scrollTop += (r.top + r.bottom) / 2 - (v.top + v.bottom) / 2;
        v = view();
        r = box(node, k);
      }
      const hit = document.elementFromPoint((r.left + r.right) / 2, (r.top + r.bottom) / 2);
      if (!code.contains(hit) && unseen === null) {
        unseen = { j, hit: hit ? `${hit.tagName.toLowerCase()}.${hit.className}` : "nothing" };
      }
    }
    if (unseen) say(n, `${JSON.stringify(text.slice(unseen.j))} cannot be seen: ${unseen.hit} is there`);
  });
  pane.scrollLeft = 0;
  return {
    problems,
    wrapped,
    clientWidth: pane.clientWidth,
    scrollWidth: pane.scrollWidth,
    overflowX: getComputedStyle(pane).overflowX,
    chips: pane.querySelectorAll(".marks .chip").length,
  };
}"""


@dataclass(frozen=True)
class Run:
    id: str
    scenario: str
    params: dict[str, Any]
    lines: list[str]  # its source, parameters filled in
    busiest: int  # the event at which most of its processes are alive (all marked)
    filled: list[int]  # the lines that differ from the scenario's own (its parameters)


def finished_run(server: LiveServer, scenario: str, params: dict[str, Any], program: list[str]) -> Run:
    body = {"scenario": scenario, "params": params, "pace_ms": 0}
    r = httpx.post(f"{server.url}/api/runs", json=body, timeout=10)
    assert r.status_code == 201, r.text
    run_id = r.json()["id"]
    # The NDJSON answer ends with the run's end.
    text = httpx.get(f"{server.url}/api/runs/{run_id}/events?format=ndjson", timeout=60).text
    events = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert events[-1]["kind"] == "run.end", events[-1]
    s = registry.get(scenario)
    assert events[-1]["status"] == s.ends(s.validate(params)), events[-1]
    alive: set[str] = set()
    most, busiest = 0, 0
    for i, event in enumerate(events):
        if event["kind"] == "proc.start":
            alive.add(event["proc"])
        elif event["kind"] == "proc.exit":
            alive.discard(event["proc"])
        if len(alive) >= most:
            most, busiest = len(alive), i
    source = httpx.get(f"{server.url}/api/runs/{run_id}", timeout=10).json()["source"]
    lines = source.removesuffix("\n").split("\n")
    filled = [n for n, (line, own) in enumerate(zip(lines, program, strict=True), 1) if line != own]
    return Run(run_id, scenario, params, lines, busiest, filled)


@pytest.fixture(scope="module")
def scenarios(server: LiveServer) -> dict[str, list[str]]:
    """Every built-in scenario's id and its program's lines."""
    listed = httpx.get(f"{server.url}/api/scenarios", timeout=10).json()
    assert len(listed) >= 8
    return {
        s["id"]: httpx.get(f"{server.url}/api/scenarios/{s['id']}", timeout=10).json()["lines"]
        for s in listed
    }


@pytest.fixture(scope="module")
def runs(server: LiveServer, scenarios: dict[str, list[str]]) -> list[Run]:
    """A finished run of each scenario with its defaults, and the runs with long parameters."""
    made = [finished_run(server, sid, {}, lines) for sid, lines in scenarios.items()]
    long = [finished_run(server, sid, params, scenarios[sid]) for sid, params in LONG_PARAMS]
    for run in long:
        assert run.filled, f"{run.scenario}: {run.params} changed no line of the program"
    return made + long


SHOWS = """(want) => {
  const shown = [...document.querySelectorAll("#source .src-line code")].map((c) => c.textContent);
  return shown.length === want.length && shown.every((text, i) => text === (want[i] || " "));
}"""


def check(page: Any, where: str, lines: list[str], phone: bool = False) -> dict[str, Any]:
    with contextlib.suppress(PlaywrightTimeout):  # then the measure says which lines differ
        page.wait_for_function(SHOWS, arg=lines, timeout=5_000)
    found: dict[str, Any] = page.evaluate(MEASURE, [lines, phone])
    assert found["problems"] == [], f"{where}: {found}"
    if phone:
        assert found["overflowX"] in ("auto", "scroll"), f"{where}: the pane cannot scroll sideways"
    else:
        assert found["scrollWidth"] <= found["clientWidth"], f"{where}: the pane scrolls sideways"
    return found


def widths() -> list[Any]:
    return [pytest.param(size, id=f"{size[0]}px") for size in [*DESKTOP, PHONE]]


@pytest.fixture(params=widths())
def page(request: pytest.FixtureRequest, browser: Any) -> Iterator[tuple[Any, bool]]:
    """One page at this width for a whole test; True for the phone."""
    width, height = request.param
    with watched_page(browser, viewport={"width": width, "height": height}) as (p, _console):
        yield p, (width, height) == PHONE


def test_the_dashboard_shows_every_line_before_during_and_after_a_run(
    page: tuple[Any, bool], server: LiveServer, scenarios: dict[str, list[str]], runs: list[Run]
) -> None:
    p, phone = page
    p.goto(server.url)
    p.wait_for_selector("body[data-ready='true']")
    for sid, lines in scenarios.items():
        p.check(f"#scenario-picker input[value='{sid}']")
        check(p, f"{sid} before a run", lines, phone)
    for run in runs:
        p.goto(f"{server.url}/?run={run.id}")
        p.wait_for_selector("body[data-ready='true']")
        p.wait_for_function(AT_END)
        found = check(p, f"{run.scenario} {run.params} at its end", run.lines, phone)
        if run.filled and not phone:
            # A long parameter's line is longer than any of these panes is wide: the check
            # above saw it wrapped, not merely short enough to fit.
            assert set(run.filled) & set(found["wrapped"]), f"{run.scenario} {run.params}: {found}"
        p.locator("#timeline-slider").fill(str(run.busiest))
        p.wait_for_function(
            "(want) => document.querySelector('#position').textContent.startsWith(want)",
            arg=f"event {run.busiest + 1} of ",
        )
        found = check(p, f"{run.scenario} {run.params} at event {run.busiest}", run.lines, phone)
        assert found["chips"] >= 1, f"{run.scenario}: no process is marked on its line mid-run"


def test_a_runs_page_shows_every_line(page: tuple[Any, bool], server: LiveServer, runs: list[Run]) -> None:
    p, phone = page
    # The pages share the dashboard's pane; the runs with long lines are the ones to see.
    for run in [r for r in runs if r.filled]:
        p.goto(f"{server.url}/runs/{run.id}")
        p.wait_for_selector("body[data-ready='true']")
        p.wait_for_function(AT_END)
        check(p, f"/runs/{run.id} ({run.scenario} {run.params})", run.lines, phone)


def test_an_embed_shows_every_line(page: tuple[Any, bool], server: LiveServer, runs: list[Run]) -> None:
    p, phone = page
    for run in [r for r in runs if r.filled]:
        # Before its run the embed shows the scenario's source with the embed's parameters.
        query = {"source": "1", **{k: json.dumps(v) for k, v in run.params.items()}}
        p.goto(f"{server.url}/embed/{run.scenario}?{urlencode(query)}")
        p.wait_for_selector("body[data-ready='true']")
        check(p, f"embed of {run.scenario} {run.params}", run.lines, phone)
        p.goto(f"{server.url}/embed/runs/{run.id}?source=1")
        p.wait_for_selector("body[data-ready='true']")
        p.wait_for_function(AT_END)
        check(p, f"embed of run {run.id} ({run.scenario} {run.params})", run.lines, phone)
