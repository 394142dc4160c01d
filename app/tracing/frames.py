"""Read the scenario program's own frames: variable names being assigned, current lines.

Names come from bytecode: when ``q = multiprocessing.Queue()`` calls into the tracer, the
instruction after the call in the caller's frame stores the result, and its operand is
the name ``q``. That keeps the scenario source free of any tracing code.
"""

from __future__ import annotations

import bisect
import dis
import os
import sys
from types import CodeType, FrameType

# Set by the tracer (app/tracing/tracer.py): the file whose frames count as "the program".
program_path: str | None = None
# A traced program's folder: its other files there are the program's too (a helper module
# it imports). None: the program is its one file (a scenario).
program_root: str | None = None
# Folders under the program's that hold no file of its own: ours, a virtual environment's.
_not_the_programs: tuple[str, ...] = ()
# Each code file seen, by its name: its path in the program (relative to program_root), or
# None when it is not one of the program's files.
_places: dict[str, str | None] = {}
_UNSEEN = object()
# A file's text goes into the run once per process (the page shows it); bigger ones do not.
MAX_SOURCE = 1_000_000


class FileLine(int):
    """A line in one of the program's other files: the line number, and the file as
    ``file`` (its path in the program's folder). The emitter sends it as ``line`` and
    ``file``."""

    file: str


def set_program(path: str | None, root: str | None = None, not_the_programs: tuple[str, ...] = ()) -> None:
    global program_path, program_root, _not_the_programs
    program_path, program_root = path, root
    _not_the_programs = tuple(os.path.join(p, "") for p in not_the_programs)
    _places.clear()


def _place_of(filename: str) -> str | None:
    root = program_root
    if root is None or not filename.endswith(".py") or not os.path.isabs(filename):
        return None
    inside = os.path.join(root, "")
    if not filename.startswith(inside) or filename.startswith(_not_the_programs):
        return None
    if os.sep + "site-packages" + os.sep in filename or os.sep + "dist-packages" + os.sep in filename:
        return None
    place = filename[len(inside) :]
    _announce(place, filename)
    return place


def _announce(place: str, filename: str) -> None:
    """The first time this process runs code of one of the program's other files, its
    text goes into the run, so the page can show the lines events point to there."""
    from app.events import kinds as K
    from app.tracing import emitter

    em = emitter.EMITTER
    if em is None:
        return
    try:
        with open(filename, "rb") as f:
            data = f.read(MAX_SOURCE + 1)
    except OSError:
        return
    if len(data) <= MAX_SOURCE:
        em.emit(K.RUN_FILE, None, None, {"path": place, "text": data.decode("utf-8", "replace")})


def _in_file(place: str, lineno: int) -> FileLine:
    line = FileLine(lineno)
    line.file = place
    return line


_STORES = frozenset({"STORE_NAME", "STORE_FAST", "STORE_GLOBAL", "STORE_DEREF"})
_cache: dict[CodeType, tuple[list[dis.Instruction], list[int]]] = {}


def _instructions(code: CodeType) -> tuple[list[dis.Instruction], list[int]]:
    cached = _cache.get(code)
    if cached is None:
        ins = list(dis.get_instructions(code))
        cached = _cache[code] = (ins, [i.offset for i in ins])
    return cached


def _store_names(ins: dis.Instruction) -> tuple[str, ...] | None:
    if ins.opname in _STORES:
        return (str(ins.argval),)
    if ins.opname == "STORE_FAST_STORE_FAST":  # 3.13+: two stores fused
        return tuple(str(n) for n in ins.argval)
    return None


_OWNER_LOADS = frozenset({"LOAD_FAST", "LOAD_NAME", "LOAD_GLOBAL", "LOAD_DEREF", "LOAD_ATTR"})


def _attribute_name(ins: list[dis.Instruction], i: int) -> tuple[str, ...]:
    """``self.tasks = f()``: the call's value, then its owner loaded (``self``, or
    ``self.pool`` for ``self.pool.tasks``), then ``STORE_ATTR tasks``. A person's program
    often keeps its queues on an object, so the attribute is the name it has."""
    while i < len(ins) and ins[i].opname in _OWNER_LOADS:
        i += 1
    if i < len(ins) and ins[i].opname == "STORE_ATTR":
        return (str(ins[i].argval),)
    return ()


def assigned_names(frame: FrameType | None) -> tuple[str, ...]:
    """Names the value returned by the call running in ``frame`` is about to be stored to.

    ``q = f()`` → ``("q",)``; ``a, b = f()`` → ``("a", "b")``; ``with f() as m`` →
    ``("m",)``; ``self.q = f()`` → ``("q",)``; anything else (an argument, a list item) → ``()``.
    """
    if frame is None:
        return ()
    ins, offsets = _instructions(frame.f_code)
    # f_lasti may point into the call's inline cache entries (hidden by dis), so find
    # the instruction that contains it and look at the one after.
    i = bisect.bisect_right(offsets, frame.f_lasti)
    if i >= len(ins):
        return ()
    nxt = ins[i]
    if nxt.opname == "BEFORE_WITH" and i + 1 < len(ins):
        nxt = ins[i + 1]
        i += 1
    names = _store_names(nxt)
    if names is not None:
        return names
    if nxt.opname in _OWNER_LOADS:
        return _attribute_name(ins, i)
    if nxt.opname == "UNPACK_SEQUENCE":
        count = int(nxt.arg or 0)
        out: list[str] = []
        for later in ins[i + 1 :]:
            got = _store_names(later)
            if got is None:
                return ()
            out.extend(got)
            if len(out) >= count:
                return tuple(out[:count])
    return ()


def scenario_line(depth: int = 2) -> int | None:
    """Line of the innermost program frame above the caller (a ``FileLine`` when it is in
    one of a traced program's other files), or None outside the program's code."""
    path = program_path
    try:
        frame: FrameType | None = sys._getframe(depth)
    except ValueError:
        return None
    hops = 0
    root = program_root
    while frame is not None and hops < 40:
        filename = frame.f_code.co_filename
        if filename == path:
            return frame.f_lineno
        if root is not None:
            place = _places.get(filename, _UNSEEN)
            if place is _UNSEEN:
                place = _places[filename] = _place_of(filename)
            if place is not None:
                return _in_file(place, frame.f_lineno)  # type: ignore[arg-type]
        frame = frame.f_back
        hops += 1
    return None


# Packages whose own objects (a Queue's locks, an Event's Condition, a Pool's queues, a
# Manager's connections) are not the program's: made from there, a primitive stays untraced.
_STDLIB = ("multiprocessing", "concurrent.futures")


def made_by_stdlib(frame: FrameType | None, also: tuple[str, ...] = ()) -> bool:
    """Whether the code in ``frame`` (a factory's caller) is multiprocessing's or
    concurrent.futures' own (or one of the modules ``also`` names)."""
    module = str(frame.f_globals.get("__name__", "")) if frame is not None else ""
    return module.startswith(_STDLIB + also)
