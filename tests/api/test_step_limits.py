"""Steps go through the same kind of admission as runs: a per-client rate, answered 429."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import httpx
import pytest

from app.config import Settings

pytestmark = pytest.mark.anyio


async def test_steps_over_the_rate_limit_get_429_with_retry_after(
    app_client: Callable[[Settings], AbstractAsyncContextManager[httpx.AsyncClient]],
) -> None:
    async with app_client(Settings(steps_per_minute=2, runs_per_minute=100)) as client:
        r = await client.post(
            "/api/runs", json={"scenario": "value-race", "params": {"times": 1}, "mode": "step"}
        )
        assert r.status_code == 201, r.text
        run_id = r.json()["id"]
        run = (await client.get(f"/api/runs/{run_id}/step")).json()
        for _ in range(2):
            r = await client.post(f"/api/runs/{run_id}/step", json={"proc": run["ready"][0]["proc"]})
            assert r.status_code == 200, r.text
            run = r.json()
        r = await client.post(f"/api/runs/{run_id}/step", json={"proc": run["ready"][0]["proc"]})
        assert r.status_code == 429
        assert r.json()["detail"] == (
            "you took 2 steps in the last minute (limit 2); try again in 60 s [MPSCOPE_STEPS_PER_MINUTE]"
        )
        assert 1 <= int(r.headers["Retry-After"]) <= 60
        # The refused step took nothing: the run is where it was.
        after = (await client.get(f"/api/runs/{run_id}")).json()
        assert after["schedule"] == run["schedule"]
        await client.delete(f"/api/runs/{run_id}")
