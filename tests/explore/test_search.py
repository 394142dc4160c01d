"""The schedule search on its own, over a pretend program (tests/explore/sim.py): what is
independent, what counts as a preemption, the order schedules come in, and that skipping
equivalent ones loses nothing a run could show."""

from __future__ import annotations

from typing import Any

import pytest

from app.explore.search import (
    MAX_PREEMPTIONS,
    Op,
    Prefix,
    Search,
    canonical,
    count_preemptions,
    default_choice,
    deviations,
    independent,
    preemptions,
)
from tests.explore import sim


def op(proc: str, kind: str, obj: str | None = None, **fields: Any) -> Op:
    return Op.announced({"proc": proc, "kind": kind, "obj": obj, **fields})


def test_operations_of_other_processes_on_other_objects_are_independent() -> None:
    assert independent(op("p1", "value.get", "counter"), op("p2", "lock.acquire", "lock"))
    assert independent(op("p1", "queue.put", "q"), op("p2", "value.set", "counter"))


def test_two_reads_of_one_value_are_independent_and_a_write_is_not() -> None:
    assert independent(op("p1", "value.get", "counter"), op("p2", "value.get", "counter"))
    assert not independent(op("p1", "value.get", "counter"), op("p2", "value.set", "counter"))
    assert not independent(op("p1", "value.set", "counter"), op("p2", "value.set", "counter"))
    assert not independent(op("p1", "queue.get", "q"), op("p2", "queue.get", "q"))


def test_a_process_operations_stay_in_their_order() -> None:
    assert not independent(op("p1", "value.get", "a"), op("p1", "value.get", "b"))


def test_a_start_comes_before_the_child_and_a_join_waits_only_for_its_end() -> None:
    spawn = op("main", "proc.spawn", child="p1")
    join = op("main", "proc.join", child="p1")
    assert not independent(spawn, op("p1", "barrier.pass", "barrier"))
    assert independent(join, op("p1", "value.get", "counter"))
    # The child's last step, as it happened (its exit among its events), is the join's.
    last = op("p1", "value.set", "counter").with_events([{"proc": "p1", "kind": "proc.exit", "obj": None}])
    assert not independent(join, last)


def test_a_step_that_wakes_a_process_comes_before_what_that_process_does_next() -> None:
    release = op("p1", "lock.release", "lock").with_events(
        [{"proc": "p2", "kind": "lock.acquire", "obj": "lock"}]
    )
    assert not independent(release, op("p2", "value.get", "counter"))
    assert independent(op("p1", "lock.release", "lock"), op("p2", "value.get", "counter"))


def test_equivalent_sequences_have_one_canonical_form() -> None:
    a, b, c = op("p1", "value.get", "x"), op("p2", "value.get", "y"), op("p1", "value.set", "x")
    assert canonical([a, b, c]) == canonical([b, a, c]) == canonical([a, c, b])
    w1, w2 = op("p1", "value.set", "x"), op("p2", "value.set", "x")
    assert canonical([w1, w2]) != canonical([w2, w1])


def test_a_preemption_is_a_switch_away_from_a_process_still_ready() -> None:
    assert preemptions(["p1", "p2"], [["p1"], ["p1", "p2"]]) == 1
    # p1 blocked (not ready): going to p2 preempts nobody.
    assert preemptions(["p1", "p2"], [["p1"], ["p2"]]) == 0
    assert preemptions(["p1", "p1", "p2", "p1"], [["p1", "p2"]] * 4) == 2


def test_the_default_keeps_the_last_process_while_it_is_ready() -> None:
    assert default_choice("p2", ["main", "p1", "p2"]) == "p2"
    assert default_choice("p2", ["main", "p1"]) == "main"
    assert default_choice(None, ["p1", "p2"]) == "p1"


def test_the_first_run_is_the_default_one_and_later_ones_deviate_later() -> None:
    tree = Search()
    first = tree.next()
    assert first == Prefix(0, ())
    assert tree.next() is None  # nothing more is known before the first run is recorded
    ended = sim.run(sim.race(1, False), first.choose)
    assert deviations(ended.steps) == []
    assert [s.chosen for s in ended.steps] == ["p1", "p1", "p2", "p2"]
    tree.record(first, ended.steps)
    children = []
    while (prefix := tree.next()) is not None:
        children.append(prefix)
    # p2 first (nobody to preempt at the start), or p2 after one of p1's steps.
    assert [c.procs for c in children] == [("p2",), ("p1", "p2")]
    assert [c.preemptions for c in children] == [0, 1]


def test_schedules_come_fewest_preemptions_first() -> None:
    _, ended = sim.search(sim.race(2, True, main=True))
    counts = [prefix.preemptions for prefix, _ in ended]
    assert counts == sorted(counts)
    assert max(counts) == MAX_PREEMPTIONS


@pytest.mark.parametrize(("times", "lock"), [(1, False), (2, False), (1, True), (2, True)])
@pytest.mark.parametrize("main", [False, True])
def test_skipping_equivalent_schedules_loses_nothing_a_run_could_show(
    times: int, lock: bool, main: bool
) -> None:
    program = sim.race(times, lock, main)
    every = sim.every_schedule(program, MAX_PREEMPTIONS)
    tree, ended = sim.search(program)
    finished = [one for _, one in ended if not one.cut]
    # Every value any process could read, and every end, in some schedule of at most two
    # preemptions, is in a run the search made.
    assert {one.seen for one in finished} == {one.seen for one in every}
    assert all(count_preemptions(one.steps) <= MAX_PREEMPTIONS for one in finished)
    assert tree.next() is None
    assert tree.pending() == 0
    assert len(ended) <= len(every)


def test_skipping_equivalent_schedules_saves_most_runs() -> None:
    program = sim.race(2, True, main=True)
    every = sim.every_schedule(program, MAX_PREEMPTIONS)
    tree, ended = sim.search(program)
    assert len(every) == 310
    assert len(ended) < len(every) / 4
    assert tree.skipped > 0
    assert tree.cut > 0


def test_the_lost_update_needs_one_preemption() -> None:
    program = sim.race(2, False, main=True)
    _, ended = sim.search(program, fails=lambda one: one.memory["counter"] != 4)
    _, found = ended[-1]
    assert found.memory["counter"] < 4
    assert count_preemptions(found.steps) == 1
    assert len(ended) < 20


def test_a_prefix_the_program_cannot_follow_adds_nothing() -> None:
    tree = Search()
    first = tree.next()
    assert first is not None
    tree.record(first, sim.run(sim.race(1, False), first.choose).steps)
    prefix = tree.next()
    assert prefix is not None
    other = sim.run(sim.race(1, False), Prefix(0, ()).choose)  # did not take the prefix's path
    tree.record(prefix, other.steps)
    assert tree.diverged == 1


def test_a_prefix_put_back_comes_out_next() -> None:
    tree = Search()
    first = tree.next()
    assert first is not None
    tree.record(first, sim.run(sim.race(1, False), first.choose).steps)
    prefix = tree.next()
    assert prefix is not None
    tree.put_back(prefix)
    assert tree.next() == prefix
