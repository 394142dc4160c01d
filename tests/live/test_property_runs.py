"""Hypothesis drives POST /api/runs with valid and broken bodies: the answer is always a
documented status, valid runs run and print what the program should, and every event
fits the event schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.api.models import RunOut
from app.events.causality import problems
from app.events.schema import decode
from tests.serving import LiveServer, live_server

small_int = st.integers(-1000, 1000)
word = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=40)

VALID: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "queue": st.fixed_dictionaries({"mylist": st.lists(small_int, max_size=32)}),
    "separate-memory": st.fixed_dictionaries({"mylist": st.lists(small_int, max_size=32)}),
    "shared-memory": st.fixed_dictionaries({"mylist": st.lists(small_int, max_size=32)}),
    "pipe": st.lists(word, max_size=31).map(lambda msgs: {"msgs": [*msgs, "END"]}),
    "manager": st.fixed_dictionaries(
        {
            "records": st.lists(st.tuples(word.filter(bool), small_int).map(list), max_size=8),
            "new_record": st.tuples(word.filter(bool), small_int).map(list),
        }
    ),
}

json_value = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-5000, 5000)
    | st.floats(allow_nan=False, allow_infinity=False)
    | word,
    lambda inner: st.lists(inner, max_size=40) | st.dictionaries(word, inner, max_size=4),
    max_leaves=40,
)
broken_params = st.dictionaries(
    st.sampled_from(["mylist", "msgs", "records", "new_record", "count", "other"]), json_value, max_size=3
)
broken_body = st.fixed_dictionaries(
    {"scenario": st.sampled_from([*VALID, "queue-flood", "nope", ""])},
    optional={
        "params": broken_params | json_value,
        "pace_ms": st.integers(-5, 2005) | json_value,
        "start_method": st.sampled_from(["fork", "spawn", "thread"]),
    },
)
valid_body = st.sampled_from(sorted(VALID)).flatmap(
    lambda sid: VALID[sid].map(lambda params: {"scenario": sid, "params": params})
)


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    env = {
        "MPSCOPE_MAX_RUNS_PER_CLIENT": "4",
        "MPSCOPE_RUNS_PER_MINUTE": "10000",
        "MPSCOPE_RUN_TIMEOUT_S": "5",
    }
    with live_server(env) as s:
        yield s


def follow(server: LiveServer, run_id: str) -> list[dict[str, Any]]:
    text = httpx.get(f"{server.url}/api/runs/{run_id}/events?format=ndjson", timeout=30).text
    events = []
    # Split on "\n" only: JSON strings may hold U+2028 and friends, which splitlines() cuts at.
    for line in text.split("\n")[:-1]:
        decode(line)  # fits the event schema
        events.append(json.loads(line))
    return events


def expected_output(body: dict[str, Any]) -> dict[str, str]:
    """What each process must print, computed from the parameters."""
    p, sid = body["params"], body["scenario"]
    if sid == "queue":
        return {
            "p2": "Queue elements:\n" + "".join(f"{n * n}\n" for n in p["mylist"]) + "Queue is now empty!\n"
        }
    if sid == "separate-memory":
        squares = [n * n for n in p["mylist"]]
        return {"p1": f"Result(in process p1): {squares}\n", "main": "Result(in main program): []\n"}
    if sid == "shared-memory":
        squares = [n * n for n in p["mylist"]]
        return {
            "main": f"Result(in main program): {squares}\nSum of squares(in main program): {sum(squares)}\n"
        }
    if sid == "pipe":
        before_end = p["msgs"][: p["msgs"].index("END")]
        return {"p2": "".join(f"Received the message: {m}\n" for m in before_end)}
    records = [*p["records"], p["new_record"]]
    return {"p2": "".join(f"Name: {name}\nScore: {score}\n\n" for name, score in records)}


def printed(events: list[dict[str, Any]], proc: str) -> str:
    return "".join(e["text"] for e in events if e["kind"] == "stdout" and e["proc"] == proc)


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(body=valid_body)
def test_valid_bodies_run_and_print_what_they_should(server: LiveServer, body: dict[str, Any]) -> None:
    r = httpx.post(server.url + "/api/runs", json=body, timeout=30)
    assert r.status_code == 201, r.text
    RunOut.model_validate(r.json())
    events = follow(server, r.json()["id"])
    assert events[-1]["kind"] == "run.end"
    assert events[-1]["status"] == "succeeded", events[-5:]
    assert problems(events) == []
    for proc, text in expected_output(body).items():
        assert printed(events, proc) == text


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(body=broken_body)
def test_any_body_gets_a_documented_answer(server: LiveServer, body: dict[str, Any]) -> None:
    r = httpx.post(server.url + "/api/runs", json=body, timeout=30)
    assert r.status_code in (201, 422, 429), r.text
    if r.status_code == 422:
        for problem in r.json()["detail"]:
            assert problem["loc"][0] == "body"
            assert problem["msg"]
    elif r.status_code == 201:
        run = RunOut.model_validate(r.json())
        httpx.delete(f"{server.url}/api/runs/{run.id}", timeout=30)
