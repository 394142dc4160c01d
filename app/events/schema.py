"""The event schema: one struct per event kind, the single source for every consumer.

Each struct says, next to its fields, everything else about its kind: how it is narrated
(``say``: templates in plain words, the first that applies is used; the rules are in
``app/events/narration.py``), which kind it
answers (``answers``: the producer whose ``msg`` it shares, for causal checks and trace
flows), what it is about (``group``: what the timeline weighs), and whether the process
is blocked after it (``blocks``), and for a producer the name of the arrow a trace draws to
its answers (``flow``). Kind names come from ``app/events/kinds.py``.

The tracer emits these kinds, the server stores and streams them as JSON objects, the
JSON Schema in ``events.schema.json`` and the JS constants in ``static/js/kinds.js`` are
generated from here (``python -m app.events.codegen``), and tests validate every event a
scenario produces against these structs.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal, get_args

import msgspec

from app.events import kinds as K

# JSON value as the tracer reports it: containers are copied, long ones cut short
# (see app/tracing/values.py); ``repr`` carries Python's own spelling where JSON loses it.
Value = Any
Index = int | tuple[int, int]

Doc = msgspec.Meta

# What an event is about, for the views: data moving between processes, data read or
# written in a memory, or the rest (the run, processes, output, objects made).
Group = Literal["message", "memory", "control"]

# --- run statuses ----------------------------------------------------------------------

FinalStatus = Literal["succeeded", "failed", "cancelled", "timed_out"]
RunStatus = Literal["queued", "running", "succeeded", "failed", "cancelled", "timed_out"]
FINAL_STATUSES: frozenset[str] = frozenset(get_args(FinalStatus))
# How pages name each status (exported to the page with the kinds).
STATUS_LABELS: dict[str, str] = {
    "queued": "Queued",
    "running": "Running",
    "succeeded": "Succeeded",
    "failed": "Failed",
    "cancelled": "Cancelled",
    "timed_out": "Timed out",
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


class ValueEvent(Event, kw_only=True):
    """Fields of events that carry a value."""

    value: Annotated[Value, Doc(description="The value, as JSON.")] = None
    repr: Annotated[
        str | None,
        Doc(description="Python's repr of the value when JSON cannot show it (tuples, bytes…)."),
    ] = None


# --- the run -------------------------------------------------------------------------


class RunStart(Event, kw_only=True, tag=K.RUN_START):
    """The runner is about to execute the scenario program."""

    say = ("run of {scenario} started ({start_method}, pace {pace_ms} ms)",)

    scenario: str
    params: dict[str, Any]
    pace_ms: int
    start_method: str
    python: str


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


# --- processes -----------------------------------------------------------------------

Role = Literal["main", "worker", "manager"]


class ProcSpawn(Event, kw_only=True, tag=K.PROC_SPAWN):
    """A parent started a child process (emitted by the parent)."""

    say = (
        "[role=manager] {proc} started {child}, the manager's server process (pid {child_pid})",
        "{proc} started {child} to run {target}() (pid {child_pid})",
        "{proc} started {child} (pid {child_pid})",
    )

    child: str
    child_pid: int
    target: str | None = None
    role: Role = "worker"


class ProcStart(Event, kw_only=True, tag=K.PROC_START):
    """A process began running (emitted by the process itself)."""

    say = (
        # The server process runs multiprocessing's own loop: name what it is, not its function.
        "[role=manager] {proc} starts: it is the manager's server process, where the shared objects "
        "will live",
        "[role=main] {proc} starts running the program",
        "{proc} runs {target}()",
        "{proc} started",
    )

    parent: str | None = None
    ppid: int
    target: str | None = None
    role: Role = "worker"


class ProcExit(Event, kw_only=True, tag=K.PROC_EXIT):
    """A process is exiting (emitted by itself; by the server when it was killed)."""

    say = (
        "[reason=killed] {proc} was killed before it finished",
        "[exitcode=0] {proc} finished (exit code 0)",
        "{proc} exited with code {exitcode}",
        "{proc} ended ({reason})",
    )

    exitcode: int | None = None
    reason: Literal["returned", "killed"] = "returned"


class ProcWait(Event, kw_only=True, tag=K.PROC_WAIT):
    """A parent blocks in join() on a child that is still running."""

    say = ("{proc} waits for {child} to finish",)
    blocks = True

    child: str


class ProcJoin(Event, kw_only=True, tag=K.PROC_JOIN):
    """join() returned in the parent."""

    say = ("{proc} joined {child} (exit code {exitcode})", "{proc} joined {child}")

    child: str
    exitcode: int | None = None


class Stdout(Event, kw_only=True, tag=K.STDOUT):
    """One line the process printed, newline included when there was one."""

    say = ("[text=''] {proc} printed an empty line", "{proc} printed {text}")

    text: str


class Stderr(Event, kw_only=True, tag=K.STDERR):
    """One line the process wrote to standard error."""

    say = ("{proc} wrote to stderr: {text}",)

    text: str


class Var(ValueEvent, kw_only=True, tag=K.VAR):
    """A watched variable changed in this process's own memory."""

    say = ("in {proc}, {obj} = {value}",)
    group = "memory"

    scope: Literal["global", "local"]
    fn: str | None = None


