"""A course folder (MPSCOPE_SCENARIOS_DIR) through the API, in process, and a real server
that starts with a broken file or without its folder."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from app.config import Settings
from app.scenarios import registry
from tests.serving import in_process, live_server
from tests.web.conftest import page_data

pytestmark = [pytest.mark.anyio, pytest.mark.timeout(60)]

SQUARES = '''"""Squares through a queue

A worker squares each number it takes from the queue. The parent prints the results."""
import multiprocessing


def square_all(todo, done):
    while (n := todo.get()) is not None:
        done.put(n * n)


if __name__ == "__main__":
    numbers = [1, 2, 3]  # param: the numbers to square
    label = "square"  # param
    shout = False  # param
    todo, done = multiprocessing.Queue(), multiprocessing.Queue()
    worker = multiprocessing.Process(target=square_all, args=(todo, done))
    worker.start()
    for n in [*numbers, None]:
        todo.put(n)
    for _ in numbers:
        print(label, f"{done.get()}!" if shout else done.get())
    worker.join()
'''
# Line 2 is fine; line 3's literal is out of bounds.
BROKEN = 'if __name__ == "__main__":\n    n = 3  # param\n    big = 5000  # param\n    print(n, big)\n'


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    course = tmp_path / "course"
    course.mkdir()
    (course / "squares.py").write_text(SQUARES)
    (course / "broken.py").write_text(BROKEN)
    (course / "no_params.py").write_text(
        'import os\n\nif __name__ == "__main__":\n    print("pid", os.getpid() > 0)\n'
    )
    return course


@pytest.fixture
async def client(folder: Path) -> AsyncIterator[httpx.AsyncClient]:
    async with in_process(Settings(scenarios_dir=folder, runs_per_minute=1000, max_runs_per_client=4)) as c:
        yield c


async def finished(
    client: httpx.AsyncClient, body: dict[str, Any]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    r = await client.post("/api/runs", json=body)
    assert r.status_code == 201, r.text
    run_id = r.json()["id"]
    text = (await client.get(f"/api/runs/{run_id}/events?format=ndjson")).text  # answers at the end
    run = (await client.get(f"/api/runs/{run_id}")).json()
    return run, [json.loads(line) for line in text.splitlines()]


def stdout(events: list[dict[str, Any]], proc: str = "main") -> str:
    return "".join(e["text"] for e in events if e["kind"] == "stdout" and e["proc"] == proc)


async def test_the_course_programs_are_listed_after_the_builtins(client: httpx.AsyncClient) -> None:
    body = (await client.get("/api/scenarios")).json()
    ids = [s["id"] for s in body]
    assert ids == [*registry.SCENARIOS, "broken", "no_params", "squares"]
    assert {s["origin"] for s in body[: len(registry.SCENARIOS)]} == {"built-in"}
    by_id = {s["id"]: s for s in body}
    squares = by_id["squares"]
    assert squares["origin"] == "course"
    assert squares["error"] is None
    assert squares["title"] == "Squares through a queue"
    assert (
        squares["summary"]
        == "A worker squares each number it takes from the queue. The parent prints the results."
    )
    assert squares["defaults"] == {"numbers": [1, 2, 3], "label": "square", "shout": False}
    props = squares["params"]["properties"]
    assert props["numbers"]["description"] == "the numbers to square"
    assert (props["numbers"]["maxItems"], props["numbers"]["items"]["maximum"]) == (32, 1000)
    assert props["label"]["maxLength"] == 40
    assert props["shout"]["type"] == "boolean"
    assert by_id["no_params"]["title"] == "No params"
    assert by_id["no_params"]["params"]["properties"] == {}
    broken = by_id["broken"]
    assert broken["error"] == "broken.py: line 3: big: Input should be less than or equal to 1000"
    assert (broken["origin"], broken["params"]["properties"], broken["defaults"]) == ("course", {}, {})


async def test_a_program_s_detail_is_its_file(client: httpx.AsyncClient, folder: Path) -> None:
    body = (await client.get("/api/scenarios/squares")).json()
    assert body["source"] == SQUARES
    assert body["lines"] == SQUARES.splitlines()
    broken = (await client.get("/api/scenarios/broken")).json()
    assert (broken["source"], broken["error"]) == (
        BROKEN,
        "broken.py: line 3: big: Input should be less than or equal to 1000",
    )


async def test_a_run_takes_the_changed_parameters(client: httpx.AsyncClient) -> None:
    params = {"numbers": [7, -9], "label": "sq", "shout": True}
    run, events = await finished(client, {"scenario": "squares", "params": params, "pace_ms": 0})
    assert run["status"] == "succeeded", run
    assert run["scenario"] == "squares"
    assert run["params"] == params
    assert stdout(events) == "sq 49!\nsq 81!\n"
    lines = run["source"].splitlines()
    assert len(lines) == len(SQUARES.splitlines())
    assert lines[12:15] == [
        "    numbers = [7, -9]  # param: the numbers to square",
        '    label = "sq"  # param',
        "    shout = True  # param",
    ]
    # The lines the events name are the program's own.
    printed = 1 + next(i for i, line in enumerate(SQUARES.splitlines()) if "print(label" in line)
    assert {e["line"] for e in events if e["kind"] == "stdout"} == {printed}
    defaults, events = await finished(client, {"scenario": "squares", "start_method": "spawn"})
    assert defaults["source"] == SQUARES
    assert stdout(events) == "square 1\nsquare 4\nsquare 9\n"


async def test_out_of_bound_parameters_are_refused(client: httpx.AsyncClient) -> None:
    body = {"scenario": "squares", "params": {"numbers": [1, 2000], "label": "x" * 41, "shout": 1, "n": 2}}
    r = await client.post("/api/runs", json=body)
    assert r.status_code == 422
    problems = [(e["loc"], e["msg"]) for e in r.json()["detail"]]
    assert problems == [
        (["body", "params", "numbers", 1], "Input should be less than or equal to 1000"),
        (["body", "params", "label"], "String should have at most 40 characters"),
        (["body", "params", "shout"], "Input should be a valid boolean"),
        (["body", "params", "n"], "Extra inputs are not permitted"),
    ]
    estimate = await client.post("/api/estimate", json=body)
    assert (estimate.status_code, estimate.json()) == (422, r.json())
    assert (await client.get("/api/runs")).json() == []


async def test_a_broken_program_cannot_be_run(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/runs", json={"scenario": "broken"})
    assert r.status_code == 422
    (error,) = r.json()["detail"]
    assert error["loc"] == ["body", "scenario"]
    assert error["msg"] == (
        "scenario 'broken' cannot be run: broken.py: line 3: big: Input should be less than or equal to 1000"
    )
    unknown = (await client.post("/api/runs", json={"scenario": "nope"})).json()["detail"][0]["msg"]
    assert unknown.endswith(", no_params, squares")
    assert "broken" not in unknown
    assert (await client.get("/api/runs")).json() == []


async def test_the_estimate_knows_the_cast_but_not_the_length(client: httpx.AsyncClient) -> None:
    r = await client.post("/api/estimate", json={"scenario": "squares", "pace_ms": 300})
    assert r.status_code == 200
    assert r.json() == {
        "steps": None,
        "seconds": None,
        "timeout_s": 30.0,
        "fits": None,
        "max_pace_ms": None,
        "cast": {"processes": ["main"], "objects": []},
    }


async def test_the_openapi_document_names_the_runnable_programs(client: httpx.AsyncClient) -> None:
    schemas = (await client.get("/openapi.json")).json()["components"]["schemas"]
    mapping = schemas["RunCreate"]["discriminator"]["mapping"]
    assert "squares" in mapping
    assert "broken" not in mapping
    variant = schemas["RunCreate-squares"]
    assert variant["properties"]["params"]["$ref"] == "#/components/schemas/CourseParams-squares"
    assert schemas["CourseParams-squares"]["properties"]["label"]["maxLength"] == 40


async def test_an_embed_of_a_program(client: httpx.AsyncClient) -> None:
    r = await client.get('/embed/squares?numbers=[5]&label="five"&source=1')
    assert r.status_code == 200
    config = page_data(r.text)
    assert config["scenario"]["title"] == "Squares through a queue"
    assert config["params"] == {"numbers": [5], "label": "five", "shout": False}
    assert "    numbers = [5]  # param: the numbers to square\n" in config["source"]
    assert config["errors"] == []
    refused = await client.get("/embed/squares?numbers=[5000]")
    assert refused.status_code == 422
    assert page_data(refused.text)["errors"] == [
        "params.numbers.0: Input should be less than or equal to 1000"
    ]
    broken = await client.get("/embed/broken")
    assert broken.status_code == 422
    assert "This program cannot run" in broken.text
    assert "broken.py: line 3: big: Input should be less than or equal to 1000" in broken.text


async def test_a_run_of_a_program_has_its_title_on_its_pages(client: httpx.AsyncClient) -> None:
    run, _ = await finished(client, {"scenario": "no_params"})
    data = page_data((await client.get(f"/embed/runs/{run['id']}")).text)
    assert data["scenario"] == {"id": "no_params", "title": "No params", "defaults": {}, "offered": True}
    assert '"title": "No params"' in (await client.get(f"/runs/{run['id']}")).text


async def test_apps_with_other_folders_see_their_own(folder: Path, tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "squares.py").write_text('if __name__ == "__main__":\n    n = 1  # param\n    print(n)\n')
    async with (
        in_process(Settings(scenarios_dir=folder)) as one,
        in_process(Settings(scenarios_dir=other)) as two,
    ):
        plain = in_process(Settings())
        async with plain as three:
            first = (await one.get("/api/scenarios/squares")).json()
            second = (await two.get("/api/scenarios/squares")).json()
            assert first["defaults"] == {"numbers": [1, 2, 3], "label": "square", "shout": False}
            assert second["defaults"] == {"n": 1}
            assert (await three.get("/api/scenarios/squares")).status_code == 404
            assert len((await three.get("/api/scenarios")).json()) == len(registry.SCENARIOS)


def test_the_server_starts_with_a_broken_file_and_says_where(folder: Path) -> None:
    (folder / "syntax.py").write_text("def f(:\n    pass\n")
    with live_server({"MPSCOPE_SCENARIOS_DIR": str(folder)}) as server:
        listed = {s["id"]: s["error"] for s in httpx.get(f"{server.url}/api/scenarios", timeout=10).json()}
        log = server.log()
    assert listed["syntax"] == "syntax.py: line 1: invalid syntax"
    assert listed["squares"] is None
    assert f"a course program cannot be run: {folder}/syntax.py: line 1: invalid syntax" in log
    assert f"a course program cannot be run: {folder}/broken.py: line 3: big: Input should be" in log


def test_the_server_starts_without_its_folder(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    with live_server({"MPSCOPE_SCENARIOS_DIR": str(missing)}) as server:
        listed = httpx.get(f"{server.url}/api/scenarios", timeout=10).json()
        log = server.log()
    assert [s["id"] for s in listed] == list(registry.SCENARIOS)
    assert f"MPSCOPE_SCENARIOS_DIR: cannot read the course's programs in {missing} (" in log
    assert "serving the built-in scenarios only" in log
