"""The reducer (static/js/reducer.js) over recorded runs, executed in Chromium.

The logs in tests/browser/logs/ were recorded with ``python -m app run <id> --json``
(``python -m tests.browser.record`` records them again). Each test loads the ES modules
into a page on the live server and folds the events there.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from app.events import schema
from tests.browser.conftest import LOGS, recorded

pytestmark = pytest.mark.browser

LOG_NAMES = sorted(p.stem for p in LOGS.glob("*.ndjson"))

# Folds a log in the page and returns what the tests look at, as plain JSON.
FOLD = """async (events) => {
  const { reduceAll } = await import('/static/js/reducer.js');
  return JSON.parse(JSON.stringify(reduceAll(events)));
}"""


def fold(js: Any, name: str) -> dict[str, Any]:
    state: dict[str, Any] = js.evaluate(FOLD, recorded(name))
    return state


def output(state: dict[str, Any], proc: str) -> str:
    return "".join(line["text"] for line in state["consoles"].get(proc, []))


@pytest.mark.parametrize("name", LOG_NAMES)
def test_recorded_logs_match_the_schema(name: str) -> None:
    events = recorded(name)
    assert [e["seq"] for e in events] == list(range(len(events)))
    for event in events:
        schema.decode(json.dumps(event))
    assert events[-1]["kind"] == "run.end"


def test_queue(js: Any) -> None:
    state = fold(js, "queue")
    q = state["queues"]["q"]
    assert q["items"] == []
    assert [(i["value"], i["from"], i["by"]) for i in q["taken"]] == [
        (1, "p1", "p2"),
        (4, "p1", "p2"),
        (9, "p1", "p2"),
        (16, "p1", "p2"),
    ]
    assert q["producers"] == ["p1"]
    assert q["consumers"] == ["p2"]
    assert q["empty"]["value"] is True
    assert output(state, "p2") == "Queue elements:\n1\n4\n9\n16\nQueue is now empty!\n"
    assert state["order"] == ["main", "p1", "p2"]
    assert {p["status"] for p in state["procs"].values()} == {"exited"}
    assert {p["exitcode"] for p in state["procs"].values()} == {0}
    assert state["run"]["status"] == "succeeded"
    assert state["objects"] == [{"type": "queue", "name": "q"}]


def test_queue_flood_keeps_fifo_order(js: Any) -> None:
    state = fold(js, "queue-flood")
    q = state["queues"]["q"]
    values = [i["value"] for i in q["taken"]]
    assert values == [*range(300), None]
    assert q["items"] == []
    assert output(state, "consumer") == f"Received 300 items, total {sum(range(300))}\n"


def test_pipe(js: Any) -> None:
    state = fold(js, "pipe")
    pipe = state["pipes"]["parent_conn"]
    assert pipe["ends"] == ["parent_conn", "child_conn"]
    assert [m["value"] for m in pipe["delivered"]] == ["hello", "hey", "hru?", "END"]
    assert {(m["from"], m["by"], m["fromEnd"], m["toEnd"]) for m in pipe["delivered"]} == {
        ("p1", "p2", "parent_conn", "child_conn")
    }
    assert pipe["inFlight"] == []
    assert pipe["closed"] == {"parent_conn": "p1"}
    assert pipe["users"] == {"parent_conn": ["p1"], "child_conn": ["p2"]}
    assert output(state, "p2").splitlines() == [
        "Received the message: hello",
        "Received the message: hey",
        "Received the message: hru?",
    ]


def test_shared_memory(js: Any) -> None:
    state = fold(js, "shared-memory")
    cells = state["arrays"]["result"]["cells"]
    assert [c["value"] for c in cells] == [1, 4, 9, 16]
    assert {c["writer"] for c in cells} == {"p1"}
    box = state["values"]["square_sum"]
    assert (box["value"], box["writer"]["proc"], box["version"]) == (30, "p1", 1)
    assert box["users"] == ["main", "p1"]
    assert output(state, "main").splitlines() == [
        "Result(in main program): [1, 4, 9, 16]",
        "Sum of squares(in main program): 30",
    ]


def test_manager(js: Any) -> None:
    state = fold(js, "manager")
    records = state["managers"]["records"]
    assert records["state"] == [["Sam", 10], ["Adam", 9], ["Kevin", 9], ["Jeff", 8]]
    assert records["server"] == "manager"
    assert records["proxies"] == ["main", "p1", "p2"]
    calls = [(c["proc"], c["method"], c["phase"]) for c in records["calls"]]
    assert calls[:2] == [("main", "list", "returned"), ("p1", "append", "returned")]
    assert calls[-1] == ("p2", "__getitem__", "returned")
    assert records["calls"][-1]["error"] == "IndexError"
    assert state["procs"]["manager"]["role"] == "manager"
    assert "Name: Jeff\nScore: 8\n" in output(state, "p2")


def test_separate_memory(js: Any) -> None:
    state = fold(js, "separate-memory")
    result = state["vars"]["result"]
    assert result["main"]["value"] == []
    assert result["p1"]["value"] == [1, 4, 9, 16]
    assert state["objects"] == []


STATES_AT = """async (events) => {
  const { reduce, reduceAll, initialState } = await import('/static/js/reducer.js');
  const { History } = await import('/static/js/history.js');
  const problems = [];
  // Purity: reducing never changes the state it starts from, nor the event.
  let state = initialState();
  for (const ev of events) {
    const before = JSON.stringify(state);
    const evBefore = JSON.stringify(ev);
    const next = reduce(state, ev);
    if (JSON.stringify(state) !== before) problems.push(`reduce changed its input at seq ${ev.seq}`);
    if (JSON.stringify(ev) !== evBefore) problems.push(`reduce changed event ${ev.seq}`);
    state = next;
  }
  // Seeking in any order gives exactly the fold of events 0..k.
  const history = new History();
  history.append(events.slice(0, 5));
  history.append(events.slice(3)); // overlapping batches, as a resumed stream sends
  if (history.length !== events.length) problems.push(`history holds ${history.length} events`);
  const order = [];
  for (let k = events.length - 1; k >= -1; k -= 1) order.push(k); // stepping back from the end
  for (let k = -1; k < events.length; k += 7) order.push(k);
  for (let i = 0; i < 50; i += 1) order.push(Math.floor(((i * 7919) % 1000) / 1000 * events.length));
  for (const k of order) {
    const seen = JSON.stringify(history.stateAt(k));
    const folded = JSON.stringify(reduceAll(events.slice(0, k + 1)));
    if (seen !== folded) problems.push(`stateAt(${k}) differs from the fold of 0..${k}`);
  }
  return problems;
}"""


@pytest.mark.parametrize("name", ["queue", "pipe-paced", "manager", "queue-flood"])
def test_pure_and_every_state_is_the_fold(js: Any, name: str) -> None:
    assert js.evaluate(STATES_AT, recorded(name)) == []


def test_process_states(js: Any) -> None:
    events = recorded("queue")
    states = js.evaluate(
        """async (events) => {
          const { reduce, initialState } = await import('/static/js/reducer.js');
          let s = initialState();
          const out = [];
          for (const ev of events) { s = reduce(s, ev); out.push(JSON.parse(JSON.stringify(s.procs))); }
          return out;
        }""",
        events,
    )
    spawn = next(i for i, e in enumerate(events) if e["kind"] == "proc.spawn")
    assert states[spawn]["p1"]["status"] == "starting"
    assert states[spawn]["p1"]["pid"] == events[spawn]["child_pid"]
    wait = next(i for i, e in enumerate(events) if e["kind"] == "proc.wait")
    assert states[wait]["main"]["status"] == "waiting"
    assert states[wait]["main"]["wait"] == {"on": "p1", "what": "p1.join()"}
    put = next(i for i, e in enumerate(events) if e["kind"] == "queue.put")
    assert states[put]["p1"]["status"] == "running"
    assert states[put]["p1"]["line"] == events[put]["line"]
    exit_ = next(i for i, e in enumerate(events) if e["kind"] == "proc.exit")
    assert states[exit_]["p1"]["status"] == "exited"
    assert states[exit_]["p1"]["exitcode"] == 0
    assert states[exit_]["p1"]["line"] is None


def test_messages_in_flight(js: Any) -> None:
    """In the paced pipe run, each message is in flight from its send to its recv."""
    events = recorded("pipe-paced")
    flights = js.evaluate(
        """async (events) => {
          const { reduce, initialState } = await import('/static/js/reducer.js');
          let s = initialState();
          const out = [];
          for (const ev of events) {
            s = reduce(s, ev);
            const pipe = s.pipes.parent_conn;
            out.push(pipe ? pipe.inFlight.toArray().map((m) => m.value) : []);
          }
          return out;
        }""",
        events,
    )
    in_flight: list[str] = []
    for event, seen in zip(events, flights, strict=True):
        if event["kind"] == "pipe.send":
            in_flight.append(event["value"])
        elif event["kind"] == "pipe.recv":
            in_flight.remove(event["value"])
        assert seen == in_flight, f"at seq {event['seq']}"


def test_log_versions_never_change(js: Any) -> None:
    problems = js.evaluate(
        """async () => {
          const { Log } = await import('/static/js/log.js');
          const problems = [];
          const e = (n) => ({ seq: n });
          const events = [0, 1, 2, 3, 4].map(e);
          const a = new Log().push('a', events[0]).push('b', events[1]);
          const b = a.push('c', events[2]);
          const c = a.push('x', e(2));           // another history from the same version
          const d = a.remove(0).push('c', events[2]);
          const check = (log, want, what) => {
            const got = JSON.stringify(log.toArray());
            if (got !== JSON.stringify(want)) problems.push(`${what}: ${got}`);
          };
          check(a, ['a', 'b'], 'a');
          check(b, ['a', 'b', 'c'], 'b');
          check(c, ['a', 'b', 'x'], 'c');
          check(d, ['b', 'c'], 'd');
          check(b.remove(1), ['a', 'c'], 'remove from the middle');
          check(b, ['a', 'b', 'c'], 'b after removes');
          if (b.slice(-2).join() !== 'b,c') problems.push('slice(-2)');
          if (b.at(-1) !== 'c' || b.at(5) !== undefined) problems.push('at');
          if (b.findIndex((x) => x === 'c') !== 2) problems.push('findIndex');
          return problems;
        }"""
    )
    assert problems == []


def test_value_race_counts_the_writes_made_on_stale_reads(js: Any) -> None:
    events = recorded("value-race")
    # The same rule, worked out here from the events: a write more than one version
    # after its process's own read overwrote another process's update.
    read_by: dict[str, int] = {}
    stale = []
    for e in events:
        if e["kind"] == "value.get":
            read_by[e["proc"]] = e["version"]
        elif e["kind"] == "value.set":
            read = read_by.pop(e["proc"], None)
            if read is not None and e["version"] > read + 1:
                stale.append({"proc": e["proc"], "seq": e["seq"], "read": read, "wrote": e["version"]})
    assert stale, "the recorded log has lost updates (python -m tests.browser.record)"
    box = fold(js, "value-race")["values"]["counter"]
    assert box["stale"] == len(stale)
    assert box["lastStale"] == stale[-1]
    final = next(e for e in reversed(events) if e["kind"] == "value.set")
    assert box["value"] == final["value"]
    assert box["version"] == final["version"]
