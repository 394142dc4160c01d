"""Regenerate docs/screenshots/: ``python -m tests.browser.screenshots``.

Starts the server on a free port, runs each seed scenario through the dashboard in
Chromium (/usr/bin/chromium) and saves the page at the run's end. Motion is reduced so
nothing is caught mid-animation; one extra picture shows the phone layout in dark.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

from tests.browser.conftest import AT_END, CHROMIUM, CHROMIUM_ARGS, SERVER_ENV
from tests.serving import ROOT, live_server

OUT = ROOT / "docs" / "screenshots"
SCENARIOS = ("separate-memory", "shared-memory", "manager", "queue", "pipe")


def run_to_end(page: Page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector("body[data-ready='true']")
    page.click("#run")
    page.wait_for_selector("body[data-run-status='succeeded']", timeout=30_000)
    page.wait_for_function(AT_END)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--out", type=Path, default=OUT, help="directory for the PNG files")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    with live_server(SERVER_ENV) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            desktop = browser.new_context(
                viewport={"width": 1280, "height": 900}, reduced_motion="reduce", color_scheme="light"
            )
            page = desktop.new_page()
            for scenario in SCENARIOS:
                run_to_end(page, f"{server.url}/?scenario={scenario}&pace_ms=0")
                path = args.out / f"{scenario}.png"
                page.screenshot(path=str(path), full_page=True)
                print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
            phone = browser.new_context(
                viewport={"width": 390, "height": 844},
                device_scale_factor=2,
                is_mobile=True,
                reduced_motion="reduce",
                color_scheme="dark",
            )
            page = phone.new_page()
            run_to_end(page, f"{server.url}/?scenario=queue&pace_ms=0")
            page.locator(".stage").scroll_into_view_if_needed()
            path = args.out / "queue-phone-dark.png"
            page.locator(".stage").screenshot(path=str(path))
            print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
