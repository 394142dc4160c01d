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


EVENTS = (
    RunStart,
    RunEnd,
)
