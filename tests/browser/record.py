"""Record the event logs the reducer tests use: ``python -m tests.browser.record``.

Each log is what ``python -m app run <scenario> --json`` prints. Record them again after
a change to the event schema (test_recorded_logs_match_the_schema fails when they are stale).
"""

from __future__ import annotations

import subprocess
import sys

from tests.browser.conftest import LOGS

# log name → arguments after `python -m app run`
LOG_RUNS: dict[str, list[str]] = {
    "queue": ["queue"],
    "pipe": ["pipe"],
    "pipe-paced": ["pipe", "--pace-ms", "20"],  # sends and receives interleave
    "separate-memory": ["separate-memory"],
    "shared-memory": ["shared-memory"],
    "manager": ["manager"],
    "queue-flood": ["queue-flood", "--param", "count=300"],
    # Lost updates depend on scheduling: record again until the log has some.
    "value-race": ["value-race", "--param", "times=300"],
}


def main() -> int:
    LOGS.mkdir(parents=True, exist_ok=True)
    for name, args in LOG_RUNS.items():
        out = subprocess.run(
            [sys.executable, "-m", "app", "run", *args, "--json"], check=True, capture_output=True, text=True
        ).stdout
        (LOGS / f"{name}.ndjson").write_text(out)
        print(f"{name}: {len(out.splitlines())} events")
    return 0


if __name__ == "__main__":
    sys.exit(main())
