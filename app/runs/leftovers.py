"""What a run's processes may leave in /dev/shm, removed once they are all gone.

Named semaphores (behind every Queue, Lock, Barrier and synchronized Value) are files in
/dev/shm. multiprocessing removes them itself: at creation under fork, through the run's
resource tracker under spawn and forkserver. A process killed at the wrong moment leaves
one all the same: under fork between creating and unlinking it, under spawn before the
tracker has it, or with the tracker killed (the cancel's SIGKILL) before it cleaned up.

So each run's semaphores carry a name of the run's own (``semprefix``, set in every
process of the run), and after the run's process group is dead the server removes
whatever still carries it. Only names of a run that has ended are touched: no other
program's semaphores, nor another run's.

A synchronized ``Value`` or ``Array`` lives in a heap arena: a file ``pym-<pid>-<random>``
that multiprocessing unlinks the moment it has made it. A process killed in between leaves
it, named after that process; those of the run's processes are removed too.

``multiprocessing.shared_memory`` blocks are files there too. A block the program never
unlinks is removed by its resource tracker at the end, unless the tracker died with the
process group first; the tracer keeps a record of each block a run makes in the run's
directory (``app/tracing/blocks.py``), and the server unlinks the ones still there.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable

from app.tracing.blocks import remove_left_blocks

SHM_DIR = "/dev/shm"  # noqa: S108 - where glibc keeps named semaphores on Linux


def semprefix(run_id: str) -> str:
    """What multiprocessing names the run's semaphores with (its default is ``/mp``)."""
    return f"/mp-{run_id}"


def remove_semaphores(run_id: str) -> list[str]:
    """Unlink the run's semaphores left in /dev/shm; their names, for the log."""
    # sem_open("/mp-<run>-<random>") is the file sem.mp-<run>-<random>.
    prefix = "sem." + semprefix(run_id).lstrip("/") + "-"
    removed = []
    try:
        names = os.listdir(SHM_DIR)
    except OSError:
        return []  # no /dev/shm: nothing of this kind can be left
    for name in names:
        if name.startswith(prefix):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(SHM_DIR, name))
                removed.append(name)
    return removed


def remove_heap_arenas(pids: Iterable[int]) -> list[str]:
    """Unlink heap arenas that the run's (dead) processes left; their names, for the log."""
    prefixes = tuple(f"pym-{pid}-" for pid in pids)
    if not prefixes:
        return []
    removed = []
    try:
        names = os.listdir(SHM_DIR)
    except OSError:
        return []
    for name in names:
        if name.startswith(prefixes):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(os.path.join(SHM_DIR, name))
                removed.append(name)
    return removed


def remove_blocks(run_dir: str) -> list[str]:
    """Unlink the shared_memory blocks the run made and left; their names, for the log."""
    return remove_left_blocks(run_dir)
