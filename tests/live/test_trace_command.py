"""``python -m app trace`` as a person uses it: the dashboard live while the program runs and
for replay after, Ctrl-C, the saved files, ``view``, and what a run refuses."""

from __future__ import annotations

import json
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import shm_entries, shm_left_since
from tests.trace.running import marked_pids

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]

# Waits at its input() until the test answers, so the run is seen while it is live.
ASKS = """\
import multiprocessing as mp
import sys

def square(q, n):
    q.put(n * n)

if __name__ == "__main__":
    q = mp.Queue()
    p = mp.Process(target=square, args=(q, 7))
    p.start()
    print("got", q.get(), flush=True)
    p.join()
    answer = input("exit code? ")
    print("bye", answer)
    sys.exit(int(answer))
"""

# Takes no notice of the first Ctrl-C, so only the second one stops it.
STUBBORN = """\
import multiprocessing as mp
import signal
import time

def sleeper():
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        time.sleep(0.05)

if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    p = mp.Process(target=sleeper)
    p.start()
    print("ready", flush=True)
    p.join()
"""

# A child killed while it computes, right after putting: Process.kill() loses none of it.
KILLED = """\
import multiprocessing as mp

def child(q):
    for i in range(3):
        q.put(i)
    n = 0
    while True:
        n += 1

if __name__ == "__main__":
    q = mp.Queue()
    p = mp.Process(target=child, args=(q,))
    p.start()
    print([q.get() for _ in range(3)])
    p.kill()
    p.join()
    print("exitcode", p.exitcode)
"""


@dataclass
class Traced:
    process: subprocess.Popen[bytes]
    mark: str
    err: bytearray = field(default_factory=bytearray)
    out: bytearray = field(default_factory=bytearray)

    def read_until(self, pattern: str, within_s: float = 30.0, stream: str = "err") -> re.Match[str]:
        """Read the command's output until ``pattern`` shows in it (or fail at the deadline)."""
        deadline = time.monotonic() + within_s
        sel = selectors.DefaultSelector()
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        sel.register(self.process.stdout, selectors.EVENT_READ, self.out)
        sel.register(self.process.stderr, selectors.EVENT_READ, self.err)
        try:
            while True:
                text = (self.err if stream == "err" else self.out).decode(errors="replace")
                if found := re.search(pattern, text):
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    pytest.fail(
                        f"no {pattern!r} within {within_s} s; stdout={self.out!r} stderr={self.err!r}"
                    )
                for key, _ in sel.select(left):
                    chunk = os.read(key.fd, 65536)
                    if chunk:
                        key.data.extend(chunk)
        finally:
            sel.close()

    def finish(self, within_s: float = 30.0) -> int:
        out, err = self.process.communicate(timeout=within_s)
        self.out.extend(out)
        self.err.extend(err)
        return self.process.returncode


@contextmanager
def trace(tmp_path: Path, source: str, *options: str, stdin: bool = False) -> Iterator[Traced]:
    program = tmp_path / "prog.py"
    program.write_text(source)
    mark = f"mpscope-test-{uuid.uuid4()}"
    env = {**os.environ, "MPSCOPE_TEST_MARK": mark, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "app", "trace", *options, "prog.py"],
        cwd=tmp_path,
        env=env,
        stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own group: a Ctrl-C goes to it as a terminal sends it
    )
    traced = Traced(process, mark)
    try:
        yield traced
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    # Nothing of the program outlives the command.
    deadline = time.monotonic() + 5
    while (left := marked_pids(mark)) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not left, f"processes outlived trace: {left}"


def ctrl_c(traced: Traced) -> None:
    os.killpg(traced.process.pid, signal.SIGINT)


