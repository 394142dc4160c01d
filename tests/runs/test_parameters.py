"""Changed parameters change what the programs do, and the source shows the values used."""

from __future__ import annotations

import pydantic
import pytest

from app.scenarios import registry

pytestmark = pytest.mark.anyio


async def test_queue_with_other_numbers(run_to_end) -> None:
    done = await run_to_end("queue", {"mylist": [5, 6]})
    assert done.output("p2") == ["Queue elements:", "25", "36", "Queue is now empty!"]
    assert "    mylist = [5, 6]\n" in done.run.source


async def test_shared_memory_sizes_array_to_the_input(run_to_end) -> None:
    done = await run_to_end("shared-memory", {"mylist": [-3, 7, 1]})
    assert done.output("main") == [
        "Result(in main program): [9, 49, 1]",
        "Sum of squares(in main program): 59",
    ]


async def test_separate_memory_with_empty_list(run_to_end) -> None:
    done = await run_to_end("separate-memory", {"mylist": []})
    assert done.output("p1") == ["Result(in process p1): []"]


async def test_manager_with_other_records(run_to_end) -> None:
    done = await run_to_end("manager", {"records": [["Ann", 3]], "new_record": ["Bo", -1]})
    assert done.output("p2") == ["Name: Ann", "Score: 3", "", "Name: Bo", "Score: -1", ""]
    assert 'manager.list([("Ann", 3)])' in done.run.source


async def test_pipe_stops_at_end(run_to_end) -> None:
    done = await run_to_end("pipe", {"msgs": ["a", "END", "never read"]})
    assert done.output("p2") == ["Received the message: a"]
    assert done.output("p1")[-1] == "Sent the message: never read"


@pytest.mark.parametrize(
    ("scenario", "params", "field"),
    [
        ("queue", {"mylist": list(range(33))}, "params.mylist"),
        ("queue", {"mylist": [1001]}, "params.mylist.0"),
        ("queue", {"mylist": "1,2"}, "params.mylist"),
        ("queue", {"other": 1}, "params.other"),
        ("pipe", {"msgs": ["hi"]}, "params.msgs"),
        ("pipe", {"msgs": ["x" * 41, "END"]}, "params.msgs.0"),
        ("manager", {"new_record": ["", 1]}, "params.new_record.0"),
        ("manager", {"records": [["a", 1, 2]]}, "params.records.0"),
    ],
)
def test_bad_parameters_are_refused_with_the_field_named(scenario: str, params: dict, field: str) -> None:
    with pytest.raises(pydantic.ValidationError) as info:
        registry.get(scenario).validate(params)
    messages = registry.validation_messages(info.value)
    assert any(m.startswith(field + ":") for m in messages), messages


def test_defaults_render_to_the_program_file() -> None:
    for scenario in registry.SCENARIOS.values():
        model = scenario.validate({})
        assert scenario.render(model) == scenario.source, scenario.id