# --- queues --------------------------------------------------------------------------


class QueueNew(Event, kw_only=True, tag=K.QUEUE_NEW):
    say = ("{proc} created queue {obj}",)

    maxsize: int = 0


class QueuePut(ValueEvent, kw_only=True, tag=K.QUEUE_PUT):
    """An item entered the queue; ``msg`` pairs it with the get that takes it out."""

    say = ("{proc} put {value} into {obj}",)
    group = "message"
    flow = "message"

    msg: str


class QueueGet(ValueEvent, kw_only=True, tag=K.QUEUE_GET):
    """An item left the queue (``msg`` names its put); ``error`` when none came."""

    say = (
        "[error=Empty] {proc} found {obj} empty, so get() raised queue.Empty",
        "{proc} could not get from {obj} ({error})",
        "{proc} got {value} from {obj}",
    )
    answers = K.QUEUE_PUT
    group = "message"

    msg: str | None = None
    error: str | None = None


class QueueWait(Event, kw_only=True, tag=K.QUEUE_WAIT):
    """The process blocks: the queue is empty (get) or full (put)."""

    say = (
        "[op=get] {proc} waits: {obj} is empty, there is nothing to get yet",
        "[op=put] {proc} waits: {obj} is full, there is no room to put yet",
    )
    blocks = True

    op: Literal["get", "put"]


class QueueEmpty(Event, kw_only=True, tag=K.QUEUE_EMPTY):
    """q.empty() was called; ``value`` is what it returned."""

    say = (
        "[value=True] {proc} asked whether {obj} is empty: yes",
        "[value=False] {proc} asked whether {obj} is empty: no",
    )

    value: bool


# --- pipes ---------------------------------------------------------------------------


class PipeNew(Event, kw_only=True, tag=K.PIPE_NEW):
    """Pipe() made two connected ends: ``obj`` and ``peer``."""

    say = (
        "[duplex=False] {proc} created a one-way pipe: what is sent into {peer} comes out of {obj}",
        "{proc} created a pipe with two connected ends, {obj} and {peer}",
        "{proc} created a pipe: {obj}",
    )

    peer: str | None
    duplex: bool


class PipeSend(ValueEvent, kw_only=True, tag=K.PIPE_SEND):
    say = ("{proc} sent {value} into {obj}; it comes out at {peer}", "{proc} sent {value} into {obj}")
    group = "message"
    flow = "message"

    msg: str
    peer: str | None = None


class PipeRecv(ValueEvent, kw_only=True, tag=K.PIPE_RECV):
    say = (
        "[error=EOFError] {proc} tried to receive on {obj}, but the other end is closed and nothing is "
        "left, so recv() raised EOFError",
        "{proc} got {error} on {obj}",
        "{proc} received {value} from {obj}",
    )
    answers = K.PIPE_SEND
    group = "message"

    msg: str | None = None
    error: str | None = None


class PipeWait(Event, kw_only=True, tag=K.PIPE_WAIT):
    """recv() blocks: nothing has arrived at this end yet."""

    say = ("{proc} waits for a message on {obj}",)
    blocks = True

    op: Literal["recv"] = "recv"


class PipeClose(Event, kw_only=True, tag=K.PIPE_CLOSE):
    say = ("{proc} closed {obj}",)


