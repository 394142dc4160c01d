"""Traced ``multiprocessing.shared_memory``: SharedMemory blocks and ShareableLists.

shared_memory is a module of its own, not a context's factory, and programs bind its classes
early (``from multiprocessing.shared_memory import SharedMemory``, which a spawned child runs
while it re-imports the program, before its tracer is installed). So the classes are patched
in place (``PATCHES``, put on and taken off by app/tracing/tracer.py): whatever name the
program holds them by, their methods are ours while tracing is on.

Beside every block made in a run sits a record, a small file in the run's directory named
after the block (``shm-<name>``): the block's name on the stage (the creator's variable), a
uid, and a ``[version, writer pid]`` counter, mapped by every process that uses the block and
changed under ``flock``. A process that attaches by the OS name finds the record, so the
block is one object on the stage whoever maps it, and each read reports the version it saw
(``keys.write``), so it comes after the write it saw, across processes. The record is made
before the block (whose random name we pick, as the stdlib would), so the supervisor can
unlink what a run made and left (``remove_left_blocks``), even a block whose creator was
killed a moment after making it.

``shm.buf`` is a ``SharedBuffer``: memoryview's Python side (indexing, slicing, assignment,
``len``, ``bytes()``, ``tobytes``, ``release``…), each read and write traced and done by the
real memoryview, so values and errors are the stdlib's own. Python 3.11 has no way for a
Python class to lend its memory to C code (``__buffer__`` came in 3.12), so SharedBuffer is
also a second ``mmap`` of the block: ``struct.pack_into``, numpy and ``memoryview()`` get the
block's very bytes through it, untraced (C code reads and writes without asking anyone).
A slice of ``buf`` is a plain object, traced the same way, lent to C code on 3.12+ only.
"""

from __future__ import annotations

import _posixshmem  # type: ignore[import-not-found]  # (no stub: the C half of shared_memory)
import contextlib
import fcntl
import mmap
import operator
import os
import struct
import sys
import threading
from collections.abc import Callable, Iterator
from multiprocessing import shared_memory
from typing import Any

from app.events import keys
from app.events import kinds as K
from app.tracing import emitter, frames
from app.tracing.values import MAX_ITEMS, MAX_STR, value_fields

# Typed loosely: patched in place with parts their stubs do not describe.
_SharedMemory: Any = shared_memory.SharedMemory
_ShareableList: Any = shared_memory.ShareableList
_init = _SharedMemory.__init__
_del = _SharedMemory.__del__
_reduce = _SharedMemory.__reduce__
_close = _SharedMemory.close
_unlink = _SharedMemory.unlink
_list_init = _ShareableList.__init__
_list_get = _ShareableList.__getitem__
_list_set = _ShareableList.__setitem__
_list_reduce = _ShareableList.__reduce__

# --- the record beside each block ---------------------------------------------------------

_RECORD = struct.Struct("<qqB63s32s")  # version, writer pid, state, name on the stage, uid
_COUNTER = struct.Struct("<qq")
_STATE_AT = _COUNTER.size
_PENDING, _MADE, _FOREIGN = 0, 1, 2  # being made; made in this run; made outside it
_PREFIX = "shm-"


def _record_path(directory: str, osname: str) -> str:
    return os.path.join(directory, _PREFIX + osname.lstrip("/"))


class _Record:
    """One process's handle on a block's record."""

    def __init__(self, path: str, fd: int) -> None:
        self.path = path
        self.closed = False
        self._fd = fd
        self._map = mmap.mmap(fd, _RECORD.size)
        self._pid = os.getpid()
        self._lock = threading.Lock()

    @classmethod
    def make(cls, path: str, state: int) -> _Record | None:
        """A new record (None when one of this name exists), written whole before anyone
        can know the block's name."""
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return None
        os.write(fd, _RECORD.pack(0, 0, state, b"", b""))
        return cls(path, fd)

    @classmethod
    def find(cls, path: str) -> _Record | None:
        try:
            return cls(path, os.open(path, os.O_RDWR))
        except FileNotFoundError:
            return None

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        if self._pid != os.getpid():
            # A forked child shares its parent's open file, and flock would let both in.
            os.close(self._fd)
            self._fd, self._pid, self._lock = os.open(self.path, os.O_RDWR), os.getpid(), threading.Lock()
        with self._lock:  # flock does not keep out the other threads of this process
            fcntl.flock(self._fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(self._fd, fcntl.LOCK_UN)

    def counter(self) -> tuple[int, int]:
        version, writer = _COUNTER.unpack_from(self._map, 0)
        return int(version), int(writer)

    def bump(self, pid: int) -> tuple[int, int, int]:
        """One more write, by ``pid``: the version before it, its writer, and the new one."""
        version, writer = self.counter()
        _COUNTER.pack_into(self._map, 0, version + 1, pid)
        return version, writer, version + 1

    def mark(self, state: int) -> None:
        self._map[_STATE_AT] = state

    def reset(self) -> None:
        """A name made again after its block was unlinked: a new block, counted anew."""
        with self.held():
            self._map[:] = _RECORD.pack(0, 0, _MADE, b"", b"")

    def claim(self, name: Callable[[], str], uid: Callable[[], str]) -> tuple[str, str]:
        """The block's name on the stage and uid; the first process to ask names it."""
        with self.held():
            *_, stored, stored_uid = _RECORD.unpack_from(self._map, 0)
            if not stored.rstrip(b"\0"):
                stored, stored_uid = name().encode()[:63], uid().encode()[:32]
                self._map[_STATE_AT + 1 :] = struct.pack("<63s32s", stored, stored_uid)
        return stored.rstrip(b"\0").decode(errors="replace"), stored_uid.rstrip(b"\0").decode()

    def discard(self) -> None:
        self.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.path)

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self._map.close()
            os.close(self._fd)


