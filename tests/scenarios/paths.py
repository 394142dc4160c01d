"""How many paced steps a recorded run had on its longest path, and its cast as seen.

A paced run sleeps one pace after every operation that passes the gate's ``after``
(app/tracing/gate.py, called from the tracer's modules). Replaying a run's events with
those pauses, where every process runs at once and waits only where it really waits,
gives the length in paces of the chain that decides the run's wall time. An unpaced run
has the same events, so its replay says what a paced run of it takes.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

# The kinds whose operation is followed by em.after(), i.e. a pause when paced:
# app/tracing/{queues,pipes,messages,shared,managers,processes,output,watch}.py.
# Not: object creation, pipe.close, manager.call (its pause comes after its result),
# the manager's serving, the *.wait events, proc.start and proc.exit.
PACED = frozenset(
    {
        "queue.put",
        "queue.get",
        "queue.empty",
        "pipe.send",
        "pipe.recv",
        "value.get",
        "value.set",
        "array.get",
        "array.set",
        "manager.result",
        "manager.connect",
        "proc.spawn",
        "proc.join",
        "stdout",
        "stderr",
        "var",
        "queue.task_done",
        "queue.join",
        "pipe.poll",
        "pool.submit",
        "pool.take",
        "pool.done",
        "pool.get",
        "pool.close",
        "pool.terminate",
        "pool.join",
        "lock.acquire",
        "lock.release",
        "semaphore.acquire",
        "semaphore.release",
        "event.set",
        "event.clear",
        "event.wake",
        "condition.wake",
        "condition.notify",
        "barrier.pass",
        "shm.read",
        "shm.write",
        "shm.get",
        "shm.set",
        "shm.close",
        "shm.unlink",
    }
)
# A message's sending (its effect recorded by msg) and the kinds that wait for it. A manager's
# serving waits for its call and is what its result waits for; the server serves one call
# after another, so a call the server held (manager.wait) is served only after the call
# that let it go on (a put, a release, a set).
SENDS = frozenset({"queue.put", "pipe.send", "pool.task", "pool.done", "manager.call", "manager.serve"})
RECEIVES = frozenset(
    {"queue.get", "pipe.recv", "pool.take", "pool.result", "manager.serve", "manager.result"}
)


def lets_through(e: dict[str, Any]) -> bool:
    """An operation that lets a waiter on its object go on: a lock's last release, a
    semaphore's release, a set, a notify, a barrier's last arrival."""
    kind = e["kind"]
    if kind == "lock.release":
        return not e.get("depth") and not e.get("error")
    return kind in ("semaphore.release", "event.set", "condition.notify") or (
        kind == "barrier.pass" and bool(e.get("last"))
    )


def paced_per_process(events: list[dict[str, Any]]) -> Counter[str]:
    return Counter(e["proc"] for e in events if e["kind"] in PACED)


def longest_path(events: list[dict[str, Any]], locked: frozenset[str] = frozenset()) -> int:
    """The run's length in paces.

    Each process has a clock. A paced operation ends one pace after it could begin: when
    its process got there and, for a get/recv, once the item was put in (a put takes
    effect before its own pause), for a join once the child had exited. A child starts
    when its spawn took effect. A process that waited on a lock, semaphore, event,
    condition or barrier goes on no earlier than the hand-off that let it (a release, a
    set, a notify, the last arrival) took effect. Reads and writes of shared memory wait
    for nothing, except on an object in ``locked``: a program that holds a lock the
    tracer cannot see across a read and a write (pausing inside) makes every operation on
    it wait until the previous one's pause is over.
    """
    clock: dict[str, int] = {}
    effect: dict[str, int] = {}  # message id -> when its put/send took effect
    started: dict[str, int] = {}  # child -> when its spawn took effect
    exited: dict[str, int] = {}
    free_at: dict[str, int] = {}  # locked object -> when the last operation's pause ended
    handed: dict[str, int] = {}  # sync object -> when its latest hand-off took effect
    waiting: set[tuple[str, str]] = set()  # (process, object) blocked in a *.wait
    for e in events:
        kind, proc = e["kind"], e["proc"]
        if kind in ("run.start", "run.end"):
            continue
        now = clock.setdefault(proc, started.get(proc, 0))
        if kind in RECEIVES and "msg" in e:
            now = max(now, effect.get(e["msg"], 0))
        elif kind == "proc.join":
            now = max(now, exited.get(e["child"], now))
        obj = e.get("obj")
        if kind.endswith(".wait") and obj is not None:
            waiting.add((proc, obj))
        elif obj is not None and (proc, obj) in waiting and kind in PACED:
            waiting.discard((proc, obj))
            now = max(now, handed.get(obj, 0))
        if e.get("obj") in locked and kind.split(".")[0] in ("value", "array"):
            now = max(now, free_at.get(e["obj"], 0))
        if kind in SENDS and kind not in PACED:
            effect[e["msg"]] = now  # a pool's task goes out from one of its threads
        if kind in PACED:
            if lets_through(e):
                handed[str(obj)] = now
            if kind in SENDS:
                effect[e["msg"]] = now
            elif kind == "proc.spawn":
                started[e["child"]] = now
            now += 1
            if e.get("obj") in locked:
                free_at[e["obj"]] = now
        elif kind == "proc.exit":
            exited[proc] = now
        clock[proc] = now
    return max(clock.values())


# Objects drawn as a band under the processes that use them (and watched variables): a
# cast lists them with their users.
BANDS = ("value", "array", "var", "shm", "lock", "semaphore", "event", "condition", "barrier", "pool")


def _in_order(procs: set[str], order: list[str]) -> list[str]:
    return [p for p in order if p in procs]


def seen_cast(events: list[dict[str, Any]]) -> dict[str, Any]:
    """The cast a run really had, in the shape of ``Scenario.cast``: processes in the
    order they were started, objects in the order they first appear, and for each object
    the processes that used it (its creation aside), in process order."""
    first = next(e["proc"] for e in events if e["kind"] == "proc.start")
    processes = [first, *(e["child"] for e in events if e["kind"] == "proc.spawn")]
    pipe_of: dict[str, str] = {}
    for e in events:
        if e["kind"] == "pipe.new":
            pipe_of[e["obj"]] = pipe_of[e["peer"]] = e["obj"]
    objects: dict[str, dict[str, Any]] = {}
    uses: dict[tuple[str, str], set[str]] = {}
    for e in events:
        obj, group = e.get("obj"), e["kind"].split(".")[0]
        if obj is None or group not in ("queue", "pipe", "manager", *BANDS):
            continue
        name = pipe_of.get(obj, obj) if group == "pipe" else obj
        objects.setdefault(name, {"type": group, "name": name})
        if e["kind"].endswith(".new"):
            continue
        if group == "queue" and e["kind"] in ("queue.put", "queue.get"):
            uses.setdefault((name, e["kind"]), set()).add(e["proc"])
        elif group == "pipe":
            uses.setdefault((name, obj), set()).add(e["proc"])
        elif group == "manager" and e["kind"] == "manager.serve":
            uses.setdefault((name, "server"), set()).add(e["proc"])
        elif group == "manager" and e["kind"] == "manager.call":
            uses.setdefault((name, "proxies"), set()).add(e["proc"])
        elif group in BANDS:
            uses.setdefault((name, "users"), set()).add(e["proc"])
    for name, o in objects.items():

        def used(role: str, name: str = name) -> list[str]:
            return _in_order(uses.get((name, role), set()), processes)

        if o["type"] == "queue":
            o.update({"from": used("queue.put"), "to": used("queue.get")})
        elif o["type"] == "pipe":
            ends = [name, next(e["peer"] for e in events if e["kind"] == "pipe.new" and e["obj"] == name)]
            o.update({"ends": ends, "users": {end: used(end) for end in ends}})
        elif o["type"] == "manager":
            servers = used("server")
            assert len(servers) == 1, f"{name} was served by {servers}"
            o.update({"server": servers[0], "proxies": used("proxies")})
        else:
            o["users"] = used("users")
    return {"processes": processes, "objects": list(objects.values())}
