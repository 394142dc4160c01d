"""Which schedules to try, in which order: a preemption-bounded search, without processes.

A schedule is the processes released one after another. Between releases the run is
settled, and what each ready process will do next is known (its ``ready`` entry). The
*default* policy releases the process released last while it is ready, else the first
ready one in the run's order; a *deviation* is a choice other than the default's, and a
*preemption* a deviation away from a process that could have gone on.

Every schedule is the default policy with some deviations, so the search is a tree: a node
is a prefix that ends with a deviation, run to its end by the default policy; its children
deviate at a later step of that run. The tree is walked fewest preemptions first (0, 1,
2: most real bugs need at most two, CHESS's observation).

Two sequences of operations are equivalent when one becomes the other by swapping
adjacent independent operations (of different processes, touching different objects or
only reading one Value); equivalent prefixes leave the program in the same state. So a
prefix is not run when an equivalent one is queued, or when it leads (by the default
policy, through states runs were in) to where a run has been with no more preemptions
spent; and a run stops as soon as it is where another one was: what follows is known.
What a step touched is taken from its events, so a step that wakes a process (a lock's
release, a child's exit ending a join) depends on what that process does next.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

MAX_PREEMPTIONS = 2
# Operations that change nothing: two of them on one object commute.
READS = frozenset({"value.get", "array.get", "shm.get", "shm.read", "queue.empty", "pipe.poll"})

Touch = tuple[str, bool]  # (what: "obj:<name>" or "proc:<name>", whether it is changed)
Label = tuple[str, str, str]  # (process, kind, object) of an operation


@dataclass(frozen=True)
class Op:
    """One step: who went, what it did, and what it touched (its objects, the processes it
    started, joined or woke: a step of theirs depends on it)."""

    proc: str
    kind: str
    obj: str | None
    touches: frozenset[Touch]

    @property
    def label(self) -> Label:
        return (self.proc, self.kind, self.obj or "")

    @cached_property
    def changes(self) -> frozenset[str]:
        return frozenset(what for what, writes in self.touches if writes)

    @cached_property
    def sees(self) -> frozenset[str]:
        return frozenset(what for what, _ in self.touches)

    @classmethod
    def announced(cls, entry: Mapping[str, Any]) -> Op:
        """What a ready entry says the process will do."""
        proc, kind, obj = entry["proc"], entry["kind"], entry.get("obj")
        return cls(proc, kind, obj, frozenset(_touches(proc, kind, obj, entry.get("child"))))

    def with_events(self, events: Iterable[Mapping[str, Any]]) -> Op:
        """This step as it happened: also what its events touched (a woken process's)."""
        touched = set(self.touches)
        for e in events:
            touched |= _touches(e["proc"], e["kind"], e.get("obj"), e.get("child"))
        return Op(self.proc, self.kind, self.obj, frozenset(touched))


def _touches(proc: str, kind: str, obj: str | None, child: str | None) -> set[Touch]:
    out: set[Touch] = {(f"proc:{proc}", True)}
    if obj is not None:
        out.add((f"obj:{obj}", kind not in READS))
    if kind == "proc.spawn" and child is not None:
        out.add((f"proc:{child}", True))  # nothing of the child's comes before its start
    elif kind in ("proc.join", "proc.wait") and child is not None:
        out.add((f"exit:{child}", False))  # a join waits for the child's end, not its steps
    elif kind == "proc.exit":
        out.add((f"exit:{proc}", True))
    return out


def independent(a: Op, b: Op) -> bool:
    """Whether swapping ``a`` and ``b`` (adjacent) leaves the same state."""
    return not (a.changes & b.sees or b.changes & a.sees)


def canonical(ops: Sequence[Op]) -> tuple[Label, ...]:
    """One representative of every sequence equivalent to ``ops``: at each place the least
    label that may come first (its dependent predecessors already placed)."""
    n = len(ops)
    after: list[list[int]] = [[] for _ in range(n)]
    waiting = [0] * n
    for j in range(n):
        for i in range(j):
            if not independent(ops[i], ops[j]):
                after[i].append(j)
                waiting[j] += 1
    free = [(ops[j].label, j) for j in range(n) if waiting[j] == 0]
    heapq.heapify(free)
    out: list[Label] = []
    while free:
        label, i = heapq.heappop(free)
        out.append(label)
        for j in after[i]:
            waiting[j] -= 1
            if waiting[j] == 0:
                heapq.heappush(free, (ops[j].label, j))
    return tuple(out)


def default_choice(last: str | None, ready: Sequence[str]) -> str:
    return last if last is not None and last in ready else ready[0]


def preempts(last: str | None, ready: Sequence[str], chosen: str) -> bool:
    return last is not None and last in ready and chosen != last


def preemptions(schedule: Sequence[str], readies: Sequence[Sequence[str]]) -> int:
    """Switches, in ``schedule``, away from a process that was still ready."""
    return sum(preempts(schedule[i - 1] if i else None, readies[i], proc) for i, proc in enumerate(schedule))


@dataclass(frozen=True)
class Step:
    """One choice of a run: who was ready (each with its announced operation), and the op
    the chosen one took (with what it touched)."""

    ready: tuple[Op, ...]
    op: Op

    @property
    def procs(self) -> list[str]:
        return [r.proc for r in self.ready]

    @property
    def chosen(self) -> str:
        return self.op.proc

    @property
    def announced(self) -> Op:
        """The chosen one's operation as its ready entry said (before it happened)."""
        return next(op for op in self.ready if op.proc == self.op.proc)


def schedule_of(steps: Sequence[Step]) -> list[str]:
    return [s.chosen for s in steps]


def deviations(steps: Sequence[Step]) -> list[int]:
    """The steps where the run did not do what the default policy would have."""
    out = []
    last = None
    for i, s in enumerate(steps):
        if s.chosen != default_choice(last, s.procs):
            out.append(i)
        last = s.chosen
    return out


def count_preemptions(steps: Sequence[Step]) -> int:
    return preemptions(schedule_of(steps), [s.procs for s in steps])


@dataclass(frozen=True, order=True)
class Prefix:
    """A node of the search: release these processes, then follow the default policy."""

    preemptions: int
    procs: tuple[str, ...] = field(compare=False)

    def choose(self, at: int, last: str | None, ready: Sequence[str]) -> str:
        if at < len(self.procs):
            return self.procs[at]
        return default_choice(last, ready)


Canon = tuple[Label, ...]
# How many default steps past a queued prefix's end are followed through states runs have
# been in, to see that it leads where one has been (and so need not run).
LOOKAHEAD = 4


@dataclass(frozen=True)
class Seen:
    """A state a run was in: the preemptions it had spent, who went last, who was ready."""

    spent: int
    last: str
    ready: tuple[Op, ...]

    @property
    def procs(self) -> list[str]:
        return [op.proc for op in self.ready]


def ops_of(steps: Sequence[Step], then: Op | None = None) -> list[Op]:
    """The operations of ``steps`` (then ``then``, an announced one): each as it happened
    but the last, as announced, so that a prefix not run yet (whose last step is only
    announced) is compared with what runs did in the same terms."""
    ops = [s.op for s in steps]
    if then is not None:
        ops.append(then)
    elif steps:
        ops[-1] = steps[-1].announced
    return ops


class Search:
    """The frontier of the tree, fewest preemptions first, and what was tried.

    Two tables of classes: of prefixes queued (with the process that ends them), which
    keeps a prefix out of the queue when an equivalent one is in it; and of the states runs
    reached, each with who was ready then, which keeps out a prefix that leads where a run
    has been, and stops a run once it is where another one was: from there on, it would do
    what that one did (or what is below it in the tree).
    """

    def __init__(self, max_preemptions: int = MAX_PREEMPTIONS) -> None:
        self.max_preemptions = max_preemptions
        # Each prefix with its operations (checked again when it comes out: runs went on).
        self._levels: list[deque[tuple[Prefix, list[Op]]]] = [deque() for _ in range(max_preemptions + 1)]
        self._levels[0].append((Prefix(0, ()), []))
        # The prefix that stands for each class of equivalent queued ones (and who ends it).
        self._queued: dict[tuple[Canon, str], Prefix] = {}
        # Queued, then an equivalent one with fewer preemptions came to stand for them.
        self._displaced: set[tuple[str, ...]] = set()
        # States reached, by class: equivalent states have the same processes ready.
        self._states: dict[Canon, list[Seen]] = {}
        self._running: dict[tuple[str, ...], list[Op]] = {}  # taken out, not recorded yet
        self.skipped = 0  # prefixes left out: equivalent to one queued, or leading where a run was
        self.cut = 0  # runs stopped where another run had been
        self.diverged = 0  # runs that could not follow their prefix

    def pending(self) -> int:
        return sum(len(level) for level in self._levels)

    def lowest(self) -> int | None:
        """The fewest preemptions among the prefixes waiting, or None when none waits."""
        return next((k for k, level in enumerate(self._levels) if level), None)

    def next(self, most: int | None = None) -> Prefix | None:
        """The next prefix to run, fewest preemptions first (at most ``most``); None when
        none is left (within ``most``)."""
        for level in self._levels[: None if most is None else most + 1]:
            while level:
                prefix, ops = level.popleft()
                if prefix.procs not in self._displaced and not (
                    prefix.procs and self._leads_where_been(ops, prefix.preemptions)
                ):
                    self._running[prefix.procs] = ops
                    return prefix
                self.skipped += 1
        return None

    def put_back(self, prefix: Prefix) -> None:
        """``prefix`` could not be run yet (no room on the server): it is next again."""
        self._levels[prefix.preemptions].appendleft((prefix, self._running.pop(prefix.procs)))

    @staticmethod
    def _been(seen: Sequence[Seen], spent: int, last: str, ready: Sequence[str] | None) -> bool:
        """Whether a run was in this state (``seen``, the times runs were) with no more
        preemptions spent, about to release the same process, and as free to choose
        another (a choice right after a process blocked or ended preempts nobody; with one
        process ready, there is none). ``ready`` None: not known (a queued prefix's), the
        same as theirs."""
        for was in seen:
            was_ready = was.procs
            now_ready = was_ready if ready is None else ready
            if (
                was.spent <= spent
                and default_choice(was.last, was_ready) == default_choice(last, now_ready)
                and (was.last not in was_ready or last in now_ready or len(now_ready) == 1)
            ):
                return True
        return False

    def _leads_where_been(self, ops: list[Op], spent: int) -> bool:
        """Whether a prefix (its operations, the last as announced) leads, by the default
        policy, to where a run has been: followed through the states runs were in."""
        last = ops[-1].proc
        for _ in range(LOOKAHEAD + 1):
            seen = self._states.get(canonical(ops))
            if not seen:
                return False
            if self._been(seen, spent, last, None):
                return True
            procs = seen[0].procs
            last = default_choice(last, procs)
            ops = [*ops, seen[0].ready[procs.index(last)]]
        return False

    def reached(self, prefix: Prefix, steps: Sequence[Step], ready: Sequence[Op]) -> bool:
        """A run of ``prefix`` took ``steps`` and has ``ready`` next: whether to go on (not
        when a run was in an equivalent state before: see ``_been``)."""
        if len(steps) < max(1, len(prefix.procs)) or not ready:
            return True  # still following its prefix, or over
        canon = canonical(ops_of(steps))
        last = steps[-1].chosen
        spent = count_preemptions(steps)
        seen = self._states.setdefault(canon, [])
        if self._been(seen, spent, last, [op.proc for op in ready]):
            self.cut += 1
            return False
        seen.append(Seen(spent, last, tuple(ready)))
        return True

    def record(self, prefix: Prefix, steps: Sequence[Step]) -> None:
        """A run of ``prefix`` took ``steps`` (all, or up to where ``reached`` stopped it):
        each later deviation within the bound is queued unless it is known where it leads."""
        self._running.pop(prefix.procs, None)
        if schedule_of(steps[: len(prefix.procs)]) != list(prefix.procs):
            self.diverged += 1  # the program took another path: nothing below it is known
            return
        schedule = schedule_of(steps)
        spent = 0  # preemptions of schedule[:i]
        for i, s in enumerate(steps):
            last = schedule[i - 1] if i else None
            if i >= len(prefix.procs):
                for alternative in s.ready:
                    if alternative.proc == s.chosen:
                        continue
                    cost = spent + preempts(last, s.procs, alternative.proc)
                    if cost > self.max_preemptions:
                        continue
                    child = Prefix(cost, (*schedule[:i], alternative.proc))
                    ops = ops_of(steps[:i], alternative)
                    if not self._leads_where_been(ops, cost) and self._queue(canonical(ops), child):
                        self._levels[cost].append((child, ops))
                    else:
                        self.skipped += 1
            spent += preempts(last, s.procs, s.chosen)

    def _queue(self, canon: Canon, prefix: Prefix) -> bool:
        """Let ``prefix`` stand for its class unless one with no more preemptions does."""
        key = (canon, prefix.procs[-1])
        held = self._queued.get(key)
        if held is not None and held.preemptions <= prefix.preemptions:
            return False
        if held is not None:
            self._displaced.add(held.procs)
        self._queued[key] = prefix
        return True