def remove_left_blocks(run_dir: str) -> list[str]:
    """Unlink the blocks a run made and left (the program never unlinked them, or it was
    killed first); their names. For the supervisor, once the run's processes are gone."""
    removed = []
    try:
        entries = os.listdir(run_dir)
    except OSError:
        return []
    for entry in entries:
        if not entry.startswith(_PREFIX):
            continue
        osname = entry[len(_PREFIX) :]
        try:
            with open(os.path.join(run_dir, entry), "rb") as f:
                head = f.read(_RECORD.size)
        except OSError:
            continue
        state = head[_STATE_AT] if len(head) > _STATE_AT else _PENDING
        # A name still pending is ours only if we picked it (a killed create); a block the
        # program named itself may be another program's when its create failed.
        if state == _FOREIGN or (state == _PENDING and not osname.startswith("psm_")):
            continue
        try:
            _posixshmem.shm_unlink("/" + osname)
        except FileNotFoundError:
            continue  # the program unlinked it
        removed.append(osname)
    return removed


# --- a traced block in one process ---------------------------------------------------------


class _Block:
    """What a traced SharedMemory (or ShareableList) carries: its name on the stage, its uid
    and record, and the ``buf`` handed out."""

    def __init__(self, name: str, uid: str, record: _Record, is_list: bool) -> None:
        self.name = name
        self.uid = uid
        self.record = record
        self.is_list = is_list
        self.buffer: SharedBuffer | None = None

    def operate(
        self,
        kind: str,
        line: int | None,
        op: Callable[[], Any],
        fields: Callable[[Any], dict[str, Any]],
        write: bool,
    ) -> Any:
        """Run ``op`` through the gate and under the record's lock, and report it with the
        version it saw (a read) or made (a write)."""
        em = emitter.EMITTER
        if em is None or self.record.closed:
            return op()
        em.before(kind, self.name, line)  # no lock held: a held gate blocks only this process
        record = self.record
        with record.held():
            result = op()
            if write:
                prev, prev_writer, version = record.bump(em.pid)
            else:
                version, writer = record.counter()
        out = fields(result)
        out["version"] = version
        if write:
            after = keys.write(prev_writer, self.uid, prev) if prev else None
            em.emit(kind, self.name, line, out, key=keys.write(em.pid, self.uid, version), after=after)
        else:
            after = keys.write(writer, self.uid, version) if version else None
            em.emit(kind, self.name, line, out, after=after)
        em.after()
        return result


def _run_dir() -> str | None:
    em = emitter.EMITTER
    return em.ctx.run_dir or os.path.dirname(em.ctx.program_path) if em is not None else None


def _bytes_fields(data: bytes) -> dict[str, Any]:
    shown = data[:MAX_ITEMS]
    text = repr(shown) + ("…" if len(data) > MAX_ITEMS else "")
    return {"value": list(shown), "repr": text if len(text) <= MAX_STR else text[:MAX_STR] + "…"}


def _index_fields(where: int | range) -> dict[str, Any]:
    if isinstance(where, int):
        return {"index": where}
    if where.step == 1 or not where:
        return {"index": [where.start, max(where.start, where.stop)]}
    low, high = min(where[0], where[-1]), max(where[0], where[-1])
    return {"index": [low, high + 1], "step": where.step}


def _where(span: range, key: Any) -> int | range | None:
    """The block's bytes ``view[key]`` means, or None when memoryview will refuse it."""
    try:
        return span[key] if isinstance(key, slice) else span[operator.index(key)]
    except (TypeError, IndexError, ValueError):
        return None