# --- shared memory -------------------------------------------------------------------


class ValueNew(ValueEvent, kw_only=True, tag=K.VALUE_NEW):
    say = ("{proc} created shared value {obj} = {value}",)

    typecode: str


class ValueGet(ValueEvent, kw_only=True, tag=K.VALUE_GET):
    """Read of ``.value``; ``version`` counts the writes it saw."""

    say = ("{proc} read {obj}.value: {value}",)
    group = "memory"

    version: int


class ValueSet(ValueEvent, kw_only=True, tag=K.VALUE_SET):
    say = ("{proc} set {obj}.value = {value}",)
    group = "memory"

    version: int


class ArrayNew(ValueEvent, kw_only=True, tag=K.ARRAY_NEW):
    say = ("{proc} created shared array {obj} = {value}",)

    typecode: str
    size: int


class ArrayGet(ValueEvent, kw_only=True, tag=K.ARRAY_GET):
    """Read of one cell (``index``) or a slice (``[start, stop]``)."""

    say = ("{proc} read {obj}[{index}]: {value}",)
    group = "memory"

    index: Index
    version: int


class ArraySet(ValueEvent, kw_only=True, tag=K.ARRAY_SET):
    say = ("{proc} set {obj}[{index}] = {value}",)
    group = "memory"

    index: Index
    version: int


# --- managers ------------------------------------------------------------------------


# The list and dict methods that change the object in place and return None.
CHANGES = "append|extend|insert|remove|reverse|sort|clear|update"

CalledBy = Annotated[
    Literal["for"] | None,
    Doc(description="What made the call when the program did not write it: a for loop's next step."),
]


class ManagerCall(Event, kw_only=True, tag=K.MANAGER_CALL):
    """A proxy sends a method call to the manager's server process."""

    # Dunder methods are what Python calls for `x[i]`, `len(x)`, `for … in x`: say those.
    say = (
        "[method=list|dict; args=] {proc} asks the manager to create an empty {method}; {obj} will be "
        "the proxy to it",
        "[method=list|dict] {proc} asks the manager to create a {method} from {args}; {obj} will be "
        "the proxy to it",
        "[method=__getitem__; by=for] {proc}'s for loop asks the manager for item {args} of {obj}",
        "[method=__getitem__] {proc} asks the manager for {obj}[{args}]",
        "[method=__setitem__] {proc} asks the manager to set {obj}[{args[0]}] = {args[1]}",
        "[method=__delitem__] {proc} asks the manager to delete {obj}[{args}]",
        "[method=__len__] {proc} asks the manager how many items {obj} has",
        "[method=__contains__] {proc} asks the manager whether {obj} contains {args}",
        "[method=__iter__; by=for] {proc}'s for loop asks the manager to go through {obj}",
        "[method=__iter__] {proc} asks the manager to go through {obj}",
        "[method=__reversed__] {proc} asks the manager to go through {obj} backwards",
        "[method=__add__] {proc} asks the manager for {obj} + {args}",
        "[method=__mul__|__rmul__] {proc} asks the manager for {obj} * {args}",
        "[method=__imul__] {proc} asks the manager to repeat {obj} {args} times",
        "{proc} asks the manager to run {obj}.{method}({args})",
    )
    group = "message"
    flow = "call"

    method: str
    args: list[Value] = msgspec.field(default_factory=list)
    msg: str
    by: CalledBy = None


