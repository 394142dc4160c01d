"""Response and request models of the JSON API (they make the OpenAPI document)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.events.schema import RunStatus
from app.json_types import Integer
from app.runs.service import MAX_SCHEDULE, MODES, START_METHODS

StartMethod = Literal["fork", "spawn", "forkserver"]
assert set(StartMethod.__args__) == set(START_METHODS)  # type: ignore[attr-defined]
Mode = Literal["free", "step"]
assert set(Mode.__args__) == set(MODES)  # type: ignore[attr-defined]
ProcName = Annotated[str, Field(min_length=1, max_length=200, examples=["p1"])]


class CastQueue(BaseModel):
    type: Literal["queue"]
    name: str
    from_: list[str] = Field(alias="from", description="The processes that put into it.")
    to: list[str] = Field(description="The processes that take from it.")


class CastPipe(BaseModel):
    type: Literal["pipe"]
    name: str = Field(description="The first end's name.")
    ends: list[str] = Field(description="The names of its two ends.")
    users: dict[str, list[str]] = Field(description="For each end, the processes that use it.")


class CastShared(BaseModel):
    """Anything the processes share that is drawn as a band under their boxes: shared memory,
    a lock, an event, a pool… (the page's static/js/state.js STORES lists the same types)."""

    type: Literal["value", "array", "lock", "semaphore", "event", "condition", "barrier", "pool", "shm"]
    name: str
    users: list[str] = Field(description="The processes that use it.")


class CastManager(BaseModel):
    type: Literal["manager"]
    name: str = Field(description="The managed object (its proxies' variable name).")
    server: str = Field(description="The manager's server process, where the object lives.")
    proxies: list[str] = Field(description="The processes that call it through a proxy.")


class CastVar(BaseModel):
    type: Literal["var"]
    name: str
    users: list[str] = Field(description="The processes whose own copy of it is watched.")


CastObject = Annotated[CastQueue | CastPipe | CastShared | CastManager | CastVar, Field(discriminator="type")]


class Cast(BaseModel):
    """What a default run of the scenario has, for the picture before it starts (every
    list of processes is in the order of ``processes``)."""

    processes: list[str] = Field(description="In the order they start.", examples=[["main", "p1", "p2"]])
    objects: list[CastObject] = Field(description="In the order they first appear.")


class ScenarioOut(BaseModel):
    id: str = Field(examples=["queue"])
    title: str
    summary: str = Field(description="Two sentences on what the scenario shows.")
    params: dict[str, Any] = Field(description="JSON Schema of the scenario's parameters.")
    defaults: dict[str, Any] = Field(examples=[{"mylist": [1, 2, 3, 4]}])
    default_pace_ms: int = Field(
        description="The pace the page suggests for this scenario, in milliseconds "
        "(POST /api/runs without pace_ms still means 0).",
        examples=[300],
    )
    concepts: list[str] = Field(examples=[["Queue"]])
    cast: Cast
    origin: Literal["built-in", "course"] = Field(
        description="A built-in scenario, or one of this course's own programs (MPSCOPE_SCENARIOS_DIR)."
    )
    error: str | None = Field(
        None,
        description="Why this course program cannot be run (its file, and the line), or null when "
        "it can; one that cannot is listed, and POST /api/runs refuses it.",
        examples=[None, "homework.py: line 12: workers: Input should be less than or equal to 1000"],
    )
    check: str | None = Field(
        None,
        description="What a failing run of this scenario looks like, when it declares one (a crash or "
        "a deadlock always is): POST /api/explorations searches its schedules for such a run.",
        examples=["the counter ends below 2 * times", None],
    )


class ScenarioDetail(ScenarioOut):
    source: str = Field(description="The program, as it runs with the default parameters.")
    lines: list[str] = Field(description="The program's lines; line n is lines[n - 1].")


class RunCreate(BaseModel):
    # Strict: a JSON true or "300" is not a pace, as a scenario's parameters (registry.Params).
    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        json_schema_extra={"examples": [{"scenario": "queue", "params": {"mylist": [5, 6]}, "pace_ms": 300}]},
    )

    scenario: str = Field(min_length=1, max_length=64, description="A scenario id from /api/scenarios.")
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="Parameters; see the scenario's JSON Schema. Missing ones take defaults.",
    )
    pace_ms: Integer = Field(
        0, ge=0, le=2000, description="Pause after each traced operation, in milliseconds."
    )
    start_method: StartMethod = Field("fork", description="How the program's processes are started.")
    mode: Mode = Field(
        "free",
        description="`step`: every traced operation waits, before it takes effect, until "
        "`POST /api/runs/{id}/step` says which process goes next.",
    )
    schedule: list[ProcName] | None = Field(
        None,
        max_length=MAX_SCHEDULE,
        description="Processes to release, in this order, before the run goes on as `then` says: "
        "a recorded `schedule` replays its run's operations exactly.",
        examples=[["main", "main", "main", "p1", "p2", "p1", "p2"]],
    )
    then: Mode | None = Field(
        None, description="After the schedule: run freely (`free`) or hold again (`step`). Default: `mode`."
    )


