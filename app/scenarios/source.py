"""Put a run's parameters into its program's source.

A parameter is an ordinary assignment in the program, ``mylist = [1, 2, 3, 4]``, and the
run's value replaces that literal in place, so the source a learner reads is exactly the
source that ran. The literal is the assigned value itself or, as in
``records = manager.list([...])``, the first argument of the call assigned. Literals stay
on one line (strings are written with escapes), so every line number is the same with any
parameters. A course's program (``course.py``) names its parameters' places itself, by their
``# param`` lines: ``replace`` writes over those literals only.
"""

from __future__ import annotations

import ast
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class SourceError(ValueError):
    pass


def _literal_node(assign: ast.Assign) -> ast.expr:
    value = assign.value
    if isinstance(value, ast.Call) and value.args:
        value = value.args[0]
    try:
        ast.literal_eval(value)
    except ValueError as exc:
        raise SourceError(f"line {assign.lineno}: the assigned value is not a literal") from exc
    if value.end_lineno != value.lineno:
        raise SourceError(f"line {assign.lineno}: a parameter's literal must stay on one line")
    return value


def find_literals(source: str, names: set[str]) -> dict[str, ast.expr]:
    """The first literal assigned to each of ``names`` in ``source``."""
    found: dict[str, ast.expr] = {}
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id in names
            and node.targets[0].id not in found
        ):
            found[node.targets[0].id] = _literal_node(node)
    missing = names - found.keys()
    if missing:
        raise SourceError(f"no assignment for parameter(s) {', '.join(sorted(missing))}")
    return found


def literal(value: Any) -> str:
    """Python source for a parameter value, in the style of the programs (double quotes)."""
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a Python string too
    if isinstance(value, tuple):
        inner = ", ".join(literal(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    if isinstance(value, bool | int | float) or value is None:
        return repr(value)
    raise SourceError(f"cannot write a {type(value).__name__} into a program")


@dataclass(frozen=True)
class Span:
    """Where a literal is: its line (from 1) and its UTF-8 byte offsets in that line, as ``ast``
    gives them."""

    line: int
    start: int
    end: int


def span_of(node: ast.expr) -> Span:
    return Span(node.lineno, node.col_offset, node.end_col_offset or node.col_offset)


def render(source: str, values: Mapping[str, Any]) -> str:
    """``source`` with each parameter's literal replaced by its value."""
    nodes = find_literals(source, set(values))
    return replace(source, {name: span_of(node) for name, node in nodes.items()}, values)


def replace(source: str, spans: Mapping[str, Span], values: Mapping[str, Any]) -> str:
    """``source`` with the literal at each name's span replaced by its value: the rest of
    the line (a comment after it, say) and every line number stay as they were."""
    # Lines as Python counts them (\n, \r\n, \r): str.splitlines would also split at a form
    # feed or U+2028, which a program may hold and Python reads as no line break.
    lines = list(io.StringIO(source, newline=""))
    # Replace from the end of each line backwards so earlier offsets stay valid.
    for name, span in sorted(spans.items(), key=lambda kv: (kv[1].line, kv[1].start), reverse=True):
        raw = lines[span.line - 1].encode()
        lines[span.line - 1] = (raw[: span.start] + literal(values[name]).encode() + raw[span.end :]).decode()
    return "".join(lines)
