"""schemathesis over the whole API, as anyone would run it: its own command line, against a
real server, in its examples, coverage and fuzzing phases, with every check it has.

Among the checks: no 5xx; every status code, header, content type and body as the document
says (every SSE message's events too); a request the document calls invalid is rejected
(negative data rejection: a bool for a number, a number for a text, a body that is not JSON)
and one it calls valid is accepted (positive data acceptance: so the document states every
rule the API enforces, the scenario ids and each scenario's parameters among them). A new
endpoint is covered the moment it is in the document.

The stateful phase is left out: its "deleted resource still available" check reads
DELETE /api/runs/{id} as deleting the run, where it cancels it and keeps it as a record.
"""

from __future__ import annotations

import subprocess
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.serving import LiveServer, live_server

pytestmark = pytest.mark.timeout(600)

SCHEMATHESIS = Path(sysconfig.get_path("scripts")) / "schemathesis"
MAX_EXAMPLES = "100"  # per operation, in the fuzzing phase; examples and coverage run whole


@pytest.fixture(scope="module")
def sweep_server() -> Iterator[LiveServer]:
    env = {
        "MPSCOPE_MAX_RUNS": "8",
        "MPSCOPE_MAX_RUNS_PER_CLIENT": "8",
        "MPSCOPE_RUN_TIMEOUT_S": "2",  # generated runs may be paced to last long
        "MPSCOPE_RUNS_PER_MINUTE": "10000",
    }
    with live_server(env) as server:
        yield server


def test_the_document_lists_every_endpoint(sweep_server: LiveServer) -> None:
    paths = httpx.get(sweep_server.url + "/openapi.json").json()["paths"]
    labels = {f"{method.upper()} {path}" for path, item in paths.items() for method in item}
    assert labels == {
        "GET /healthz",
        "GET /api/scenarios",
        "GET /api/scenarios/{scenario_id}",
        "POST /api/runs",
        "GET /api/runs",
        "GET /api/runs/{run_id}",
        "DELETE /api/runs/{run_id}",
        "GET /api/runs/{run_id}/events",
        "GET /api/runs/{run_id}/trace",
        "GET /api/runs/{run_id}/step",
        "POST /api/runs/{run_id}/step",
        "POST /api/estimate",
        "POST /api/explorations",
        "GET /api/explorations/{exploration_id}",
        "DELETE /api/explorations/{exploration_id}",
    }


@pytest.mark.slow
def test_schemathesis_finds_nothing(sweep_server: LiveServer, tmp_path: Path) -> None:
    command = [
        str(SCHEMATHESIS),
        "run",
        f"{sweep_server.url}/openapi.json",
        "--phases=examples,coverage,fuzzing",
        "--checks=all",
        f"--max-examples={MAX_EXAMPLES}",
        "--continue-on-failure",
        # One worker: hypothesis shares the process, and CPython 3.11's ast is not thread-safe.
        "--workers=1",
        "--no-color",
        "--suppress-health-check=all",
    ]
    # tmp_path as the working directory: no schemathesis.toml or cache of ours is read or left.
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=540)
    summary = done.stdout[done.stdout.find("SUMMARY") :]
    assert done.returncode == 0, f"schemathesis found problems:\n{done.stdout}\n{done.stderr}"
    for phase in ("Examples", "Coverage", "Fuzzing"):
        assert f"✅ {phase}" in summary, summary  # each phase ran, and passed
