"""Processes: started, running, waiting for a child, ended; what they print; the variables
watched in their own memory."""

from __future__ import annotations

from typing import Literal

from app.events import kinds as K
from app.events.schema.base import Event, ValueEvent

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

    say = ("{proc} waits up to {timeout} s for {child} to finish", "{proc} waits for {child} to finish")
    blocks = True

    child: str
    timeout: float | None = None


class ProcJoin(Event, kw_only=True, tag=K.PROC_JOIN):
    """join() returned in the parent."""

    say = (
        "[alive=True] {proc} stopped waiting for {child} after {timeout} s: it is still running",
        "{proc} joined {child} (exit code {exitcode})",
        "{proc} joined {child}",
    )

    child: str
    exitcode: int | None = None
    timeout: float | None = None
    alive: bool = False


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


EVENTS = (
    ProcSpawn,
    ProcStart,
    ProcExit,
    ProcWait,
    ProcJoin,
    Stdout,
    Stderr,
    Var,
)
