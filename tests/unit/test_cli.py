"""`python -m app run …` as a learner would type it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.timeout(60)


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "app", *args], capture_output=True, text=True, timeout=60)


def test_output_only_prints_exactly_the_programs_output() -> None:
    done = cli("run", "queue", "--output-only")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "Queue elements:\n1\n4\n9\n16\nQueue is now empty!\n"


def test_pretty_output_tells_the_story() -> None:
    done = cli("run", "queue", "--param", "mylist=[5, 6]")
    assert done.returncode == 0, done.stderr
    assert "p1 put 25 into q" in done.stdout
    assert "p2 got 36 from q" in done.stdout
    assert "p2        │ Queue is now empty!" in done.stdout
    assert "\x1b[" not in done.stdout  # no colour when not on a terminal
    assert "run succeeded" in done.stdout


def test_json_is_ndjson_events() -> None:
    done = cli("run", "pipe", "--json")
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert [e["seq"] for e in events] == list(range(len(events)))
    assert [e["value"] for e in events if e["kind"] == "pipe.recv"] == [
        "hello",
        "hey",
        "hru?",
        "END",
    ]


def test_bad_input_is_a_clear_error() -> None:
    done = cli("run", "queue", "--param", "mylist=[1, 5000]")
    assert done.returncode == 2
    assert "params.mylist.1: Input should be less than or equal to 1000" in done.stderr
    done = cli("run", "no-such-thing")
    assert done.returncode == 2
    assert "unknown scenario 'no-such-thing'" in done.stderr
    done = cli("run", "queue", "--param", "oops")
    assert done.returncode == 2
    assert "--param expects key=value" in done.stderr
    done = cli("run", "queue", "--pace-ms", "5000")
    assert done.returncode == 2
    assert "pace_ms must be between 0 and 2000" in done.stderr


def test_scenarios_lists_the_seed_programs() -> None:
    done = cli("scenarios")
    assert done.returncode == 0
    for sid in ("separate-memory", "shared-memory", "manager", "queue", "pipe"):
        assert sid in done.stdout
