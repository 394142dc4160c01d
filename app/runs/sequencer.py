"""Put the events of all processes of a run into one order that tells the truth.

Each process's events arrive in its own order, in batches, over its own connection, so
batches of different processes can arrive in any order. The sequencer keeps one queue per
connection and releases, among the queue heads that are ready, the one with the earliest
timestamp. A head is ready unless it names, in ``after``, a key no released event has
made yet (a get whose put is still in the producer's unsent batch); it becomes ready once
that key is released, or once the key's producer (its pid: ``app/events/keys.py``) has
closed its connection and none of its queued events makes the key (the producer was
killed before it could send it), or when the run is over.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

from app.events import keys
from app.events.wire import WireEvent

# (pid, proc, event) handed on in release order
Released = tuple[int, str, WireEvent]


class Sequencer:
    def __init__(self, release: Callable[[list[Released]], None]) -> None:
        self._release = release
        self._queues: dict[int, deque[WireEvent]] = {}
        self._owner: dict[int, tuple[int, str]] = {}
        self._open: set[int] = set()
        self._made: set[str] = set()
        self._gone: set[int] = set()  # pids whose connection closed
        self._pending_keys: dict[int, set[str]] = {}  # pid -> keys still queued

    @property
    def pending(self) -> int:
        return sum(len(q) for q in self._queues.values())

    def push(self, stream: int, pid: int, proc: str, events: list[WireEvent]) -> None:
        queue = self._queues.get(stream)
        if queue is None:
            queue = self._queues[stream] = deque()
            self._open.add(stream)
        self._owner[stream] = (pid, proc)
        queue.extend(events)
        keys = self._pending_keys.setdefault(pid, set())
        keys.update(ev[5] for ev in events if ev[5] is not None)
        self._drain()

    def close_stream(self, stream: int) -> None:
        self._open.discard(stream)
        owner = self._owner.get(stream)
        if owner is not None:
            self._gone.add(owner[0])
        self._drain()

    def finish(self) -> None:
        """The run is over: nothing else will arrive, so release everything left by time."""
        left: list[tuple[float, int, Released]] = []
        order = 0
        for stream, queue in self._queues.items():
            pid, proc = self._owner[stream]
            for ev in queue:
                left.append((ev[1], order, (pid, proc, ev)))
                order += 1
            queue.clear()
        left.sort(key=lambda item: (item[0], item[1]))
        if left:
            self._release([item[2] for item in left])

    def _ready(self, ev: WireEvent) -> bool:
        after = ev[6]
        if after is None or after in self._made:
            return True
        pid = keys.producer(after)
        return pid is not None and pid in self._gone and after not in self._pending_keys.get(pid, ())

    def _drain(self) -> None:
        out: list[Released] = []
        queues = self._queues
        made = self._made
        ready = self._ready
        while True:
            # Choose the earliest ready head; note the next ready head's time (how far the
            # chosen stream may run on) and the keys the heads that are not ready wait for.
            best = -1
            best_t = limit = math.inf
            awaited: set[str] = set()
            for stream, queue in queues.items():
                if not queue:
                    continue
                head = queue[0]
                if ready(head):
                    t = head[1]
                    if t < best_t:
                        best, best_t, limit = stream, t, best_t
                    elif t < limit:
                        limit = t
                else:
                    awaited.add(head[6])  # type: ignore[arg-type]  # not ready: it has an after
            if best < 0:
                break
            pid, proc = self._owner[best]
            queue = queues[best]
            pending = self._pending_keys[pid]
            # Release this stream's ready events up to the next other ready head's time.
            while queue:
                ev = queue[0]
                if ev[1] > limit:
                    break
                after = ev[6]
                if after is not None and after not in made and not ready(ev):
                    break
                queue.popleft()
                out.append((pid, proc, ev))
                key = ev[5]
                if key is not None:
                    made.add(key)
                    pending.discard(key)
                    if key in awaited:
                        break  # another stream's head was waiting for it: choose again
        if out:
            self._release(out)
