"""Regenerate docs/screenshots/: ``python -m tests.browser.screenshots``.

Starts the server on a free port, runs each scenario through the dashboard in
Chromium (/usr/bin/chromium) and saves the page at the run's end. Motion is reduced so
nothing is caught mid-animation; one extra picture shows the phone layout in dark.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from app.scenarios import registry
from tests.browser.conftest import AT_END
from tests.browser.pictures import main, shown
from tests.serving import ROOT, LiveServer

OUT = ROOT / "docs" / "screenshots"
SCENARIOS = tuple(registry.SCENARIOS)


def run_to_end(page: Page, url: str, status: str = "succeeded") -> None:
    page.goto(url)
    page.wait_for_selector("body[data-ready='true']")
    page.click("#run")
    page.wait_for_selector(f"body[data-run-status='{status}']", timeout=60_000)
    page.wait_for_function(AT_END)


def shoot(browser: Any, server: LiveServer, out: Path) -> None:
    desktop = browser.new_context(
        viewport={"width": 1366, "height": 900}, reduced_motion="reduce", color_scheme="light"
    )
    page = desktop.new_page()
    for scenario in SCENARIOS:
        # At the scenario's own default pace: value-race, for one, races at its pace.
        s = registry.get(scenario)
        run_to_end(page, f"{server.url}/?scenario={scenario}", s.ends(s.params_model()))
        path = out / f"{scenario}.png"
        page.screenshot(path=str(path), full_page=True)
        print(f"wrote {shown(path)}")
    phone = browser.new_context(
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        reduced_motion="reduce",
        color_scheme="dark",
    )
    page = phone.new_page()
    run_to_end(page, f"{server.url}/?scenario=queue&pace_ms=0")
    path = out / "queue-phone-dark.png"
    page.screenshot(path=str(path))  # what the phone shows after Run: the stage, the bar under it
    print(f"wrote {shown(path)}")


if __name__ == "__main__":
    sys.exit(main(__doc__, OUT, shoot))
