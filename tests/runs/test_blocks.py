"""multiprocessing.shared_memory, traced: blocks and ShareableLists made, attached by name,
read and written through ``buf`` and by item, in causal order under every start method; the
program prints what it prints untraced; no block outlives a run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from app.events import kinds as K
from app.events.causality import problems
from app.events.schema import decode
from app.runs.program import Program
from app.runs.service import RunService
from app.scenarios import registry
from app.tracing.blocks import remove_left_blocks
from tests.conftest import Finished, collect, untraced
from tests.runs.test_gate import held_run

pytestmark = pytest.mark.anyio

METHODS = ["fork", "spawn", "forkserver"]
SHM = Path("/dev/shm")


def check_common(done: Finished) -> None:
    assert done.run.status == "succeeded", done.events[-3:]
    assert problems(done.events) == []
    assert [e["seq"] for e in done.events] == list(range(len(done.events)))
    for ev in done.events:
        decode(json.dumps(ev))


def printed(done: Finished) -> str:
    return "".join(e["text"] for e in done.of("stdout"))


def assert_reads_follow_their_writes(done: Finished) -> None:
    """Each write comes after the one before it, and each read or get after the write whose
    version it saw (the events carry no keys: the sequencer ordered them by those)."""
    written: dict[tuple[str, int], int] = {}
    for ev in done.events:
        if ev["kind"] in (K.SHM_WRITE, K.SHM_SET):
            written[(ev["obj"], ev["version"])] = ev["seq"]
            assert ev["version"] == 1 or (ev["obj"], ev["version"] - 1) in written, ev
        elif ev["kind"] in (K.SHM_READ, K.SHM_GET):
            assert ev["version"] == 0 or (ev["obj"], ev["version"]) in written, ev


@pytest.mark.parametrize("method", METHODS)
async def test_two_children_fill_the_block_and_the_parent_reads_it(
    run_to_end: Any, method: str, tmp_path: Path
) -> None:
    scenario = registry.get("shared-memory-block")
    done = await run_to_end("shared-memory-block", start_method=method)
    check_common(done)
    assert printed(done) == untraced(scenario.source, tmp_path) == "The block holds: Hello, world!\n"
    (new,) = done.of(K.SHM_NEW)
    assert (new["proc"], new["obj"], new["size"]) == ("main", "shm", 13)
    attaches = done.of(K.SHM_ATTACH)
    # Attached by its name in each child (whose variable is `block`): one object, `shm`.
    assert sorted(e["proc"] for e in attaches) == ["p1", "p2"]
    assert {(e["obj"], e["block"]) for e in attaches} == {("shm", new["block"])}
    writes = {e["proc"]: e for e in done.of(K.SHM_WRITE)}
    assert (writes["p1"]["index"], writes["p1"]["value"]) == ([0, 7], list(b"Hello, "))
    assert (writes["p2"]["index"], writes["p2"]["value"]) == ([7, 13], list(b"world!"))
    assert sorted(e["version"] for e in writes.values()) == [1, 2]
    (read,) = done.of(K.SHM_READ)
    assert (read["proc"], read["index"], read["value"]) == ("main", [0, 13], list(b"Hello, world!"))
    assert read["repr"] == repr(b"Hello, world!")
    assert read["version"] == 2  # it saw both writes, and comes after them
    assert_reads_follow_their_writes(done)
    assert [e["proc"] for e in done.of(K.SHM_CLOSE)].count("main") == 1
    (unlink,) = done.of(K.SHM_UNLINK)
    assert (unlink["proc"], unlink.get("error")) == ("main", None)
    assert not (SHM / new["block"]).exists()


# Most of what a program does with a memoryview, through shm.buf and its slices, and with a
# ShareableList: each line printed must be what plain Python prints.
MEMORYVIEW = """\
import multiprocessing
import struct
from multiprocessing import shared_memory