# --- buf ------------------------------------------------------------------------------------


def _delegate(name: str) -> Any:
    return property(lambda self: getattr(self._mps_view, name))


class _BufferOps:
    """memoryview's Python side over the block's bytes in ``_mps_span``."""

    _mps_view: memoryview  # the real one: owner's buf, or a slice of it
    _mps_span: range
    _mps_block: _Block

    nbytes = _delegate("nbytes")
    readonly = _delegate("readonly")
    itemsize = _delegate("itemsize")
    format = _delegate("format")
    ndim = _delegate("ndim")
    shape = _delegate("shape")
    strides = _delegate("strides")
    suboffsets = _delegate("suboffsets")
    c_contiguous = _delegate("c_contiguous")
    f_contiguous = _delegate("f_contiguous")
    contiguous = _delegate("contiguous")
    obj = _delegate("obj")

    def __getitem__(self, key: Any) -> Any:
        view = self._mps_view
        where = _where(self._mps_span, key)
        if where is None:
            return view[key]  # memoryview's own answer (an error, mostly); nothing is read
        if isinstance(where, range):
            return BufferSlice(view[key], where, self._mps_block)  # a view: nothing read yet
        line = frames.scenario_line()
        view.nbytes  # noqa: B018 (raises once released, before the gate)
        return self._mps_block.operate(
            K.SHM_READ, line, lambda: view[key], lambda v: {"value": v, "index": where}, write=False
        )

    def __setitem__(self, key: Any, value: Any) -> None:
        view = self._mps_view
        where = _where(self._mps_span, key)
        if where is None:
            view[key] = value  # refused as memoryview refuses it
            return
        line = frames.scenario_line()
        view.nbytes  # noqa: B018

        def write() -> Any:
            view[key] = value
            stored = view[key]  # what the block holds now
            return stored if isinstance(stored, int) else stored[: MAX_ITEMS + 1].tobytes()

        def fields(stored: Any) -> dict[str, Any]:
            shown = {"value": stored} if isinstance(stored, int) else _bytes_fields(stored)
            return {**shown, **_index_fields(where)}

        self._mps_block.operate(K.SHM_WRITE, line, write, fields, write=True)

    def _read_all(self) -> bytes:
        view = self._mps_view
        view.nbytes  # noqa: B018
        line = frames.scenario_line()
        where = _index_fields(self._mps_span)
        data: bytes = self._mps_block.operate(
            K.SHM_READ, line, view.tobytes, lambda d: {**_bytes_fields(d), **where}, write=False
        )
        return data

    def __bytes__(self) -> bytes:
        return self._read_all()

    def tobytes(self, order: str | None = None) -> bytes:
        return self._read_all()  # one-dimensional bytes: every order is the same

    def tolist(self) -> list[int]:
        return list(self._read_all())

    def hex(self, *args: Any) -> str:
        return self._read_all().hex(*args)

    def __iter__(self) -> Iterator[int]:
        return iter(self._read_all())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, _BufferOps):
            other = other._read_all()
        return memoryview(self._read_all()) == other

    def __hash__(self) -> int:
        return hash(self._mps_view)  # ValueError: a writable memoryview has no hash

    def __len__(self) -> int:
        return len(self._mps_view)

    def __repr__(self) -> str:
        return repr(self._mps_view)

    def __reduce__(self) -> Any:
        raise TypeError("cannot pickle 'memoryview' object")

    # Views of another shape or read-only: real memoryviews, untraced (what they read
    # is typed by the program's format, which the block's cells do not know).
    def cast(self, *args: Any) -> memoryview:
        return self._mps_view.cast(*args)

    def toreadonly(self) -> memoryview:
        return self._mps_view.toreadonly()

    def release(self) -> None:
        self._mps_view.release()

    def __enter__(self) -> Any:
        self._mps_view.nbytes  # noqa: B018
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class SharedBuffer(_BufferOps, mmap.mmap):
    """A traced block's ``buf``, which is also a mapping of the block that C code can use."""

    @classmethod
    def over(cls, shm: Any, block: _Block) -> SharedBuffer:
        buffer = cls(shm._fd, shm._size)
        buffer._mps_view, buffer._mps_span, buffer._mps_block = shm._buf, range(shm._size), block
        return buffer

    def release(self) -> None:
        mmap.mmap.close(self)  # BufferError while C code holds it, as memoryview's release
        self._mps_view.release()


