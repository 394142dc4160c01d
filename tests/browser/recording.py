"""Record the stage in motion as animated PNGs: ``python -m tests.browser.recording``.

Starts the server on a free port, runs the pipe and the queue scenarios at a slow pace in
Chromium (/usr/bin/chromium), and screenshots the stage as fast as Chromium allows while
the tokens fly. The frames become one APNG per scenario in docs/recordings/ (an APNG is a
PNG with extra chunks; browsers and GitHub play it, viewers that do not show frame one).
No image library is needed: Chromium's screenshots are PNGs already, and their image data
is moved into APNG frame chunks as it is.
"""

from __future__ import annotations

import struct
import sys
import time
import zlib
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from tests.browser.pictures import main, shown
from tests.serving import ROOT, LiveServer

OUT = ROOT / "docs" / "recordings"
RUNS = {
    "pipe": "scenario=pipe&pace_ms=350",
    "queue": "scenario=queue&pace_ms=250&mylist=[1,2,3,4]",
}
MAX_FRAMES = 120
CLIP_HEIGHT = 330
FRAME_S = 0.12


def chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    """The (type, data) chunks of a PNG file."""
    out = []
    at = 8
    while at < len(png):
        (length,) = struct.unpack(">I", png[at : at + 4])
        kind = png[at + 4 : at + 8]
        out.append((kind, png[at + 8 : at + 8 + length]))
        at += 12 + length
    return out


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def apng(frames: list[tuple[bytes, float]]) -> bytes:
    """One animated PNG from PNG frames of the same size, each shown for its seconds."""
    first = chunks(frames[0][0])
    ihdr = next(data for kind, data in first if kind == b"IHDR")
    width, height = struct.unpack(">II", ihdr[:8])
    out = [b"\x89PNG\r\n\x1a\n", chunk(b"IHDR", ihdr), chunk(b"acTL", struct.pack(">II", len(frames), 0))]
    seq = 0
    for index, (png, seconds) in enumerate(frames):
        parts = chunks(png)
        if next(data for kind, data in parts if kind == b"IHDR") != ihdr:
            raise ValueError(f"frame {index} differs in size or format from the first")
        delay = max(1, round(seconds * 100))  # in hundredths of a second
        control = struct.pack(">IIIIIHHBB", seq, width, height, 0, 0, delay, 100, 0, 0)
        out.append(chunk(b"fcTL", control))
        seq += 1
        for kind, data in parts:
            if kind != b"IDAT":
                continue
            if index == 0:
                out.append(chunk(b"IDAT", data))  # frame one is also the still image
            else:
                out.append(chunk(b"fdAT", struct.pack(">I", seq) + data))
                seq += 1
    out.append(chunk(b"IEND", b""))
    return b"".join(out)


def record(page: Page, url: str) -> list[tuple[bytes, float]]:
    page.goto(url)
    page.wait_for_selector("body[data-ready='true']")
    page.click("#run")
    stage = page.locator("#stage")
    page.wait_for_selector(".proc-box[data-proc='main']")
    box = stage.bounding_box()
    assert box is not None
    # Every frame the same size: the stage's width, and room for it to grow as boxes fill.
    clip = {"x": box["x"], "y": box["y"], "width": box["width"], "height": CLIP_HEIGHT}
    shots: list[tuple[bytes, float]] = []
    ended_at = None
    while len(shots) < MAX_FRAMES:
        # About eight frames a second: enough to see a token travel, few enough to keep the
        # file small (a script's pause, not a test's wait).
        if shots and (gap := FRAME_S - (time.monotonic() - shots[-1][1])) > 0:
            time.sleep(gap)
        shots.append((page.screenshot(clip=clip), time.monotonic()))
        if page.evaluate("document.body.dataset.runStatus") == "succeeded":
            ended_at = ended_at or time.monotonic()
            if time.monotonic() - ended_at > 1.0:
                break
    frames: list[tuple[bytes, float]] = []
    for i, (png, at) in enumerate(shots):
        then = shots[i + 1][1] if i + 1 < len(shots) else at + 2.0  # hold the last frame
        if frames and frames[-1][0] == png:  # nothing moved: show the last frame longer
            frames[-1] = (png, frames[-1][1] + then - at)
        else:
            frames.append((png, then - at))
    return frames


def shoot(browser: Any, server: LiveServer, out: Path) -> None:
    # Small enough to keep the files small; reduced motion off, so the tokens fly.
    context = browser.new_context(viewport={"width": 1200, "height": 720}, color_scheme="light")
    page = context.new_page()
    for name, query in RUNS.items():
        frames = record(page, f"{server.url}/?{query}")
        path = out / f"{name}.png"
        path.write_bytes(apng(frames))
        print(f"wrote {shown(path)}: {len(frames)} frames, {path.stat().st_size // 1024} KiB")


if __name__ == "__main__":
    sys.exit(main(__doc__, OUT, shoot))
