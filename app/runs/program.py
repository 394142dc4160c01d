"""What a run runs: a program, given as a value.

The built-in scenarios, a course's own programs and a person's own script (``python -m app
trace``) all become a ``Program`` before they reach the runner, so every kind of run takes
the same path. A scenario's program is written into the run's directory and runs from
there; a traced script runs where it is (``path`` or ``module``), as ``python`` would run it.
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
    # A person's program, run in place (app/runs/local_runner.py): the file as they named
    # it (sys.argv[0]), or the module of ``python -m MODULE``. Neither: a scenario's text.
    path: str | None = None
    module: str | None = None

    @property
    def in_place(self) -> bool:
        return self.path is not None or self.module is not None


@dataclass(frozen=True)
class RunnerConfig:
    """What a runner is told: the program and how to run and report it."""

    run_id: str
    program: Program
    pace_ms: int
    start_method: str
    socket_path: str
    run_dir: str
    t0: float
    gate: str = "free"
