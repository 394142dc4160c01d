"""A course's own programs, read from files: their title, their `# param` lines as a strict
bounded model, their source with a run's values, and every way a file can be wrong."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

import pydantic
import pytest

from app.scenarios import course, registry
from app.scenarios.course import BrokenProgram, CourseScenario
from app.scenarios.registry import Catalog
from app.web.options import DISPLAY, RUN_SETTINGS

ROOT = Path(__file__).resolve().parents[2]

PROGRAM = '''"""Squares through a queue

A worker squares each number.
The parent prints them."""
import multiprocessing

numbers = [0]  # a module-level name: not the parameter, and left as it is


def work(q, numbers):
    label = "not this one"
    for n in numbers:
        q.put(n * n)


if __name__ == "__main__":
    numbers = [1, 2, 3]  # param: the numbers to square
    label = "é sq"  # param
    loud: bool = False  #param
    repeat = 2  # type: int  # param
    names = ["a", "b"]  # param:
    q = multiprocessing.Queue()
'''


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def program(tmp_path: Path, text: str = PROGRAM, name: str = "squares.py") -> CourseScenario:
    loaded = course.load(write(tmp_path, name, text))
    assert isinstance(loaded, CourseScenario), loaded
    return loaded


def broken(tmp_path: Path, text: str, name: str = "bad.py") -> str:
    loaded = course.load(write(tmp_path, name, text))
    assert isinstance(loaded, BrokenProgram), loaded
    return loaded.error


def main_block(*lines: str) -> str:
    return 'if __name__ == "__main__":\n' + "".join(f"    {line}\n" for line in lines)


def test_title_summary_and_parameters_come_from_the_file(tmp_path: Path) -> None:
    s = program(tmp_path)
    assert (s.id, s.title, s.summary) == (
        "squares",
        "Squares through a queue",
        "A worker squares each number. The parent prints them.",
    )
    assert s.source == PROGRAM
    assert s.defaults == {
        "numbers": [1, 2, 3],
        "label": "é sq",
        "loud": False,
        "repeat": 2,
        "names": ["a", "b"],
    }
    props = s.params_schema["properties"]
    assert props["numbers"] == {
        "default": [1, 2, 3],
        "description": "the numbers to square",
        "items": {"maximum": 1000, "minimum": -1000, "type": "integer"},
        "maxItems": 32,
        "title": "Numbers",
        "type": "array",
    }
    assert props["label"]["maxLength"] == 40
    assert props["label"]["description"] == "Text of up to 40 characters."
    assert props["loud"]["type"] == "boolean"
    assert (props["repeat"]["minimum"], props["repeat"]["maximum"]) == (-1000, 1000)
    assert props["names"]["items"] == {"maxLength": 40, "type": "string"}
    assert s.params_schema["additionalProperties"] is False


def test_the_model_is_strict_and_bounded_like_the_builtins(tmp_path: Path) -> None:
    s = program(tmp_path)
    assert s.validate({"repeat": 3.0}).model_dump()["repeat"] == 3  # JSON's integer, as for the built-ins
    for bad in ({"repeat": True}, {"repeat": "3"}, {"repeat": 1001}, {"loud": 1}, {"label": "x" * 41},
                {"numbers": list(range(33))}, {"numbers": [1, 2000]}, {"other": 1}):  # fmt: skip
        with pytest.raises(pydantic.ValidationError) as err:
            s.validate(bad)
        assert next(iter(bad)) in str(err.value)
    message = registry.validation_messages(_error(s, {"numbers": [1, 2000]}))
    assert message == ["params.numbers.1: Input should be less than or equal to 1000"]


def _error(s: CourseScenario, params: dict[str, Any]) -> pydantic.ValidationError:
    try:
        s.validate(params)
    except pydantic.ValidationError as exc:
        return exc
    raise AssertionError("accepted")


def test_a_run_writes_its_values_over_the_marked_literals_only(tmp_path: Path) -> None:
    s = program(tmp_path)
    values = {"numbers": [7, -8], "label": 'say "hi"\n', "loud": True, "repeat": 5, "names": []}
    out = s.render(s.validate(values)).splitlines()
    before = PROGRAM.splitlines()
    assert len(out) == len(before)
    changed = {i + 1: line for i, (line, old) in enumerate(zip(out, before, strict=True)) if line != old}
    assert changed == {
        17: "    numbers = [7, -8]  # param: the numbers to square",
        18: '    label = "say \\"hi\\"\\n"  # param',
        19: "    loud: bool = True  #param",
        20: "    repeat = 5  # type: int  # param",
        21: "    names = []  # param:",
    }
    program_ = s.make_program(s.validate({}))
    assert (program_.name, program_.filename, program_.source) == ("squares", "squares.py", PROGRAM)


def test_crlf_files_keep_their_lines(tmp_path: Path) -> None:
    path = tmp_path / "crlf.py"
    path.write_bytes(main_block("n = 1  # param", "m = 2").encode().replace(b"\n", b"\r\n"))
    s = course.load(path)
    assert isinstance(s, CourseScenario)
    assert (
        s.render(s.validate({"n": 9})) == 'if __name__ == "__main__":\r\n    n = 9  # param\r\n    m = 2\r\n'
    )


def test_without_a_docstring_the_title_is_the_stem(tmp_path: Path) -> None:
    s = program(tmp_path, main_block("x = 1"), name="week_2-pipes.py")
    assert (s.id, s.title, s.summary, s.defaults) == ("week_2-pipes", "Week 2 pipes", "", {})
    assert s.params_schema["properties"] == {}


def test_a_call_s_first_argument_is_its_literal_as_for_the_builtins(tmp_path: Path) -> None:
    s = program(tmp_path, main_block("m = multiprocessing.Manager()", "rec = m.list([1, 2])  # param"))
    assert s.render(s.validate({"rec": [3]})).splitlines()[2] == "    rec = m.list([3])  # param"


@pytest.mark.parametrize(
    ("lines", "error"),
    [
        (["n = 5000  # param"], "line 2: n: Input should be less than or equal to 1000"),
        (["s = '" + "x" * 41 + "'  # param"], "line 2: s: String should have at most 40 characters"),
        ([f"xs = {list(range(33))}  # param"], "line 2: xs: List should have at most 32 items"),
        (["xs = [1, 2000]  # param"], "line 2: xs[1]: Input should be less than or equal to 1000"),
        (["d = 0.5  # param"], "line 2: d: 0.5 is a float; a parameter is an int, a str, a bool"),
        (["t = (1, 2)  # param"], "line 2: t: (1, 2) is a tuple"),
        (["n = None  # param"], "line 2: n: None is a NoneType"),
        (["n = x + 1  # param"], "line 2: n: its value must be a literal"),
        (["n = -x  # param"], "line 2: n: its value must be a literal"),
        (["xs = []  # param"], "line 2: xs: an empty list says nothing of its items' type"),
        (["xs = [1, 'a']  # param"], "line 2: xs: a list's items must all be ints, all strs or all bools"),
        (["xs = [1, True]  # param"], "line 2: xs: a list's items must all be ints"),
        (["xs = [[1]]  # param"], "line 2: xs: a list's items must all be ints"),
        (["a, b = 1, 2  # param"], "line 2: a parameter is one name assigned once"),
        (["a = b = 1  # param"], "line 2: a parameter is one name assigned once"),
        (["n += 1  # param"], 'line 2: "# param" marks no assignment directly inside'),
        (["for i in range(2):", "    n = 1  # param"], 'line 3: "# param" marks no assignment'),
        (["n = 1  # param", "n = 2  # param"], "line 3: n is a parameter already (line 2)"),
        (["run = 1  # param"], "line 2: run: the page's address uses this name itself"),
        (["pace_ms = 1  # param"], "line 2: pace_ms: the page's address uses this name itself"),
        (["_n = 1  # param"], "line 2: _n: the parameters' model keeps this name for itself"),
        (["json = 1  # param"], "line 2: json: the parameters' model keeps this name for itself"),
        (["model_n = 1  # param"], "line 2: model_n: the parameters' model keeps this name"),
        (["xs = [1,", "      2]  # param"], "line 3: xs: a parameter's assignment must stay on one line"),
    ],
)
def test_a_bad_param_is_an_error_naming_its_line(tmp_path: Path, lines: list[str], error: str) -> None:
    message = broken(tmp_path, main_block(*lines))
    assert message.startswith("bad.py: ")
    assert error in message


def test_a_mark_outside_the_main_block_is_an_error(tmp_path: Path) -> None:
    text = "n = 1  # param\n" + main_block("print(n)")
    assert (
        broken(tmp_path, text)
        == 'bad.py: line 1: "# param" marks no assignment directly inside `if __name__ == "__main__":`'
    )


def test_every_problem_is_listed_in_line_order(tmp_path: Path) -> None:
    message = broken(
        tmp_path, main_block("a = 0.5  # param", "b = 2000  # param", "c = 1  # param", "d = []  # param")
    )
    assert [m.split(":")[0] for m in message.removeprefix("bad.py: ").split("; line ")] == [
        "line 2",
        "3",
        "5",
    ]


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"def f(:\n    pass\n", "bad.py: line 1: "),
        (b"x = 1\n  y = 2\n", "bad.py: line 2: unexpected indent"),
        (b"x = '\xff'\n", "bad.py: is not UTF-8 text (byte 5)"),
        (b"x = 1\x00\n", "bad.py: "),
    ],
)
def test_a_file_python_cannot_read_is_an_error(tmp_path: Path, data: bytes, error: str) -> None:
    (tmp_path / "bad.py").write_bytes(data)
    loaded = course.load(tmp_path / "bad.py")
    assert isinstance(loaded, BrokenProgram)
    assert loaded.error.startswith(error), loaded.error
    assert (loaded.id, loaded.title) == ("bad", "Bad")


@pytest.mark.parametrize("name", ["Week1.py", "my program.py", "a--b.py", "-a.py", "é.py", "x" * 65 + ".py"])
def test_an_id_that_breaks_the_rules_is_an_error(tmp_path: Path, name: str) -> None:
    assert "(the file's name) must be lowercase letters and digits" in broken(
        tmp_path, main_block("x = 1"), name
    )


def test_reserved_names_are_those_the_page_and_the_embeds_take() -> None:
    setup_js = (ROOT / "static/js/setup.js").read_text()
    match = re.search(r"const RESERVED = new Set\(\[(.*?)\]\)", setup_js)
    assert match is not None
    dashboard = set(re.findall(r'"(\w+)"', match[1]))
    assert dashboard | set(DISPLAY) | set(RUN_SETTINGS) == course.RESERVED


def test_the_catalog_has_the_builtins_then_the_course(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write(tmp_path, "b_prog.py", main_block("n = 1  # param"))
    write(tmp_path, "a_broken.py", main_block("n = 0.5  # param"))
    write(tmp_path, "queue.py", main_block("n = 1  # param"))  # a built-in's id
    write(tmp_path, "_helper.py", "x = (\n")  # left out, as is a hidden file
    write(tmp_path, ".draft.py", "x = (\n")
    write(tmp_path, "notes.txt", "not a program")
    (tmp_path / "sub.py").mkdir()
    with caplog.at_level(logging.ERROR):
        catalog = Catalog.load(tmp_path)
    assert [p.id for p in catalog.course] == ["a_broken", "b_prog", "queue"]
    assert catalog.ids() == [*registry.SCENARIOS, "b_prog"]
    assert [e.id for e in catalog.entries()] == [*registry.SCENARIOS, "a_broken", "b_prog", "queue"]
    assert catalog.find("queue") is registry.SCENARIOS["queue"]
    assert isinstance(catalog.find("b_prog"), CourseScenario)
    found = catalog.find("a_broken")
    assert isinstance(found, BrokenProgram)
    assert found.error == f"a_broken.py: line 2: n: 0.5 is a float; a parameter is {course.KINDS}"
    assert catalog.find("nope") is None
    logged = [r.getMessage() for r in caplog.records]
    assert logged == [
        f"a course program cannot be run: {tmp_path}/{found.error}",
        f"a course program cannot be run: {tmp_path}/queue.py: its id 'queue' is a built-in scenario's; "
        "rename the file",
    ]


def test_catalogs_of_other_folders_do_not_meet(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    write(tmp_path / "one", "prog.py", main_block("n = 1  # param"))
    write(tmp_path / "two", "prog.py", main_block("s = 'x'  # param"))
    one, two, none = Catalog.load(tmp_path / "one"), Catalog.load(tmp_path / "two"), Catalog.load(None)
    assert [one.find("prog").defaults, two.find("prog").defaults] == [{"n": 1}, {"s": "x"}]  # type: ignore[union-attr]
    assert none.find("prog") is None
    assert none.ids() == list(registry.SCENARIOS)
    assert "prog" not in registry.SCENARIOS


@pytest.mark.parametrize("missing", ["nowhere", "file.py"])
def test_a_folder_that_cannot_be_read_leaves_the_builtins(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, missing: str
) -> None:
    write(tmp_path, "file.py", "x = 1\n")
    with caplog.at_level(logging.ERROR):
        catalog = Catalog.load(tmp_path / missing)
    assert catalog.course == ()
    assert catalog.ids() == list(registry.SCENARIOS)
    (message,) = [r.getMessage() for r in caplog.records]
    assert message.startswith(
        f"MPSCOPE_SCENARIOS_DIR: cannot read the course's programs in {tmp_path / missing} ("
    )
    assert message.endswith("); serving the built-in scenarios only")


def test_the_readme_example_is_a_course_program(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## A course's own programs") :]
    example = section[section.index("```python\n") + 10 : section.index("```\n", section.index("```python"))]
    s = program(tmp_path, example, name="squares.py")
    assert s.title == "Squares through a queue"
    assert s.defaults == {"numbers": [1, 2, 3, 4], "shout": False}
