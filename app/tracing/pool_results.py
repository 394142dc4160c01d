"""The caller's side of a traced Pool: its table of jobs and the result objects it hands out.

Every result object a Pool makes (for apply_async, map_async, imap…) registers itself in
the pool's table of jobs as it is made, in the submitting thread, before its tasks go out:
the traced table (``Jobs``) reports the submission there and turns the object into a
traced subclass of its own class, which reports ``pool.wait`` and ``pool.get``; callbacks
are wrapped to report ``pool.callback``.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import partial
from multiprocessing import TimeoutError as PoolTimeout
from multiprocessing import pool as mp_pool
from typing import Any

from app.events import kinds as K
from app.tracing import emitter, frames
from app.tracing.pool_fields import func_name, program_line, raised, wait_fields
from app.tracing.values import value_fields

# Subclassed with private parts the stubs do not describe.
_PoolCache: Any = mp_pool._PoolCache  # type: ignore[attr-defined]
_ApplyResult: Any = mp_pool.ApplyResult
_MapResult: Any = mp_pool.MapResult
_IMapIterator: Any = mp_pool.IMapIterator
_IMapUnorderedIterator: Any = mp_pool.IMapUnorderedIterator


class Pending(threading.local):
    """What a Pool method is submitting in this thread, until its job is registered."""

    info: tuple[dict[str, Any], int | None] | None = None


def _traced_callback(
    callback: Callable[[Any], Any], name: str, job: int, failed: bool
) -> Callable[[Any], Any]:
    def run(value: Any) -> Any:
        em = emitter.EMITTER
        if em is not None:
            fields: dict[str, Any] = {"raised": raised(value)} if failed else value_fields(value)
            fields["job"] = job
            func = func_name(callback)
            if func is not None:
                fields["func"] = func
            em.emit(K.POOL_CALLBACK, name, program_line(callback), fields)
        return callback(value)

    return run


class Jobs(_PoolCache):  # type: ignore[misc]
    """The pool's table of jobs in progress. Every result object registers itself here as
    it is made, in the submitting thread, before its tasks go out: that is where the
    submission is reported and the result object becomes a traced one."""

    def __init__(self, notifier: Any, name: str, pending: Pending) -> None:
        super().__init__(notifier=notifier)
        self._mps_name = name
        self._mps_pending = pending

    def __setitem__(self, job: int, result: Any) -> None:
        super().__setitem__(job, result)
        traced = _TRACED_RESULTS.get(type(result))
        if traced is not None:
            result.__class__ = traced  # the same object: the pool's threads hold it already
        result._mps_pool = self._mps_name
        for attr, failed in (("_callback", False), ("_error_callback", True)):
            callback = getattr(result, attr, None)
            if callback is not None:
                setattr(result, attr, _traced_callback(callback, self._mps_name, job, failed))
        info, self._mps_pending.info = self._mps_pending.info, None
        em = emitter.EMITTER
        if em is not None and info is not None:
            fields, line = info
            em.emit(K.POOL_SUBMIT, self._mps_name, line, {**fields, "job": job})
            em.after()


def _collected(
    em: emitter.Emitter, name: str, line: int | None, job: Any, collect: Callable[[], Any], ends: bool = False
) -> Any:
    """Collect one result through ``collect()`` and say it: the value, the exception the
    task raised, or the timeout. With ``ends`` (an imap's next), StopIteration is the end
    of the results, no result; from a get it is what the task raised."""
    try:
        value = collect()
    except StopIteration as exc:
        if not ends:
            em.emit(K.POOL_GET, name, line, {"job": job, "raised": raised(exc)})
        em.after()
        raise
    except PoolTimeout:
        em.emit(K.POOL_GET, name, line, {"job": job, "error": "TimeoutError"})
        em.after()
        raise
    except Exception as exc:
        em.emit(K.POOL_GET, name, line, {"job": job, "raised": raised(exc)})
        em.after()
        raise
    fields = value_fields(value)
    fields["job"] = job
    em.emit(K.POOL_GET, name, line, fields)
    em.after()
    return value


class TracedApplyResult(_ApplyResult):  # type: ignore[misc]
    """What apply_async returns (and map_async, through TracedMapResult)."""

    _mps_pool: str | None = None

    def wait(self, timeout: float | None = None) -> None:
        em = emitter.EMITTER
        if em is not None and self._mps_pool is not None and not self.ready():
            em.emit(K.POOL_WAIT, self._mps_pool, frames.scenario_line(), wait_fields(self._job, timeout))
            em.flush()
        super().wait(timeout)

    def get(self, timeout: float | None = None) -> Any:
        em = emitter.EMITTER
        name = self._mps_pool
        if em is None or name is None:
            return super().get(timeout)
        line = frames.scenario_line()
        em.before(K.POOL_GET, name, line)
        return _collected(em, name, line, self._job, partial(super().get, timeout))


class TracedMapResult(TracedApplyResult, _MapResult):  # type: ignore[misc]
    pass


class TracedIMapIterator(_IMapIterator):  # type: ignore[misc]
    """What imap returns: each next() is one result collected, in order."""

    _mps_pool: str | None = None

    def next(self, timeout: float | None = None) -> Any:
        em = emitter.EMITTER
        name = self._mps_pool
        if em is None or name is None:
            return super().next(timeout)
        line = frames.scenario_line()
        em.before(K.POOL_GET, name, line)
        # Unlocked peek: only decides whether to say "waits" first.
        if not self._items and self._index != self._length:
            em.emit(K.POOL_WAIT, name, line, wait_fields(self._job, timeout))
            em.flush()
        return _collected(em, name, line, self._job, partial(super().next, timeout), ends=True)

    __next__ = next


class TracedIMapUnorderedIterator(TracedIMapIterator, _IMapUnorderedIterator):  # type: ignore[misc]
    pass


_TRACED_RESULTS: dict[type, type] = {
    _ApplyResult: TracedApplyResult,
    _MapResult: TracedMapResult,
    _IMapIterator: TracedIMapIterator,
    _IMapUnorderedIterator: TracedIMapUnorderedIterator,
}
