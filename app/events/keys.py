"""The causal keys: how an event names what it makes happen and what must come before it.

An event may carry a ``key`` (something it makes: a message put into a queue, a write of a
shared value, a child started, a process's exit) and an ``after`` (a key made by another
event that must be released first: the put of the item a get took out). The tracer builds
both with these functions and the sequencer (``app/runs/sequencer.py``) reads the producer
back with ``producer``, so the rules live here only.

Every key starts with the pid of the process whose event makes it, ``"<pid>.<what>"``: when
that process's connection has closed and none of its queued events makes the key, the key
will never come, and whoever waits for it is released.
"""

from __future__ import annotations


def message(pid: int, n: int) -> str:
    """The n-th message (queue item, pipe message, manager call) sent by ``pid``; also the
    ``msg`` field that pairs the sending with the receiving."""
    return f"{pid}.{n}"


def message_prefix(pid: int) -> str:
    """``message(pid, n)`` is this prefix followed by ``n`` (the emitter builds ids fast)."""
    return f"{pid}."


def write(pid: int, obj_uid: str, version: int) -> str:
    """Version ``version`` of a shared Value or Array, written by ``pid``."""
    return f"{pid}.v{obj_uid}.{version}"


def spawn(parent_pid: int, child_pid: int) -> str:
    """The parent's start of a child: the child's own start comes after it."""
    return f"{parent_pid}.s{child_pid}"


def exited(pid: int) -> str:
    """A process's own exit: a join that saw it end comes after it."""
    return f"{pid}.x"


def reply(server_pid: int, msg: str) -> str:
    """A manager's server ran call ``msg``: the caller's result comes after it."""
    return f"{server_pid}.r{msg}"


def listening(server_pid: int) -> str:
    """A manager's server began serving at its address: a client's connection comes after it."""
    return f"{server_pid}.l"


def task_done(pid: int, queue: str, n: int) -> str:
    """The n-th ``task_done()`` ``pid`` made on the JoinableQueue named ``queue``: the
    ``join()`` it let return comes after it."""
    return f"{pid}.d{queue}.{n}"


def handoff(pid: int, obj_uid: str, n: int) -> str:
    """The n-th hand-off of a lock, semaphore, event, condition or barrier (a release, a
    set, a notify, a barrier's last arrival), made by ``pid``: whoever it let go on (the
    acquire, the wake-up, the pass) comes after it."""
    return f"{pid}.h{obj_uid}.{n}"


def holding(pid: int, obj_uid: str, n: int) -> str:
    """``pid`` took a lock after its n-th hand-off (0: the first holder): a process that
    waits for the lock and names ``pid`` as its holder comes after it."""
    return f"{pid}.g{obj_uid}.{n}"


def refusal(pid: int, msg: str) -> str:
    """``pid``'s listener refused connection ``msg`` (the client's proof of the authkey was
    wrong): the client's own refusal, which it learns of from the listener, comes after it."""
    return f"{pid}.f{msg}"


def producer(key: str) -> int | None:
    """The pid of the process whose event makes ``key``."""
    head = key.split(".", 1)[0]
    return int(head) if head.isdigit() else None
