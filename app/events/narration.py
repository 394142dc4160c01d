"""One sentence per event, for the CLI, the page's narration line and screen readers.

The templates are data: they are exported with the kinds to ``static/js/kinds.js`` and the
page formats them with the same rules (see ``static/js/narrate.js``), so the terminal and
the browser say the same thing. For each kind the first template whose placeholders all
have a value is used; a missing ``value`` counts as Python's ``None``.
"""

from __future__ import annotations

import json
import re
from typing import Any

TEMPLATES: dict[str, list[str]] = {
    "run.start": ["run of {scenario} started ({start_method}, pace {pace_ms} ms)"],
    "run.end": ["run {status}: {error}", "run {status}"],
    "proc.spawn": ["{proc} started {child} (pid {child_pid})"],
    "proc.start": ["{proc} runs {target}()", "{proc} started"],
    "proc.exit": ["{proc} exited with code {exitcode}", "{proc} ended ({reason})"],
    "proc.wait": ["{proc} waits for {child} to finish"],
    "proc.join": ["{proc} joined {child} (exit code {exitcode})", "{proc} joined {child}"],
    "stdout": ["{proc} printed {text}"],
    "stderr": ["{proc} wrote to stderr: {text}"],
    "var": ["in {proc}, {obj} = {value}"],
    "queue.new": ["{proc} created queue {obj}"],
    "queue.put": ["{proc} put {value} into {obj}"],
    "queue.get": ["{proc} found {obj} empty ({error})", "{proc} got {value} from {obj}"],
    "queue.wait": ["{proc} waits on {obj} to {op}"],
    "queue.empty": ["{proc} asked {obj}.empty(): {value}"],
    "pipe.new": ["{proc} created a pipe: {obj} ⇄ {peer}"],
    "pipe.send": ["{proc} sent {value} into {obj}"],
    "pipe.recv": ["{proc} got {error} on {obj}", "{proc} received {value} from {obj}"],
    "pipe.wait": ["{proc} waits for a message on {obj}"],
    "pipe.close": ["{proc} closed {obj}"],
    "value.new": ["{proc} created shared value {obj} = {value}"],
    "value.get": ["{proc} read {obj}.value: {value}"],
    "value.set": ["{proc} set {obj}.value = {value}"],
    "array.new": ["{proc} created shared array {obj} = {value}"],
    "array.get": ["{proc} read {obj}[{index}]: {value}"],
    "array.set": ["{proc} set {obj}[{index}] = {value}"],
    "manager.call": ["{proc} calls {obj}.{method}({args}) in the manager"],
    "manager.serve": [
        "{proc} ran {obj}.{method}({args}): {error}",
        "{proc} ran {obj}.{method}({args}): {value}",
    ],
    "manager.result": [
        "{proc} got {error} from {obj}.{method}()",
        "{proc} got {value} from {obj}.{method}()",
    ],
}

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
