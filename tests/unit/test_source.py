"""Parameters are written into the program's source in place of its literals."""

from __future__ import annotations

import pytest

from app.scenarios.source import SourceError, render

PROGRAM = """\
import multiprocessing

if __name__ == "__main__":
    mylist = [1, 2, 3, 4]
    records = manager.list([('Sam', 10)])
    name = "é"; other = 1
"""


def test_literals_are_replaced_and_lines_kept() -> None:
    out = render(PROGRAM, {"mylist": [5, 6], "records": [("Ann", 3)], "other": 2})
    assert (
        render(PROGRAM, {"name": 'say "hi"\n'}).splitlines()[5] == '    name = "say \\"hi\\"\\n"; other = 1'
    )
    lines = out.splitlines()
    assert lines[3] == "    mylist = [5, 6]"
    assert lines[4] == '    records = manager.list([("Ann", 3)])'
    assert lines[5] == '    name = "é"; other = 2'
    assert len(lines) == len(PROGRAM.splitlines())


def test_unknown_parameter_is_an_error() -> None:
    with pytest.raises(SourceError):
        render(PROGRAM, {"missing": 1})
