"""A Listener's connections on the page: folded in Chromium from a real run's events, each
accepted connection is one pipe between the client's end and the accepted end, with the
messages of both ways delivered, and a turned-away client's end says why."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from app.events import kinds as K
from app.runs.limits import RunLimits
from app.runs.program import Program
from app.runs.service import RunService
from tests.conftest import Finished, assert_nothing_left, collect
from tests.runs.test_listeners import PROGRAM

pytestmark = pytest.mark.browser

FOLD = """async (events) => {
  const { reduceAll } = await import('/static/js/reducer.js');
  return JSON.parse(JSON.stringify(reduceAll(events)));
}"""


def real_run(source: str) -> Finished:
    async def go() -> Finished:
        service = RunService(RunLimits(timeout_s=20))
        await service.start()
        try:
            done = await collect(
                service.start_program(Program("t", source, "program.py"), start_method="fork")
            )
        finally:
            await service.close()
        assert_nothing_left(done)
        return done

    # In a thread of its own: Playwright's sync API keeps an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, go()).result()


def test_each_connection_is_a_pipe_between_its_two_ends(js: Any) -> None:
    done = real_run(PROGRAM.replace("WRONG = False", "WRONG = True"))
    assert done.run.status == "succeeded"
    state = js.evaluate(FOLD, done.events)
    (listener,) = state["listeners"].values()
    accepts = done.of(K.LISTENER_ACCEPT)
    assert [a["conn"] for a in listener["accepted"]] == [a["conn"] for a in accepts]
    for accept in accepts:
        pipe = state["pipes"][state["ends"][accept["conn"]]]
        assert pipe["ends"] == [accept["peer"], accept["conn"]]
        assert state["ends"][accept["peer"]] == pipe["name"]
        assert pipe["users"] == {accept["peer"]: [accept["client"]], accept["conn"]: [accept["proc"]]}
        assert pipe["inFlight"] == []
        assert len(pipe["delivered"]) == 2
        assert pipe["listener"] == listener["name"]
    (turned_away,) = [e for e in done.of(K.LISTENER_REFUSE) if e["side"] == "client"]
    eve = state["pipes"][state["ends"][turned_away["obj"]]]
    assert eve["error"]["error"] == "AuthenticationError: digest sent was rejected"
    assert [r["peer"] for r in listener["refused"]] == [turned_away["proc"]]
    assert listener["closed"] is True
