"""One sentence per event, for the CLI, the page's narration line and screen readers.

The templates are data, declared with each kind in ``app/events/schema.py`` (``say``):
they are exported with the kinds to ``static/js/kinds.js`` and the page formats them with
the same rules (see ``static/js/narrate.js``), so the terminal and the browser say the
same thing. The rules:

- ``{field}`` shows a field: strings as they are, other values as Python spells them;
  ``{args[0]}`` shows one item of a list field; a missing ``value`` counts as ``None``.
- A template may start with a guard, ``[method=__len__; by=for] …``: it applies only when
  each named field, shown as its placeholder would show it, is one of the ``|``-separated
  alternatives (an empty alternative matches an empty list of ``args``).
- For each kind the first template that applies and whose placeholders all have a value
  is used.
"""

from __future__ import annotations

import json
import re
from typing import Any

from app.events import schema

TEMPLATES = schema.TEMPLATES

GUARD = re.compile(r"^\[([^\]]*)\] ")
PLACEHOLDER = re.compile(r"\{(\w+)(?:\[(\d+)\])?\}")

Guard = dict[str, tuple[str, ...]]


def parse(template: str) -> tuple[Guard, str]:
    """A template's guard (field → the spellings it accepts) and its text."""
    match = GUARD.match(template)
    if match is None:
        return {}, template
    guard: Guard = {}
    for condition in match.group(1).split(";"):
        name, _, alternatives = condition.strip().partition("=")
        guard[name] = tuple(alternatives.split("|"))
    return guard, template[match.end() :]


_PARSED: dict[str, list[tuple[Guard, str]]] = {
    kind: [parse(t) for t in templates] for kind, templates in TEMPLATES.items()
}


def pyrepr(value: Any) -> str:
    """A JSON value spelled the way Python would print it."""
    if value is None:
        return "None"
    if value is True:
        return "True"
    if value is False:
        return "False"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(pyrepr(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{pyrepr(k)}: {pyrepr(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float):
        return json.dumps(value)
    return str(value)


def _show(event: dict[str, Any], name: str, index: str | None = None) -> str | None:
    if index is not None:
        items = event.get(name)
        i = int(index)
        return pyrepr(items[i]) if isinstance(items, list) and i < len(items) else None
    if name == "value":
        rep = event.get("repr")
        return str(rep) if rep is not None else pyrepr(event.get("value"))
    raw = event.get(name)
    if raw is None:
        return None
    if name == "index" and isinstance(raw, list):
        return f"{raw[0]}:{raw[1]}"
    if name == "args":
        return ", ".join(pyrepr(a) for a in raw)
    if name == "text":
        return pyrepr(str(raw).rstrip("\n"))
    if isinstance(raw, str):
        return raw
    return pyrepr(raw)


def sentence(event: dict[str, Any], template: str) -> str | None:
    """``template`` filled in for ``event``, or None when it does not apply."""
    return _fill(event, *parse(template))


def _fill(event: dict[str, Any], guard: Guard, text: str) -> str | None:
    for name, alternatives in guard.items():
        if _show(event, name) not in alternatives:
            return None
    parts: dict[str, str] = {}
    for name, index in PLACEHOLDER.findall(text):
        shown = _show(event, name, index or None)
        if shown is None:
            return None
        parts[f"{name}[{index}]" if index else name] = shown
    return PLACEHOLDER.sub(lambda m: parts[m.group(0)[1:-1]], text)


def narrate(event: dict[str, Any]) -> str:
    for guard, text in _PARSED.get(str(event.get("kind")), []):
        sentence = _fill(event, guard, text)
        if sentence is not None:
            return sentence
    return f"{event.get('proc')} {event.get('kind')}"