class EstimateOut(BaseModel):
    # steps, seconds, fits and max_pace_ms are null for a course's own program: how many
    # operations it makes is known only once it has run.
    steps: int | None = Field(description="Paced operations on the run's longest path.", examples=[21])
    seconds: float | None = Field(
        description="About how long the run takes at the given pace.", examples=[6.4]
    )
    timeout_s: float = Field(description="This server's run time limit.", examples=[30.0])
    fits: bool | None = Field(description="Whether the run should end before the time limit.")
    max_pace_ms: int | None = Field(
        description="The slowest pace at which the run still fits (at most the API's maximum; "
        "0 when not even an unpaced run fits).",
        examples=[1400],
    )
    cast: dict[str, Any] = Field(
        description="The processes (in the order they start) and objects the run will have, "
        "as `GET /api/scenarios/{id}` gives them for the defaults."
    )


class ProcessOut(BaseModel):
    name: str = Field(examples=["p1"])
    pid: int
    role: Literal["main", "worker", "manager"]
    exitcode: int | None


class Diverged(BaseModel):
    at: int = Field(description="The schedule's index that could not be followed.")
    expected: str = Field(description="The process the schedule names there.")
    ready: list[str] = Field(description="The processes that were ready instead.")


class RunSummary(BaseModel):
    id: str
    scenario: str
    params: dict[str, Any]
    pace_ms: int
    start_method: StartMethod
    mode: Mode = Field("free", description="`step`: a person says which process goes next.")
    schedule: list[str] = Field(
        default_factory=list, description="The processes released so far in step mode or replay, in order."
    )
    diverged: Diverged | None = Field(
        None, description="Where a replayed schedule could not be followed (the program took another path)."
    )
    status: RunStatus
    created_at: datetime
    ended_at: datetime | None
    exitcode: int | None = Field(description="The program's exit status, once it ended.")
    error: str | None = Field(description="Why the run did not succeed, when it did not.")
    events: int = Field(description="Events recorded so far.")
    processes: list[ProcessOut]


class ReadyOp(BaseModel):
    model_config = ConfigDict(extra="allow")

    proc: str = Field(examples=["p1"])
    kind: str = Field(description="The kind of the event it will make.", examples=["value.set"])
    obj: str | None = Field(examples=["counter"])
    line: int | None
    value: Any = Field(None, description="What it will put, send or store, where known before.")
    child: str | None = Field(None, description="The process it starts or joins.")


class BlockedOp(BaseModel):
    proc: str = Field(examples=["p2"])
    kind: str = Field(description="The wait it is in.", examples=["lock.wait"])
    obj: str | None
    line: int | None
    waits_for: str = Field(examples=["the lock counter.lock to be released"])


class RunOut(RunSummary):
    source: str = Field(description="The program with this run's parameters filled in.")
    ready: list[ReadyOp] = Field(
        default_factory=list,
        description="Step mode: each process held before an operation, with what it will do when released.",
    )
    blocked: list[BlockedOp] = Field(
        default_factory=list, description="Step mode: each process blocked inside an operation, and on what."
    )
    running: list[str] = Field(
        default_factory=list,
        description="Step mode: processes neither held nor blocked (computing, starting, exiting).",
    )


class StepIn(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)

    proc: ProcName = Field(description="The ready process whose next operation goes now.")


class Problem(BaseModel):
    detail: str = Field(examples=["the server is running its maximum of 4 runs at once; try again shortly"])


class Health(BaseModel):
    status: Literal["ok"]
    runs_active: int
    runs_kept: int
    streams_open: int = Field(description="Event streams being served right now.")
