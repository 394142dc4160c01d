"""What every event has, the run statuses, and the types fields share."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, get_args

import msgspec

# JSON value as the tracer reports it: containers are copied, long ones cut short
# (see app/tracing/values.py); ``repr`` carries Python's own spelling where JSON loses it.
Value = Any
Index = int | tuple[int, int]

Doc = msgspec.Meta

# What an event is about, for the views: data moving between processes, data read or
# written in a memory, or the rest (the run, processes, output, objects made).
Group = Literal["message", "memory", "control"]

# --- run statuses ----------------------------------------------------------------------

# deadlocked: every live process was blocked, with no timeout, and nothing happened for a
# while (app/runs/deadlock.py); the run was stopped as a cancel stops it.
FinalStatus = Literal["succeeded", "failed", "cancelled", "timed_out", "deadlocked"]
RunStatus = Literal["queued", "running", "succeeded", "failed", "cancelled", "timed_out", "deadlocked"]
FINAL_STATUSES: frozenset[str] = frozenset(get_args(FinalStatus))
# How pages name each status (exported to the page with the kinds).
STATUS_LABELS: dict[str, str] = {
    "queued": "Queued",
    "running": "Running",
    "succeeded": "Succeeded",
    "failed": "Failed",
    "cancelled": "Cancelled",
    "timed_out": "Timed out",
    "deadlocked": "Deadlocked",
}
assert set(STATUS_LABELS) == set(get_args(RunStatus)) >= FINAL_STATUSES


class Event(msgspec.Struct, tag_field="kind", kw_only=True, omit_defaults=True, forbid_unknown_fields=True):
    """Fields every event has."""

    say: ClassVar[tuple[str, ...]] = ()
    answers: ClassVar[str | None] = None
    group: ClassVar[Group] = "control"
    blocks: ClassVar[bool] = False
    flow: ClassVar[str | None] = None  # a producer's: the name of the arrow to its answers

    seq: Annotated[int, Doc(ge=0, description="Position in the run: 0, 1, 2… with no gaps.")]
    t: Annotated[float, Doc(description="Seconds since the run started (system monotonic clock).")]
    proc: Annotated[str, Doc(description="Logical process name: main, p1, p2, manager…")]
    pid: Annotated[int, Doc(description="Operating-system process id of the emitting process.")]
    obj: Annotated[
        str | None,
        Doc(description="The variable name of the object in the scenario source, if any."),
    ]
    line: Annotated[int | None, Doc(description="Line in the scenario source where the operation ran.")]
    file: Annotated[
        str | None,
        Doc(
            description="The traced program's file the line is in (its path in the program's folder), "
            "when it is not the program's main file (see run.file)."
        ),
    ] = None


class ValueEvent(Event, kw_only=True):
    """Fields of events that carry a value."""

    value: Annotated[Value, Doc(description="The value, as JSON.")] = None
    repr: Annotated[
        str | None,
        Doc(description="Python's repr of the value when JSON cannot show it (tuples, bytes…)."),
    ] = None
