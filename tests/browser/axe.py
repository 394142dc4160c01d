"""axe-core in the page under test: WCAG 2.x A and AA violations, readably reported.

``assert_accessible(..., review=True)`` also fails on what axe could not decide and left
"for review" (its ``incomplete`` results), unless the reason is one this module explains
away: text that axe could not see because a scroll box clips it is checked again with the
scroll boxes opened up, and symbols (▶, →) are not text whose contrast WCAG 1.4.3 measures.

axe-core comes from npm (package.json / package-lock.json at the repository's root, installed
with ``npm ci`` by .ci/run). Without it the checks are skipped, unless
MPSCOPE_REQUIRE_BROWSER=1 (CI), where that is a failure, as for Chromium itself.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

AXE_JS = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
# Every WCAG 2.0, 2.1 and 2.2 success criterion of levels A and AA that axe can test.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
NODES_SHOWN = 3


def axe_path_or_skip() -> Path:
    if AXE_JS.exists():
        return AXE_JS
    reason = f"{AXE_JS} is missing: run `npm ci` at the repository's root"
    if os.environ.get("MPSCOPE_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (MPSCOPE_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


# Why axe left a node for review, when that is no fault of the page (its check's messages).
SYMBOLS_ONLY = "contains only non-text characters"
CLIPPED = "partially obscured"
# For a line axe still cannot see whole (a wrapped line of code is a box that its own
# line's chips sit inside): its colour against its ancestors' backgrounds, composited, as
# axe itself would measure it if nothing overlapped. A background image or a colour that
# is not opaque all the way up leaves it undecided, and so a failure.
CONTRAST_BY_ANCESTORS = """(selectors) => {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = 1;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  const rgba = (css) => {
    ctx.clearRect(0, 0, 1, 1);
    ctx.fillStyle = '#000';
    ctx.fillStyle = css;
    ctx.fillRect(0, 0, 1, 1);
    const [r, g, b, a] = ctx.getImageData(0, 0, 1, 1).data;
    return [r, g, b, a / 255];
  };
  const over = (top, under) => [0, 1, 2].map((i) => top[i] * top[3] + under[i] * (1 - top[3])).concat(1);
  const lum = ([r, g, b]) => {
    const lin = (c) => { c /= 255; return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  return selectors.map((selector) => {
    const el = document.querySelector(selector);
    if (!el) return { selector, why: 'not found' };
    const layers = [];
    for (let at = el; at; at = at.parentElement) {
      const style = getComputedStyle(at);
      if (style.backgroundImage !== 'none') return { selector, why: 'a background image' };
      if (Number(style.opacity) < 1) return { selector, why: 'a translucent ancestor' };
      const colour = rgba(style.backgroundColor);
      if (colour[3] > 0) layers.push(colour);
      if (colour[3] === 1) break;
    }
    if (!layers.length || layers.at(-1)[3] < 1) return { selector, why: 'no opaque background' };
    const bg = layers.reduceRight((under, top) => over(top, under));
    const style = getComputedStyle(el);
    const fg = over(rgba(style.color), bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
    const size = parseFloat(style.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
    return { selector, ratio: (hi + 0.05) / (lo + 0.05), needed: large ? 3 : 4.5 };
  });
}"""
# Scroll boxes (consoles, the program) opened up, so that every line is where axe can see
# what is behind it. Only sizes change: colours and backgrounds stay as they were.
UNCLIP = ".scrolls { max-height: none !important; overflow: visible !important; }"


def axe_results(page: Any, context: Any = None, options: dict[str, Any] | None = None) -> dict[str, Any]:
    """axe.run's whole result on ``page``, within ``context`` (a selector, or axe's context object).

    ``options`` are passed to axe.run; without ``runOnly`` the WCAG 2.x A/AA rules run.
    """
    path = axe_path_or_skip()
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(path))
    run_options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, **(options or {})}
    result: dict[str, Any] = page.evaluate(
        "([context, options]) => axe.run(context ?? document, options)", [context, run_options]
    )
    return result


def axe_violations(
    page: Any, context: Any = None, options: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """axe.run's violations on ``page`` (see ``axe_results``)."""
    violations: list[dict[str, Any]] = axe_results(page, context, options)["violations"]
    return violations


def _reasons(node: dict[str, Any]) -> str:
    return " ".join(
        str(check.get("message", "")) for part in ("any", "all", "none") for check in node.get(part, [])
    )


def _symbols_only(node: dict[str, Any]) -> bool:
    """A node whose visible text has no letter or digit (◀, ▶, ⇄): a symbol, not words."""
    if SYMBOLS_ONLY in _reasons(node):
        return True
    return "visible text is part of the accessible name" in _reasons(node) and not any(
        ch.isalnum() for ch in _visible_text(node.get("html", ""))
    )


def _visible_text(html: str) -> str:
    out, inside = [], False
    for ch in html:
        if ch in "<>":
            inside = ch == "<"
        elif not inside:
            out.append(ch)
    return "".join(out)


def needs_review(
    page: Any, context: Any = None, result: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """What axe left undecided in ``context`` (in ``result``, if axe has just run there), less
    what the module explains away (see above)."""
    left: list[dict[str, Any]] = []
    clipped = False
    for item in (result or axe_results(page, context))["incomplete"]:
        nodes = [n for n in item["nodes"] if not _symbols_only(n)]
        if item["id"] == "color-contrast" and any(CLIPPED in _reasons(n) for n in nodes):
            clipped = True
            nodes = [n for n in nodes if CLIPPED not in _reasons(n)]
        if nodes:
            left.append({**item, "nodes": nodes})
    if clipped:
        # Once more, with every line visible: a clipped line too low in contrast is then a
        # violation, and one still undecided is left for review.
        handle = page.add_style_tag(content=UNCLIP)
        try:
            again = axe_results(page, context, {"runOnly": {"type": "rule", "values": ["color-contrast"]}})
        finally:
            handle.evaluate("(el) => el.remove()")
        left += again["violations"]
        for item in again["incomplete"]:
            nodes = [n for n in item["nodes"] if not _symbols_only(n)]
            overlapped = [n for n in nodes if CLIPPED in _reasons(n) and len(n["target"]) == 1]
            measured = page.evaluate(CONTRAST_BY_ANCESTORS, [n["target"][0] for n in overlapped])
            passed = {m["selector"] for m in measured if m.get("ratio", 0) >= m.get("needed", 99)}
            nodes = [n for n in nodes if not (n in overlapped and n["target"][0] in passed)]
            for n in nodes:
                m = next((m for m in measured if m["selector"] == n["target"][0]), None)
                if m is not None:
                    found = m.get("why") or f"{m['ratio']:.2f}:1 against its ancestors' backgrounds"
                    n["failureSummary"] = f"{n.get('failureSummary', '')} ({found})"
            if nodes:
                left.append({**item, "nodes": nodes})
    return left


def describe(violations: list[dict[str, Any]]) -> str:
    """One paragraph per rule: its id, impact and help, then the first few elements it failed on."""
    lines = []
    for v in violations:
        nodes = v["nodes"]
        impact = v.get("impact") or "no impact given"
        lines.append(f"{v['id']} ({impact}): {v['help']} [{len(nodes)} elements]")
        for node in nodes[:NODES_SHOWN]:
            target = " ".join(str(part) for part in node["target"])
            summary = (node.get("failureSummary") or "").replace("\n", " ")
            related = {
                " ".join(str(part) for part in r["target"])
                for part in ("any", "all", "none")
                for check in node.get(part, [])
                for r in check.get("relatedNodes", [])
            }
            also = f" (related: {', '.join(sorted(related))})" if related else ""
            lines.append(f"    {target}: {summary}{also}")
        if len(nodes) > NODES_SHOWN:
            lines.append(f"    … and {len(nodes) - NODES_SHOWN} more")
    return "\n".join(lines)


def assert_accessible(page: Any, context: Any = None, *, review: bool = False) -> None:
    """Fail with every WCAG A/AA violation axe finds in ``context`` (the whole page by default);
    with ``review``, also with what axe left undecided (``needs_review``)."""
    result = axe_results(page, context)
    violations = result["violations"]
    assert not violations, "axe-core found accessibility violations:\n" + describe(violations)
    if review:
        undecided = needs_review(page, context, result)
        assert not undecided, "axe-core could not decide, and nothing explains why:\n" + describe(undecided)
