"""Traced ``multiprocessing.Value`` and ``Array``.

Beside each shared object sits a small shared counter ``[version, writer pid]``, updated
under the object's own lock. Every write bumps the version and every read reports the
version it saw, so the server can order each read after the write it observed and each
write after the one before it, across processes: a lost update in a race shows up as two
reads of the same version.
"""

from __future__ import annotations

import ctypes
import sys
from multiprocessing import sharedctypes
from multiprocessing.context import assert_spawning
from typing import Any

from app.events import keys
from app.events import kinds as K
from app.tracing import emitter, frames, sync
from app.tracing.values import value_fields

# Typed loosely: these are subclassed and patched, which their stubs do not foresee.
_Synchronized: Any = sharedctypes.Synchronized
_SynchronizedArray: Any = sharedctypes.SynchronizedArray
_ORIGINAL_VALUE = sharedctypes.Value
_ORIGINAL_ARRAY = sharedctypes.Array


class _Versioned:
    """Shared bookkeeping for both kinds: names and the version counter."""

    _obj: Any
    _lock: Any
    _mps_name: str
    _mps_uid: str
    _mps_meta: Any  # ctypes c_longlong * 2 in shared memory: [version, writer pid]
    _mps_guard: Any  # what get_lock() gives the program: the same lock, traced (sync.split_lock)

    def get_lock(self) -> Any:
        return sync.announced(self._mps_guard)

    def _mps_read(self, kind: str, index: Any, read: Any) -> Any:
        line = frames.scenario_line(3)
        em = emitter.EMITTER
        if em is not None:
            em.before(kind, self._mps_name, line)  # outside the lock: a held gate blocks
        with self._lock:
            value = read()
            version, writer = self._mps_meta[0], self._mps_meta[1]
        if em is not None:
            fields = value_fields(value)
            fields["version"] = version
            if index is not None:
                fields["index"] = index
            after = keys.write(writer, self._mps_uid, version) if version else None
            em.emit(kind, self._mps_name, line, fields, after=after)
            em.after()
        return value

    def _mps_write(self, kind: str, index: Any, write: Any, read: Any, new: Any) -> None:
        line = frames.scenario_line(3)
        em = emitter.EMITTER
        if em is not None:
            em.before(kind, self._mps_name, line, new)  # outside the lock: a held gate blocks
        pid = em.pid if em is not None else 0
        with self._lock:
            write()
            stored = read()  # what memory holds now, after ctypes conversion
            prev, prev_writer = self._mps_meta[0], self._mps_meta[1]
            version = prev + 1
            self._mps_meta[0], self._mps_meta[1] = version, pid
        if em is not None:
            fields = value_fields(stored)
            fields["version"] = version
            if index is not None:
                fields["index"] = index
            after = keys.write(prev_writer, self._mps_uid, prev) if prev else None
            key = keys.write(pid, self._mps_uid, version)
            em.emit(kind, self._mps_name, line, fields, key=key, after=after)
            em.after()


class TracedValue(_Versioned, _Synchronized):  # type: ignore[misc]
    @property
    def value(self) -> Any:
        return self._mps_read(K.VALUE_GET, None, lambda: self._obj.value)

    @value.setter
    def value(self, new: Any) -> None:
        def write() -> None:
            self._obj.value = new

        self._mps_write(K.VALUE_SET, None, write, lambda: self._obj.value, new)

    def __reduce__(self) -> tuple[Any, ...]:
        assert_spawning(self)
        return _rebuild, (
            TracedValue,
            self._obj,
            self._lock,
            self._mps_meta,
            self._mps_name,
            self._mps_uid,
            self._mps_guard,
        )


def _index(array: Any, i: Any) -> int | tuple[int, int]:
    if isinstance(i, slice):
        start, stop, _ = i.indices(len(array))
        return (start, stop)
    return int(i)


class TracedArray(_Versioned, _SynchronizedArray):  # type: ignore[misc]
    def __getitem__(self, i: Any) -> Any:
        where = _index(self._obj, i)  # raises IndexError like the real thing, before any event
        if isinstance(where, int):
            where = where if where >= 0 else where + len(self._obj)
            if not 0 <= where < len(self._obj):
                raise IndexError("invalid index")
        return self._mps_read(K.ARRAY_GET, where, lambda: self._obj[i])

    def __setitem__(self, i: Any, value: Any) -> None:
        where = _index(self._obj, i)

        def write() -> None:
            self._obj[i] = value

        self._mps_write(K.ARRAY_SET, where, write, lambda: self._obj[i], value)

    def __reduce__(self) -> tuple[Any, ...]:
        assert_spawning(self)
        return _rebuild, (
            TracedArray,
            self._obj,
            self._lock,
            self._mps_meta,
            self._mps_name,
            self._mps_uid,
            self._mps_guard,
        )


