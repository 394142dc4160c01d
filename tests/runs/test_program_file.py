"""A run of a program value runs that program's source in every process.

The runner writes the program (parameters filled in) into the run's directory and runs it
from there, so spawn and forkserver children, which re-import ``__main__`` from its file,
see the same source as the main process and the page: a parameter assigned at module level
has its run's value in every process, whatever the start method.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from app.runs.program import Program
from app.runs.service import START_METHODS, RunService
from app.scenarios.source import render
from tests.conftest import assert_nothing_left, collect

pytestmark = pytest.mark.anyio

PROGRAM = """\
import multiprocessing
import sys

greeting = "as the file says"


def show():
    print(f"child sees {greeting} in {__file__}")


if __name__ == "__main__":
    p = multiprocessing.Process(target=show)
    p.start()
    p.join()
    print(f"main sees {greeting} with {sys.argv[1:]}")
"""


@pytest.mark.parametrize("start_method", START_METHODS)
async def test_a_module_level_parameter_has_the_runs_value_in_every_process(
    manager: RunService, start_method: str
) -> None:
    source = render(PROGRAM, {"greeting": "as the run says"})
    program = Program("greeter", source, "greeter.py", {"greeting": "as the run says"}, args=("--loud",))
    done = await collect(manager.start_program(program, start_method=start_method))
    assert_nothing_left(done)
    assert done.run.status == "succeeded", done.events[-3:]
    (child,) = [p for p in done.lanes() if p != "main"]
    (child_line,) = done.output(child)
    assert child_line.startswith("child sees as the run says in ")
    path = Path(child_line.rsplit(" in ", 1)[1])
    assert path.name == "greeter.py"
    assert not os.path.exists(path), "the run's copy of the program outlived the run"  # noqa: ASYNC240
    assert done.output("main") == ["main sees as the run says with ['--loud']"]
    assert done.events[0]["scenario"] == "greeter"
    assert done.events[0]["params"] == {"greeting": "as the run says"}
    assert done.run.source == source