class BufferSlice(_BufferOps):
    """``buf[a:b]``: a view of some of the block's bytes."""

    def __init__(self, view: memoryview, span: range, block: _Block) -> None:
        self._mps_view, self._mps_span, self._mps_block = view, span, block

    def __buffer__(self, flags: int) -> memoryview:
        return memoryview(self._mps_view)  # Python 3.12+: C code gets the real bytes


# --- SharedMemory ---------------------------------------------------------------------------


def _created(shm: Any, directory: str, name: str | None, size: int) -> _Record:
    """Make the block as the stdlib would, with its record made first."""
    while True:
        picked = name if name is not None else shared_memory._make_filename()[1:]  # type: ignore[attr-defined]
        path = _record_path(directory, picked)
        record = _Record.make(path, _PENDING)
        if record is None:
            if name is None:
                continue  # a random name this run had before: pick another
            _init(shm, name, True, size)  # FileExistsError unless that block was unlinked
            found = _Record.find(path)
            assert found is not None
            found.reset()
            return found
        try:
            _init(shm, picked, True, size)
        except FileExistsError:
            record.discard()
            if name is None:
                continue  # someone else's block has the name: the stdlib picks another too
            raise
        except BaseException:
            record.discard()
            raise
        record.mark(_MADE)
        return record


def _attached_record(directory: str, osname: str) -> _Record:
    path = _record_path(directory, osname)
    record = _Record.find(path) or _Record.make(path, _FOREIGN) or _Record.find(path)
    assert record is not None
    return record


def _shm_init(self: Any, name: str | None = None, create: bool = False, size: int = 0) -> None:
    em = emitter.EMITTER
    directory = _run_dir()
    if em is None or directory is None:
        _init(self, name, create, size)
        return
    frame = sys._getframe(1)
    if frames.made_by_stdlib(frame):
        if create:
            _created(self, directory, name, size).close()  # recorded for the clean-up only
        else:
            _init(self, name, create, size)
        return
    names = frames.assigned_names(frame)
    line = frames.scenario_line()
    if not create:
        _init(self, name, create, size)
        _adopt(self, names, line)
        return
    record = _created(self, directory, name, size)
    shown, uid = record.claim(lambda: em.object_name(names, "shm"), em.new_uid)
    self._mps_block = _Block(shown, uid, record, is_list=False)
    em.emit(K.SHM_NEW, shown, line, {"block": self.name, "size": self.size})


def _adopt(shm: Any, names: tuple[str, ...], line: int | None) -> _Block | None:
    """Trace a block this process attached to: named as where it was made."""
    em, directory = emitter.EMITTER, _run_dir()
    if em is None or directory is None:
        return None
    record = _attached_record(directory, shm.name)
    shown, uid = record.claim(lambda: em.object_name(names, "shm"), em.new_uid)
    block = shm._mps_block = _Block(shown, uid, record, is_list=False)
    em.emit(K.SHM_ATTACH, shown, line, {"block": shm.name, "size": shm.size})
    return block


def _block_of(shm: Any) -> _Block | None:
    state = shm.__dict__
    block: _Block | None = state.get("_mps_block")
    if block is None and state.pop("_mps_pending", False) and shm._buf is not None:
        block = _adopt(shm, (), None)
    return block


def _buf(self: Any) -> Any:
    block = _block_of(self)
    if block is None or block.is_list or self._buf is None:
        return self._buf  # a ShareableList reads its own block with struct: leave it the real one
    if block.buffer is None:
        block.buffer = SharedBuffer.over(self, block)
    return block.buffer


def _shm_close(self: Any) -> None:
    block = _block_of(self)
    if block is None or self._mmap is None:
        _close(self)  # untraced, or closed already: nothing happens
        return
    if block.buffer is not None and not block.buffer.closed:
        mmap.mmap.close(block.buffer)  # BufferError while C code holds it, as untraced
    em, line = emitter.EMITTER, frames.scenario_line()
    if em is not None:
        em.before(K.SHM_CLOSE, block.name, line)
    _close(self)
    block.record.close()
    if em is not None:
        em.emit(K.SHM_CLOSE, block.name, line, {"block": self.name})
        em.after()


def _shm_unlink(self: Any) -> None:
    block = _block_of(self)
    em = emitter.EMITTER
    if block is None or em is None:
        _unlink(self)
        return
    line = frames.scenario_line()
    em.before(K.SHM_UNLINK, block.name, line)
    fields: dict[str, Any] = {"block": self.name}
    try:
        _unlink(self)
    except OSError as exc:
        fields["error"] = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        em.emit(K.SHM_UNLINK, block.name, line, fields)
        em.after()


