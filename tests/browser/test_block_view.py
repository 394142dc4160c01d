"""What a person sees of a shared_memory block, in Chromium: a real run of the
``shared-memory-block`` scenario, scrubbed to each write, the block's cells read off the page
and checked against the run's own events (each byte, who wrote it, named and coloured as the
writer's box; the bytes just written lit), and the block unlinked at the end."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.browser.conftest import Dashboard

pytestmark = pytest.mark.browser

CELLS = ".obj.block[data-obj='shm'] ol.cells > li"


def shown(value: int) -> str:
    return chr(value) if 0x20 <= value < 0x7F else f"\\x{value:02x}"


def cells(d: Dashboard) -> list[dict[str, Any]]:
    return list(
        d.page.eval_on_selector_all(
            CELLS,
            """els => els.map(el => ({
                val: el.querySelector('.val').textContent,
                who: el.querySelector('.who').textContent,
                cls: el.className,
            }))""",
        )
    )


def colour(cls: str) -> str | None:
    found = re.search(r"\bproc-\d+\b", cls)
    return found.group(0) if found else None


def replay(events: list[dict[str, Any]], upto: int, size: int) -> list[tuple[int, str]]:
    """Each byte's value and last writer after event ``upto``."""
    block = [(0, "")] * size
    for ev in events[: upto + 1]:
        if ev["kind"] == "shm.write" and ev["obj"] == "shm":
            start, _stop = ev["index"]
            for i, value in enumerate(ev["value"]):
                block[start + i] = (value, ev["proc"])
    return block


def test_the_block_shows_each_byte_and_who_wrote_it(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="shared-memory-block", pace_ms=0, start_method="fork", left="Hi, ", right="you")
    d.run()
    events = d.events()
    (new,) = [e for e in events if e["kind"] == "shm.new"]
    size = new["size"]
    assert size == len("Hi, you")
    writes = [e for e in events if e["kind"] == "shm.write"]
    assert sorted(e["proc"] for e in writes) == ["p1", "p2"]
    # Before any write: the block's bytes, zero, written by nobody.
    d.seek(new["seq"])
    assert [(c["val"], c["who"]) for c in cells(d)] == [("\\x00", "")] * size
    for write in writes:
        d.seek(write["seq"])
        expected = replay(events, write["seq"], size)
        seen = cells(d)
        assert [c["val"] for c in seen] == [shown(v) for v, _ in expected]
        assert [c["who"] for c in seen] == [who for _, who in expected]
        start, stop = write["index"]
        lit = [i for i, c in enumerate(seen) if re.search(r"\blit\b", c["cls"])]
        assert lit == list(range(start, stop))
        # Each cell in its writer's colour: the colour of the writer's own box.
        for c in seen:
            if c["who"]:
                box = d.lane(c["who"]).get_attribute("class") or ""
                assert colour(c["cls"]) == colour(box) is not None
        region = d.page.locator(".band .obj.block[data-obj='shm']")
        assert write["proc"] in region.locator(".users").inner_text()
        assert f"{write['proc']} wrote [{start}:{stop}]" in region.locator(".note").inner_text()
    # At the end: "Hi, " by p1 and "you" by p2, the block unlinked.
    d.seek(len(events) - 1)
    final = cells(d)
    assert "".join(c["val"] for c in final) == "Hi, you"
    assert [c["who"] for c in final] == ["p1"] * 4 + ["p2"] * 3
    region = d.page.locator(".obj.block[data-obj='shm']")
    assert "unlinked" in (region.get_attribute("class") or "")
    assert "unlinked by main" in region.locator(".note").inner_text()
    assert new["block"] in region.locator("h3").inner_text()
