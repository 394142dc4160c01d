"""The event schema: one struct per event kind, the single source for every consumer.

The tracer emits these kinds, the server stores and streams them as JSON objects, the
JSON Schema in ``events.schema.json`` and the JS constants in ``static/js/kinds.js`` are
generated from here (``python -m app.events.export``), and tests validate every event a
scenario produces against these structs.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec

# JSON value as the tracer reports it: containers are copied, long ones cut short
# (see app/tracing/values.py); ``repr`` carries Python's own spelling where JSON loses it.
Value = Any
Index = int | tuple[int, int]

Doc = msgspec.Meta


class Event(msgspec.Struct, tag_field="kind", kw_only=True, omit_defaults=True, forbid_unknown_fields=True):
    """Fields every event has."""

    seq: Annotated[int, Doc(ge=0, description="Position in the run: 0, 1, 2… with no gaps.")]
    t: Annotated[float, Doc(description="Seconds since the run started (system monotonic clock).")]
    proc: Annotated[str, Doc(description="Logical process name: main, p1, p2, manager…")]
    pid: Annotated[int, Doc(description="Operating-system process id of the emitting process.")]
    obj: Annotated[
        str | None,
        Doc(description="The variable name of the object in the scenario source, if any."),
    ]
    line: Annotated[int | None, Doc(description="Line in the scenario source where the operation ran.")]


class ValueEvent(Event, kw_only=True):
    """Fields of events that carry a value."""

    value: Annotated[Value, Doc(description="The value, as JSON.")] = None
    repr: Annotated[
        str | None,
        Doc(description="Python's repr of the value when JSON cannot show it (tuples, bytes…)."),
    ] = None


# --- the run -------------------------------------------------------------------------


class RunStart(Event, kw_only=True, tag="run.start"):
    """The runner is about to execute the scenario program."""

    scenario: str
    params: dict[str, Any]
    pace_ms: int
    start_method: str
    python: str


class RunEnd(Event, kw_only=True, tag="run.end"):
    """The last event of every run."""

    status: Literal["succeeded", "failed", "cancelled", "timed_out"]
    exitcode: int | None = None
    error: str | None = None


# --- processes -----------------------------------------------------------------------

Role = Literal["main", "worker", "manager"]


class ProcSpawn(Event, kw_only=True, tag="proc.spawn"):
    """A parent started a child process (emitted by the parent)."""

    child: str
    child_pid: int
    target: str | None = None
    role: Role = "worker"


class ProcStart(Event, kw_only=True, tag="proc.start"):
    """A process began running (emitted by the process itself)."""

    parent: str | None = None
    ppid: int
    target: str | None = None
    role: Role = "worker"


class ProcExit(Event, kw_only=True, tag="proc.exit"):
    """A process is exiting (emitted by itself; by the server when it was killed)."""

    exitcode: int | None = None
    reason: Literal["returned", "killed"] = "returned"


class ProcWait(Event, kw_only=True, tag="proc.wait"):
    """A parent blocks in join() on a child that is still running."""

    child: str


class ProcJoin(Event, kw_only=True, tag="proc.join"):
    """join() returned in the parent."""

    child: str
    exitcode: int | None = None


class Stdout(Event, kw_only=True, tag="stdout"):
    """One line the process printed, newline included when there was one."""

    text: str


class Stderr(Event, kw_only=True, tag="stderr"):
    """One line the process wrote to standard error."""

    text: str


class Var(ValueEvent, kw_only=True, tag="var"):
    """A watched variable changed in this process's own memory."""

    scope: Literal["global", "local"]
    fn: str | None = None


# --- queues --------------------------------------------------------------------------


class QueueNew(Event, kw_only=True, tag="queue.new"):
    maxsize: int = 0


class QueuePut(ValueEvent, kw_only=True, tag="queue.put"):
    """An item entered the queue; ``msg`` pairs it with the get that takes it out."""

    msg: str


class QueueGet(ValueEvent, kw_only=True, tag="queue.get"):
    """An item left the queue (``msg`` names its put); ``error`` when none came."""

    msg: str | None = None
    error: str | None = None