def test_the_dashboard_shows_the_run_live_and_after(tmp_path: Path) -> None:
    before = shm_entries()
    with trace(tmp_path, ASKS, "--save", "run.ndjson", stdin=True) as t:
        url = t.read_until(r"watch it live at (http://127\.0\.0\.1:\d+/runs/([\w-]+))")
        base, run_id = url.group(1).split("/runs/")[0], url.group(2)
        t.read_until(r"exit code\? ", stream="out")
        with httpx.Client(base_url=base, timeout=10) as http:
            live = http.get(f"/api/runs/{run_id}").json()
            assert live["status"] == "running"
            assert [p["name"] for p in live["processes"]][:1] == ["main"]
            assert "input(" in live["source"]
            assert live["scenario"] == "prog.py"  # its file's name: never taken for a scenario's id
            page = http.get(f"/runs/{run_id}")
            assert page.status_code == 200
            assert "prog.py" in page.text
            assert "edit and run it again" not in page.text  # this server cannot run it again
            # The dashboard shows this program only: it starts nothing a visitor asks for.
            refused = http.post("/api/runs", json={"scenario": "queue"})
            assert refused.status_code == 403
            assert "starts no other run" in refused.json()["detail"]

            assert t.process.stdin is not None
            t.process.stdin.write(b"5\n")
            t.process.stdin.flush()
            t.read_until(r"replay it at")
            done = http.get(f"/api/runs/{run_id}").json()
            events = http.get(f"/api/runs/{run_id}/events", params={"format": "ndjson"}).text.splitlines()
        assert done["status"] == "failed"
        assert done["exitcode"] == 5
        ctrl_c(t)
        assert t.finish() == 5
    assert t.out.decode() == "got 49\nexit code? bye 5\n"
    saved = (tmp_path / "run.ndjson").read_text().splitlines()
    assert saved == events
    kinds = [json.loads(line)["kind"] for line in saved]
    assert kinds[0] == "run.start"
    assert kinds[-1] == "run.end"
    assert kinds.count("queue.put") == 1
    assert kinds.count("queue.get") == 1
    assert not shm_left_since(before)


def test_ctrl_c_reaches_the_program_then_stops_it(tmp_path: Path) -> None:
    with trace(tmp_path, STUBBORN, "--no-serve", "--save", "run.ndjson") as t:
        t.read_until("ready", stream="out")
        ctrl_c(t)  # ignored by the program, as it says
        t.read_until("the program got Ctrl-C")
        assert t.process.poll() is None
        ctrl_c(t)
        assert t.finish() == 130
    events = [json.loads(line) for line in (tmp_path / "run.ndjson").read_text().splitlines()]
    assert events[-1]["kind"] == "run.end"
    assert events[-1]["status"] == "cancelled"
    assert {e["proc"] for e in events if e["kind"] == "proc.exit"} == {"main", "p"}


def test_a_killed_child_loses_no_event(tmp_path: Path) -> None:
    with trace(
        tmp_path, KILLED, "--no-serve", "--quiet", "--save", "run.ndjson", "--perfetto", "run.json"
    ) as t:
        assert t.finish() == 0
    assert t.out.decode() == "[0, 1, 2]\nexitcode -9\n"
    assert t.err == b""  # --quiet
    events = [json.loads(line) for line in (tmp_path / "run.ndjson").read_text().splitlines()]
    puts = [e["value"] for e in events if e["kind"] == "queue.put"]
    assert puts == [0, 1, 2]
    exits = {e["proc"]: e["exitcode"] for e in events if e["kind"] == "proc.exit"}
    assert exits == {"p": -9, "main": 0}
    trace_json = json.loads((tmp_path / "run.json").read_text())
    names = {e["args"]["name"] for e in trace_json["traceEvents"] if e.get("name") == "process_name"}
    assert {"main", "p"} <= names


def test_view_replays_a_saved_run(tmp_path: Path) -> None:
    with trace(tmp_path, KILLED, "--no-serve", "--quiet", "--save", "run.ndjson") as t:
        assert t.finish() == 0
    saved = (tmp_path / "run.ndjson").read_text().splitlines()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    view = subprocess.Popen(
        [sys.executable, "-m", "app", "view", "run.ndjson"],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    viewer = Traced(view, "")
    try:
        found = viewer.read_until(r"replay run\.ndjson at (http://127\.0\.0\.1:\d+)/runs/([\w-]+)")
        with httpx.Client(base_url=found.group(1), timeout=10) as http:
            summary = http.get(f"/api/runs/{found.group(2)}").json()
            events = http.get(f"/api/runs/{found.group(2)}/events", params={"format": "ndjson"}).text
            page = http.get(f"/runs/{found.group(2)}")
            assert http.post("/api/runs", json={"scenario": "queue"}).status_code == 403
        assert events.splitlines() == saved
        assert summary["status"] == "succeeded"
        assert summary["exitcode"] == 0
        assert "p.kill()" in summary["source"]
        assert sorted(p["name"] for p in summary["processes"]) == ["main", "p"]
        assert page.status_code == 200
        os.killpg(view.pid, signal.SIGINT)
        assert viewer.finish() == 0
    finally:
        if view.poll() is None:
            view.kill()
            view.communicate()


def view_refusing(folder: Path, name: str) -> subprocess.CompletedProcess[bytes]:
    """``view`` of a file it must refuse: it says why and ends, serving nothing."""
    return subprocess.run(
        [sys.executable, "-m", "app", "view", name],
        cwd=folder,
        capture_output=True,
        timeout=30,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"not json\n", "line 1: not an mpscope event"),
        (
            b'{"seq": 0, "t": 0, "kind": "no.such", "proc": "main", "pid": 1, "obj": null, "line": null}\n',
            "line 1",
        ),
        (b"", "starts with a run.start"),
    ],
)
def test_view_refuses_what_is_not_a_saved_run(tmp_path: Path, content: bytes, says: str) -> None:
    (tmp_path / "bad.ndjson").write_bytes(content)
    done = view_refusing(tmp_path, "bad.ndjson")
    assert done.returncode == 2
    assert says in done.stderr.decode()
    assert done.stderr.decode().startswith("mpscope: ")


