"""A traced ``multiprocessing.Manager``: list and dict proxies, and the server's side of calls.

A call is traced three times, in the order it really happens: ``manager.call`` in the
process that holds the proxy, ``manager.serve`` in the manager's server process where the
real list or dict lives (with the object's state after the call), ``manager.result`` back
in the caller. The caller's message id rides along with the call as a keyword argument
that the server-side object takes off before running the method.
"""

from __future__ import annotations

import dis
import sys
import threading
from collections.abc import Callable
from multiprocessing import managers
from types import FrameType
from typing import Any

from app.events import keys
from app.events import kinds as K
from app.tracing import emitter, frames
from app.tracing.values import describe, value_fields

# Typed loosely: subclassed with private parts the stubs do not describe.
_ListProxy: Any = managers.ListProxy
_DictProxy: Any = managers.DictProxy
_SyncManager: Any = managers.SyncManager

_MSG = "_mps_msg"
_NAME = "_mps_name"
_SERVER = "_mps_server"  # the pid of the manager's server process, where it is known


def _describe_args(args: tuple[Any, ...]) -> list[Any]:
    return [describe(a)[0] for a in args]


# A `for` loop over a list proxy asks for item 0, 1, 2… (FOR_ITER) until IndexError; over a
# dict proxy it asks for an iterator first (GET_ITER). Neither call is written in the
# program, so the events say what made them.
_LOOP_OPS = frozenset({dis.opmap["FOR_ITER"], dis.opmap["GET_ITER"]})


def _called_by(frame: FrameType | None) -> str | None:
    """``"for"`` when the program frame the call came from is stepping a for loop."""
    path = frames.program_path
    while frame is not None and frame.f_code.co_filename != path:
        frame = frame.f_back
    if frame is None:
        return None
    code = frame.f_code.co_code  # the plain bytecode: FOR_ITER, not a specialised form
    return "for" if 0 <= frame.f_lasti < len(code) and code[frame.f_lasti] in _LOOP_OPS else None


def traced_call(
    name: str | None,
    server: int | None,
    method: str,
    args: tuple[Any, ...],
    send: Callable[[dict[str, Any]], Any],
) -> Any:
    """Run one proxy call, tracing it in the caller; ``send(extra_kwds)`` does the call.
    ``server`` is the pid of the
    manager's server process: the result is ordered after the server's serving of the call
    (unknown for a manager this run did not start, whose server is not traced)."""
    em = emitter.EMITTER
    if em is None or name is None:
        return send({})
    line = frames.scenario_line()
    em.before(K.MANAGER_CALL, name, line)
    msg = em.new_msg()
    call: dict[str, Any] = {"method": method, "args": _describe_args(args), "msg": msg}
    by = _called_by(sys._getframe(1))
    if by is not None:
        call["by"] = by
    em.emit(K.MANAGER_CALL, name, line, call, key=msg)
    em.flush()  # the caller now blocks until the server replies
    served = keys.reply(server, msg) if server is not None else None
    try:
        result = send({_MSG: msg})
    except Exception as exc:
        # A dead server never sends its half; don't wait for it.
        after = None if isinstance(exc, (EOFError, OSError)) else served
        fields = {"method": method, "msg": msg, "error": type(exc).__name__}
        if by is not None:
            fields["by"] = by
        em.emit(K.MANAGER_RESULT, name, line, fields, after=after)
        em.after()
        raise
    fields = {**value_fields(result), "method": method, "msg": msg}
    if by is not None:
        fields["by"] = by
    em.emit(K.MANAGER_RESULT, name, line, fields, after=served)
    em.after()
    return result


class _TracedProxy(managers.BaseProxy):
    """Mixin for proxies: carries the variable name and traces every exposed method."""

    def __init__(
        self, *args: Any, _mps_name: str | None = None, _mps_server: int | None = None, **kwds: Any
    ) -> None:
        super().__init__(*args, **kwds)
        self._mps_name = _mps_name
        self._mps_server = _mps_server

    def __repr__(self) -> str:
        # What the program would print without the tracer: the stdlib proxy's name.
        base = type(self).__mro__[2].__name__
        return f"<{base} object, typeid {self._token.typeid!r} at {id(self):#x}>"  # type: ignore[attr-defined]

    def __reduce__(self) -> tuple[Any, ...]:
        func, (cls, token, serializer, kwds) = super().__reduce__()
        return func, (cls, token, serializer, {**kwds, _NAME: self._mps_name, _SERVER: self._mps_server})

    def _callmethod(
        self, methodname: str, args: tuple[Any, ...] = (), kwds: dict[str, Any] | None = None
    ) -> Any:
        kwds = kwds or {}
        call = super()._callmethod
        if methodname not in self._exposed_:  # type: ignore[attr-defined]
            return call(methodname, args, kwds)  # '#GETVALUE', '__repr__'…: internal, untraced
        return traced_call(
            self._mps_name,
            self._mps_server,
            methodname,
            args,
            lambda extra: call(methodname, args, {**kwds, **extra}),
        )


class TracedListProxy(_TracedProxy, _ListProxy):  # type: ignore[misc]
    pass