class ManagerServe(ValueEvent, kw_only=True, tag=K.MANAGER_SERVE):
    """The server process ran the call on the real object; ``state`` is the object after."""

    say = (
        "[method=__getitem__; error=IndexError] {proc} finds no item {args} in {obj}, so it answers "
        "IndexError",
        "[method=__getitem__; error=KeyError] {proc} finds no key {args} in {obj}, so it answers KeyError",
        "{proc} answers {error}: what was asked of {obj} failed",
        "[method=list|dict] {proc} now holds the real {method} {obj} = {state}",
        "[method=__getitem__] {proc} looks up {obj}[{args}] and sends back {value}",
        "[method=__setitem__] {proc} sets {obj}[{args[0]}] = {args[1]}; {obj} is now {state}",
        "[method=__delitem__] {proc} deletes {obj}[{args}]; {obj} is now {state}",
        "[method=__len__] {proc} counts the items of {obj} and sends back {value}",
        "[method=__contains__] {proc} looks for {args} in {obj} and sends back {value}",
        "[method=__iter__|__reversed__] {proc} starts going through {obj} and sends back {value}",
        "[method=__add__] {proc} works out {obj} + {args} and sends back {value}",
        "[method=__mul__|__rmul__] {proc} works out {obj} * {args} and sends back {value}",
        "[method=__imul__] {proc} repeats {obj} {args} times; {obj} is now {state}",
        f"[method={CHANGES}] {{proc}} runs {{obj}}.{{method}}({{args}}); {{obj}} is now {{state}}",
        "[method=pop|popitem|setdefault] {proc} runs {obj}.{method}({args}) and sends back {value}; "
        "{obj} is now {state}",
        "{proc} runs {obj}.{method}({args}) and sends back {value}",
    )
    answers = K.MANAGER_CALL
    group = "memory"

    method: str
    args: list[Value] = msgspec.field(default_factory=list)
    msg: str | None = None
    state: Value = None
    error: str | None = None


class ManagerResult(ValueEvent, kw_only=True, tag=K.MANAGER_RESULT):
    """The proxy got the reply (``value``) or an error."""

    say = (
        "[method=__getitem__; by=for; error=IndexError] {obj} has no more items, so {proc}'s for loop ends",
        "[method=__getitem__; by=for] {proc}'s for loop gets {value}, the next item of {obj}",
        "[method=__getitem__; error=IndexError] {proc} hears that {obj} has no such item (IndexError)",
        "[method=__getitem__; error=KeyError] {proc} hears that {obj} has no such key (KeyError)",
        "{proc} gets {error} back: what it asked of {obj} failed",
        "[method=list|dict] {proc} gets {obj}: {value}",
        "[method=__getitem__] {proc} gets {value} from {obj}",
        "[method=__len__] {proc} hears how many items {obj} has: {value}",
        "[method=__contains__; value=True] {proc} hears that {obj} contains it",
        "[method=__contains__] {proc} hears that {obj} does not contain it",
        "[method=__iter__; by=for] {proc}'s for loop gets {value} to go through {obj}",
        "[method=__iter__|__reversed__] {proc} gets {value} to go through {obj}",
        "[method=__add__|__mul__|__rmul__] {proc} gets {value}",
        f"[method=__setitem__|__delitem__|__imul__|{CHANGES}] {{proc}} hears back: the manager has "
        "changed {obj}",
        "{proc} gets {value} back from {obj}.{method}()",
    )
    answers = K.MANAGER_SERVE
    group = "message"

    method: str
    msg: str
    error: str | None = None
    by: CalledBy = None


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

EVENT_TYPES: tuple[type[Event], ...] = get_args(AnyEvent)
KINDS: dict[str, type[Event]] = {str(cls.__struct_config__.tag): cls for cls in EVENT_TYPES}

# consumer kind -> the producer kind whose ``msg`` it shares (get -> put, serve -> call…)
ANSWERS: dict[str, str] = {kind: cls.answers for kind, cls in KINDS.items() if cls.answers is not None}
# Kinds that start a chain of answers (a put, a send, a manager call).
PRODUCER_KINDS = frozenset(kind for kind, cls in KINDS.items() if cls.flow is not None)
WAIT_KINDS = frozenset(kind for kind, cls in KINDS.items() if cls.blocks)


def _chain(producer: str) -> list[str]:
    """The kinds that answer ``producer`` in turn: queue.put -> [queue.get];
    manager.call -> [manager.serve, manager.result]."""
    chain, last = [], producer
    while (answer := next((c for c, p in ANSWERS.items() if p == last), None)) is not None:
        chain.append(last := answer)
    return chain


CHAINS: dict[str, list[str]] = {kind: _chain(kind) for kind in PRODUCER_KINDS}
TEMPLATES: dict[str, list[str]] = {kind: list(cls.say) for kind, cls in KINDS.items()}

_decoder = msgspec.json.Decoder(AnyEvent)


def decode(data: bytes | str) -> Event:
    """Parse and validate one event from JSON; raises msgspec.ValidationError."""
    event: Event = _decoder.decode(data)
    return event
