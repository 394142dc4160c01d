"""A property-based sweep over the OpenAPI document (schemathesis): no 5xx, and every
response fits what the document says."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.serving import LiveServer, live_server

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


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


def operations(server: LiveServer) -> list[Any]:
    schema = schemathesis.openapi.from_url(server.url + "/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


def test_the_document_lists_every_endpoint(sweep_server: LiveServer) -> None:
    labels = {op.label for op in operations(sweep_server)}
    assert {
        "GET /healthz",
        "GET /api/scenarios",
        "GET /api/scenarios/{scenario_id}",
        "POST /api/runs",
        "GET /api/runs",
        "GET /api/runs/{run_id}",
        "DELETE /api/runs/{run_id}",
        "GET /api/runs/{run_id}/events",
    } <= labels


def test_no_server_errors_and_responses_match_the_document(sweep_server: LiveServer) -> None:
    ops = operations(sweep_server)
    strategy = st.one_of(*(op.as_strategy() for op in ops))

    @settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(case=strategy)
    def sweep(case: Any) -> None:
        case.call_and_validate(base_url=sweep_server.url, checks=CHECKS, timeout=30)

    sweep()
