"""Report changes of chosen variables in a process's own memory, line by line.

Uses ``sys.settrace`` restricted to the scenario's own frames. It costs a call of the
global trace function on every Python call in the process, so it is only switched on for
scenarios that name variables to watch (separate-memory watches ``result``).
"""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any

from app.events import kinds as K
from app.tracing import emitter
from app.tracing.values import value_fields

TraceFn = Any


class Watcher:
    def __init__(self, names: tuple[str, ...], program_path: str) -> None:
        self.names = names
        self.path = program_path
        self.seen: dict[tuple[str | None, str], Any] = {}

    def reset(self) -> None:
        """In a new process everything is news: its own copy is what it must report."""
        self.seen = {}

    def global_trace(self, frame: FrameType, event: str, arg: Any) -> TraceFn:
        if frame.f_code.co_filename != self.path:
            return None
        previous = [frame.f_lineno]

        def local(frame: FrameType, event: str, arg: Any) -> TraceFn:
            if event in ("line", "return"):
                self.check(frame, previous[0])
                previous[0] = frame.f_lineno
            return local

        return local

    def check(self, frame: FrameType, line: int) -> None:
        em = emitter.EMITTER
        if em is None:
            return
        module_level = frame.f_locals is frame.f_globals
        local_names = {} if module_level else frame.f_locals
        fn = None if module_level else frame.f_code.co_name
        for name in self.names:
            if name in local_names:
                value, scope, owner = local_names[name], "local", fn
            elif name in frame.f_globals:
                value, scope, owner = frame.f_globals[name], "global", None
            else:
                continue
            fields = {**value_fields(value), "scope": scope}
            key = (owner, name)
            if self.seen.get(key) == fields:
                continue
            self.seen[key] = fields
            if owner is not None:
                fields = {**fields, "fn": owner}
            em.emit(K.VAR, name, line, fields)
            em.after()


# Only the tracer (app/tracing/tracer.py) starts and stops it.
WATCHER: Watcher | None = None


def start(names: tuple[str, ...], program_path: str) -> None:
    global WATCHER
    if not names:
        return
    if WATCHER is None:
        WATCHER = Watcher(names, program_path)
    sys.settrace(WATCHER.global_trace)


def stop() -> None:
    global WATCHER
    if WATCHER is not None:
        sys.settrace(None)
        WATCHER = None


def after_fork_child() -> None:
    if WATCHER is not None:
        WATCHER.reset()
