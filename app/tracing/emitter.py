"""The per-process emitter: batches events, sends them to the run's event socket, and
passes each traced operation through the process's gate.

Each traced process opens its own stream connection to the server's per-run Unix socket,
so a process's events arrive in the order it emitted them and a closed connection tells
the server that the process is gone. The frames are described in ``app/events/wire.py``;
the keys an event makes and waits for (``key``, ``after``) in ``app/events/keys.py``.

Batching keeps tracing cheap: events are sent when the batch is large, when the last send
is more than ``FLUSH_S`` old, before the process blocks or sleeps, before it forks, during
pacing, and when it exits.
"""

from __future__ import annotations

import itertools
import os
import socket
import threading
import time
from typing import Any, SupportsIndex

from app.events import keys, wire
from app.tracing import gate as gates
from app.tracing.context import TraceContext
from app.tracing.gate import Gate

BATCH = 512
FLUSH_S = 0.01
_monotonic = time.monotonic
_real_sleep = time.sleep
_real_exit = os._exit


class Emitter:
    """One per traced process (reset in place after a fork)."""

    def __init__(self, ctx: TraceContext, proc: str, role: str, gate: Gate) -> None:
        self.ctx = ctx
        self.proc = proc
        self.role = role
        self.pid = os.getpid()
        self.t0 = ctx.t0
        self.gate = gate
        self._lock = threading.Lock()
        # One hold at a time per process: its threads take turns, so the server sees one
        # held operation per connection and each "go" reaches the thread that asked.
        self._hold_lock = threading.Lock()
        self._buf: list[wire.WireEvent] = []
        self._sock: socket.socket | None = None
        self._broken = False
        self._last_flush = _monotonic()
        self._msgs = itertools.count(1)
        self._msg_prefix = keys.message_prefix(self.pid)
        self._uids = itertools.count(1)
        self.children: set[str] = set()
        self.pending_child: tuple[str, str] | None = None
        self.started = False  # its proc.start is made: it is one of the run's processes
        self.exited = False  # its proc.exit is made (by whoever ends the process)

    # -- identities ------------------------------------------------------------------

    def new_msg(self) -> str:
        """A run-unique message id, ``keys.message(pid, n)`` built without a call."""
        return self._msg_prefix + str(next(self._msgs))

    def new_uid(self) -> str:
        return f"{self.pid}-{next(self._uids)}"

    def object_name(self, names: tuple[str, ...], fallback: str) -> str:
        """Display name for a new object: its variable name, unique within this process."""
        base = names[0] if names else fallback
        if self.proc != "main":
            base = f"{base}@{self.proc}"
        name, n = base, 1
        while name in self.children:
            n += 1
            name = f"{base}#{n}"
        self.children.add(name)
        return name

    # -- the gate --------------------------------------------------------------------

    def before(
        self,
        kind: str,
        obj: str | None,
        line: int | None,
        value: Any = gates.UNKNOWN,
        child: str | None = None,
    ) -> None:
        """Called before a traced operation takes effect, with no lock held; ``value`` is
        what it will put, send or store, ``child`` the process it starts or joins, where
        the caller knows them."""
        gate = self.gate
        if gate.holds:
            gate.before(self, kind, obj, line, value, child)

    def after(self) -> None:
        """Called after a traced operation took effect and its event was emitted."""
        gate = self.gate
        if gate.paces:
            gate.after(self)

    def hold(self, op: wire.Hold) -> None:
        """Send what is waiting and that this process is about to do ``op``; block until
        the server says go (or is gone: then go on, the run is ending)."""
        with self._hold_lock:
            with self._lock:
                self._flush_locked(_monotonic(), op)
                sock = None if self._broken else self._sock
            if sock is None:
                return
            try:
                command = wire.read_command(sock)
            except OSError:
                command = None
            if command is None:
                self._broken = True
            elif command[0] == wire.FREE:
                # A replayed schedule is over: from here on the process goes on freely.
                self.gate = gates.make("free", getattr(self.gate, "pace_s", 0.0))

    # -- sending ---------------------------------------------------------------------

    def emit(
        self,
        kind: str,
        obj: str | None,
        line: int | None,
        fields: dict[str, Any] | None = None,
        key: str | None = None,
        after: str | None = None,
    ) -> None:
        # Every traced operation comes through here, so it is written for speed:
        # acquire/release cost half of what `with self._lock` does.
        if line is not None and line.__class__ is not int:  # a FileLine: another file's
            fields = {**fields, "file": line.file} if fields else {"file": line.file}  # type: ignore[attr-defined]
            line = int(line)
        lock = self._lock
        lock.acquire()
        try:
            # Read the clock under the lock so a process's events stay in time order
            # even when several of its threads emit (the manager's server does).
            now = _monotonic()
            buf = self._buf
            buf.append((kind, now - self.t0, obj, line, fields, key, after))
            if len(buf) >= BATCH or now - self._last_flush >= FLUSH_S:
                self._flush_locked(now)
        finally:
            lock.release()

    @property
    def has_unsent(self) -> bool:
        """Events made and not sent yet (read without the lock: for a last look before dying)."""
        return bool(self._buf)

    def flush(self) -> None:
        with self._lock:
            self._flush_locked(_monotonic())

    def flush_if_free(self) -> None:
        """Send what is waiting, unless this thread or another is inside ``emit`` (then it
        will be sent soon anyway): for time.sleep, which may run in a signal handler."""
        if self._buf and self._lock.acquire(blocking=False):
            try:
                self._flush_locked(_monotonic())
            finally:
                self._lock.release()

    def flush_within(self, timeout: float) -> None:
        """Send what is waiting once the lock is free, waiting for it up to ``timeout``:
        for a process about to die while another of its threads is inside ``emit``."""
        if self._buf and self._lock.acquire(timeout=timeout):
            try:
                self._flush_locked(_monotonic())
            finally:
                self._lock.release()

    def _flush_locked(self, now: float, hold: wire.Hold | None = None) -> None:
        self._last_flush = now
        if not self._buf and hold is None:
            return
        batch, self._buf = self._buf, []
        if self._broken:
            return
        frame = wire.batch_frame(self.pid, self.proc, batch, hold)
        try:
            if self._sock is None:
                self._sock = self._connect()
            self._sock.sendall(frame)
        except OSError:
            # The server is gone or cancelled the run; the process is about to be killed.
            # Dropping events beats crashing the learner's program with our error.
            self._broken = True

    def _connect(self) -> socket.socket:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            sock.connect(self.ctx.socket_path)
        except OSError:
            sock.close()
            raise
        return sock

    def close(self) -> None:
        with self._lock:
            self._flush_locked(_monotonic())
            if self._sock is not None:
                self._sock.close()
                self._sock = None

    # -- fork handling ---------------------------------------------------------------

    def before_fork(self) -> None:
        self._lock.acquire()
        self._flush_locked(_monotonic())

    def after_fork_parent(self) -> None:
        self._lock.release()

    def after_fork_child(self) -> None:
        # The child must not write into its parent's connection: drop the inherited copy
        # (closing our fd leaves the parent's open) and connect anew on first flush.
        self._lock = threading.Lock()
        self._hold_lock = threading.Lock()
        self._buf = []
        if self._sock is not None:
            self._sock.close()
            self._sock = None
        self.pid = os.getpid()
        self._msg_prefix = keys.message_prefix(self.pid)
        self.proc = f"{self.proc}/fork"
        self.role = "worker"
        self.children = set()
        self.pending_child = None
        self.started = False
        self.exited = False
        self._msgs = itertools.count(1)
        self._uids = itertools.count(1)
        self._last_flush = _monotonic()


# The emitter of this process, or None when the process is not traced. Only the tracer
# (app/tracing/tracer.py) sets it; primitives read it on every operation.
EMITTER: Emitter | None = None


def sleep(seconds: float | SupportsIndex) -> None:
    """``time.sleep`` in traced processes: a process about to sleep sends its batch first,
    like one about to block on a get, so what it did before shows while it sleeps rather
    than after (a program that prints once a second would otherwise show each line up to
    a second late)."""
    em = EMITTER
    if em is not None:
        em.flush_if_free()
    _real_sleep(seconds)


def exit_now(status: int) -> None:
    """``os._exit`` in traced processes: a process that ends without its exit hooks (a
    child calling ``os._exit``) still sends the events it made first, and its own exit,
    so a join of it is ordered after that exit (multiprocessing's own ``os._exit`` after a
    child's bootstrap finds its exit already sent)."""
    em = EMITTER
    if em is not None:
        if em.started and not em.exited:  # not a fork that never began as a process of the run
            from app.events import kinds as K

            em.emit(K.PROC_EXIT, None, None, {"exitcode": status}, key=keys.exited(em.pid))
        em.flush_if_free()
    _real_exit(status)
