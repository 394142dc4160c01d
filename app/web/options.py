"""The query options of the embed pages, read leniently: a bad or unknown option is ignored,
its default used, and a note says so in words. Only the scenario's parameters are strict
(a run with other values than the teacher wrote would mislead); ``embed.py`` checks them.

``schedule=main,p1,p2`` makes the embed's run replay that interleaving. A schedule that
cannot be one (an empty or overlong name, too many steps) is ignored with a note like the
other options: the run it would replay is still the teacher's program, and a schedule that
the program does not follow says so itself (the run's ``diverged``).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from app.runs.service import MAX_SCHEDULE, START_METHODS

Theme = Literal["auto", "light", "dark"]
THEMES: tuple[Theme, ...] = ("auto", "light", "dark")
PACE_MAX_MS = 2000  # the API's bound on pace_ms (a test checks it against the API's schema)
DEFAULT_PACE_MS = 300  # slow enough to follow, as on the dashboard
TRUE = frozenset({"", "1", "true", "yes", "on"})  # a bare ?autoplay means yes
FALSE = frozenset({"0", "false", "no", "off"})
FLAGS = ("autoplay", "controls", "source")
DISPLAY = (*FLAGS, "theme")  # how the stage is shown: for any embed
RUN_SETTINGS = ("pace_ms", "start_method", "schedule")  # for a new run; a recorded one keeps its own
PROC_NAME_MAX = 200  # the API's bound on a process name in a schedule


@dataclass(frozen=True)
class EmbedOptions:
    autoplay: bool = False
    controls: bool = True
    source: bool = False
    theme: Theme = "auto"
    pace_ms: int = DEFAULT_PACE_MS
    start_method: str = "fork"
    schedule: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "autoplay": self.autoplay,
            "controls": self.controls,
            "source": self.source,
            "theme": self.theme,
            "pace_ms": self.pace_ms,
            "start_method": self.start_method,
            "schedule": list(self.schedule),
        }


@dataclass
class EmbedQuery:
    """What an embed's address asks for: options, raw parameters, and notes on what was ignored."""

    options: EmbedOptions
    params: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _shown(raw: str) -> str:
    """A value as a note quotes it: cut short, since an address can be long."""
    return repr(raw if len(raw) <= 40 else raw[:39] + "…")


def _flag(name: str, raw: str, default: bool, notes: list[str]) -> bool:
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    notes.append(f"{name}={_shown(raw)} is not 1 or 0; using {int(default)}.")
    return default


def _pace(raw: str, notes: list[str]) -> int:
    try:
        pace = int(raw)
    except ValueError:
        pace = -1
    if 0 <= pace <= PACE_MAX_MS:
        return pace
    notes.append(
        f"pace_ms={_shown(raw)} is not a whole number from 0 to {PACE_MAX_MS}; using {DEFAULT_PACE_MS}."
    )
    return DEFAULT_PACE_MS


def _choice(name: str, raw: str, choices: tuple[str, ...], default: str, notes: list[str]) -> str:
    if raw in choices:
        return raw
    notes.append(f"{name}={_shown(raw)} is not one of {', '.join(choices)}; using {default}.")
    return default


def _schedule(raw: str, notes: list[str]) -> tuple[str, ...]:
    names = [name.strip() for name in raw.split(",")]
    if names == [""]:
        return ()
    if len(names) > MAX_SCHEDULE:
        notes.append(f"schedule has {len(names)} steps, more than {MAX_SCHEDULE}; the run goes freely.")
        return ()
    if any(not name or len(name) > PROC_NAME_MAX for name in names):
        notes.append(f"schedule={_shown(raw)} is not process names separated by commas; the run goes freely.")
        return ()
    return tuple(names)


def _param(raw: str) -> Any:
    """A parameter as the dashboard's address bar writes it: JSON, or else plain text."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def read_query(items: Iterable[tuple[str, str]], param_names: Collection[str] | None) -> EmbedQuery:
    """Read an embed's query. ``param_names`` are the scenario's parameters; ``None`` means
    the embed shows a recorded run, which takes no parameters or run settings."""
    query = dict(items)  # a repeated option: the last one counts
    notes: list[str] = []
    defaults = EmbedOptions()
    values: dict[str, Any] = {}
    params: dict[str, Any] = {}
    for name, raw in query.items():
        if name in FLAGS:
            values[name] = _flag(name, raw, getattr(defaults, name), notes)
        elif name == "theme":
            values[name] = _choice(name, raw, THEMES, defaults.theme, notes)
        elif param_names is None:
            notes.append(
                f"{_shown(name)} is ignored: a recorded run keeps the settings it ran with "
                f"(options here: {', '.join(DISPLAY)})."
            )
        elif name == "pace_ms":
            values[name] = _pace(raw, notes)
        elif name == "start_method":
            values[name] = _choice(name, raw, START_METHODS, defaults.start_method, notes)
        elif name == "schedule":
            values[name] = _schedule(raw, notes)
        elif name in param_names:
            params[name] = _param(raw)
        else:
            choices = ", ".join([*param_names, *DISPLAY, *RUN_SETTINGS])
            notes.append(f"Unknown option {_shown(name)} is ignored (options here: {choices}).")
    return EmbedQuery(EmbedOptions(**values), params, notes)
