"""Pools of worker processes (``multiprocessing.Pool``): work submitted, each task (or chunk
of a map, which is what really travels) sent to the workers, taken by one, its result or
exception sent back, and the caller collecting it.

A task travels twice, as two messages: ``pool.task`` → ``pool.take`` (the task, from the
pool's owner to a worker) and ``pool.done`` → ``pool.result`` (its outcome, back). ``job``
ties the tasks of one submission together and ``index`` numbers them within it.
"""

from __future__ import annotations

from typing import Annotated, Literal

from app.events import kinds as K
from app.events.schema.base import Doc, Event, ValueEvent

Job = Annotated[int, Doc(description="The submission the task belongs to (one apply, one map…).")]
TaskIndex = Annotated[int, Doc(ge=0, description="The task's place in its job: the n-th chunk of a map.")]
Raised = Annotated[
    str | None,
    Doc(description="The exception the function raised, as 'Type: message'; it travels back as the result."),
]


class PoolNew(Event, kw_only=True, tag=K.POOL_NEW):
    """A Pool was made; its workers are started next (``proc.spawn``)."""

    say = ("{proc} created pool {obj} with {processes} worker processes",)

    processes: int


class PoolSubmit(ValueEvent, kw_only=True, tag=K.POOL_SUBMIT):
    """The program handed work to the pool; ``value`` is the arguments (apply) or the
    items (map, imap, starmap). ``error``: the pool refused it (closed, bad chunksize)."""

    say = (
        "{proc} could not give work to {obj}: {error}",
        "[method=apply|apply_async] {proc} asked {obj} to run {func}{value} (job {job})",
        "{proc} asked {obj} to {method} {func}() over {value} in chunks of {chunksize} (job {job})",
        "{proc} asked {obj} to {method} {func}() over {value} (job {job})",
    )
    group = "message"

    method: str
    func: str | None = None
    job: int | None = None
    chunksize: int | None = None
    error: str | None = None


class PoolTask(ValueEvent, kw_only=True, tag=K.POOL_TASK):
    """A task left the pool's owner for the workers' shared task pipe (sent by the pool's
    own thread there); ``value`` is its arguments, or the items of its chunk."""

    say = (
        "{proc} sent task {index} of job {job} to {obj}'s workers: {func}() over the {size} items {value}",
        "{proc} sent task {index} of job {job} to {obj}'s workers: {func}{value}",
    )
    group = "message"
    flow = "task"

    job: Job
    index: TaskIndex
    func: str | None = None
    size: int | None = None  # items in a chunk; None for one call (apply)
    msg: str


class PoolTake(ValueEvent, kw_only=True, tag=K.POOL_TAKE):
    """A worker took a task out of the task pipe (``msg`` names its sending), or ``stop``:
    the stop signal the pool sends each worker when it closes, after which it exits."""

    say = (
        "[stop=True] {proc} took the stop signal from {obj}: no more tasks, so it exits",
        "{proc} took task {index} of job {job} from {obj}: {func}() over the {size} items {value}",
        "{proc} took task {index} of job {job} from {obj}: {func}{value}",
    )
    answers = K.POOL_TASK
    group = "message"

    job: int | None = None
    index: int | None = None
    func: str | None = None
    size: int | None = None
    msg: str | None = None
    stop: bool = False


class PoolDone(ValueEvent, kw_only=True, tag=K.POOL_DONE):
    """A worker finished a task and sent its outcome back: ``value`` (the result, a list
    for a chunk) or ``raised``."""

    say = (
        "{proc} finished task {index} of job {job}: it raised {raised}, which goes back to {obj}'s owner",
        "{proc} finished task {index} of job {job} and sent back {value}",
    )
    group = "message"
    flow = "result"

    job: Job
    index: TaskIndex
    raised: Raised = None
    msg: str


class PoolResult(ValueEvent, kw_only=True, tag=K.POOL_RESULT):
    """The pool's owner received a task's outcome (in the pool's own thread there)."""

    say = (
        "{proc} received from {obj}: task {index} of job {job} raised {raised}",
        "{proc} received from {obj}: task {index} of job {job} gave {value}",
    )
    answers = K.POOL_DONE
    group = "message"

    job: Job
    index: TaskIndex
    raised: Raised = None
    msg: str


class PoolCallback(ValueEvent, kw_only=True, tag=K.POOL_CALLBACK):
    """The job's callback (or error_callback) runs in the pool's owner, in the pool's own
    thread, with the job's result (or exception)."""

    say = (
        "{proc} runs error callback {func}() of job {job} with {raised}",
        "{proc} runs callback {func}() of job {job} with {value}",
    )

    job: Job
    func: str | None = None
    raised: Raised = None


class PoolWait(Event, kw_only=True, tag=K.POOL_WAIT):
    """The process blocks: a worker waiting for a task, the caller for a job's result, the
    owner in join() for the workers to finish."""

    say = (
        "[op=task] {proc} waits for a task from {obj}",
        "[op=get] {proc} waits for the result of job {job} from {obj} (at most {timeout} s)",
        "[op=get] {proc} waits for the result of job {job} from {obj}",
        "[op=join] {proc} waits for the workers of {obj} to finish",
    )
    blocks = True

    op: Literal["task", "get", "join"]
    job: int | None = None
    timeout: float | None = None


class PoolGet(ValueEvent, kw_only=True, tag=K.POOL_GET):
    """The caller has a job's result (``value``), or ``raised`` (the task's exception,
    re-raised in the caller), or ``error`` (nothing yet: TimeoutError)."""

    say = (
        "{proc} gave up waiting for job {job} of {obj} ({error})",
        "{proc} got the exception of job {job} from {obj}: {raised}",
        "{proc} got the result of job {job} from {obj}: {value}",
    )
    group = "message"

    job: int
    raised: Raised = None
    error: str | None = None


class PoolClose(Event, kw_only=True, tag=K.POOL_CLOSE):
    """No more work may be submitted; the workers finish what is queued and exit."""

    say = ("{proc} closed {obj}: no more work, the workers stop once the queued tasks are done",)


class PoolTerminate(Event, kw_only=True, tag=K.POOL_TERMINATE):
    """The workers are stopped at once (SIGTERM), finished or not; ``by``: the end of a
    ``with`` block, which calls terminate()."""

    say = (
        "[by=with] {proc} left the with block of {obj}, which calls terminate(): any worker still running is "
        "stopped now",
        "{proc} terminated {obj}: any worker still running is stopped now, finished or not",
    )

    by: Literal["with"] | None = None


class PoolJoin(Event, kw_only=True, tag=K.POOL_JOIN):
    """join() returned: every worker has exited. ``error``: join() was refused."""

    say = (
        "{proc} could not join {obj}: {error}",
        "{proc} joined {obj}: all its workers have exited",
    )

    error: str | None = None


EVENTS: tuple[type[Event], ...] = (
    PoolNew,
    PoolSubmit,
    PoolTask,
    PoolTake,
    PoolDone,
    PoolResult,
    PoolCallback,
    PoolWait,
    PoolGet,
    PoolClose,
    PoolTerminate,
    PoolJoin,
)
