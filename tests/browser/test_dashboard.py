"""Each seed scenario, run through the page: what a person sees on the stage.

Runs use pace 0 to stay quick; where a test needs an intermediate state it takes the
run's events from the API and scrubs the timeline to the event in question.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Dashboard

pytestmark = [pytest.mark.browser, pytest.mark.timeout(60)]


def index_of(events: list[dict[str, Any]], kind: str, nth: int = 1, **fields: Any) -> int:
    """Position of the nth event of ``kind`` (with ``fields``) in the run."""
    found = [
        i for i, e in enumerate(events) if e["kind"] == kind and all(e.get(k) == v for k, v in fields.items())
    ]
    return found[nth - 1] if nth > 0 else found[nth]


def test_queue(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="queue", pace_ms=0)
    expect(d.page.locator("#scenario-title")).to_have_text("Message passing: a Queue")
    d.run()
    queue = d.page.locator(".obj.queue")
    got = d.lane("p2").locator(".inbox .token")
    # At the end: every item went from p1 through q into p2's memory, in order; q is empty.
    expect(got.locator(".val")).to_have_text(["1", "4", "9", "16"])
    expect(got.locator(".via")).to_have_text(["from q"] * 4)
    expect(queue.locator(".note")).to_contain_text("4 taken out")
    expect(queue.locator(".fifo .item")).to_have_count(0)
    expect(queue.locator(".from .chip")).to_have_text(["p1"])
    expect(queue.locator(".to .chip")).to_have_text(["p2"])
    assert d.output("p2") == "Queue elements:\n1\n4\n9\n16\nQueue is now empty!\n"
    events = d.events()
    for proc in ("main", "p1", "p2"):
        expect(d.lane(proc).locator(".status")).to_have_text("exited (exit code 0)")
        expect(d.lane(proc).locator(".pid")).to_have_text(f"pid {lane_pid(events, proc)}")
    expect(d.page.locator("#run-status")).to_contain_text("Succeeded")

    # After p1's last put: all four items sit in q, put by p1, none taken yet.
    d.seek(index_of(events, "queue.put", -1))
    expect(queue.locator(".fifo .item .val")).to_have_text(["1", "4", "9", "16"])
    expect(queue.locator(".fifo .item .who")).to_have_text(["p1"] * 4)
    expect(got).to_have_count(0)
    expect(d.page.locator("#narration")).to_have_text("p1 put 16 into q")
    # The put's line is marked with p1 and is the current line.
    line = events[index_of(events, "queue.put", -1)]["line"]
    src = d.page.locator(f".src-line[data-line='{line}']")
    expect(src).to_have_class("src-line current")
    expect(src.locator(".marks .chip")).to_have_text(["p1"])
    # main waits in p1.join() (from its wait on, whenever p1's puts fall around it).
    waits = index_of(events, "proc.wait", child="p1")
    d.seek(waits)
    expect(d.lane("main").locator(".status")).to_have_text("waiting for p1.join()")
    p1_ended = any(e["kind"] == "proc.exit" and e["proc"] == "p1" for e in events[: waits + 1])
    if not p1_ended:  # p1 may have just exited, its exit recorded a moment before the wait
        expect(d.lane("p1").locator(".parked-here")).to_have_text("main waits here for p1 to end")

    # Halfway through p2's gets: two items left, two taken.
    d.seek(index_of(events, "queue.get", 2))
    expect(queue.locator(".fifo .item .val")).to_have_text(["9", "16"])
    expect(got.locator(".val")).to_have_text(["1", "4"])
    expect(d.page.locator("#narration")).to_have_text("p2 got 4 from q")
    assert d.output("p2") == "Queue elements:\n1\n"  # 4 is printed by the next event


def lane_pid(events: list[dict[str, Any]], proc: str) -> int:
    return int(next(e["pid"] for e in events if e["kind"] == "proc.start" and e["proc"] == proc))


def test_pipe(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="pipe", pace_ms=0)
    d.run()
    pipe = d.page.locator(".obj.pipe")
    expect(pipe.locator("h3")).to_have_text("Pipe parent_conn ⇄ child_conn")
    # The last messages received are copies in p2's memory; none is left in the pipe.
    got = d.lane("p2").locator(".inbox .token")
    expect(got.locator(".val")).to_have_text(["'hello'", "'hey'", "'hru?'", "'END'"])
    expect(pipe.locator(".note")).to_contain_text("4 received")
    expect(pipe.locator(".in-flight .msg")).to_have_count(0)
    # Each process holds its end of the pipe.
    expect(d.lane("p1").locator(".handle")).to_have_text(["parent_conn closed"])
    expect(d.lane("p2").locator(".handle")).to_have_text(["child_conn pipe end"])
    expect(pipe.locator(".end-a")).to_contain_text("closed by p1")
    expect(pipe.locator(".end-a .chip")).to_have_text(["p1"])
    expect(pipe.locator(".end-b .chip")).to_have_text(["p2"])
    sent = [f"Sent the message: {m}" for m in ("hello", "hey", "hru?", "END")]
    assert d.output("p1") == "\n".join(sent) + "\n"
    received = [f"Received the message: {m}" for m in ("hello", "hey", "hru?")]
    assert d.output("p2") == "\n".join(received) + "\n"

    # Between a send and its recv, the message is in flight from parent_conn's side.
    events = d.events()
    first_recv = index_of(events, "pipe.recv")
    sent_before = [e["value"] for e in events[:first_recv] if e["kind"] == "pipe.send"]
    d.seek(first_recv - 1)
    expect(pipe.locator(".in-flight .msg .val")).to_have_text([f"'{m}'" for m in sent_before])
    expect(pipe.locator(".in-flight .msg.to-b")).to_have_count(len(sent_before))
    d.seek(first_recv)
    expect(got.locator(".val")).to_have_text(["'hello'"])
    expect(d.page.locator("#narration")).to_have_text("p2 received 'hello' from child_conn")


def test_shared_memory(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="shared-memory", pace_ms=0)
    d.run()
    array = d.page.locator(".obj.array")
    expect(array.locator(".cell .val")).to_have_text(["1", "4", "9", "16"])
    expect(array.locator(".cell .who")).to_have_text(["p1"] * 4)
    expect(array.locator(".users .chip")).to_have_text(["main", "p1"])
    value = d.page.locator(".obj.value")
    expect(value.locator(".box .val")).to_have_text("30")
    expect(value.locator(".box .who")).to_have_text("written by p1")
    expect(value.locator(".users .chip")).to_have_text(["main", "p1"])
    # p1 wrote it without reading it first: a write alone in p1's box.
    expect(d.lane("p1").locator(".writes .pair")).to_have_text(["square_sum: wrote 30"])
    assert d.output("main") == (
        "Result(in main program): [1, 4, 9, 16]\nSum of squares(in main program): 30\n"
    )

    # The third write lights up cell 2, with p1 as its writer; cell 3 is still 0.
    events = d.events()
    d.seek(index_of(events, "array.set", 3))
    expect(array.locator(".cell .val")).to_have_text(["1", "4", "9", "0"])
    expect(array.locator(".cell.lit .val")).to_have_text(["9"])
    expect(d.page.locator("#narration")).to_have_text("p1 set result[2] = 9")
    d.seek(index_of(events, "value.set"))
    expect(value.locator(".box.lit .val")).to_have_text("30")
    d.seek(index_of(events, "value.set") - 1)
    expect(value.locator(".box .val")).to_have_text("0")
    expect(value.locator(".box .who")).to_have_text("initial value")


def test_manager(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="manager", pace_ms=0)
    d.run()
    # The real list is in the manager's server process; the others hold proxies to it.
    manager = d.lane("manager").locator(".manager-object")
    held = manager.locator(".held .record")
    expect(held).to_have_text(["'Sam'10", "'Adam'9", "'Kevin'9", "'Jeff'8"], use_inner_text=False)
    expect(held.last.locator(".field")).to_have_text(["'Jeff'", "8"])
    for proc in ("main", "p1", "p2"):
        expect(d.lane(proc).locator(".handle.proxy code")).to_have_text(["records"])
    expect(d.lane("manager").locator(".role")).to_contain_text("manager's server process")
    assert d.output("p1") == "New record added!\n\n"
    assert d.output("p2").endswith("Name: Jeff\nScore: 8\n\n")

    # p1's append: an arrow to the server with the record, and one back with None.
    events = d.events()
    d.seek(index_of(events, "manager.result", method="append"))
    call = manager.locator(".call.lit")
    expect(call.locator(".caller")).to_have_text("p1")
    expect(call.locator(".out-arrow")).to_have_text("→ append(['Jeff', 8])")
    expect(call.locator(".back-arrow")).to_have_text("← None")
    # The reply is back in p1's memory.
    expect(d.lane("p1").locator(".inbox .token .val")).to_have_text(["None"])
    # Before the server has run it, the list has three records and the call waits, its
    # token at the server, p1 parked there.
    d.seek(index_of(events, "manager.call", method="append"))
    expect(held).to_have_count(3)
    expect(manager.locator(".call.lit .back-arrow")).to_have_text("← …")
    expect(manager.locator(".open-calls .call-token")).to_have_text(
        ["p1append(['Jeff', 8])"], use_inner_text=False
    )
    expect(manager.locator(".parked .chip")).to_have_text(["p1"])
    expect(d.lane("p1").locator(".status")).to_have_text("waiting for records.append() in the manager")


def test_separate_memory(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="separate-memory", pace_ms=0)
    d.run()
    # Each box holds its own copy of result.
    copies = d.page.locator(".proc-box [data-var='result']")
    expect(copies).to_have_text(["result = []", "result = [1, 4, 9, 16]"])
    expect(d.lane("main").locator("[data-var='result']")).to_have_text("result = []")
    assert d.output("p1") == "Result(in process p1): [1, 4, 9, 16]\n"
    assert d.output("main") == "Result(in main program): []\n"
    # p1's copy fills one square at a time while main's stays empty.
    events = d.events()
    d.seek(index_of(events, "var", 3, proc="p1"))
    expect(copies).to_have_text(["result = []", "result = [1, 4]"])


def test_value_race_shows_lost_updates_when_there_are_any(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="value-race", pace_ms=0, times=1500)
    d.run()
    printed = d.output("main")
    expected, got = (int(word.rstrip(",")) for word in printed.split()[1::2])
    note = d.page.locator(".obj.value .note")
    expect(d.page.locator(".obj.value .box .val")).to_have_text(str(got))
    # Expected against actual, counted from the increments the page saw.
    tally = d.page.locator(".obj.value .tally")
    expect(tally.locator(".expected")).to_have_text(f"expected {expected}")
    expect(tally.locator(".actual")).to_have_text(f"actual {got}")
    if got < expected:
        expect(note).to_contain_text("on a stale read")
        expect(note).to_have_class("note warn")
        # At the first write made on a stale read, the writer's box strikes it through.
        events = d.events()
        stale = first_stale_write(events)
        d.seek(stale)
        writer = d.lane(events[stale]["proc"])
        expect(writer.locator(".writes .pair.stale.lit s")).to_have_text(f"wrote {events[stale]['value']}")
    else:
        expect(note).not_to_contain_text("stale")


def first_stale_write(events: list[dict[str, Any]]) -> int:
    """The first Value write computed from a read another process's write had made stale."""
    read: dict[str, int] = {}
    for i, e in enumerate(events):
        if e["kind"] == "value.get":
            read[e["proc"]] = e["version"]
        elif e["kind"] == "value.set":
            before = read.pop(e["proc"], None)
            if before is not None and e["version"] > before + 1:
                return i
    raise AssertionError("no stale write in the run")