def child(shm, name, items):
    # `shm` came pickled (an attach under spawn and forkserver); `items` by its list's name.
    shm.buf[8] = 200
    print("child", shm.buf[8], bytes(shm.buf[:3]))
    other = shared_memory.ShareableList(name=name)
    other[1] = "seen"
    print("child list", other[0], other[1], len(other))
    items[2] = items[2] * 2
    other.shm.close()
    shm.close()


if __name__ == "__main__":
    shm = shared_memory.SharedMemory(create=True, size=16)
    shm.buf[0:3] = b"abc"
    buf = shm.buf
    buf[3] = 0x64
    print(len(buf), buf[0], buf[-13], bytes(buf[:4]), buf[1:4].tobytes(), buf[::4].tolist())
    print(buf[:2] == b"ab", buf[:2] == b"zz", buf[:4].hex(), list(buf[2:5]), 99 in buf[:4])
    print(buf.nbytes, buf.readonly, buf.format, buf.itemsize, buf.ndim, buf.shape)
    view = buf[4:12]
    view[0:2] = b"xy"
    print(bytes(view[:3]), view[1], len(view), bytes(shm.buf[4:7]))
    struct.pack_into("<i", shm.buf, 12, 123456)
    print(struct.unpack_from("<i", shm.buf, 12), memoryview(shm.buf)[12], bytes(shm.buf[12:16]))
    print(shm.buf.cast("I")[3])
    for bad in (lambda: buf[16], lambda: buf.__setitem__(slice(0, 2), b"abc"), lambda: hash(buf)):
        try:
            bad()
        except (IndexError, ValueError) as exc:
            print(type(exc).__name__, exc)
    items = shared_memory.ShareableList([1, "two", 3.5, None, b"raw"])
    items[0] = items[0] + 41
    print(items[0], items[-1], list(items), items.count(None), items.index("two"))
    view.release()  # a forked child would inherit the view, and could not close the block
    try:
        view[0]
    except ValueError as exc:
        print("released:", exc)
    p = multiprocessing.Process(target=child, args=(shm, items.shm.name, items))
    p.start()
    p.join()
    print(shm.buf[8], list(items))
    items.shm.close()
    items.shm.unlink()
    shm.close()
    shm.unlink()
    print("buf after close:", shm.buf)
"""


@pytest.mark.parametrize("method", METHODS)
async def test_buf_and_shareable_lists_behave_as_untraced(
    run_program: Any, method: str, tmp_path: Path
) -> None:
    done = await run_program(MEMORYVIEW, method)
    check_common(done)
    plain = MEMORYVIEW.replace(
        'if __name__ == "__main__":',
        f'if __name__ == "__main__":\n    multiprocessing.set_start_method("{method}")',
    )
    assert printed(done) == untraced(plain, tmp_path)
    assert_reads_follow_their_writes(done)
    names = {e["obj"] for e in done.events if e["kind"].startswith("shm.")}
    assert names == {"shm", "items"}  # the child's attaches, by pickle or by name, are the same two
    # The child's write of one byte, and the parent's read of it after the join.
    (child_byte,) = [e for e in done.of(K.SHM_WRITE, "p") if e["index"] == 8]
    assert child_byte["value"] == 200
    parent_reads = [e for e in done.of(K.SHM_READ, "main") if e["index"] == 8]
    assert parent_reads[-1]["value"] == 200
    assert parent_reads[-1]["version"] >= child_byte["version"]
    assert parent_reads[-1]["seq"] > child_byte["seq"]
    # A stepped slice says its step; a slice of a slice names the block's own bytes.
    assert any(e.get("step") == 4 and e["index"] == [0, 13] for e in done.of(K.SHM_READ))
    assert any(e["index"] == [4, 6] and e["value"] == list(b"xy") for e in done.of(K.SHM_WRITE))
    # The list: made from its items, attached in the child, item by item.
    (made,) = [e for e in done.of(K.SHM_NEW) if e.get("list")]
    assert (made["value"], made["size"]) == ([1, "two", 3.5, None, "b'raw'"], 5)
    assert {e["proc"] for e in done.of(K.SHM_ATTACH) if e.get("list")} == {"p"}
    sets = [(e["proc"], e["index"], e["value"]) for e in done.of(K.SHM_SET)]
    assert sets == [("main", 0, 42), ("p", 1, "seen"), ("p", 2, 7.0)]


async def test_every_read_and_write_passes_the_gate(manager: RunService) -> None:
    done = await held_run(manager, "shared-memory-block", "fork")
    assert printed(done) == "The block holds: Hello, world!\n"
    assert {e["kind"] for e in done.events} >= {K.SHM_WRITE, K.SHM_READ, K.SHM_CLOSE, K.SHM_UNLINK}


LEAVES = """\
from multiprocessing import shared_memory

