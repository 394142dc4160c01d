"""multiprocessing.Pool, traced: its workers as lanes, each task and result as a message, in
causal order, under every start method; a terminated pool loses no worker's last events."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from app.events import kinds as K
from app.events.causality import problems
from app.events.schema import decode
from app.events.schema import pools as pool_schema
from app.runs.service import START_METHODS, RunService
from app.scenarios import registry
from tests.conftest import Finished, untraced
from tests.runs.test_gate import held_run

pytestmark = pytest.mark.anyio

PROGRAMS = Path(__file__).parent / "programs"


def printed(done: Finished) -> str:
    return "".join(e["text"] for e in done.of("stdout"))


def check_common(done: Finished) -> None:
    assert done.run.status == "succeeded", done.events[-3:]
    assert problems(done.events) == []
    assert [e["seq"] for e in done.events] == list(range(len(done.events)))
    for ev in done.events:
        decode(json.dumps(ev))


def seq_of(done: Finished, kind: str) -> dict[str, int]:
    """msg → seq of the event of ``kind`` that carries it."""
    return {e["msg"]: e["seq"] for e in done.of(kind) if "msg" in e}  # not a stop signal


def check_travel(done: Finished) -> None:
    """Every task is taken once, after it was sent, by a worker; every result comes back
    once, after it was sent, to the pool's owner; a job's get comes after its results."""
    sent, taken = seq_of(done, K.POOL_TASK), seq_of(done, K.POOL_TAKE)
    assert max(Counter(e.get("msg") for e in done.of(K.POOL_TAKE) if "msg" in e).values(), default=1) == 1
    assert set(taken) <= set(sent)
    for msg, seq in taken.items():
        assert sent[msg] < seq
    done_at, back = seq_of(done, K.POOL_DONE), seq_of(done, K.POOL_RESULT)
    assert set(back) == set(done_at)
    for msg, seq in back.items():
        assert done_at[msg] < seq
    submitted = {e["job"]: e["seq"] for e in done.of(K.POOL_SUBMIT) if "job" in e}
    for e in done.of(K.POOL_TASK):
        assert submitted[e["job"]] < e["seq"]
    # One get (apply, map) comes after all of its job's results; imap's n-th get after
    # its n-th result at least.
    back_at: dict[int, list[int]] = {}
    for e in done.of(K.POOL_RESULT):
        back_at.setdefault(e["job"], []).append(e["seq"])
    gets: dict[int, list[int]] = {}
    for e in done.of(K.POOL_GET):
        if "error" not in e:
            gets.setdefault(e["job"], []).append(e["seq"])
    for job, seqs in gets.items():
        arrived = back_at.get(job, [])
        if len(seqs) == 1:
            assert max(arrived, default=-1) < seqs[0], job
        else:
            assert all(r < g for r, g in zip(arrived, seqs, strict=False)), job


@pytest.mark.parametrize("start_method", START_METHODS)
async def test_the_pool_scenario_tells_its_story(run_to_end: Any, start_method: str, tmp_path: Path) -> None:
    scenario = registry.get("pool")
    done = await run_to_end("pool", start_method=start_method)
    check_common(done)
    check_travel(done)
    assert printed(done) == untraced(scenario.render(scenario.params_model()), tmp_path)

    starts = {e["proc"]: e for e in done.of(K.PROC_START)}
    workers = ["pool-worker-1", "pool-worker-2"]
    assert set(starts) == {"main", *workers}
    for w in workers:
        assert (starts[w]["role"], starts[w]["parent"]) == ("worker", "main")
    assert [e["processes"] for e in done.of(K.POOL_NEW)] == [2]

    # Each worker took its stop signal at the close.
    assert sorted(e["proc"] for e in done.of(K.POOL_TAKE) if e.get("stop")) == workers
    # map's three chunks of two, twice (map and map_async), and apply_async's one call
    took = sorted(
        (e["job"], e["index"], e["proc"] in workers, json.dumps(e["value"]))
        for e in done.of(K.POOL_TAKE)
        if not e.get("stop")
    )
    chunks = [[1, 2], [3, 4], [5, 6]]
    expected = [(job, i, True, json.dumps(c)) for job in (0, 2) for i, c in enumerate(chunks)]
    assert took == sorted([*expected, (1, 0, True, json.dumps([10]))])
    results = {(e["job"], e["index"]): e["value"] for e in done.of(K.POOL_RESULT)}
    assert results[(0, 1)] == [9, 16]
    assert results[(1, 0)] == 100
    assert {e["proc"] for e in done.of(K.POOL_RESULT)} == {"main"}
    got = [e["value"] for e in done.of(K.POOL_GET)]
    assert got == [[1, 4, 9, 16, 25, 36], 100]
    callback = done.of(K.POOL_CALLBACK)[0]
    assert (callback["func"], callback["value"]) == ("report", [1, 4, 9, 16, 25, 36])
    said = next(e for e in done.of(K.STDOUT) if e["text"].startswith("The callback"))
    assert callback["seq"] < said["seq"]
    ends = [e["kind"] for e in done.events if e["kind"] in (K.POOL_CLOSE, K.POOL_JOIN, K.POOL_TERMINATE)]
    assert ends == [K.POOL_CLOSE, K.POOL_JOIN, K.POOL_TERMINATE]
    assert done.of(K.POOL_TERMINATE)[0]["by"] == "with"


@pytest.mark.parametrize("start_method", START_METHODS)
async def test_every_way_of_using_a_pool(run_program: Any, start_method: str, tmp_path: Path) -> None:
    source = (PROGRAMS / "pool_kinds.py").read_text()
    done = await run_program(source, start_method)
    check_common(done)
    check_travel(done)
    assert printed(done) == untraced(source, tmp_path)
    emitted = {e["kind"] for e in done.events if e["kind"].startswith("pool.")}
    assert emitted == {str(cls.__struct_config__.tag) for cls in pool_schema.EVENTS}
    methods = [e["method"] for e in done.of(K.POOL_SUBMIT)]
    assert methods == [
        "apply",
        "starmap",
        "imap",
        "imap_unordered",
        "starmap_async",
        "apply_async",
        "map",
        "apply_async",
        "apply_async",
    ]
    refused = done.of(K.POOL_SUBMIT)[-1]
    assert refused["error"] == "ValueError: Pool not running"
    assert "job" not in refused
    raised = [e for e in done.of(K.POOL_DONE) if "raised" in e]
    assert {e["raised"] for e in raised} == {"ValueError: three is not allowed"}
    assert {e["proc"] for e in raised} <= {f"pool-worker-{i}" for i in (1, 2, 3)}
    error_callback = next(e for e in done.of(K.POOL_CALLBACK) if "raised" in e)
    assert error_callback["func"] == "failed"
    assert [e["error"] for e in done.of(K.POOL_GET) if "error" in e] == ["TimeoutError"]
    assert [e.get("timeout") for e in done.of(K.POOL_WAIT) if e.get("timeout") is not None] == [0.0]


@pytest.mark.parametrize("start_method", START_METHODS)
async def test_terminate_loses_no_worker_s_last_events(run_program: Any, start_method: str) -> None:
    # Each worker prints and puts on a queue, then computes until terminate() kills it: those
    # two events wait in its unsent batch, and only the SIGTERM handler's flush sends them.
    done = await run_program((PROGRAMS / "pool_terminated.py").read_text(), start_method)
    check_common(done)
    workers = {"pool-worker-1", "pool-worker-2"}
    busy = {e["proc"]: e["text"] for e in done.of(K.STDOUT) if e["proc"] in workers}
    assert sorted(busy.values()) == ["working on 1\n", "working on 2\n"]
    assert {e["proc"] for e in done.of(K.QUEUE_PUT)} == workers
    exits = {e["proc"]: e for e in done.of(K.PROC_EXIT) if e["proc"] in workers}
    assert {e["reason"] for e in exits.values()} == {"killed"}
    joined = {e["child"]: e["exitcode"] for e in done.of(K.PROC_JOIN)}
    assert joined == {w: -15 for w in workers}
    terminate = done.of(K.POOL_TERMINATE)[0]
    assert all(terminate["seq"] < e["seq"] for e in done.of(K.PROC_JOIN))
    assert done.output("main") == ["busy: [1, 2]", "terminated"]


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
async def test_a_held_pool_run_goes_one_release_at_a_time(manager: RunService, start_method: str) -> None:
    # Every held operation of main and the workers happens once per release; the pool's own
    # threads in main are never held (they would hold main's turn too).
    done = await held_run(manager, "pool", start_method)
    assert done.output("main")[0] == "Squares: [1, 4, 9, 16, 25, 36]"
    stops = [e["proc"] for e in done.of(K.POOL_TAKE) if e.get("stop")]
    assert sorted(stops) == ["pool-worker-1", "pool-worker-2"]
