"""The run's own events: its start and its end."""

from __future__ import annotations

from typing import Annotated, Any

from app.events import kinds as K
from app.events.schema.base import Doc, Event, FinalStatus


class RunStart(Event, kw_only=True, tag=K.RUN_START):
    """The runner is about to execute the scenario program."""

    say = ("run of {scenario} started ({start_method}, pace {pace_ms} ms)",)

    scenario: str
    params: dict[str, Any]
    pace_ms: int
    start_method: str
    python: str
    source: Annotated[
        str | None,
        Doc(description="The program's text as it ran, so that a saved run is whole (`python -m app view`)."),
    ] = None


class RunEnd(Event, kw_only=True, tag=K.RUN_END):
    """The last event of every run."""

    say = (
        "[status=timed_out] run timed out: {error}",
        "[status=timed_out] run timed out",
        "[status=cancelled] run cancelled",
        "run {status}: {error}",
        "run {status}",
    )

    status: FinalStatus
    exitcode: int | None = None
    error: str | None = None


class RunFile(Event, kw_only=True, tag=K.RUN_FILE):
    """A file of a traced program's own, other than its main file, whose code a process ran
    for the first time: its text, so that lines in it (an event's ``file``) can be shown."""

    say = ("{proc} runs code of the program's {path}",)

    path: Annotated[str, Doc(description="The file's path in the program's folder.")]
    text: Annotated[str, Doc(description="The file's text.")]


EVENTS = (
    RunStart,
    RunFile,
    RunEnd,
)
