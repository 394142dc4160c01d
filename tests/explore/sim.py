"""A pretend program for the search's own tests: processes of (kind, object) operations on
counters, locks, a barrier, children started and joined, stepped the way a step-mode run
is (each operation held until released; a blocked process wakes inside the step of the
one that lets it go, as its events show). It tells ``search`` what a real run would: who
is ready, what each step touched. The real runs are the explorer's tests
(tests/explore/test_explorer.py)."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.explore.search import Op, Prefix, Search, Step, preempts

Program = dict[str, list[tuple[str, str]]]
Choose = Callable[[int, str | None, Sequence[str]], str]
GoOn = Callable[[list[Step], tuple[Op, ...]], bool]


def race(times: int, lock: bool, main: bool = False) -> Program:
    """value-race: each of p1 and p2 adds ``times`` times; with ``main``, as the program
    does it: main starts both, they meet at a barrier, main joins both and reads."""
    add = [("value.get", "counter"), ("value.set", "counter")]
    if lock:
        add = [("lock.acquire", "lock"), *add, ("lock.release", "lock")]
    if not main:
        return {"p1": add * times, "p2": add * times}
    worker = [("barrier.pass", "barrier"), *add * times]
    starts = [("proc.spawn", "p1"), ("proc.spawn", "p2"), ("proc.join", "p1"), ("proc.join", "p2")]
    return {"main": [*starts, ("value.get", "counter")], "p1": worker, "p2": list(worker)}


@dataclass
class Ended:
    steps: list[Step]
    memory: dict[str, int]
    reads: dict[str, list[int]]  # what each process read, in order
    cut: bool = False

    @property
    def seen(self) -> tuple[Any, ...]:
        """What the run's processes could tell: every value they read, and the end."""
        reads = tuple(sorted((p, tuple(r)) for p, r in self.reads.items()))
        return tuple(sorted(self.memory.items())), reads


@dataclass
class _State:
    program: Program
    at: dict[str, int] = field(default_factory=dict)
    memory: dict[str, int] = field(default_factory=dict)
    reads: dict[str, list[int]] = field(default_factory=dict)
    holder: dict[str, str] = field(default_factory=dict)  # lock -> who holds it
    waiting: dict[str, list[str]] = field(default_factory=dict)  # lock -> who waits, in order
    started: set[str] = field(default_factory=set)
    joining: dict[str, str] = field(default_factory=dict)  # child -> who waits for its end
    at_barrier: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        spawned = {obj for ops in self.program.values() for kind, obj in ops if kind == "proc.spawn"}
        self.started = set(self.program) - spawned

    def next_op(self, proc: str) -> tuple[str, str] | None:
        ops = self.program[proc]
        i = self.at.get(proc, 0)
        return ops[i] if i < len(ops) else None

    def ready(self) -> list[dict[str, Any]]:
        blocked = {p for queue in self.waiting.values() for p in queue}
        blocked |= set(self.joining.values()) | set(self.at_barrier)
        out = []
        for proc in self.program:
            op = self.next_op(proc)
            if op is None or proc in blocked or proc not in self.started:
                continue
            kind, obj = op
            if kind.startswith("proc."):
                out.append({"proc": proc, "kind": kind, "obj": None, "child": obj})
            else:
                out.append({"proc": proc, "kind": kind, "obj": obj})
        return out

    def finished(self, proc: str) -> bool:
        return proc in self.started and self.next_op(proc) is None

    def release(self, proc: str) -> list[dict[str, Any]]:
        """Take ``proc``'s operation; the events it made (a woken process's among them)."""
        op = self.next_op(proc)
        assert op is not None
        kind, obj = op
        event: dict[str, Any] = {"proc": proc, "kind": kind, "obj": obj}
        events = [event]
        self.at[proc] = self.at.get(proc, 0) + 1
        if kind == "value.get":
            self.reads.setdefault(proc, []).append(self.memory.get(obj, 0))
        elif kind == "value.set":
            self.memory[obj] = self.reads[proc][-1] + 1
        elif kind == "lock.acquire":
            if obj in self.holder:
                self.waiting.setdefault(obj, []).append(proc)
                event["kind"] = "lock.wait"
            else:
                self.holder[obj] = proc
        elif kind == "lock.release":
            del self.holder[obj]
            queue = self.waiting.get(obj, [])
            if queue:
                woken = queue.pop(0)
                self.holder[obj] = woken
                events.append({"proc": woken, "kind": "lock.acquire", "obj": obj})
        elif kind == "proc.spawn":
            event.update(obj=None, child=obj)
            self.started.add(obj)
        elif kind == "proc.join":
            event.update(obj=None, child=obj)
            if not self.finished(obj):
                event["kind"] = "proc.wait"
                self.joining[obj] = proc
        elif kind == "barrier.pass":
            if not self.at_barrier:
                self.at_barrier.append(proc)
                event["kind"] = "barrier.wait"
            else:
                events.append({"proc": self.at_barrier.pop(), "kind": "barrier.pass", "obj": obj})
        if self.next_op(proc) is None:  # its last operation: it exits, and its joiner wakes
            events.append({"proc": proc, "kind": "proc.exit", "obj": None})
            parent = self.joining.pop(proc, None)
            if parent is not None:
                events.append({"proc": parent, "kind": "proc.join", "obj": None, "child": proc})
        return events


def run(program: Program, choose: Choose, go_on: GoOn | None = None) -> Ended:
    state = _State(program)
    steps: list[Step] = []
    last: str | None = None
    while entries := state.ready():
        ready = tuple(Op.announced(e) for e in entries)
        procs = [op.proc for op in ready]
        if go_on is not None and not go_on(steps, ready):
            return Ended(steps, dict(state.memory), state.reads, cut=True)
        proc = choose(len(steps), last, procs)
        events = state.release(proc)
        steps.append(Step(ready, ready[procs.index(proc)].with_events(events)))
        last = proc
    return Ended(steps, dict(state.memory), state.reads)


def search(
    program: Program, max_runs: int = 100_000, fails: Callable[[Ended], bool] | None = None
) -> tuple[Search, list[tuple[Prefix, Ended]]]:
    """The explorer's loop over the pretend program: every run it made, with its prefix
    (stopping after the first run that ``fails``)."""
    tree = Search()
    ended: list[tuple[Prefix, Ended]] = []
    while len(ended) < max_runs and (prefix := tree.next()) is not None:
        one = run(program, prefix.choose, functools.partial(tree.reached, prefix))
        ended.append((prefix, one))
        tree.record(prefix, one.steps)
        if fails is not None and not one.cut and fails(one):
            break
    return tree, ended


def every_schedule(program: Program, max_preemptions: int) -> list[Ended]:
    """Every schedule with at most ``max_preemptions`` preemptions, one by one: what the
    search must cover."""
    out: list[Ended] = []

    def go(prefix: tuple[str, ...], spent: int) -> None:
        one = run(program, Prefix(spent, prefix).choose)
        if len(one.steps) == len(prefix):
            out.append(one)
            return
        ready = one.steps[len(prefix)].procs
        last = prefix[-1] if prefix else None
        for proc in ready:
            cost = spent + preempts(last, ready, proc)
            if cost <= max_preemptions:
                go((*prefix, proc), cost)

    go((), 0)
    return out
