"""Would a read block? The check a traced get/recv makes before it reads.

A process must send its batch of events before it blocks, so a traced get or recv first
asks whether anything is there to read. ``Connection.poll()`` answers by building a
selector on every call, which costs about 4 µs here, as much as a whole raw ``Queue.get``
of a small item; one ``poll(2)`` on a poll object made once per connection costs 0.4 µs.
"""

from __future__ import annotations

import select
from typing import Any


def nothing_to_read(owner: Any, fd: int) -> bool:
    """True if a read of ``fd`` would block now. The poll object is kept on ``owner``
    (``_mps_poller``, which owners leave out of their pickled state): registering the fd
    is the costly part. A forked child inherits it with the same fd number, so it stays
    right; a closed fd reports POLLNVAL, which counts as "readable" so the read itself
    raises as it would without tracing."""
    poller = owner._mps_poller
    if poller is None:
        poller = owner._mps_poller = select.poll()
        poller.register(fd, select.POLLIN)
    return not poller.poll(0)
