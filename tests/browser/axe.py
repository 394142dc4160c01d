"""axe-core in the page under test: WCAG 2.x A and AA violations, readably reported.

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


def axe_violations(
    page: Any, context: Any = None, options: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """axe.run's violations on ``page``, within ``context`` (a selector, or axe's context object).

    ``options`` are passed to axe.run; without ``runOnly`` the WCAG 2.x A/AA rules run.
    """
    path = axe_path_or_skip()
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(path))
    run_options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, **(options or {})}
    result: dict[str, Any] = page.evaluate(
        "([context, options]) => axe.run(context ?? document, options)", [context, run_options]
    )
    violations: list[dict[str, Any]] = result["violations"]
    return violations


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
            lines.append(f"    {target}: {summary}")
        if len(nodes) > NODES_SHOWN:
            lines.append(f"    … and {len(nodes) - NODES_SHOWN} more")
    return "\n".join(lines)


def assert_accessible(page: Any, context: Any = None) -> None:
    """Fail with every WCAG A/AA violation axe finds in ``context`` (the whole page by default)."""
    violations = axe_violations(page, context)
    assert not violations, "axe-core found accessibility violations:\n" + describe(violations)