class TracedDictProxy(_TracedProxy, _DictProxy):  # type: ignore[misc]
    pass


# --- the server's side -----------------------------------------------------------------


_serving = threading.local()  # the server runs one thread per client connection


def _serve(obj: Any, method: str, args: tuple[Any, ...], msg: str | None, run: Callable[[], Any]) -> Any:
    em = emitter.EMITTER
    if em is None or getattr(_serving, "busy", False):
        return run()  # a call made by another traced method (or by describe) is not a new call
    _serving.busy = True
    try:
        return _serve_traced(em, obj, method, args, msg, run)
    finally:
        _serving.busy = False


def _state(obj: Any) -> Any:
    # Copy through the builtin type so none of the traced methods runs again.
    plain = dict.copy(obj) if isinstance(obj, dict) else list.copy(obj)
    return describe(plain)[0]


def _serve_traced(
    em: emitter.Emitter,
    obj: Any,
    method: str,
    args: tuple[Any, ...],
    msg: str | None,
    run: Callable[[], Any],
) -> Any:
    fields: dict[str, Any] = {"method": method, "args": _describe_args(args)}
    if msg is not None:
        fields["msg"] = msg
    after = msg
    key = keys.reply(em.pid, msg) if msg is not None else None
    try:
        result = run()
    except Exception as exc:
        fields["error"] = type(exc).__name__
        fields["state"] = _state(obj)
        em.emit(K.MANAGER_SERVE, obj._mps_name, None, fields, key=key, after=after)
        em.flush()  # before the reply leaves, so the caller's result is ordered after
        raise
    fields = {**value_fields(result), **fields}
    fields["state"] = _state(obj)
    em.emit(K.MANAGER_SERVE, obj._mps_name, None, fields, key=key, after=after)
    em.flush()
    return result


def _traced_methods(base: type, exposed: tuple[str, ...]) -> dict[str, Any]:
    """Methods for the server-side referent that trace each call the proxies make."""

    def wrap(method: str) -> Any:
        real = getattr(base, method)

        def traced(self: Any, *args: Any, _mps_msg: str | None = None, **kwds: Any) -> Any:
            return _serve(self, method, args, _mps_msg, lambda: real(self, *args, **kwds))

        traced.__name__ = method
        return traced

    return {m: wrap(m) for m in exposed if hasattr(base, m)}


def _referent(base: type, exposed: tuple[str, ...], typeid: str) -> type:
    def __init__(
        self: Any,
        *args: Any,
        _mps_name: str | None = None,
        _mps_msg: str | None = None,
        **kwds: Any,
    ) -> None:
        self._mps_name = _mps_name
        _serve(self, typeid, args, _mps_msg, lambda: base.__init__(self, *args, **kwds))  # type: ignore[misc]

    return type(
        f"Traced{base.__name__.title()}",
        (base,),
        {"__init__": __init__, **_traced_methods(base, exposed)},
    )


TracedList = _referent(list, managers.ListProxy._exposed_, "list")  # type: ignore[attr-defined]
TracedDict = _referent(dict, managers.DictProxy._exposed_, "dict")  # type: ignore[attr-defined]


class TracedSyncManager(_SyncManager):  # type: ignore[misc]
    """SyncManager whose ``list()`` and ``dict()`` are traced on both sides."""

    def _traced_create(self, typeid: str, proxytype: type, args: tuple[Any, ...], frame: Any) -> Any:
        em = emitter.EMITTER
        names = frames.assigned_names(frame)
        name = em.object_name(names, typeid) if em else (names[0] if names else typeid)

        def create(extra: dict[str, Any]) -> Any:
            token, exposed = self._create(typeid, *args, _mps_name=name, **extra)
            proxy = proxytype(
                token,
                self._serializer,
                manager=self,
                authkey=self._authkey,
                exposed=exposed,
                _mps_name=name,
                _mps_server=server,
            )
            conn = self._Client(token.address, authkey=self._authkey)
            managers.dispatch(conn, None, "decref", (token.id,))  # type: ignore[attr-defined]
            return proxy

        server = self._process.pid if self._process is not None else None
        # The result is the proxy, which values.describe shows as what it stands for.
        return traced_call(name, server, typeid, args, create)

    def list(self, *args: Any) -> Any:
        return self._traced_create("list", TracedListProxy, args, sys._getframe(1))

    def dict(self, *args: Any) -> Any:
        return self._traced_create("dict", TracedDictProxy, args, sys._getframe(1))


TracedSyncManager.register("list", TracedList, TracedListProxy, create_method=False)
TracedSyncManager.register("dict", TracedDict, TracedDictProxy, create_method=False)


def make_manager(ctx: Any) -> TracedSyncManager:
    """Replacement for ``BaseContext.Manager``: the server process gets the variable's name."""
    em = emitter.EMITTER
    names = frames.assigned_names(sys._getframe(1))
    manager = TracedSyncManager(ctx=ctx.get_context())
    if em is not None:
        em.pending_child = (names[0] if names else "manager", "manager")
    manager.start()
    return manager


# What app/tracing/tracer.py puts on multiprocessing's contexts, by name.
FACTORIES = {"Manager": make_manager}
