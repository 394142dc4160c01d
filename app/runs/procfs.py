"""What Linux's /proc says about a run's processes, read the cheap way.

``os.open``/``os.read`` rather than pathlib: the stepper reads two files per thread many
times a step, and pathlib's layers were most of a look's cost; pathlib also interns every
part of every path, so each new pid grew the interpreter's table of interned strings.
"""

from __future__ import annotations

import os
from collections.abc import Iterator


def read(path: str) -> bytes:
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, 1024)
    finally:
        os.close(fd)


def threads(pid: int) -> Iterator[tuple[str, int]]:
    """(state letter, times scheduled) of each thread of ``pid``; nothing once it is gone."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return
    for tid in tids:
        base = f"/proc/{pid}/task/{tid}"
        try:
            stat = read(f"{base}/stat")
            runs = read(f"{base}/schedstat").split()[2]
        except (OSError, IndexError):
            continue  # the thread ended meanwhile
        yield chr(stat[stat.rfind(b")") + 2]), int(runs)


def cpu_ticks(pid: int) -> int | None:
    """User plus system CPU time ``pid`` has used, in clock ticks; None once it is gone."""
    try:
        stat = read(f"/proc/{pid}/stat")
    except OSError:
        return None
    # Fields after the parenthesised command: state ppid … utime (12th) stime (13th).
    rest = stat[stat.rfind(b")") + 2 :].split()
    return int(rest[11]) + int(rest[12])
