"""How values are shown in events: exact JSON where possible, Python's repr where not."""

from __future__ import annotations

from app.tracing.values import MAX_ITEMS, describe


def test_plain_values_are_exact() -> None:
    assert describe(16) == (16, None)
    assert describe("hello") == ("hello", None)
    assert describe([1, 4, 9]) == ([1, 4, 9], None)
    assert describe({"a": [1]}) == ({"a": [1]}, None)
    assert describe(None) == (None, None)


def test_tuples_keep_their_python_spelling() -> None:
    assert describe(("Jeff", 8)) == (["Jeff", 8], "('Jeff', 8)")


def test_long_and_odd_values_are_cut_and_explained() -> None:
    value, rep = describe(list(range(100)))
    assert len(value) == MAX_ITEMS
    assert rep is not None
    assert rep.endswith("…")
    value, rep = describe(float("nan"))
    assert value is None
    assert rep == "nan"
    value, rep = describe(2**60)
    assert value == str(2**60)
    assert rep == str(2**60)
    value, rep = describe(b"raw")
    assert value == "b'raw'"
    assert rep == "b'raw'"
