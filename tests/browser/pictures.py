"""What the scripts that make docs/ pictures share: their command line, the server on a
free port and Chromium (/usr/bin/chromium), so each script only says what it shoots."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import sync_playwright

from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, SERVER_ENV
from tests.serving import ROOT, LiveServer, live_server

Shoot = Callable[[Any, LiveServer, Path], None]


def shown(path: Path) -> str:
    return str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)


def main(doc: str | None, out: Path, shoot: Shoot, argv: list[str] | None = None) -> int:
    """Parse ``--out``, start the server and the browser, and call ``shoot(browser, server, out)``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument("--out", type=Path, default=out, help="directory for the files")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    with live_server(SERVER_ENV) as server, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            shoot(browser, server, args.out)
        finally:
            browser.close()
    return 0
