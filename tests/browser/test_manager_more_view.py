"""What a person sees of a Manager's Namespace, Lock and Queue, in Chromium: a real run of
``manager-shared``, scrubbed to the moments that matter, read off the page and checked
against the run's own events (the objects inside the server's box, the counter's value,
who holds the lock and who the server keeps waiting for it, the queue's items)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import Dashboard

pytestmark = pytest.mark.browser


def held_object(d: Dashboard, name: str) -> Any:
    # A manager's object is drawn inside its server's box: it lives in that memory.
    return d.lane("manager").locator(f".manager-object[data-obj='{name}']")


def state_after(events: list[dict[str, Any]], upto: int, obj: str) -> Any:
    """The real object's state after event ``upto``, from the last serve of it."""
    serves = [e for e in events[: upto + 1] if e["kind"] == "manager.serve" and e["obj"] == obj]
    return serves[-1]["state"] if serves else None


# Each object, drawn by its own view from the fold of the run's events up to ``upto``:
# what the stage puts in the server's box.
DRAW = """
async ([events, upto, names]) => {
  const { reduceAll } = await import('/static/js/reducer.js');
  const { ManagerView } = await import('/static/js/views/manager.js');
  const state = reduceAll(events.slice(0, upto + 1));
  const out = {};
  for (const name of names) {
    const view = new ManagerView(name);
    view.render(state);
    const texts = (sel) => [...view.el.querySelectorAll(sel)].map((el) => el.textContent);
    out[name] = {
      type: view.el.dataset.type, meta: texts('.meta')[0], rows: texts('.held > li'),
      held: texts('.held-calls > li'), parked: texts('.parked')[0],
    };
  }
  return out;
}
"""


def run_shared(d: Dashboard) -> list[dict[str, Any]]:
    d.open(scenario="manager-shared", pace_ms=20, start_method="fork", workers=3, rounds=2)
    d.run()
    return d.events()


def test_each_object_shows_its_real_state_and_the_calls_the_server_holds(dashboard: Dashboard) -> None:
    d = dashboard
    events = run_shared(d)
    waits = [e for e in events if e["kind"] == "manager.wait" and e["obj"] == "lock"]
    assert waits, "nobody was kept waiting for the lock in this run"
    for wait in waits[:4]:
        drawn = d.evaluate(DRAW, [events, wait["seq"], ["ns", "lock", "done"]])
        state = state_after(events, wait["seq"], "lock")
        want = f"held by {state['holder']}" if state["locked"] else "free"
        lock = drawn["lock"]
        assert (lock["type"], lock["meta"], lock["rows"]) == ("Lock", "the real Lock", [want])
        assert f"{wait['proc']}'s acquire() is held in the server: {wait['holder']} holds it" in lock["held"]
        assert wait["proc"] in lock["parked"]
        total = state_after(events, wait["seq"], "ns")["total"]
        assert drawn["ns"]["rows"] == [f"total = {total}"]
        assert drawn["ns"]["meta"] == "the real Namespace"
    put = next(
        e for e in events if e["kind"] == "manager.serve" and e["obj"] == "done" and e["method"] == "put"
    )
    drawn = d.evaluate(DRAW, [events, put["seq"], ["done"]])
    assert drawn["done"]["rows"] == [f"'{put['args'][0]}'"]
    drawn = d.evaluate(DRAW, [events, len(events) - 1, ["ns", "lock", "done"]])
    assert [drawn[n]["rows"] for n in ("ns", "lock", "done")] == [["total = 6"], ["free"], []]


def test_the_server_box_holds_the_objects_and_shows_who_it_keeps_waiting(dashboard: Dashboard) -> None:
    d = dashboard
    events = run_shared(d)
    waits = [e for e in events if e["kind"] == "manager.wait" and e["obj"] == "lock"]
    assert waits, "nobody was kept waiting for the lock in this run"
    for wait in waits[:4]:
        d.seek(wait["seq"])
        lock = held_object(d, "lock")
        assert lock.get_attribute("data-type") == "Lock"
        state = state_after(events, wait["seq"], "lock")
        want = f"held by {state['holder']}" if state["locked"] else "free"
        assert lock.locator(".held > li").all_inner_texts() == [want]
        held = lock.locator(".held-calls > li").all_inner_texts()
        assert f"{wait['proc']}'s acquire() is held in the server: {wait['holder']} holds it" in held
        assert wait["proc"] in lock.locator(".parked").inner_text()
        status = d.lane(wait["proc"]).locator(".status").inner_text()
        assert status == f"waiting for lock, held by {wait['holder']} (in the manager)"
        ns = held_object(d, "ns")
        total = state_after(events, wait["seq"], "ns")["total"]
        assert ns.locator(".held > li.entry").all_inner_texts() == [f"total = {total}"]

    # main's first get waits in the server until a worker has said it is done.
    (first_get,) = [e for e in events if e["kind"] == "manager.wait" and e["obj"] == "done"][:1]
    d.seek(first_get["seq"])
    assert d.lane("main").locator(".status").inner_text() == "waiting for an item in done (in the manager)"
    assert held_object(d, "done").locator(".held > li").all_inner_texts() == []
    put = next(
        e for e in events if e["kind"] == "manager.serve" and e["obj"] == "done" and e["method"] == "put"
    )
    d.seek(put["seq"])
    assert held_object(d, "done").locator(".held > li").all_inner_texts() == [f"'{put['args'][0]}'"]

    d.seek(len(events) - 1)
    assert held_object(d, "ns").locator(".held > li.entry").all_inner_texts() == ["total = 6"]
    assert held_object(d, "lock").locator(".held > li").all_inner_texts() == ["free"]
    assert held_object(d, "ns").locator(".meta").inner_text() == "the real Namespace"
    assert "total: 6 expected: 6" in d.output("main")
