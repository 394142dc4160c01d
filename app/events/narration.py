"""One sentence per event, for the CLI, the page's narration line and screen readers.

The templates are data, declared with each kind in ``app/events/schema.py`` (``say``):
they are exported with the kinds to ``static/js/kinds.js`` and the
page formats them with the same rules (see ``static/js/narrate.js``), so the terminal and
the browser say the same thing. For each kind the first template whose placeholders all
have a value is used; a missing ``value`` counts as Python's ``None``.
"""

from __future__ import annotations

import json
import re
from typing import Any

from app.events import schema

TEMPLATES = schema.TEMPLATES

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def pyrepr(value: Any) -> str:
    """A JSON value spelled the way Python would print it."""
    if value is None:
        return "None"
    if value is True:
        return "True"
    if value is False:
        return "False"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, list):
        return "[" + ", ".join(pyrepr(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{pyrepr(k)}: {pyrepr(v)}" for k, v in value.items()) + "}"
    if isinstance(value, float):
        return json.dumps(value)
    return str(value)


def _show(event: dict[str, Any], name: str) -> str | None:
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
    return str(raw)


def _fill(template: str, parts: dict[str, str]) -> str:
    return _PLACEHOLDER.sub(lambda m: parts[m.group(1)], template)


def narrate(event: dict[str, Any]) -> str:
    for template in TEMPLATES.get(str(event.get("kind")), []):
        parts: dict[str, str] = {}
        for name in _PLACEHOLDER.findall(template):
            shown = _show(event, name)
            if shown is None:
                break
            parts[name] = shown
        else:
            return _fill(template, parts)
    return f"{event.get('proc')} {event.get('kind')}"
