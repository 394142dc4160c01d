"""Variable names come from the bytecode of the line that calls the tracer."""

from __future__ import annotations

import sys

from app.tracing.frames import assigned_names


class Thing:
    def __enter__(self) -> Thing:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


def make() -> tuple[str, ...]:
    return assigned_names(sys._getframe(1))


def make_with() -> Thing:
    make_with.names = assigned_names(sys._getframe(1))  # type: ignore[attr-defined]
    return Thing()


def make_pair() -> tuple[tuple[str, ...], int]:
    return assigned_names(sys._getframe(1)), 0


def test_simple_assignment() -> None:
    q = make()
    assert q == ("q",)


def test_tuple_unpacking() -> None:
    parent_conn, child_conn = make_pair()
    assert (parent_conn, child_conn) == (("parent_conn", "child_conn"), 0)


def test_with_statement() -> None:
    with make_with() as manager:
        assert isinstance(manager, Thing)
    assert make_with.names == ("manager",)  # type: ignore[attr-defined]


def test_no_name_when_not_assigned() -> None:
    assert [make() for _ in range(2)] == [(), ()]
    holder = {}
    holder["x"] = make()
    assert holder["x"] == ()


def test_attribute_assignment_names_the_attribute() -> None:
    # A person's program often keeps its queues on an object: `self.tasks = Queue()`.
    holder = Thing()
    holder.tasks = make()  # type: ignore[attr-defined]
    assert holder.tasks == ("tasks",)  # type: ignore[attr-defined]


MODULE_LEVEL = make()


def test_module_level_and_global() -> None:
    assert MODULE_LEVEL == ("MODULE_LEVEL",)