def _rebuild(cls: type, obj: Any, lock: Any, meta: Any, name: str, uid: str, guard: Any) -> Any:
    _share_semlock(lock, guard)
    wrapped = cls(obj, lock)
    wrapped._mps_meta, wrapped._mps_name, wrapped._mps_uid = meta, name, uid
    wrapped._mps_guard = guard
    return wrapped


def _share_semlock(lock: Any, guard: Any) -> None:
    """Make the unpickled internal lock take the guard's own C semaphore again.

    In the parent both wrap one ``_multiprocessing.SemLock``, but each wrapper pickles the
    semaphore's handle and name by value, so a spawned child rebuilds two SemLock objects on
    one named semaphore. An RLock's owner and depth live in the C object, not in the
    semaphore: with two of them, ``with v.get_lock(): v.value += 1`` takes the guard and then
    blocks for ever on the internal lock, which sees the semaphore taken by someone else.
    The guard is kept (it may be the program's own lock, also unpickled as itself
    elsewhere in the same pickle), and the internal lock is pointed at it.
    """
    if lock is guard or not hasattr(lock, "_semlock") or not hasattr(guard, "_semlock"):
        return  # one object already, or a lock that is not a SemLock (a manager's proxy…)
    lock._semlock = guard._semlock
    lock._make_methods()  # the stdlib binds acquire/release of the C object on the instance


def _typecode(spec: Any) -> str:
    return spec if isinstance(spec, str) else getattr(spec, "__name__", str(spec))


def _wrap(cls: Any, real: Any, name: str) -> Any:
    internal, guard = sync.split_lock(real.get_lock(), name)
    wrapped = cls(real.get_obj(), internal)
    wrapped._mps_guard = guard
    _attach(wrapped, name)
    return wrapped


def _attach(wrapped: Any, name: str) -> None:
    em = emitter.EMITTER
    wrapped._mps_meta = sharedctypes.RawArray(ctypes.c_longlong, 2)
    wrapped._mps_name = name
    wrapped._mps_uid = em.new_uid() if em is not None else name


def make_value(ctx: Any, typecode_or_type: Any, *args: Any, lock: Any = True) -> Any:
    """Replacement for ``BaseContext.Value``."""
    em = emitter.EMITTER
    names = frames.assigned_names(sys._getframe(1))
    real = _ORIGINAL_VALUE(typecode_or_type, *args, lock=lock, ctx=ctx.get_context())
    if not isinstance(real, sharedctypes.Synchronized):
        return real  # lock=False gives a raw ctypes object: nothing to hook, left untraced
    name = em.object_name(names, "value") if em else (names[0] if names else "value")
    wrapped = _wrap(TracedValue, real, name)
    if em is not None:
        fields = {**value_fields(real.get_obj().value), "typecode": _typecode(typecode_or_type)}
        em.emit(K.VALUE_NEW, name, frames.scenario_line(), fields)
    return wrapped


def make_array(ctx: Any, typecode_or_type: Any, size_or_initializer: Any, *, lock: Any = True) -> Any:
    """Replacement for ``BaseContext.Array``."""
    em = emitter.EMITTER
    names = frames.assigned_names(sys._getframe(1))
    real = _ORIGINAL_ARRAY(typecode_or_type, size_or_initializer, lock=lock, ctx=ctx.get_context())
    if type(real) is not sharedctypes.SynchronizedArray:
        return real  # raw arrays and char strings are left untraced
    name = em.object_name(names, "array") if em else (names[0] if names else "array")
    wrapped = _wrap(TracedArray, real, name)
    if em is not None:
        obj = real.get_obj()
        fields = {**value_fields(list(obj)), "typecode": _typecode(typecode_or_type), "size": len(obj)}
        em.emit(K.ARRAY_NEW, name, frames.scenario_line(), fields)
    return wrapped


# What app/tracing/tracer.py puts on multiprocessing's contexts, by name.
FACTORIES = {"Value": make_value, "Array": make_array}
