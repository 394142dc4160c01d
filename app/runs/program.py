"""What a run runs: a program, given as a value.

The built-in scenarios, a course's own programs and (later) a person's script all become
a ``Program`` before they reach the runner, so every kind of run takes the same path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Program:
    name: str  # what the run is of: a scenario id, or a program's file stem
    source: str  # the text that runs, parameters filled in: exactly what is shown
    filename: str = "program.py"  # the name the program runs as (its __file__'s name)
    params: dict[str, Any] = field(default_factory=dict)  # the values filled in, as JSON
    args: tuple[str, ...] = ()  # sys.argv[1:]
    watch: tuple[str, ...] = ()  # variables whose per-process values are reported
