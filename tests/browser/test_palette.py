"""The process colours, as the page really draws them, for people who see colour differently.

A real worker-pool run (main and four workers: the most processes a scenario has) is shown
in each theme, and the colours are read from the page: each box's border, and the whole
palette the stylesheet cycles through (.proc-0…7). Each colour is then seen as a person
with protanopia, deuteranopia or tritanopia would see it (Machado, Oliveira and Fernandes
2009, severity 1, applied to linear RGB), and every pair must stay apart in CIEDE2000.
Chips must read at 4.5:1, and colour is never the only cue: whatever is coloured by a
process also names it.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.axe import CONTRAST_BY_ANCESTORS
from tests.browser.conftest import AT_END, Dashboard, watched_page
from tests.serving import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.timeout(90)]

RGB = tuple[float, float, float]
Matrix = tuple[RGB, RGB, RGB]

# Machado et al. 2009, Table 1 (severity 1.0): linear RGB in, linear RGB out.
DICHROMACY: dict[str, Matrix] = {
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "tritanopia": (
        (1.255528, -0.076749, -0.178779),
        (-0.078411, 0.930809, 0.147602),
        (0.004733, 0.691367, 0.303900),
    ),
}
# How far apart two process colours must stay, in CIEDE2000. About 2 is a just noticeable
# difference between two large patches side by side; a process's colour is a thin border
# or a small chip, seen apart from the others, where a difference must be several times
# that to be told at a glance. 12 holds for the colours one run shows together (a run has
# at most five processes today: the worker pool's). The palette cycles through eight for
# larger programs; with eight, the contrast every chip needs (darker colours in the light
# theme, lighter in the dark one) leaves less room, so the full cycle is held to 9, and
# there the name on every chip carries the rest.
MIN_DE_RUN = 12.0
MIN_DE_PALETTE = 9.0
MIN_CONTRAST = 4.5
THEMES = ["light", "dark"]

# Every element the page colours by process, with what it says: its text and its label,
# and the process its colour class stands for (from the boxes, in order of appearance).
COLOURED = """() => {
  // Boxes are drawn once a process appears; the timeline lists the whole run's, in the
  // same order of appearance, so it names those not drawn yet.
  const procs = {};
  for (const el of document.querySelectorAll('.tl-labels li, .proc-box[data-proc]')) {
    const n = [...el.classList].find((c) => /^proc-\\d+$/.test(c));
    procs[n] = el.dataset.proc ?? el.textContent;
  }
  return [...document.querySelectorAll('[class*="proc-"]')]
    .map((el) => [el, [...el.classList].find((c) => /^proc-\\d+$/.test(c))])
    .filter(([el, n]) => n && el.getClientRects().length)
    .map(([el, n]) => ({
      what: el.className,
      proc: procs[n] ?? null,
      says: `${el.textContent} ${el.getAttribute('aria-label') ?? ''}`,
    }));
}"""

# A colour as the page resolves it (any CSS syntax: hex, rgb(), color-mix), as sRGB from 0 to 1.
TO_RGB = """(colours) => {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 1;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  return colours.map((css) => {
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = css;
    ctx.fillRect(0, 0, 1, 1);
    return [...ctx.getImageData(0, 0, 1, 1).data].slice(0, 3).map((c) => c / 255);
  });
}"""


# -- the maths -------------------------------------------------------------------------


def linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def encoded(c: float) -> float:
    c = min(1.0, max(0.0, c))
    return 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055


def simulate(rgb: RGB, m: Matrix) -> RGB:
    lin = [linear(c) for c in rgb]
    r, g, b = (encoded(sum(m[i][j] * lin[j] for j in range(3))) for i in range(3))
    return (r, g, b)


def lab(rgb: RGB) -> RGB:
    """CIELAB (D65) of an sRGB colour."""
    r, g, b = (linear(c) for c in rgb)
    x = (0.4124564 * r + 0.3575761 * g + 0.1804375 * b) / 0.95047
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = (0.0193339 * r + 0.1191920 * g + 0.9503041 * b) / 1.08883

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    return (116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z)))


def delta_e2000(lab1: RGB, lab2: RGB) -> float:
    """CIEDE2000 (Sharma, Wu and Dalal 2005), with kL = kC = kH = 1."""
    (l1, a1, b1), (l2, a2, b2) = lab1, lab2
    c_bar = (math.hypot(a1, b1) + math.hypot(a2, b2)) / 2
    g = 0.5 * (1 - math.sqrt(c_bar**7 / (c_bar**7 + 25**7)))
    a1p, a2p = (1 + g) * a1, (1 + g) * a2
    c1p, c2p = math.hypot(a1p, b1), math.hypot(a2p, b2)
    h1p = math.degrees(math.atan2(b1, a1p)) % 360 if c1p else 0.0
    h2p = math.degrees(math.atan2(b2, a2p)) % 360 if c2p else 0.0
    dh = 0.0
    if c1p * c2p:
        dh = h2p - h1p
        dh = dh - 360 if dh > 180 else dh + 360 if dh < -180 else dh
    d_l, d_c = l2 - l1, c2p - c1p
    d_h = 2 * math.sqrt(c1p * c2p) * math.sin(math.radians(dh) / 2)
    l_bar, cp_bar = (l1 + l2) / 2, (c1p + c2p) / 2
    if not c1p * c2p:
        h_bar = h1p + h2p
    elif abs(h1p - h2p) <= 180:
        h_bar = (h1p + h2p) / 2
    else:
        h_bar = (h1p + h2p + (360 if h1p + h2p < 360 else -360)) / 2
    t = (
        1
        - 0.17 * math.cos(math.radians(h_bar - 30))
        + 0.24 * math.cos(math.radians(2 * h_bar))
        + 0.32 * math.cos(math.radians(3 * h_bar + 6))
        - 0.20 * math.cos(math.radians(4 * h_bar - 63))
    )
    s_l = 1 + 0.015 * (l_bar - 50) ** 2 / math.sqrt(20 + (l_bar - 50) ** 2)
    s_c = 1 + 0.045 * cp_bar
    s_h = 1 + 0.015 * cp_bar * t
    r_c = 2 * math.sqrt(cp_bar**7 / (cp_bar**7 + 25**7))
    r_t = -math.sin(math.radians(60 * math.exp(-(((h_bar - 275) / 25) ** 2)))) * r_c
    return math.sqrt((d_l / s_l) ** 2 + (d_c / s_c) ** 2 + (d_h / s_h) ** 2 + r_t * (d_c / s_c) * (d_h / s_h))


def closest_pairs(colours: dict[str, RGB]) -> dict[str, tuple[float, str, str]]:
    """For normal vision and each dichromacy: the two colours that come closest, and how close."""
    visions: dict[str, Matrix | None] = {"normal": None, **DICHROMACY}
    out = {}
    for vision, m in visions.items():
        seen = {k: lab(c if m is None else simulate(c, m)) for k, c in colours.items()}
        out[vision] = min((delta_e2000(seen[a], seen[b]), a, b) for a, b in itertools.combinations(seen, 2))
    return out


def hex_rgb(code: str) -> RGB:
    r, g, b = (int(code[i : i + 2], 16) / 255 for i in (1, 3, 5))
    return (r, g, b)


def test_the_maths() -> None:
    # CIEDE2000 against Sharma et al.'s published test pairs.
    for lab1, lab2, want in [
        ((50, 2.6772, -79.7751), (50, 0, -82.7485), 2.0425),
        ((50, -1.3802, -84.2814), (50, 0, -82.7485), 1.0000),
        ((50, 0, 0), (50, -1, 2), 2.3669),
        ((50, 2.5, 0), (73, 25, -18), 27.1492),
    ]:
        assert delta_e2000(lab1, lab2) == pytest.approx(want, abs=1e-4)
    # Each simulation keeps white white and black black (the rows sum to 1)…
    for m in DICHROMACY.values():
        assert simulate((1, 1, 1), m) == pytest.approx((1, 1, 1), abs=1e-5)
        assert simulate((0, 0, 0), m) == pytest.approx((0, 0, 0))
    # …and confuses what those people confuse: colours far apart for normal vision that
    # lie on one confusion line of that dichromacy, and not of another.
    for vision, a, b, other in [
        ("protanopia", "#ff0000", "#806000", "deuteranopia"),
        ("deuteranopia", "#c04000", "#608000", "tritanopia"),
        ("tritanopia", "#40a040", "#0099b2", "protanopia"),
    ]:
        closest = closest_pairs({a: hex_rgb(a), b: hex_rgb(b)})
        assert closest["normal"][0] > 30
        assert closest[vision][0] < 8, vision
        assert closest[other][0] > 12, other
    # The palette before issue 11: main's blue and the fourth process's purple were one
    # colour to a protan.
    assert closest_pairs({"0": hex_rgb("#2457c5"), "3": hex_rgb("#8a3ab9")})["protanopia"][0] < 5


# -- the page --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pool_run(server: LiveServer) -> list[dict[str, Any]]:
    """A finished worker-pool run with the most workers a pool may have."""
    r = httpx.post(
        f"{server.url}/api/runs", json={"scenario": "worker-pool", "params": {"workers": 4}}, timeout=10
    )
    r.raise_for_status()
    run_id = r.json()["id"]
    text = httpx.get(f"{server.url}/api/runs/{run_id}/events?format=ndjson", timeout=60).text
    events = [{**json.loads(line), "run": run_id} for line in text.splitlines() if line]
    assert events[-1]["status"] == "succeeded"
    return events


@pytest.fixture(scope="module")
def viewer(browser: Any, server: LiveServer) -> Iterator[Dashboard]:
    with watched_page(browser, viewport={"width": 1366, "height": 900}) as (page, console):
        yield Dashboard(page, server, console)


def show(d: Dashboard, events: list[dict[str, Any]], theme: str) -> None:
    d.page.goto(d.server.url + "/healthz")
    d.page.evaluate("(theme) => localStorage.setItem('mpscope.theme', theme)", theme)
    d.page.goto(f"{d.server.url}/?run={events[0]['run']}")
    d.page.wait_for_selector("body[data-ready='true']")
    d.page.wait_for_function(AT_END)
    expect(d.page.locator("html")).to_have_attribute("data-theme", theme)


def colours_of(d: Dashboard, css: dict[str, str]) -> dict[str, RGB]:
    rgb = d.page.evaluate(TO_RGB, list(css.values()))
    return {k: (c[0], c[1], c[2]) for k, c in zip(css, rgb, strict=True)}


@pytest.mark.parametrize("theme", THEMES)
def test_the_process_colours_stay_apart_for_every_vision(
    viewer: Dashboard, pool_run: list[dict[str, Any]], theme: str
) -> None:
    d = viewer
    show(d, pool_run, theme)
    boxes = d.page.locator(".proc-box")
    expect(boxes).to_have_count(5)
    drawn = boxes.evaluate_all(
        "(bs) => Object.fromEntries(bs.map((b) => [b.dataset.proc, getComputedStyle(b).borderTopColor]))"
    )
    # One colour per process everywhere: each chip's border is its box's.
    chips = d.page.locator(".proc-box .proc-name.chip").evaluate_all(
        "(cs) => Object.fromEntries(cs.map((c) => [c.textContent, getComputedStyle(c).borderTopColor]))"
    )
    assert chips == drawn
    run = colours_of(d, drawn)
    # The whole cycle, as the stylesheet resolves it.
    palette = colours_of(
        d,
        d.page.evaluate(
            """() => Object.fromEntries([...Array(8).keys()].map((i) => {
                 const probe = document.createElement('span');
                 probe.className = `proc-${i}`;
                 document.body.append(probe);
                 const colour = getComputedStyle(probe).getPropertyValue('--pc').trim();
                 probe.remove();
                 return [`proc-${i}`, colour];
               }))"""
        ),
    )
    assert set(run.values()) <= set(palette.values())
    for colours, floor in ((run, MIN_DE_RUN), (palette, MIN_DE_PALETTE)):
        closest = closest_pairs(colours)
        report = ", ".join(f"{v}: {de:.1f} ({a}/{b})" for v, (de, a, b) in closest.items())
        print(f"{theme}, {len(colours)} colours, closest pairs: {report}")
        too_close = {v: pair for v, pair in closest.items() if pair[0] < floor}
        assert not too_close, f"{theme}: colours closer than ΔE2000 {floor}: {report}"


def chip_contrast(d: Dashboard) -> list[dict[str, Any]]:
    selectors = d.page.evaluate(
        """() => [...document.querySelectorAll('.chip, .token .who, .tl-labels li, .call .caller')]
                  .filter((el) => el.getClientRects().length)
                  .map((el, i) => { el.dataset.contrastProbe = i; return `[data-contrast-probe="${i}"]`; })"""
    )
    measured: list[dict[str, Any]] = d.page.evaluate(CONTRAST_BY_ANCESTORS, selectors)
    return measured


@pytest.mark.parametrize("theme", THEMES)
def test_chips_read_at_four_and_a_half_to_one(
    viewer: Dashboard, pool_run: list[dict[str, Any]], theme: str
) -> None:
    d = viewer
    show(d, pool_run, theme)
    # At the end, and partway (tokens in queues, parked chips, the program's line marks).
    for index in (len(pool_run) - 1, len(pool_run) // 3):
        d.seek(index)
        measured = chip_contrast(d)
        assert len(measured) >= 5
        low = [m for m in measured if "ratio" not in m or m["ratio"] < MIN_CONTRAST]
        assert not low, f"{theme}, event {index}: chips under {MIN_CONTRAST}:1: {low}"
        print(f"{theme}, event {index}: lowest chip contrast {min(m['ratio'] for m in measured):.2f}:1")


def unnamed(d: Dashboard) -> list[dict[str, Any]]:
    coloured = d.page.evaluate(COLOURED)
    assert coloured, "nothing on the page is coloured by process"
    return [c for c in coloured if c["proc"] is None or c["proc"] not in c["says"]]


@pytest.mark.parametrize(
    "scenario",
    [
        "worker-pool",
        "queue",
        "manager",
        "value-race",
        "pipe",
    ],
)
def test_colour_is_never_the_only_cue(viewer: Dashboard, server: LiveServer, scenario: str) -> None:
    d = viewer
    d.open(scenario=scenario, pace_ms=0)
    d.run()
    events = d.events()
    # Every state of the run: whatever appears partway (tokens, parked chips) is seen.
    for index in range(len(events)):
        d.seek(index)
        missing = unnamed(d)
        assert not missing, f"{scenario}, event {index} ({events[index]['kind']}): {missing}"
