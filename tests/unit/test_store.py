"""The finished-run store: real SQLite files, real runs, real threads."""

from __future__ import annotations

import re
import sqlite3
import struct
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import msgspec
import pytest

from app.runs.store import CHUNK, FILENAME, RunStore, RunTooLarge, StoreCorrupt, StoreError

BIG = 10**9


def make_events(run_id: str, count: int, marker_at: int | None = None) -> list[bytes]:
    """Events shaped like real ones (~150 B each); ``marker_at`` carries a findable marker."""
    out = []
    for seq in range(count):
        text = f"MARKER-{run_id}" if seq == marker_at else f"{run_id} line {seq}"
        event = {
            "seq": seq,
            "t": round(seq * 0.000013, 6),
            "kind": "stdout",
            "proc": "p1",
            "pid": 4242,
            "obj": None,
            "line": 7,
            "text": text + " " + "x" * 60 + "\n",
        }
        out.append(msgspec.json.encode(event))
    return out


def summary(run_id: str, events: int = 0) -> dict[str, object]:
    return {"id": run_id, "scenario": "queue", "status": "succeeded", "events": events}


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "data" / FILENAME


@pytest.fixture
def store(path: Path) -> Iterator[RunStore]:
    s = RunStore(path, max_runs=100, max_bytes=BIG)
    yield s
    s.close()


# -- persistence ----------------------------------------------------------------------


@pytest.mark.anyio
async def test_a_real_run_survives_a_restart(run_to_end: Any, path: Path) -> None:
    done = await run_to_end("queue")
    events = done.run.log.read(0)
    first = RunStore(path, max_runs=10, max_bytes=BIG)
    first.save(done.run.summary(), done.run.source, events)
    first.close()

    again = RunStore(path, max_runs=10, max_bytes=BIG)
    try:
        assert again.summary(done.run.id) == {**done.run.summary(), "source": done.run.source}
        assert again.events(done.run.id) == events
        assert again.count(done.run.id) == len(events) == len(done.events)
        assert [r["id"] for r in again.list()] == [done.run.id]
        assert again.stats()["runs"] == 1
    finally:
        again.close()


def test_the_directory_is_made_and_closing_is_final(tmp_path: Path) -> None:
    path = tmp_path / "a" / "b" / FILENAME
    s = RunStore(path, max_runs=1, max_bytes=BIG)
    s.close()
    s.close()  # twice is fine
    assert path.is_file()
    with pytest.raises(StoreError, match="closed"):
        s.summary("x")


def test_events_after_and_limit_across_chunks(store: RunStore) -> None:
    events = make_events("r", 2 * CHUNK + 100)
    store.save(summary("r", len(events)), "src", events)
    n = len(events)
    for after in (-5, -1, 0, 1, CHUNK - 2, CHUNK - 1, CHUNK, 2 * CHUNK - 1, n - 2, n - 1, n, n + 9):
        for limit in (None, 0, 1, 2, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK):
            start = max(after + 1, 0)
            expected = events[start:] if limit is None else events[start : start + limit]
            assert store.events("r", after, limit) == expected, (after, limit)
    assert store.events("unknown") == []
    assert store.count("unknown") == 0
    assert store.summary("unknown") is None
    with pytest.raises(ValueError, match="limit"):
        store.events("r", limit=-1)


def test_an_empty_run_and_a_replaced_run(store: RunStore) -> None:
    store.save(summary("r"), "", [])
    assert store.events("r") == []
    assert store.count("r") == 0
    store.save(summary("r", 3), "new source", make_events("r", 3))
    assert store.summary("r") == {**summary("r", 3), "source": "new source"}
    assert store.count("r") == 3
    assert store.stats()["runs"] == 1


def test_list_is_newest_first_and_delete(store: RunStore) -> None:
    for i in range(5):
        store.save(summary(f"r{i}"), "", make_events(f"r{i}", 3))
    assert [r["id"] for r in store.list()] == ["r4", "r3", "r2", "r1", "r0"]
    assert [r["id"] for r in store.list(limit=2, offset=1)] == ["r3", "r2"]
    assert "source" not in store.list()[0]
    assert store.delete("r3") is True
    assert store.delete("r3") is False
    assert store.events("r3") == []
    assert [r["id"] for r in store.list()] == ["r4", "r2", "r1", "r0"]


def test_an_event_with_a_raw_newline_is_refused(store: RunStore) -> None:
    with pytest.raises(ValueError, match="newline"):
        store.save(summary("r"), "", [b'{"seq":0}', b'{"seq":\n1}'])
    assert store.summary("r") is None


# -- retention ------------------------------------------------------------------------


def test_retention_by_count_drops_the_oldest(path: Path) -> None:
    s = RunStore(path, max_runs=3, max_bytes=BIG)
    try:
        for i in range(5):
            s.save(summary(f"r{i}"), "", make_events(f"r{i}", 300))
        assert [r["id"] for r in s.list()] == ["r4", "r3", "r2"]
        assert s.summary("r0") is None
        assert s.events("r1") == []
        assert s.events("r2") == make_events("r2", 300)
        assert s.stats()["runs"] == 3
    finally:
        s.close()


def test_retention_by_size_drops_the_oldest(path: Path) -> None:
    sizer = RunStore(path.with_name("sizer.sqlite3"), max_runs=10, max_bytes=BIG)
    sizer.save(summary("r0"), "source", make_events("r0", 500))
    one_run = sizer.stats()["bytes"]
    sizer.close()

    s = RunStore(path, max_runs=100, max_bytes=int(one_run * 2.5))
    try:
        for i in range(5):
            s.save(summary(f"r{i}"), "source", make_events(f"r{i}", 500))
            assert s.stats()["bytes"] <= s.max_bytes
        assert [r["id"] for r in s.list()] == ["r4", "r3"]
        assert s.stats() == {"runs": 2, "bytes": 2 * one_run}
    finally:
        s.close()