class QueueWait(Event, kw_only=True, tag="queue.wait"):
    """The process blocks: the queue is empty (get) or full (put)."""

    op: Literal["get", "put"]


class QueueEmpty(Event, kw_only=True, tag="queue.empty"):
    """q.empty() was called; ``value`` is what it returned."""

    value: bool


# --- pipes ---------------------------------------------------------------------------


class PipeNew(Event, kw_only=True, tag="pipe.new"):
    """Pipe() made two connected ends: ``obj`` and ``peer``."""

    peer: str | None
    duplex: bool


class PipeSend(ValueEvent, kw_only=True, tag="pipe.send"):
    msg: str
    peer: str | None = None


class PipeRecv(ValueEvent, kw_only=True, tag="pipe.recv"):
    msg: str | None = None
    error: str | None = None


class PipeWait(Event, kw_only=True, tag="pipe.wait"):
    """recv() blocks: nothing has arrived at this end yet."""

    op: Literal["recv"] = "recv"


class PipeClose(Event, kw_only=True, tag="pipe.close"):
    pass


# --- shared memory -------------------------------------------------------------------


class ValueNew(ValueEvent, kw_only=True, tag="value.new"):
    typecode: str


class ValueGet(ValueEvent, kw_only=True, tag="value.get"):
    """Read of ``.value``; ``version`` counts the writes it saw."""

    version: int


class ValueSet(ValueEvent, kw_only=True, tag="value.set"):
    version: int


class ArrayNew(ValueEvent, kw_only=True, tag="array.new"):
    typecode: str
    size: int


class ArrayGet(ValueEvent, kw_only=True, tag="array.get"):
    """Read of one cell (``index``) or a slice (``[start, stop]``)."""

    index: Index
    version: int


class ArraySet(ValueEvent, kw_only=True, tag="array.set"):
    index: Index
    version: int


# --- managers ------------------------------------------------------------------------


class ManagerCall(Event, kw_only=True, tag="manager.call"):
    """A proxy sends a method call to the manager's server process."""

    method: str
    args: list[Value] = msgspec.field(default_factory=list)
    msg: str


class ManagerServe(ValueEvent, kw_only=True, tag="manager.serve"):
    """The server process ran the call on the real object; ``state`` is the object after."""

    method: str
    args: list[Value] = msgspec.field(default_factory=list)
    msg: str | None = None
    state: Value = None
    error: str | None = None


class ManagerResult(ValueEvent, kw_only=True, tag="manager.result"):
    """The proxy got the reply (``value``) or an error."""

    method: str
    msg: str
    error: str | None = None


AnyEvent = (
    RunStart
    | RunEnd
    | ProcSpawn
    | ProcStart
    | ProcExit
    | ProcWait
    | ProcJoin
    | Stdout
    | Stderr
    | Var
    | QueueNew
    | QueuePut
    | QueueGet
    | QueueWait
    | QueueEmpty
    | PipeNew
    | PipeSend
    | PipeRecv
    | PipeWait
    | PipeClose
    | ValueNew
    | ValueGet
    | ValueSet
    | ArrayNew
    | ArrayGet
    | ArraySet
    | ManagerCall
    | ManagerServe
    | ManagerResult
)

EVENT_TYPES: tuple[type[Event], ...] = AnyEvent.__args__
KINDS: dict[str, type[Event]] = {
    cls.__struct_config__.tag: cls  # type: ignore[misc]
    for cls in EVENT_TYPES
}

# Kinds whose message pairs a producer with a consumer, for flows and causal checks.
PRODUCER_KINDS = frozenset({"queue.put", "pipe.send"})
CONSUMER_KINDS = frozenset({"queue.get", "pipe.recv"})
WAIT_KINDS = frozenset(k for k in KINDS if k.endswith(".wait"))

_decoder = msgspec.json.Decoder(AnyEvent)


def decode(data: bytes | str) -> Event:
    """Parse and validate one event from JSON; raises msgspec.ValidationError."""
    return _decoder.decode(data)  # type: ignore[no-any-return]
