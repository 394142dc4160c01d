"""What every traced process of a run needs to know, passed from the runner to its children."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TraceContext:
    """Settings of one run's tracer; pickled into spawned children along with their Process."""

    socket_path: str
    t0: float
    program_path: str
    pace_s: float = 0.0
    gate: str = "free"  # see app/tracing/gate.py
    watch: tuple[str, ...] = ()
    start_method: str = "fork"
    # "capture": what processes print becomes events only (a scenario run: the page shows
    # it). "tee": it also reaches the process's own stdout and stderr unchanged (trace).
    output: str = "capture"
    # The run's own directory (notes between processes, the record of shared memory blocks
    # to clean up): a scenario's program lives in it, a traced program does not.
    run_dir: str = ""
    # A traced program's folder (its other files there are the program's too, but for the
    # folders in ``not_the_programs``); "" for a scenario, which is one file.
    program_root: str = ""
    not_the_programs: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    def __setstate__(self, state: dict[str, Any]) -> None:
        # Unpickling happens in a child made by spawn or forkserver, a fresh interpreter
        # that has none of our patches yet: install them before the child runs any code
        # of the scenario's (the Process object holding this context is unpickled right
        # before its _bootstrap runs).
        object.__setattr__(self, "__dict__", state)
        from app.tracing.tracer import install_in_spawned_child

        install_in_spawned_child(self)