def test_a_run_bigger_than_the_cap_is_refused_and_nothing_is_dropped(path: Path) -> None:
    s = RunStore(path, max_runs=10, max_bytes=20_000)
    try:
        s.save(summary("small"), "", make_events("small", 10))
        with pytest.raises(RunTooLarge, match="huge"):
            s.save(summary("huge"), "", make_events("huge", 1000))
        assert [r["id"] for r in s.list()] == ["small"]
    finally:
        s.close()


# -- threads --------------------------------------------------------------------------


def test_concurrent_saves_and_reads_from_threads(path: Path) -> None:
    """Writers and readers at once; with retention at work a reader sees a whole run or
    none of it, never part of one."""
    threads, per_thread = 8, 15
    s = RunStore(path, max_runs=20, max_bytes=BIG)
    expected = {
        f"t{t}-{i}": make_events(f"t{t}-{i}", 40 + 37 * i) for t in range(threads) for i in range(per_thread)
    }
    start = threading.Barrier(threads)

    def work(t: int) -> int:
        start.wait()
        seen = 0
        for i in range(per_thread):
            run_id = f"t{t}-{i}"
            s.save(summary(run_id, len(expected[run_id])), run_id, expected[run_id])
            for listed in s.list(limit=100):
                got = s.events(listed["id"])
                assert got in (expected[listed["id"]], []), listed["id"]  # [] if just dropped
                seen += bool(got)
            stats = s.stats()
            assert stats["runs"] <= 20
        return seen

    try:
        with ThreadPoolExecutor(threads) as pool:
            seen = sum(pool.map(work, range(threads)))
        assert seen > 0
        kept = s.list(limit=100)
        assert len(kept) == 20
        for run in kept:
            assert s.events(run["id"]) == expected[run["id"]]
            assert s.summary(run["id"])["source"] == run["id"]  # type: ignore[index]
    finally:
        s.close()


# -- damaged and foreign files --------------------------------------------------------


def test_a_file_that_is_not_a_database_is_named_and_left_alone(path: Path) -> None:
    path.parent.mkdir(parents=True)
    path.write_bytes(b"these are not the runs you are looking for\n" * 100)
    before = path.read_bytes()
    with pytest.raises(StoreCorrupt, match=re.escape(str(path))):
        RunStore(path, max_runs=10, max_bytes=BIG)
    assert path.read_bytes() == before
    assert sorted(p.name for p in path.parent.iterdir()) == [FILENAME]


def test_a_store_with_a_damaged_header_is_named_and_left_alone(store: RunStore, path: Path) -> None:
    store.save(summary("r"), "", make_events("r", 10))
    store.close()
    data = bytearray(path.read_bytes())
    data[0:16] = b"garbage garbage!"  # SQLite's magic string
    path.write_bytes(data)
    with pytest.raises(StoreCorrupt, match=re.escape(str(path))):
        RunStore(path, max_runs=10, max_bytes=BIG)
    assert path.read_bytes() == data


def test_another_programs_database_is_refused(path: Path) -> None:
    path.parent.mkdir(parents=True)
    other = sqlite3.connect(path)
    other.execute("CREATE TABLE notes (body TEXT)")
    other.commit()
    other.close()
    with pytest.raises(StoreCorrupt, match="not an mpscope run store"):
        RunStore(path, max_runs=10, max_bytes=BIG)
    check = sqlite3.connect(path)
    assert check.execute("SELECT name FROM sqlite_schema").fetchall() == [("notes",)]
    check.close()


def test_a_store_from_a_newer_version_is_refused(store: RunStore, path: Path) -> None:
    store.close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 99")
    db.close()
    with pytest.raises(StoreError, match="newer") as caught:
        RunStore(path, max_runs=10, max_bytes=BIG)
    assert not isinstance(caught.value, StoreCorrupt)


def test_a_path_that_cannot_be_opened_is_named(tmp_path: Path) -> None:
    path = tmp_path / FILENAME
    path.mkdir()  # a directory where the file should be
    with pytest.raises(StoreError, match=re.escape(str(path))):
        RunStore(path, max_runs=10, max_bytes=BIG)


def test_a_damaged_run_does_not_cost_the_others(store: RunStore, path: Path) -> None:
    """Break one page of one run's events: that run reports the damage, naming the file;
    the other runs, and new ones, still work."""
    damaged = make_events("a", CHUNK, marker_at=CHUNK // 2)
    intact = make_events("b", CHUNK)
    store.save(summary("a"), "", damaged)
    store.save(summary("b"), "", intact)
    store.close()  # the last connection checkpoints the WAL into the file

    data = bytearray(path.read_bytes())
    page_size = struct.unpack(">H", data[16:18])[0]
    assert data.count(b"MARKER-a") == 1
    page = data.find(b"MARKER-a") // page_size * page_size
    # The chunk spills over a chain of overflow pages; each starts with the next one's
    # number. Point this one past the end of the file.
    data[page : page + 4] = struct.pack(">I", 0x7FFFFFF0)
    path.write_bytes(data)

    s = RunStore(path, max_runs=10, max_bytes=BIG)
    try:
        with pytest.raises(StoreCorrupt, match=re.escape(str(path))):
            s.events("a")
        assert s.summary("a") is not None
        assert s.events("b") == intact
        s.save(summary("c"), "", make_events("c", 5))
        assert s.events("c") == make_events("c", 5)
    finally:
        s.close()
