"""The article's five programs, run as real processes: their output and their events."""

from __future__ import annotations

import pytest

from app.events.causality import problems
from app.events.schema import decode
from tests.conftest import Finished

pytestmark = pytest.mark.anyio

# What the article shows each program printing, per process.
ARTICLE = {
    "separate-memory": {
        "p1": ["Result(in process p1): [1, 4, 9, 16]"],
        "main": ["Result(in main program): []"],
    },
    "shared-memory": {
        "p1": ["Result(in process p1): [1, 4, 9, 16]", "Sum of squares(in process p1): 30"],
        "main": ["Result(in main program): [1, 4, 9, 16]", "Sum of squares(in main program): 30"],
    },
    "manager": {
        "p1": ["New record added!", ""],
        "p2": [
            *["Name: Sam", "Score: 10", ""],
            *["Name: Adam", "Score: 9", ""],
            *["Name: Kevin", "Score: 9", ""],
            *["Name: Jeff", "Score: 8", ""],
        ],
    },
    "queue": {"p2": ["Queue elements:", "1", "4", "9", "16", "Queue is now empty!"]},
    "pipe": {
        "p1": [f"Sent the message: {m}" for m in ("hello", "hey", "hru?", "END")],
        "p2": [f"Received the message: {m}" for m in ("hello", "hey", "hru?")],
    },
}


def check_common(done: Finished) -> None:
    assert done.run.status == "succeeded", done.events[-3:]
    assert problems(done.events) == []
    for ev in done.events:
        decode(__import__("json").dumps(ev))  # every event fits the schema
    assert done.events[0]["kind"] == "run.start"
    assert done.events[-1]["kind"] == "run.end"
    assert done.events[-1]["status"] == "succeeded"


@pytest.mark.parametrize("scenario", list(ARTICLE))
async def test_prints_what_the_article_shows(run_to_end, scenario: str) -> None:
    done = await run_to_end(scenario)
    check_common(done)
    printing = {proc for proc in done.lanes() if done.output(proc)}
    assert printing == set(ARTICLE[scenario])
    for proc, lines in ARTICLE[scenario].items():
        assert done.output(proc) == lines


async def test_queue_story(run_to_end) -> None:
    done = await run_to_end("queue")
    check_common(done)
    puts = done.of("queue.put")
    gets = done.of("queue.get")
    assert [(e["proc"], e["obj"], e["value"]) for e in puts] == [("p1", "q", v) for v in (1, 4, 9, 16)]
    assert [(e["proc"], e["obj"], e["value"]) for e in gets] == [("p2", "q", v) for v in (1, 4, 9, 16)]
    assert [e["msg"] for e in puts] == [e["msg"] for e in gets]
    assert [e["value"] for e in done.of("queue.empty", "p2")] == [False] * 4 + [True]
    assert set(done.lanes()) == {"main", "p1", "p2"}


async def test_shared_memory_story(run_to_end) -> None:
    done = await run_to_end("shared-memory")
    check_common(done)
    sets = [(e["proc"], e["obj"], e["index"], e["value"]) for e in done.of("array.set")]
    assert sets == [("p1", "result", i, v) for i, v in enumerate((1, 4, 9, 16))]
    assert [(e["proc"], e["obj"], e["value"]) for e in done.of("value.set")] == [("p1", "square_sum", 30)]
    # main reads what p1 wrote, from the same memory
    main_reads = done.of("array.get", "main")
    assert main_reads[-1]["value"] == [1, 4, 9, 16]
    assert done.of("value.get", "main")[-1]["value"] == 30


async def test_manager_story(run_to_end) -> None:
    done = await run_to_end("manager")
    check_common(done)
    lanes = done.lanes()
    assert set(lanes) == {"main", "manager", "p1", "p2"}
    manager_start = done.of("proc.start", "manager")[0]
    assert manager_start["role"] == "manager"
    calls = [(e["proc"], e["obj"], e["method"]) for e in done.of("manager.call")]
    assert ("p1", "records", "append") in calls
    append = next(e for e in done.of("manager.serve") if e["method"] == "append")
    assert append["proc"] == "manager"
    assert append["args"] == [["Jeff", 8]]
    assert append["state"] == [["Sam", 10], ["Adam", 9], ["Kevin", 9], ["Jeff", 8]]
    reads = [e["repr"] for e in done.of("manager.result", "p2") if not e.get("error")]
    assert reads == ["('Sam', 10)", "('Adam', 9)", "('Kevin', 9)", "('Jeff', 8)"]


async def test_pipe_story(run_to_end) -> None:
    done = await run_to_end("pipe")
    check_common(done)
    sends = [(e["proc"], e["obj"], e["value"]) for e in done.of("pipe.send")]
    recvs = [(e["proc"], e["obj"], e["value"]) for e in done.of("pipe.recv")]
    words = ["hello", "hey", "hru?", "END"]
    assert sends == [("p1", "parent_conn", w) for w in words]
    assert recvs == [("p2", "child_conn", w) for w in words]
    assert done.of("pipe.new")[0]["peer"] == "child_conn"
    assert [e["obj"] for e in done.of("pipe.close")] == ["parent_conn"]


async def test_separate_memory_story(run_to_end) -> None:
    done = await run_to_end("separate-memory")
    check_common(done)
    final = {}
    for e in done.of("var"):
        assert e["obj"] == "result"
        final[e["proc"]] = e["value"]
    assert final == {"main": [], "p1": [1, 4, 9, 16]}
    p1_steps = [e["value"] for e in done.of("var", "p1")]
    assert p1_steps == [[], [1], [1, 4], [1, 4, 9], [1, 4, 9, 16]]
