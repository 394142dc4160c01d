"""The Pool's view in Chromium: at every task event of a real run, the task is where the
events say it is (waiting, in the worker that took it, on its way back, returned), drawn
as a token that names its sender; the pool sits in the band under main and its workers."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from app.events.narration import pyrepr
from tests.browser.conftest import Dashboard

pytestmark = pytest.mark.browser


def task_text(e: dict[str, Any]) -> str:
    shown = e.get("repr") or pyrepr(e.get("value"))
    return f"{e['func']}() over {shown}" if "size" in e else f"{e['func']}{shown}"


def result_text(e: dict[str, Any]) -> str:
    return f"raised {e['raised']}" if "raised" in e else (e.get("repr") or pyrepr(e.get("value")))


def token(pool: Any, part: str, msg: str) -> Any:
    return pool.locator(f"{part} [data-token='{msg}']")


def test_pool_tasks_are_drawn_per_worker(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="pool", pace_ms=0, workers=2, numbers=[1, 2, 3, 4, 5, 6], chunksize=2)
    d.run()
    events = d.events()
    pool = d.page.locator(".band .obj.pool[data-obj='pool']")
    expect(pool).to_have_count(1)

    # The band runs from main's box to the last worker's, under them (the page is wide).
    # Measured in one look, once the stage has its width: the set-up folds away as the run
    # starts, and the stage lays itself out again for the room it then has.
    d.page.wait_for_function(
        "() => document.querySelector(\".proc-box[data-proc='pool-worker-2']\")"
        ".getBoundingClientRect().x > document.querySelector(\".proc-box[data-proc='main']\")"
        ".getBoundingClientRect().right"
    )
    band, first, last = d.page.evaluate(
        """() => [".band:has(.obj.pool[data-obj='pool'])", ".proc-box[data-proc='main']",
                  ".proc-box[data-proc='pool-worker-2']"].map((s) => {
            const r = document.querySelector(s).getBoundingClientRect();
            return {x: r.x, y: r.y, width: r.width, height: r.height};
        })"""
    )
    assert first["x"] <= band["x"] < first["x"] + first["width"]
    assert last["x"] < band["x"] + band["width"] <= last["x"] + last["width"]
    assert band["y"] > first["y"] + first["height"] / 2

    for i, e in enumerate(events):
        if e["kind"] not in ("pool.task", "pool.take", "pool.done", "pool.result") or e.get("stop"):
            continue  # a stop signal carries no task: nothing to draw
        d.seek(i)
        if e["kind"] == "pool.task":
            where, who, text = ".waiting-tasks", "main", task_text(e)
        elif e["kind"] == "pool.take":
            where, who, text = f".worker[data-worker='{e['proc']}']", "main", task_text(e)
            expect(token(pool, ".waiting-tasks", e["msg"])).to_have_count(0)
        elif e["kind"] == "pool.done":
            where, who, text = ".results-back", e["proc"], result_text(e)
            expect(pool.locator(f".worker[data-worker='{e['proc']}'] .token")).to_have_count(0)
        else:
            sender = next(x["proc"] for x in events if x["kind"] == "pool.done" and x["msg"] == e["msg"])
            where, who, text = ".returned", sender, result_text(e)
            expect(token(pool, ".results-back", e["msg"])).to_have_count(0)
        placed = token(pool, where, e["msg"])
        expect(placed).to_have_count(1)
        expect(placed.locator(".val")).to_have_text(text)
        expect(placed.locator(".who")).to_have_text(who)

    # At the end every worker is idle and joined, and main is not parked at the pool.
    # A row per worker that took a task: at pace 0 one worker may take every chunk before
    # the other has started (seen once in a run of the whole suite).
    d.seek(len(events) - 1)
    took = {e["proc"] for e in events if e["kind"] == "pool.take" and not e.get("stop")}
    assert took <= {"pool-worker-1", "pool-worker-2"}
    expect(pool.locator(".worker")).to_have_count(len(took))
    for worker in took:
        expect(pool.locator(f".worker[data-worker='{worker}']")).to_have_count(1)
    expect(pool.locator(".worker .token")).to_have_count(0)
    expect(pool.locator(".parked")).to_have_text("")
    expect(pool.locator(".returned .token")).to_have_count(
        len([e for e in events if e["kind"] == "pool.result"])
    )


def test_a_process_waiting_for_its_result_is_parked_at_the_pool(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="pool", pace_ms=0)
    d.run()
    events = d.events()
    wait = next(i for i, e in enumerate(events) if e["kind"] == "pool.wait" and e["proc"] == "main")
    d.seek(wait)
    pool = d.page.locator(".obj.pool[data-obj='pool']")
    expect(pool.locator(".parked .chip", has_text="main")).to_have_count(1)