def test_view_refuses_a_run_cut_short(tmp_path: Path) -> None:
    with trace(tmp_path, KILLED, "--no-serve", "--quiet", "--save", "run.ndjson") as t:
        assert t.finish() == 0
    lines = (tmp_path / "run.ndjson").read_text().splitlines()
    (tmp_path / "cut.ndjson").write_text("\n".join(lines[:-1]) + "\n")
    done = view_refusing(tmp_path, "cut.ndjson")
    assert done.returncode == 2
    assert "cut short" in done.stderr.decode()


def test_a_taken_port_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with trace(tmp_path, KILLED, "--port", str(port)) as t:
            assert t.finish() == 2
    assert "mpscope: error: Address already in use" in t.err.decode()
    assert t.out == b""  # the program did not run


TWO_FILES_MAIN = """\
import multiprocessing as mp
from lib.helpers import produce

if __name__ == "__main__":
    q = mp.Queue()
    p = mp.Process(target=produce, args=(q, 3))
    p.start()
    print(list(iter(q.get, None)))
    p.join()
"""

TWO_FILES_HELPER = """\
def produce(q, n):
    for i in range(n):
        q.put(i * 10)
    q.put(None)
"""


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_events_in_the_programs_other_files_say_which_file(tmp_path: Path, method: str) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "helpers.py").write_text(TWO_FILES_HELPER)
    with trace(
        tmp_path, TWO_FILES_MAIN, "--no-serve", "--quiet", "--start-method", method, "--save", "r.ndjson"
    ) as t:
        assert t.finish() == 0
    assert t.out.decode() == "[0, 10, 20]\n"
    events = [json.loads(line) for line in (tmp_path / "r.ndjson").read_text().splitlines()]
    files = [e for e in events if e["kind"] == "run.file"]
    assert [(f["proc"], f["path"], f["text"]) for f in files] == [("p", "lib/helpers.py", TWO_FILES_HELPER)]
    puts = [e for e in events if e["kind"] == "queue.put"]
    assert [(e["file"], e["line"]) for e in puts] == [("lib/helpers.py", 3)] * 3 + [("lib/helpers.py", 4)]
    # The file's text comes before the first event that points into it.
    assert files[0]["seq"] < puts[0]["seq"]
    gets = [e for e in events if e["kind"] == "queue.get"]
    assert gets
    assert all("file" not in e and e["line"] == 8 for e in gets)  # the main file's own line


WAITS_FOREVER = """\
import multiprocessing as mp

if __name__ == "__main__":
    q = mp.Queue()
    print("waiting", flush=True)
    q.get()
"""


def test_a_program_blocked_for_good_is_named_not_stopped(tmp_path: Path) -> None:
    with trace(tmp_path, WAITS_FOREVER, "--no-serve", "--save", "r.ndjson") as t:
        t.read_until(r"every process is blocked: main waits for an item in q")
        assert t.process.poll() is None  # it waits on, as it would untraced
        ctrl_c(t)
        # KeyboardInterrupt ends it as it ends python: by SIGINT, which the command passes on.
        assert t.finish() == -signal.SIGINT
    assert "KeyboardInterrupt" in t.err.decode()
    assert "app/" not in t.err.decode().split("Traceback")[1]  # python's frames, none of ours
    end = json.loads((tmp_path / "r.ndjson").read_text().splitlines()[-1])
    assert (end["status"], end["exitcode"]) == ("failed", -signal.SIGINT)
