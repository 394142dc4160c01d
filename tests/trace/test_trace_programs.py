"""Our own programs, one or two primitives each, run untraced and through ``python -m app
trace`` under every start method: the same bytes on stdout and stderr, the same exit code,
and the saved events hold the program's real operations in causal order.

Every program here fixes its own output order (children hand their results to main, or
print and flush before main goes on), so no comparison is sorted or masked.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from app.events import kinds as K
from tests.conftest import shm_entries, shm_left_since
from tests.trace.checks import check_run, matched, mutually_exclusive, printed, procs_of, role_of, values
from tests.trace.running import METHODS, PROGRAMS, SHM_SETTLE_S, Result, both


def _queue_basic(t: Result) -> None:
    pairs = matched(t, K.QUEUE_PUT, K.QUEUE_GET, "q")
    assert [p["value"] for p, _ in pairs] == [0, 1, 4, 9, 16, None]
    assert procs_of([p for p, _ in pairs]) != {"main"}
    assert procs_of([g for _, g in pairs]) == {"main"}
    assert len(t.of(K.QUEUE_PUT, obj="q")) == 6


def _joinable_queue(t: Result) -> None:
    tasks = matched(t, K.QUEUE_PUT, K.QUEUE_GET, "tasks")
    assert sorted(values([p for p, _ in tasks]), key=str) == sorted([0, 1, 2, 3, 4, 5, None, None], key=str)
    done = t.of(K.QUEUE_TASK_DONE, obj="tasks")
    joins = t.of(K.QUEUE_JOIN, "main", "tasks")
    assert len(done) == 8
    assert len(joins) == 2
    # join() returned only once every task put before it was marked done
    assert joins[0]["seq"] > sorted(d["seq"] for d in done)[5]
    assert joins[1]["seq"] > max(d["seq"] for d in done)
    results = matched(t, K.QUEUE_PUT, K.QUEUE_GET, "results")
    assert sorted(g["repr"] for _, g in results) == sorted(repr((n, n * 10)) for n in range(6))


def _simple_queue(t: Result) -> None:
    inbox = matched(t, K.QUEUE_PUT, K.QUEUE_GET, "inbox")
    outbox = matched(t, K.QUEUE_PUT, K.QUEUE_GET, "outbox")
    assert values([p for p, _ in inbox]) == ["alpha", "beta", "gamma", ""]
    assert values([p for p, _ in outbox]) == ["ALPHA", "BETA", "GAMMA", ""]
    assert t.of(K.QUEUE_NEW, obj="inbox")[0]["type"] == "SimpleQueue"
    assert values(t.of(K.QUEUE_EMPTY, obj="outbox")) == [True]


def _pipe_duplex(t: Result) -> None:
    pairs = matched(t, K.PIPE_SEND, K.PIPE_RECV)
    sent_by_main = [p["value"] for p, _ in pairs if p["proc"] == "main"]
    sent_by_child = [p["value"] for p, _ in pairs if p["proc"] != "main"]
    assert sent_by_main == [0, 2, 6, 14, None]
    assert sent_by_child == [1, 3, 7, 15]
    assert t.of(K.PIPE_NEW)[0]["duplex"] is True
    assert values(t.of(K.PIPE_POLL)) == [True]


def _pipe_oneway(t: Result) -> None:
    pairs = matched(t, K.PIPE_SEND, K.PIPE_RECV)
    assert [p["value"] for p, _ in pairs] == ["one", "two", "three"]
    assert t.of(K.PIPE_NEW)[0]["duplex"] is False
    assert [e.get("error") for e in t.of(K.PIPE_RECV) if e.get("error")] == ["EOFError"]


def _value_array(t: Result) -> None:
    writes = t.of(K.VALUE_SET, obj="counter")
    assert [w["version"] for w in writes] == list(range(1, 41))
    assert writes[-1]["value"] == 40
    assert len(procs_of(writes)) == 2
    assert len(t.of(K.ARRAY_SET, obj="totals")) == 40
    assert t.of(K.ARRAY_NEW, obj="totals")[0]["size"] == 3


def _sync_locks(t: Result) -> None:
    mutually_exclusive(t, "lock")
    acquired = [e for e in t.of(K.LOCK_ACQUIRE, obj="lock") if e.get("acquired", True)]
    assert len(procs_of(acquired)) == 3  # both children and main
    refused = [e for e in t.of(K.LOCK_ACQUIRE, "main", "lock") if e.get("acquired") is False]
    assert len(refused) == 1
    assert t.of(K.LOCK_NEW, obj="rlock")[0]["recursive"] is True
    depths = [e.get("depth") for e in t.of(K.LOCK_ACQUIRE, obj="rlock")]
    assert depths.count(2) == 2, depths  # each child took it a second time


def _sync_semaphores(t: Result) -> None:
    acquires = t.of(K.SEMAPHORE_ACQUIRE, obj="sem")
    assert len(acquires) == 3
    assert len(procs_of(acquires)) == 3
    assert len(t.of(K.SEMAPHORE_RELEASE, obj="sem")) == 3
    assert t.of(K.SEMAPHORE_NEW, obj="bounded")[0]["bounded"] is True
    errors = [e["error"] for e in t.of(K.SEMAPHORE_RELEASE, obj="bounded") if e.get("error")]
    assert len(errors) == 1
    assert "ValueError" in errors[0]


def _sync_event_condition(t: Result) -> None:
    (set_,) = t.of(K.EVENT_SET, "main", "ready")
    wakes = [e for e in t.of(K.EVENT_WAKE, obj="ready") if e["proc"] != "main"]
    assert len(wakes) == 1
    assert wakes[0]["seq"] > set_["seq"]
    notify = t.of(K.CONDITION_NOTIFY, "main", "cond")
    woke = t.of(K.CONDITION_WAKE, obj="cond")
    assert notify
    assert woke
    assert woke[-1]["seq"] > notify[0]["seq"]
    assert len(t.of(K.EVENT_CLEAR, "main", "ready")) == 1


def _sync_barrier(t: Result) -> None:
    passes = t.of(K.BARRIER_PASS, obj="barrier")
    assert len(passes) == 6
    assert len(procs_of(passes)) == 3
    assert t.of(K.BARRIER_NEW, obj="barrier")[0]["parties"] == 3
    # Nobody passes round two before all three passed round one (and so reached round
    # two): the first three passes are one by each process.
    assert len(procs_of(sorted(passes, key=lambda p: p["seq"])[:3])) == 3


def _pool_ops(t: Result) -> None:
    assert t.of(K.POOL_NEW, obj="pool")[0]["processes"] == 2
    submits = t.of(K.POOL_SUBMIT, obj="pool")
    assert [s["method"] for s in submits] == ["map", "imap_unordered", "apply_async"]
    assert [s["func"] for s in submits] == ["square", "square", "describe"]
    taken = matched(t, K.POOL_TASK, K.POOL_TAKE)
    results = matched(t, K.POOL_DONE, K.POOL_RESULT)
    assert len(results) == len(t.of(K.POOL_DONE)) >= 3
    assert all(role_of(t, g["proc"]) == "worker" for _, g in taken)
    (callback,) = t.of(K.POOL_CALLBACK)
    assert callback["value"] == "hix3"


def _manager_objects(t: Result) -> None:
    serves = t.of(K.MANAGER_SERVE)
    assert {role_of(t, e["proc"]) for e in serves} == {"manager"}
    assert matched(t, K.MANAGER_CALL, K.MANAGER_SERVE, same_value=False)
    calls = t.of(K.MANAGER_CALL)
    assert {c["type"] for c in calls} >= {"dict", "list", "Queue", "Lock"}
    by_child = {(c["obj"], c["method"]) for c in calls if c["proc"] != "main"}
    assert {("d", "__setitem__"), ("items", "append"), ("lock", "acquire")} <= by_child


def _custom_manager(t: Result) -> None:
    calls = [c for c in t.of(K.MANAGER_CALL) if c["type"] == "Tally"]
    adds = [c for c in calls if c["method"] == "add"]
    assert len(adds) == 3
    assert len(procs_of(adds)) == 3
    serves = [s for s in t.of(K.MANAGER_SERVE) if s["method"] == "add"]
    assert sorted(s["value"] for s in serves) == [101, 106, 111]
    assert {role_of(t, s["proc"]) for s in serves} == {"manager"}


def _shared_memory_block(t: Result) -> None:
    news = {e["obj"]: e for e in t.of(K.SHM_NEW)}
    assert set(news) == {"block", "numbers"}
    assert news["numbers"]["list"] is True
    attaches = t.of(K.SHM_ATTACH)
    assert {a["block"] for a in attaches} == {news["block"]["block"], news["numbers"]["block"]}
    assert procs_of(attaches) != {"main"}
    (write,) = t.of(K.SHM_WRITE, obj="block")
    assert write["repr"] == "b'hello'"
    assert [s["value"] for s in t.of(K.SHM_SET, obj="numbers")] == [42, "done"]
    assert sorted(u["obj"] for u in t.of(K.SHM_UNLINK)) == ["block", "numbers"]


def _listener_client(t: Result) -> None:
    (accept,) = matched(t, K.LISTENER_CONNECT, K.LISTENER_ACCEPT, same_value=False)
    assert accept[0]["proc"] != "main"
    assert accept[1]["proc"] == "main"
    pairs = matched(t, K.PIPE_SEND, K.PIPE_RECV)
    assert [p["value"] for p, _ in pairs] == [["ping", 1], "pong", "pong back"]


def _child_raises(t: Result) -> None:
    child = next(e for e in t.of(K.PROC_EXIT) if e["proc"] != "main")
    assert child["exitcode"] == 1
    assert "ValueError: bad input 7" in "".join(e["text"] for e in t.of(K.STDERR, child["proc"]))


def _exit_after_put(t: Result) -> None:
    (put,) = matched(t, K.QUEUE_PUT, K.QUEUE_GET, "q")
    (send,) = matched(t, K.PIPE_SEND, K.PIPE_RECV)
    assert put[0]["value"] == "put before os._exit"
    assert put[0]["proc"] != "main"
    assert send[0]["value"] == "sent before os._exit"
    assert send[0]["proc"] != "main"
    assert [j["exitcode"] for j in t.of(K.PROC_JOIN, "main")] == [0, 0]
    # Each child's own exit, made as it called os._exit (not one the run's end adds for it).
    exits = [e for e in t.of(K.PROC_EXIT) if e["proc"] != "main"]
    assert [(e["exitcode"], e.get("reason")) for e in exits] == [(0, None), (0, None)]


def _leaves_running(t: Result) -> None:
    daemon = next(e for e in t.of(K.PROC_START) if e["target"] == "block_forever")
    assert t.of(K.EVENT_WAIT, daemon["proc"], "never")
    assert {role_of(t, e["proc"]) for e in t.of(K.MANAGER_SERVE)} == {"manager"}


def _noisy_output(t: Result) -> None:
    child = next(p["proc"] for p in t.of(K.PROC_START) if p["proc"] != "main")
    for proc, tag in (("main", "m"), (child, "c")):
        out = "".join(e["text"] for e in t.of(K.STDOUT, proc))
        assert out.startswith(f"{tag}0000.{tag}0000.")
        assert f"{tag}1499." in out


def _context_forkserver(t: Result) -> None:
    (pair,) = matched(t, K.QUEUE_PUT, K.QUEUE_GET, "q")
    assert pair[0]["repr"] == repr(("__mp_main__", "forkserver"))


@dataclass(frozen=True)
class Case:
    procs: int  # processes that start: main, its children, a manager's server process
    check: Callable[[Result], None] | None = None  # beyond check_run and the output
    exitcode: int = 0
    bug: str | None = None  # a known bug of trace's that makes this case fail (xfail, strict)


CASES = {
    "queue_basic": Case(2, _queue_basic),
    "joinable_queue": Case(3, _joinable_queue),
    "simple_queue": Case(2, _simple_queue),
    "pipe_duplex": Case(2, _pipe_duplex),
    "pipe_oneway": Case(2, _pipe_oneway),
    "value_array": Case(3, _value_array),
    "sync_locks": Case(3, _sync_locks),
    "sync_semaphores": Case(4, _sync_semaphores),
    "sync_event_condition": Case(3, _sync_event_condition),
    "sync_barrier": Case(3, _sync_barrier),
    "pool_ops": Case(3, _pool_ops),
    "manager_objects": Case(3, _manager_objects),
    "custom_manager": Case(4, _custom_manager),
    "shared_memory_block": Case(2, _shared_memory_block),
    "listener_client": Case(2, _listener_client),
    "exit_code": Case(2, exitcode=3),
    "child_raises": Case(2, _child_raises),
    "exit_after_put": Case(3, _exit_after_put),
    "leaves_running": Case(3, _leaves_running),
    "noisy_output": Case(2, _noisy_output),
    "explicit_spawn": Case(2),  # the output names the spawned child's module
    "context_forkserver": Case(2, _context_forkserver),
}


def test_every_program_has_a_case() -> None:
    # show_context has tests of its own (test_trace_context.py); crashes and waits_for_ctrl_c
    # are run by the clean-up tests (test_trace_cleanup.py).
    own = {"show_context", "crashes", "waits_for_ctrl_c"}
    assert {p.stem for p in PROGRAMS.glob("*.py")} == set(CASES) | own


def _cases() -> list[object]:
    return [
        pytest.param(name, marks=[pytest.mark.xfail(strict=True, reason=case.bug)] if case.bug else [])
        for name, case in sorted(CASES.items())
    ]


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", _cases())
def test_traced_like_untraced(name: str, method: str, tmp_path: Path) -> None:
    case = CASES[name]
    shm_before = shm_entries()
    plain, traced = both(PROGRAMS / f"{name}.py", method, tmp_path)
    assert plain.returncode == case.exitcode, plain.describe()
    assert traced.returncode == plain.returncode, traced.describe()
    assert traced.stdout == plain.stdout, traced.describe()
    assert traced.stderr == plain.stderr, traced.describe()
    check_run(traced, method, case.procs, case.exitcode)
    # The events hold exactly what was printed (each program fixes its own order).
    assert printed(traced) == traced.text()
    assert printed(traced, K.STDERR) == traced.err()
    if case.check is not None:
        case.check(traced)
    assert shm_left_since(shm_before, SHM_SETTLE_S) == set(), "a /dev/shm entry outlived trace"


@pytest.mark.parametrize("method", METHODS)
def test_stdout_and_stderr_keep_their_order_in_one_stream(method: str, tmp_path: Path) -> None:
    """Both streams into one pipe (as on a terminal): the program flushes every write, so
    the order of stdout and stderr bytes between each other is its own, and trace keeps it."""
    plain, traced = both(PROGRAMS / "noisy_output.py", method, tmp_path, merge_stderr=True)
    assert plain.returncode == traced.returncode == 0
    assert traced.stdout == plain.stdout, traced.describe()
