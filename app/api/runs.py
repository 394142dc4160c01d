"""/api/runs: start, list, inspect, cancel runs, and stream their events."""

from __future__ import annotations

import asyncio
import re
from typing import Annotated, Any, Literal

import msgspec
from fastapi import APIRouter, Body, Header, HTTPException, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError

from app.api.deps import Client, CurrentSettings, Runs, Scenarios
from app.api.models import Problem, RunOut, RunSummary, StepIn
from app.api.run_body import RUN_BODY, checked_run, value_error
from app.api.sse import EventStreamResponse, follow
from app.events.chrome_trace import chrome_trace
from app.events.http_formats import RETRY_MS
from app.runs.archive import StoredRun
from app.runs.limits import LimitExceeded
from app.runs.run import Run
from app.runs.stepping import STEP_SETTLE_S, NotStepping, StepState

router = APIRouter(prefix="/runs", tags=["runs"])

NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": Problem, "description": "No such run"}}


async def _find(runs: Runs, run_id: str, with_events: bool = False) -> Run | StoredRun:
    """The run, from memory or from the store; 404 when neither has it."""
    run = await runs.find(run_id, with_events)
    if run is None:
        raise HTTPException(404, f"no run {run_id!r}")
    return run


def _with_source(run: Run | StoredRun, state: StepState | None = None) -> dict[str, Any]:
    out = {**run.summary(), "source": run.source}
    if state is not None and not state.finished:
        out.update(ready=state.ready, blocked=state.blocked, running=state.running)
    return out


def _run_out(runs: Runs, run: Run | StoredRun) -> dict[str, Any]:
    """The run, with who is ready and blocked now when it is being stepped."""
    stepper = runs.stepper(run.id) if isinstance(run, Run) else None
    return _with_source(run, stepper.state() if stepper is not None else None)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=RunOut,
    summary="Start a run",
    description="An invalid body gets a 422 naming every invalid field at once, with the scenario's "
    "own parameters checked as their JSON Schema in `GET /api/scenarios/{id}` says. A course program "
    "that cannot run (listed with an `error`) is a 422 on `scenario` that gives the error.",
    responses={
        201: {"headers": {"Location": {"description": "The new run's URL", "schema": {"type": "string"}}}},
        429: {
            "model": Problem,
            "description": "Over a limit; the message names it",
            "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
        },
    },
    openapi_extra=RUN_BODY,
)
async def create_run(
    body: Annotated[Any, Body()], response: Response, runs: Runs, client: Client, catalog: Scenarios
) -> dict[str, Any]:
    checked = checked_run(body, catalog)
    program = checked.scenario.make_program(checked.params)
    create = checked.body
    try:
        run = runs.start_program(
            program,
            create.pace_ms,
            create.start_method,
            client=client,
            mode=create.mode,
            schedule=create.schedule,
            then=create.then,
        )
    except LimitExceeded as exc:
        raise _too_many(exc) from None
    response.headers["Location"] = f"/api/runs/{run.id}"
    return _run_out(runs, run)


def _too_many(exc: LimitExceeded) -> HTTPException:
    return HTTPException(429, exc.message, headers={"Retry-After": str(exc.retry_after)})


@router.get("", response_model=list[RunSummary], summary="Runs, newest first (running, recent and stored)")
async def list_runs(
    runs: Runs,
    limit: Annotated[int, Query(ge=1, le=200, description="At most this many runs.")] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000, description="Skip this many of the newest.")] = 0,
) -> list[dict[str, Any]]:
    return await runs.summaries(limit, offset)


@router.get("/{run_id}", response_model=RunOut, summary="One run", responses=NOT_FOUND)
async def get_run(run_id: str, runs: Runs) -> dict[str, Any]:
    return _run_out(runs, await _find(runs, run_id))


