"""Every scenario from the terminal, as a person runs it: `python -m app run ID --json`
ends as the scenario says it ends, with that exit code, and its events fit the schema in
causal order with dense seq; `--output-only` prints what the program printed."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from app.events.causality import problems
from app.events.schema import decode
from app.scenarios import registry

EXIT = {"succeeded": 0, "deadlocked": 3}


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "app", "run", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


@pytest.mark.slow
@pytest.mark.parametrize("scenario", list(registry.SCENARIOS))
def test_each_scenario_runs_from_the_cli(scenario: str) -> None:
    s = registry.get(scenario)
    ends = s.ends(s.params_model())
    done = cli(scenario, "--json")
    assert done.returncode == EXIT[ends], done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    for event in events:
        decode(json.dumps(event))
    assert [e["seq"] for e in events] == list(range(len(events)))
    assert events[-1]["kind"] == "run.end"
    assert events[-1]["status"] == ends
    assert problems(events) == []
    # What --output-only prints is what the program's processes printed, line by line.
    printed = cli(scenario, "--output-only")
    assert printed.returncode == EXIT[ends], printed.stderr
    if scenario not in NONDETERMINISTIC:
        said = "".join(e["text"] for e in events if e["kind"] == "stdout")
        assert sorted(printed.stdout.splitlines()) == sorted(said.splitlines())


# Runs whose printed lines depend on the run (which worker took which task, how many
# updates were lost, how the bytes mixed): the two runs above may print differently, so
# only their ends are compared.
NONDETERMINISTIC = {"pipe-same-end", "value-race", "worker-pool", "joinable-queue", "semaphore", "pool"}