shm = shared_memory.SharedMemory(create=True, size=32)
items = shared_memory.ShareableList([1, 2, 3])
shm.buf[0] = 1
print(shm.name)
print(items.shm.name)
"""


async def test_blocks_a_program_never_unlinks_are_gone_after_its_run(run_program: Any) -> None:
    # Python's resource tracker would unlink them when every process of the run is gone,
    # but the run's clean-up kills it first: the supervisor removes what the run made.
    done = await run_program(LEAVES)
    assert done.run.status == "succeeded", done.events[-3:]
    names = done.output("main")
    assert len(names) == 2
    for name in names:
        assert not (SHM / name).exists(), f"{name} outlived its run"


MAKER = """\
import time
from multiprocessing import shared_memory

blocks = [shared_memory.SharedMemory(create=True, size=4096)]
print("making blocks after", blocks[0].name)
time.sleep(0)  # sends the line now
while True:
    blocks.append(shared_memory.SharedMemory(create=True, size=4096))
    blocks[-1].buf[0] = len(blocks) % 256
"""


@pytest.mark.parametrize("method", ["fork", "spawn"])
async def test_a_cancelled_run_leaves_no_block(manager: RunService, method: str) -> None:
    for _ in range(3):
        run = manager.start_program(Program("maker", MAKER, "maker.py"), start_method=method)
        async for chunk in run.log.batches():
            # The line printed (run.start carries the program's text, with these words too).
            if any(b'"stdout"' in raw and b"making blocks" in raw for raw in chunk):
                break
        await manager.cancel(run.id)
        done = await collect(run)
        assert done.run.status == "cancelled"
        # The first block, and those whose events were sent before the cancel landed.
        made = {done.output("main")[0].split()[-1]} | {e["block"] for e in done.of(K.SHM_NEW)}
        assert not any((SHM / name).exists() for name in made)
    # (the manager fixture checks that /dev/shm has no new entry at all, cut-short ones too)


KILLED = """\
import os
import time
from multiprocessing import resource_tracker, shared_memory

shm = shared_memory.SharedMemory(create=True, size=64)
# As if the run's resource tracker were killed along with it (a cancel's SIGKILL).
resource_tracker.unregister(shm._name, "shared_memory")
os.write(1, (shm.name + "\\n").encode())
time.sleep(60)
"""


def test_the_records_name_what_a_killed_program_left(tmp_path: Path) -> None:
    program = tmp_path / "program.py"
    program.write_text(KILLED)
    starter = textwrap.dedent(
        f"""
        import time
        from app.tracing.context import TraceContext
        from app.tracing.tracer import install
        ctx = TraceContext(socket_path={str(tmp_path / "none.sock")!r}, t0=time.monotonic(),
                           program_path={str(program)!r})
        install(ctx, "main", "main")
        exec(compile(open(ctx.program_path).read(), ctx.program_path, "exec"), {{"__name__": "__main__"}})
        """
    )
    with subprocess.Popen([sys.executable, "-c", starter], stdout=subprocess.PIPE, cwd=Path.cwd()) as proc:
        try:
            assert proc.stdout is not None
            name = proc.stdout.readline().decode().strip()
            assert name.startswith("psm_")
        finally:
            os.kill(proc.pid, signal.SIGKILL)
    assert (SHM / name).exists()
    assert remove_left_blocks(str(tmp_path)) == [name]
    assert not (SHM / name).exists()
    assert remove_left_blocks(str(tmp_path)) == []  # nothing twice
