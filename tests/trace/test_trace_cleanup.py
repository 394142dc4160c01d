"""Nothing of a traced program outlives ``trace``: not after its own crash, not after
Ctrl-C. (Every run in this directory also checks it after a normal end, in
``running.both``; ``leaves_running.py`` leaves a daemon and a manager running.)

A run is found by a mark in its environment, which every process it starts inherits,
whatever session or process group it moves to.
"""

from __future__ import annotations

import os
import select
import signal
import time
import uuid
from pathlib import Path

import pytest

from app.events import kinds as K
from tests.conftest import shm_entries, shm_left_since
from tests.trace.running import (
    METHODS,
    PROGRAMS,
    SHM_SETTLE_S,
    finish,
    kill_group,
    kill_marked,
    marked_pids,
    read_events,
    start,
    traced,
    traced_argv,
    wait_for,
    wait_gone,
)


def _read_until(fd: int, wanted: bytes, within_s: float) -> bytes:
    """What the process wrote on ``fd`` up to and including ``wanted``."""
    got = b""
    deadline = time.monotonic() + within_s
    while wanted not in got:
        left = deadline - time.monotonic()
        assert left > 0, f"{wanted!r} did not come within {within_s} s; got {got[-2000:]!r}"
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, 65536)
            assert chunk, f"the output ended before {wanted!r}: {got[-2000:]!r}"
            got += chunk
    return got


@pytest.mark.parametrize("method", METHODS)
def test_a_crash_of_the_program_leaves_nothing(method: str, tmp_path: Path) -> None:
    """The program aborts with children, a daemon, a manager and a shared memory block
    alive: trace ends them all, exits as the program did (SIGABRT) and saves the run."""
    shm_before = shm_entries()
    t = traced(PROGRAMS / "crashes.py", method, tmp_path)
    assert t.returncode in (-signal.SIGABRT, 128 + signal.SIGABRT), t.describe()
    assert t.stdout == b"ready\n", t.describe()
    assert wait_gone(t.mark) == [], "processes of the crashed program outlived trace"
    assert shm_left_since(shm_before, SHM_SETTLE_S) == set(), "a /dev/shm entry outlived trace"
    assert t.events[0]["kind"] == K.RUN_START
    end = t.events[-1]
    assert end["kind"] == K.RUN_END
    assert end["status"] == "failed"
    assert end["exitcode"] in (-signal.SIGABRT, 128 + signal.SIGABRT)
    # four processes: main, the stuck child, the daemon, the manager's server process…
    started = {e["proc"] for e in t.of(K.PROC_START)}
    assert len(started) == 4
    # …and each has an end in the record, though none reported its own
    assert {e["proc"] for e in t.of(K.PROC_EXIT)} == started


def _blocked(pid: int) -> bool:
    """The main thread of ``pid`` sleeps in the kernel, on a futex (a semaphore's wait)."""
    try:
        task = Path(f"/proc/{pid}/task/{pid}")
        state = (task / "stat").read_text().rsplit(")", 1)[1].split()[0]
        return state == "S" and (task / "wchan").read_text().startswith("futex")
    except OSError:
        return False


def _program_main(trace_pid: int, mark: str) -> int:
    """The program's main process: the one process of the run that trace started."""
    for pid in marked_pids(mark):
        try:
            ppid = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
        except OSError:
            continue
        if ppid == trace_pid:
            return pid
    raise AssertionError("the program's main process is not there")


@pytest.mark.parametrize("method", METHODS)
def test_ctrl_c_stops_the_whole_tree_and_saves_the_run(method: str, tmp_path: Path) -> None:
    """SIGINT to trace's process group, as a terminal sends it on Ctrl-C, once the program
    is blocked with two children, a manager and a shared memory block."""
    shm_before = shm_entries()
    save = tmp_path / "interrupted.ndjson"
    mark = uuid.uuid4().hex
    proc = start(traced_argv(PROGRAMS / "waits_for_ctrl_c.py", [], method, save), tmp_path, mark)
    try:
        assert proc.stdout is not None
        seen = _read_until(proc.stdout.fileno(), b"ready\n", within_s=30)
        assert seen == b"manager holds [1, 2, 3]\nready\n"
        # Ctrl-C once main waits in never.wait(): "ready" reaches the terminal a moment
        # before the print that wrote it has returned in the program
        main = _program_main(proc.pid, mark)
        wait_for(lambda: _blocked(main), 10, "the program's main blocking in never.wait()")
        os.killpg(proc.pid, signal.SIGINT)
        code, _, err = finish(proc, mark, timeout_s=30)
    finally:
        if proc.poll() is None:
            kill_group(proc.pid)
            kill_marked(mark)
            proc.communicate()
    assert code in (-signal.SIGINT, 128 + signal.SIGINT), err.decode()
    assert wait_gone(mark) == [], "processes of the interrupted program outlived trace"
    assert shm_left_since(shm_before, SHM_SETTLE_S) == set(), "a /dev/shm entry outlived trace"
    events = read_events(save)
    assert events[0]["kind"] == K.RUN_START
    assert events[-1]["kind"] == K.RUN_END
    assert events[-1]["status"] in ("cancelled", "failed")
    # what was recorded before Ctrl-C is there: the manager's work, the line printed…
    assert any(e["kind"] == K.STDOUT and e["text"] == "ready\n" for e in events)
    serves = [e for e in events if e["kind"] == K.MANAGER_SERVE and e["obj"] == "shared"]
    assert serves[0]["state"] == [1, 2, 3]
    # …and every process: main, both children, the manager's server process
    started = {e["proc"] for e in events if e["kind"] == K.PROC_START}
    assert len(started) == 4
    assert {e["proc"] for e in events if e["kind"] == K.PROC_EXIT} == started


def test_marks_find_the_processes_of_a_run(tmp_path: Path) -> None:
    """The clean-up checks can fail: a program blocked forever is found by its mark
    while it runs, through every process it started."""
    shm_before = shm_entries()
    mark = uuid.uuid4().hex
    argv = traced_argv(PROGRAMS / "waits_for_ctrl_c.py", [], "fork", tmp_path / "x.ndjson")
    proc = start(argv, tmp_path, mark)
    try:
        assert proc.stdout is not None
        _read_until(proc.stdout.fileno(), b"ready\n", within_s=30)
        # trace, main, both children and the manager at least
        wait_for(lambda: len(marked_pids(mark)) >= 5, 10, "five marked processes")
    finally:
        # Ctrl-C, so that trace cleans up as it does (SIGKILL would leave the program's
        # shared memory block behind); finish() kills whatever is left after its timeout
        os.killpg(proc.pid, signal.SIGINT)
        finish(proc, mark, timeout_s=30)
    assert wait_gone(mark) == []
    assert shm_left_since(shm_before, SHM_SETTLE_S) == set()