STEP_RESPONSES: dict[int | str, dict[str, Any]] = {
    **NOT_FOUND,
    409: {"model": Problem, "description": "The process is not ready, or the run is not being stepped"},
}


@router.post(
    "/{run_id}/step",
    response_model=RunOut,
    summary="Let one process take its next operation (step mode)",
    description="Releases `proc`'s held operation and answers once it has taken effect and every "
    "process is again held (`ready`), blocked inside an operation (`blocked`) or gone, so a client can "
    "step in a loop without waiting in between. A process still computing after "
    f"{STEP_SETTLE_S:g} s is listed in `running`. Steps count against a per-client rate limit.",
    responses={
        **STEP_RESPONSES,
        429: {
            "model": Problem,
            "description": "Too many steps; the message names the limit",
            "headers": {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
        },
    },
)
async def step_run(run_id: str, body: StepIn, runs: Runs, client: Client) -> dict[str, Any]:
    run = await _find(runs, run_id)
    stepper = runs.stepper(run_id)
    if stepper is None:
        raise HTTPException(409, _not_stepped(run))
    try:
        runs.check_step(client)
    except LimitExceeded as exc:
        raise _too_many(exc) from None
    try:
        state = await stepper.step(body.proc)
    except NotStepping as exc:
        raise HTTPException(409, str(exc)) from None
    return _with_source(run, state)


@router.get(
    "/{run_id}/step",
    response_model=RunOut,
    summary="Who may go next (step mode)",
    description="Answers once the run is settled (every process held, blocked or gone) and the "
    "schedule it was given (if any) has been replayed, with `ready`: what each held process will do "
    "when released. For a run that is not being stepped, the run as `GET /api/runs/{id}` gives it.",
    responses=NOT_FOUND,
)
async def step_state(run_id: str, runs: Runs) -> dict[str, Any]:
    run = await _find(runs, run_id)
    stepper = runs.stepper(run_id)
    if stepper is None:
        return _with_source(run)
    # A replay is not over at its first settled moment: wait for the state it leaves.
    await stepper.replayed()
    if stepper.phase != "step":
        return _with_source(run)  # it runs freely now (or is over)
    return _with_source(run, await stepper.settled(STEP_SETTLE_S))


def _not_stepped(run: Run | StoredRun) -> str:
    status = run.summary()["status"]
    if status in ("queued", "running"):
        return f'run {run.id} is not in step mode (start one with "mode": "step")'
    return f"run {run.id} has finished ({status})"


@router.delete(
    "/{run_id}",
    response_model=RunOut,
    summary="Cancel a run",
    description="Stops the run's whole process tree (SIGTERM, then SIGKILL) and answers once it is gone. "
    "Cancelling a finished run changes nothing.",
    responses=NOT_FOUND,
)
async def cancel_run(run_id: str, runs: Runs) -> dict[str, Any]:
    run = await runs.cancel(run_id) or await _find(runs, run_id)
    return _with_source(run)


SSE_EXAMPLE = (
    f"retry: {RETRY_MS}\n"
    'id: 1\ndata: [{"seq":0,"t":0.004600,"kind":"run.start","proc":"main","pid":4242,"obj":null,"line":null,'
    '"scenario":"queue","params":{"mylist":[1,2,3,4]},"pace_ms":0,"start_method":"fork","python":"3.11.7"},'
    '{"seq":1,"t":0.004612,"kind":"proc.start","proc":"main","pid":4242,"obj":null,"line":null,'
    '"parent":null,"ppid":4240,"target":null,"role":"main"}]\n\n'
    ": keep-alive\n\n"
)


# One message of the stream (OpenAPI 3.1 reads an event stream's schema as each message's).
SSE_MESSAGE: dict[str, Any] = {
    "type": "object",
    "properties": {
        "data": {
            "type": "string",
            "contentMediaType": "application/json",
            "contentSchema": {
                "type": "array",
                "minItems": 1,
                "items": {"$ref": "#/components/schemas/Event"},
            },
        },
        "id": {"type": "string", "pattern": "^[0-9]+$", "description": "The last event's seq."},
        "event": {"const": "message"},
        "retry": {"type": "integer", "description": "Reconnect after this many milliseconds."},
    },
    "required": ["data", "id"],
}
# What _start_after takes (it checks it itself, to say what a Last-Event-ID must be).
LAST_EVENT_ID = "^(-1|[0-9]{1,19})?$"


@router.get(
    "/{run_id}/events",
    summary="Follow a run's events",
    description=(
        "Server-sent events: replays the run from the start (or after `Last-Event-ID` / `?after=N`), "
        "then follows it live and ends after the `run.end` event. Each message's `data` is a JSON array "
        "of one or more events (see the `Event` schema) and its `id` is the last event's `seq`. "
        "A comment line keeps idle streams alive. With `?format=ndjson`, the same events one per line. "
        "A finished run with nothing after the given id answers 204."
    ),
    response_class=Response,
    responses={
        200: {
            "description": "The event stream",
            "content": {
                "text/event-stream": {"schema": SSE_MESSAGE, "example": SSE_EXAMPLE},
                "application/x-ndjson": {"schema": {"$ref": "#/components/schemas/Event"}},
            },
        },
        204: {"description": "The run is over and nothing comes after the given event"},
        **NOT_FOUND,
    },
)
async def run_events(
    request: Request,
    run_id: str,
    runs: Runs,
    settings: CurrentSettings,
    after: Annotated[int | None, Query(ge=-1, description="Send events with seq > after.")] = None,
    format: Annotated[Literal["sse", "ndjson"], Query(description="Wire format.")] = "sse",
    last_event_id: Annotated[
        str,
        Header(
            max_length=20,
            description="Resume after this seq (sent by EventSource).",
            json_schema_extra={"pattern": LAST_EVENT_ID},
        ),
    ] = "",
) -> Response:
    run = await _find(runs, run_id, with_events=True)
    start = _start_after(after, last_event_id) + 1
    if run.log.closed and start >= len(run.log):
        return Response(status_code=204)
    sse = format == "sse"
    chunks = follow(run.log, start, sse, settings.sse_keepalive_s)
    media = "text/event-stream" if sse else "application/x-ndjson"
    return EventStreamResponse(chunks, media, settings.sse_stall_s, request.app.state.streams)


@router.get(
    "/{run_id}/trace",
    summary="The run as a Chrome trace",
    description="Trace Event Format JSON for Perfetto (ui.perfetto.dev) or chrome://tracing: one track "
    "per process, a slice per operation, waits as durations, flow arrows from each put/send to its "
    "get/recv and along each manager call.",
    response_class=Response,
    responses={200: {"content": {"application/json": {"schema": {"type": "object"}}}}, **NOT_FOUND},
)
async def run_trace(run_id: str, runs: Runs) -> Response:
    run = await _find(runs, run_id, with_events=True)
    body = await asyncio.to_thread(_trace_json, run.log.read(0), run.summary())
    return Response(
        body,
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="mpscope-{run.id}.trace.json"'},
    )


def _trace_json(encoded: list[bytes], summary: dict[str, Any]) -> bytes:
    events = [msgspec.json.decode(raw) for raw in encoded]
    return msgspec.json.encode(chrome_trace(events, summary))


def _start_after(after: int | None, last_event_id: str) -> int:
    # A malformed header is an error even where ?after= decides where to start. The pattern,
    # not int(), says what is a seq: int() also takes " 5", "+5", "1_0" and other scripts' digits.
    if not re.fullmatch(LAST_EVENT_ID, last_event_id):
        message = "Last-Event-ID must be an event seq: -1 or a whole number"
        raise RequestValidationError([value_error(("header", "last-event-id"), message)])
    resume = int(last_event_id) if last_event_id else -1
    return resume if after is None else after
