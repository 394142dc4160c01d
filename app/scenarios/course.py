"""A course's own programs: plain files in ``MPSCOPE_SCENARIOS_DIR``, offered beside the
built-in scenarios.

A file is read once, when the server starts, and only parsed (``ast``, ``tokenize``): nothing
in it runs until a run of it is asked for. Its id is its stem, its title and summary come from
its module docstring, and its parameters are the assignments directly inside its
``if __name__ == "__main__":`` block whose line ends with ``# param`` (or ``# param: what it
is``), typed and bounded from their literals with the built-ins' bounds (``model``). A file
that breaks a rule becomes a ``BrokenProgram`` that says what and where; it is listed, never
run.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
import warnings
from collections.abc import Collection, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, cast

from pydantic import Field, ValidationError, create_model

from app.scenarios import source as source_mod
from app.scenarios.model import MAX_ITEMS, SCENARIO_ID, Params, Scenario, SmallInt, Text

DEFAULT_PACE_MS = 300  # the pace most built-in scenarios suggest: slow enough to follow
# "# param" or "# param: what it is", at the end of the line's comment.
PARAM_MARK = re.compile(r"#\s*param(?:\s*:\s*(?P<about>.*?))?\s*$")
# Names the dashboard's address and the embeds' query use for themselves
# (static/js/setup.js, app/web/options.py); a parameter of that name could not be given.
RESERVED = frozenset(
    {
        *("scenario", "run", "pace_ms", "start_method", "mode", "schedule"),
        *("autoplay", "controls", "source", "theme"),
    }
)
KINDS = "an int, a str, a bool, or a list of one of those"
# What each type of literal becomes: its field type, and what the form says of one and of a list.
TYPES: dict[type, tuple[Any, str, str]] = {
    bool: (bool, "True or false.", "each true or false"),
    int: (SmallInt, "A whole number from -1000 to 1000.", "whole numbers from -1000 to 1000"),
    str: (Text, "Text of up to 40 characters.", "texts of up to 40 characters"),
}


class CourseError(ValueError):
    """What is wrong with a course program, with the line it is on."""


@dataclass(frozen=True)
class CourseScenario(Scenario[Params]):
    """A course program that can run: a scenario whose source is the file as it was read,
    with each parameter's literal at a known place (so it replaces that literal only, not
    another assignment of the same name)."""

    text: str = ""
    spans: tuple[tuple[str, source_mod.Span], ...] = ()

    @cached_property
    def source(self) -> str:
        return self.text

    def render(self, params: Params) -> str:
        values = {name: getattr(params, name) for name in type(params).model_fields}
        return source_mod.replace(self.text, dict(self.spans), values)


@dataclass(frozen=True)
class BrokenProgram:
    """A course program that cannot run, and why (its file, and the line when there is one)."""

    id: str
    title: str
    summary: str
    path: Path
    source: str
    error: str


def programs_in(folder: Path) -> list[Path]:
    """The folder's ``*.py`` files by name, leaving out hidden ones and those starting with
    ``_`` (helpers, ``__init__.py``). Raises OSError for a folder that cannot be listed."""
    if not folder.is_dir():
        raise NotADirectoryError(f"{folder} is not a folder")
    names = sorted(p for p in folder.iterdir() if p.suffix == ".py" and not p.name.startswith((".", "_")))
    return [p for p in names if p.is_file()]


def load(path: Path, taken: Collection[str] = ()) -> CourseScenario | BrokenProgram:
    """The program in ``path``, or what is wrong with it; ``taken`` are ids already in use
    (the built-ins')."""
    scenario_id, text = path.stem, ""
    try:
        text = _read(path)
        _check_id(scenario_id, taken)
        return _parse(scenario_id, path, text)
    except CourseError as exc:
        title = _title_from_stem(scenario_id)
        return BrokenProgram(scenario_id, title, "", path, text, f"{path.name}: {exc}")


def _check_id(scenario_id: str, taken: Collection[str]) -> None:
    if len(scenario_id) > 64 or not SCENARIO_ID.fullmatch(scenario_id):
        raise CourseError(
            f"its id {scenario_id!r} (the file's name) must be lowercase letters and digits, "
            "words joined by - or _, at most 64 characters; rename the file"
        )
    if scenario_id in taken:
        raise CourseError(f"its id {scenario_id!r} is a built-in scenario's; rename the file")


def _read(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise CourseError(f"cannot be read ({exc.strerror or exc})") from None
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise CourseError(f"is not UTF-8 text (byte {exc.start})") from None


def _title_from_stem(stem: str) -> str:
    words = stem.replace("_", " ").replace("-", " ").strip() or stem
    return words[:1].upper() + words[1:]


def _parse(scenario_id: str, path: Path, text: str) -> CourseScenario:
    try:
        tree = ast.parse(text, filename=path.name)
        marks = dict(_marks(text))
    except SyntaxError as exc:
        raise CourseError(f"line {exc.lineno or 1}: {exc.msg}") from None
    except (ValueError, tokenize.TokenError, RecursionError, MemoryError) as exc:
        raise CourseError(f"is not a Python program Python can read ({exc})") from None
    title, summary = _title_from_stem(scenario_id), ""
    doc = ast.get_docstring(tree)
    if doc and doc.strip():
        first, _, rest = doc.strip().partition("\n")
        title, summary = first.strip(), " ".join(rest.split())
    found = _Params()
    assignments = {stmt.end_lineno: stmt for stmt in _main_block(tree)}
    for line, about in marks.items():
        try:
            found.add(line, about, assignments.get(line))
        except CourseError as exc:
            found.errors.append((line, f"line {line}: {exc}"))
    # The parameters that are well formed are checked against their bounds too, so the
    # message lists every problem at once, in the order of the lines.
    model = _model(scenario_id, found.fields, found.lines)
    found.errors += _bounds(model, found.values, found.lines)
    if found.errors:
        raise CourseError("; ".join(message for _, message in sorted(found.errors)))
    return CourseScenario(
        id=scenario_id,
        title=title,
        summary=summary,
        program=str(path.resolve()),
        params_model=model,
        default_pace_ms=DEFAULT_PACE_MS,
        text=text,
        spans=tuple(found.spans.items()),
    )


@dataclass
class _Params:
    """The parameters found so far, and the problems (with their lines)."""

    fields: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    spans: dict[str, source_mod.Span] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    errors: list[tuple[int, str]] = field(default_factory=list)

    def add(self, line: int, about: str, stmt: ast.stmt | None) -> None:
        name, node = _marked(stmt)
        if name in self.lines:
            raise CourseError(f"{name} is a parameter already (line {self.lines[name]})")
        if stmt is None or stmt.lineno != line:
            raise CourseError(f"{name}: a parameter's assignment must stay on one line")
        value = _literal(node, name)
        annotation, description = _field_type(value, name)
        self.lines[name], self.values[name], self.spans[name] = line, value, source_mod.span_of(node)
        self.fields[name] = (annotation, Field(default=value, description=about or description))


def _marks(text: str) -> Iterator[tuple[int, str]]:
    """(line, what the parameter is) for each comment that marks a parameter."""
    for token in tokenize.generate_tokens(io.StringIO(text, newline="").readline):
        if token.type == tokenize.COMMENT and (match := PARAM_MARK.search(token.string)):
            yield token.start[0], (match["about"] or "").strip()


def _main_block(tree: ast.Module) -> Iterator[ast.stmt]:
    """The statements directly inside each top-level ``if __name__ == "__main__":``."""
    for node in tree.body:
        if isinstance(node, ast.If) and _is_main_test(node.test):
            yield from node.body


def _is_main_test(test: ast.expr) -> bool:
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s.id for s in sides if isinstance(s, ast.Name)]
    texts = [s.value for s in sides if isinstance(s, ast.Constant)]
    return names == ["__name__"] and texts == ["__main__"]


ONE_NAME = "a parameter is one name assigned once (n = 3  # param)"


def _marked(stmt: ast.stmt | None) -> tuple[str, ast.expr]:
    """The name a marked line assigns and the node of its literal."""
    if isinstance(stmt, ast.Assign):
        if len(stmt.targets) != 1:
            raise CourseError(ONE_NAME)
        target, value = stmt.targets[0], stmt.value
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        target, value = stmt.target, stmt.value
    else:
        raise CourseError('"# param" marks no assignment directly inside `if __name__ == "__main__":`')
    if not isinstance(target, ast.Name):
        raise CourseError(ONE_NAME)
    name = target.id
    if name in RESERVED:
        raise CourseError(f"{name}: the page's address uses this name itself; choose another")
    if name.startswith(("_", "model_")) or hasattr(Params, name):
        raise CourseError(f"{name}: the parameters' model keeps this name for itself; choose another")
    # As for the built-ins: `records = manager.list([...])` takes the call's first argument.
    if isinstance(value, ast.Call) and value.args:
        value = value.args[0]
    return name, value


def _literal(node: ast.expr, name: str) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        raise CourseError(f"{name}: its value must be a literal ({KINDS}), not an expression") from None


def _field_type(value: Any, name: str) -> tuple[Any, str]:
    """The field type of a literal (of its exact type: True is a bool, not the int 1) and
    what the form says of it."""
    if type(value) in TYPES:
        annotation, description, _ = TYPES[type(value)]
        return annotation, description
    if type(value) is not list:
        raise CourseError(f"{name}: {value!r} is a {type(value).__name__}; a parameter is {KINDS}")
    if not value:
        raise CourseError(f"{name}: an empty list says nothing of its items' type; give it one")
    kinds = {type(item) for item in value}
    if len(kinds) > 1 or not kinds <= TYPES.keys():
        raise CourseError(f"{name}: a list's items must all be ints, all strs or all bools")
    item, _, many = TYPES[kinds.pop()]
    return Annotated[list[item], Field(max_length=MAX_ITEMS)], f"Up to {MAX_ITEMS} {many}."  # type: ignore[valid-type]


def _model(scenario_id: str, fields: dict[str, Any], lines: dict[str, int]) -> type[Params]:
    # The OpenAPI document names each parameter model's schema after its class: a built-in
    # model's name has no "-", so this one's cannot be the same.
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # pydantic warns of a shadowed name: refuse it
            model = create_model(f"CourseParams-{scenario_id}", __base__=Params, **fields)
    except Exception as exc:  # the operator's file must not stop the server from starting
        first = min(lines.values(), default=1)
        raise CourseError(f"line {first}: its parameters make no model: {exc}") from None
    return cast(type[Params], model)


def _bounds(model: type[Params], values: dict[str, Any], lines: dict[str, int]) -> list[tuple[int, str]]:
    """The literals against their bounds, each problem on its line."""
    try:
        model.model_validate(values)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            name = str(err["loc"][0])
            where = name + "".join(f"[{part}]" for part in err["loc"][1:])
            line = lines.get(name, 0)
            problems.append((line, f"line {line}: {where}: {err['msg']}"))
        return problems
    return []
