"""The tracer side of the sync family: locks, semaphores, events, conditions and barriers.

The family is registered here once (app/tracing/tracer.py's ``_PRIMITIVES``), as it is in
the schema and the scenarios; what it traces lives by what it holds: the shared hand-off
words in app/tracing/handoffs.py, locks and semaphores in app/tracing/locks.py, events,
conditions and barriers in app/tracing/signals.py. A shared Value's lock is the locks'
business too, reached from app/tracing/shared.py through ``split_lock`` and ``announced``.
"""

from __future__ import annotations

from typing import Any

from app.tracing import locks, signals
from app.tracing.locks import announced, split_lock

__all__ = ["FACTORIES", "announced", "split_lock"]

# What app/tracing/tracer.py puts on multiprocessing's contexts, by name.
FACTORIES: dict[str, Any] = {**locks.FACTORIES, **signals.FACTORIES}