def _shm_del(self: Any) -> None:
    block = self.__dict__.get("_mps_block")
    if block is not None:
        if block.buffer is not None:
            with contextlib.suppress(BufferError):
                mmap.mmap.close(block.buffer)
        block.record.close()
    _del(self)


def _shm_reduce(self: Any) -> Any:
    if _block_of(self) is None:
        return _reduce(self)
    return _attach_block, (self.name, self.size)


def _attach_block(name: str, size: int) -> Any:
    """A traced block unpickled in another process: an attach there, by its name."""
    shm = _SharedMemory(name, False, size)
    if "_mps_block" not in shm.__dict__:
        # Unpickled before this process's tracer was installed (a spawned child's
        # arguments come before its TraceContext): traced from its first use.
        shm._mps_pending = True
    return shm


# --- ShareableList --------------------------------------------------------------------------


def _shl_init(self: Any, sequence: Any = None, *, name: str | None = None) -> None:
    frame = sys._getframe(1)
    em = emitter.EMITTER
    if em is None or frames.made_by_stdlib(frame):
        _list_init(self, sequence, name=name)
        return
    names, line = frames.assigned_names(frame), frames.scenario_line()
    _list_init(self, sequence, name=name)
    _trace_list(self, names, line, made=name is None or sequence is not None)


def _trace_list(self: Any, names: tuple[str, ...], line: int | None, made: bool) -> _Block | None:
    em, directory = emitter.EMITTER, _run_dir()
    if em is None or directory is None:
        return None
    shm = self.shm
    record = _attached_record(directory, shm.name)
    shown, uid = record.claim(lambda: em.object_name(names, "shareable_list"), em.new_uid)
    block = self._mps_block = shm._mps_block = _Block(shown, uid, record, is_list=True)
    fields: dict[str, Any] = {"block": shm.name, "size": self._list_len, "list": True}
    if made:
        items = [_list_get(self, i) for i in range(self._list_len)]  # as stored
        em.emit(K.SHM_NEW, shown, line, {**value_fields(items), **fields})
    else:
        em.emit(K.SHM_ATTACH, shown, line, fields)
    return block


def _list_block(self: Any, position: Any) -> _Block | None:
    state = self.__dict__
    block: _Block | None = state.get("_mps_block")
    if block is None and state.pop("_mps_pending", False):
        block = _trace_list(self, (), None, made=False)
    if block is None or self.shm._buf is None:
        return None
    n = self._list_len
    return block if isinstance(position, int) and -n <= position < n else None


def _shl_getitem(self: Any, position: Any) -> Any:
    block = _list_block(self, position)
    if block is None:
        return _list_get(self, position)  # untraced, or refused as the stdlib refuses it
    index = position % self._list_len
    return block.operate(
        K.SHM_GET,
        frames.scenario_line(),
        lambda: _list_get(self, position),
        lambda v: {**value_fields(v), "index": index},
        write=False,
    )


def _shl_setitem(self: Any, position: Any, value: Any) -> None:
    block = _list_block(self, position)
    if block is None:
        _list_set(self, position, value)
        return
    index = position % self._list_len

    def write() -> Any:
        _list_set(self, position, value)
        return _list_get(self, position)  # what the list holds now (bytes lose their NULs)

    block.operate(
        K.SHM_SET,
        frames.scenario_line(),
        write,
        lambda v: {**value_fields(v), "index": index},
        write=True,
    )


def _shl_reduce(self: Any) -> Any:
    if self.__dict__.get("_mps_block") is None:
        return _list_reduce(self)
    return _attach_list, (self.shm.name,)


def _attach_list(name: str) -> Any:
    """A traced ShareableList unpickled in another process: an attach there."""
    shl = _ShareableList(name=name)
    if "_mps_block" not in shl.__dict__:
        shl._mps_pending = True  # as in _attach_block
    return shl


# What app/tracing/tracer.py puts on multiprocessing's contexts, by name (none: shared_memory
# is a module of its own) and the names it patches in place: (owner, name, value).
FACTORIES: dict[str, Any] = {}
PATCHES: tuple[tuple[Any, str, Any], ...] = (
    (_SharedMemory, "__init__", _shm_init),
    (_SharedMemory, "__del__", _shm_del),
    (_SharedMemory, "__reduce__", _shm_reduce),
    (_SharedMemory, "buf", property(_buf, doc="A memoryview of the block's bytes (traced).")),
    (_SharedMemory, "close", _shm_close),
    (_SharedMemory, "unlink", _shm_unlink),
    (_ShareableList, "__init__", _shl_init),
    (_ShareableList, "__getitem__", _shl_getitem),
    (_ShareableList, "__setitem__", _shl_setitem),
    (_ShareableList, "__reduce__", _shl_reduce),
)
