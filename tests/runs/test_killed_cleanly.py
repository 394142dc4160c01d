"""A run killed while its processes make semaphores leaves nothing in /dev/shm.

The 1,000-run soak found it: one cancel in about thirty left a semaphore behind, when the
SIGTERM landed inside ``sem_open`` or before multiprocessing unlinked the name. Two things
close it: a traced process dies of SIGTERM only between Python steps
(``app/tracing/termination.py``), and every semaphore of a run carries the run's name,
which the server removes once the run's processes are gone (``app/runs/leftovers.py``).
"""

from __future__ import annotations

import os

import pytest

from app.runs.leftovers import SHM_DIR, semprefix
from app.runs.program import Program
from app.runs.service import START_METHODS, RunService
from tests.conftest import assert_nothing_left, collect, shm_entries, shm_left_since

pytestmark = pytest.mark.anyio

# The name the next semaphore gets (under fork, a made one forgets its name at once).
NAMES = """\
import multiprocessing
from multiprocessing.synchronize import SemLock


def show(q):
    print("child:", SemLock._make_name())
    q.put(1)


if __name__ == "__main__":
    q = multiprocessing.Queue()
    p = multiprocessing.Process(target=show, args=(q,))
    p.start()
    q.get()
    p.join()
    print("main:", SemLock._make_name())
"""


@pytest.mark.parametrize("start_method", START_METHODS)
async def test_every_semaphore_of_a_run_carries_its_name(manager: RunService, start_method: str) -> None:
    run = manager.start_program(Program("names", NAMES, "names.py"), start_method=start_method)
    done = await collect(run)
    assert done.run.status == "succeeded", done.events[-3:]
    lines = [line for proc in done.lanes() for line in done.output(proc)]
    assert len(lines) == 2
    for line in lines:
        assert line.split(": ")[1].startswith(semprefix(run.id) + "-"), line


# What a process killed between creating a semaphore and unlinking it leaves: a named
# semaphore that multiprocessing will never unlink (made without its clean-up).
ORPHAN = """\
import _multiprocessing
import multiprocessing.synchronize as synchronize

name = synchronize.SemLock._make_name()
_multiprocessing.SemLock(1, 1, 1, name, False)
print(name)
"""


async def test_a_semaphore_left_by_a_run_is_removed_after_it(manager: RunService) -> None:
    done = await collect(manager.start_program(Program("orphan", ORPHAN, "orphan.py")))
    assert done.run.status == "succeeded", done.events[-3:]
    (name,) = done.output("main")
    assert name.startswith(semprefix(done.run.id) + "-")
    assert not os.path.exists(os.path.join(SHM_DIR, "sem." + name.lstrip("/")))  # noqa: ASYNC240


# Makes semaphores as fast as it can, so that a cancel lands anywhere in sem_open.
MAKER = """\
import multiprocessing
import time

print("making semaphores")
time.sleep(0)  # sends the line now: a process sends its events in batches
while True:
    multiprocessing.Lock()
"""
CANCELS = 20  # per start method; untraced, about one kill in four leaves a name behind


@pytest.mark.parametrize("start_method", ["fork", "spawn"])
async def test_cancels_amid_sem_open_leave_nothing(manager: RunService, start_method: str) -> None:
    # shm_entries counts glibc's temporary names too: a kill inside sem_open leaves one.
    before = shm_entries()
    for _ in range(CANCELS):
        run = manager.start_program(Program("maker", MAKER, "maker.py"), start_method=start_method)
        async for chunk in run.log.batches():
            if any(b"making semaphores" in raw for raw in chunk):
                break
        await manager.cancel(run.id)
        done = await collect(run)
        assert done.run.status == "cancelled"
        assert_nothing_left(done)
    left = shm_left_since(before)
    assert left == set(), f"{len(left)} of {CANCELS} cancels left a semaphore"


# Dies as a process killed inside multiprocessing.heap.Arena would: the arena's file made
# (as Arena makes it), not yet unlinked.
ARENA_LEFT = """\
import os
import signal
import tempfile
import time

fd, name = tempfile.mkstemp(prefix="pym-%d-" % os.getpid(), dir="/dev/shm")
print(name)
time.sleep(0)  # sends the line now: a process sends its events in batches
os.kill(os.getpid(), signal.SIGKILL)
"""


async def test_a_heap_arena_left_by_a_killed_process_is_removed_after_the_run(manager: RunService) -> None:
    done = await collect(manager.start_program(Program("arena", ARENA_LEFT, "arena.py")))
    (name,) = done.output("main")
    assert os.path.basename(name).startswith(f"pym-{done.lanes()['main']}-")
    assert not os.path.exists(name)  # noqa: ASYNC240
