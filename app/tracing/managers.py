"""A traced ``multiprocessing.Manager``: the manager, its proxies, the caller's side of a call.

A call is traced three times, in the order it really happens: ``manager.call`` in the
process that holds the proxy, ``manager.serve`` in the manager's server process where the
real object lives (with the object's state after the call), ``manager.result`` back in
the caller. The caller's message id and name ride along with the call as a keyword
argument that the server takes off before it runs the method.

The server's side (``manager_server``) is the same for every type (list, dict, Namespace,
Value, Array, Queue, Lock, Event): the server reads each request through a wrapper of its
connection, so the referents are the stdlib's own objects, untouched. A call that is
about to block in the server (a get from an empty Queue, an acquire of a held Lock, a
wait on an unset Event) makes the server send the caller one notice before the reply;
the caller's connection wrapper (``_Replies``) turns it into ``manager.wait``, so the
caller is shown waiting for its reply exactly while the server holds it.
"""

from __future__ import annotations

import dis
import queue as stdlib_queue
import sys
import threading
from collections.abc import Callable
from multiprocessing import managers
from types import FrameType
from typing import Any

from app.events import keys
from app.events import kinds as K
from app.tracing import emitter, frames
from app.tracing.manager_protocol import BUILTIN_TYPES, MSG, NAME, SERVER, WAIT, describe_args
from app.tracing.manager_server import TracedServer
from app.tracing.values import value_fields

# Typed loosely: subclassed with private parts the stubs do not describe.
_BaseProxy: Any = managers.BaseProxy
_SyncManager: Any = managers.SyncManager
_mp: Any = managers  # the proxies and referents, loosely: several are not in the stubs

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


# The call this thread is waiting on, for _Replies to name when the server says it blocks.
_calling = threading.local()


def traced_call(
    name: str | None,
    server: int | None,
    typeid: str,
    method: str,
    args: tuple[Any, ...],
    send: Callable[[dict[str, Any]], Any],
    creates: bool = False,
) -> Any:
    """Run one proxy call, tracing it in the caller; ``send(extra_kwds)`` does the call.
    ``server`` is the pid of the manager's server process: the result is ordered after the
    server's serving of the call (unknown for a manager this run did not start, whose
    server is not traced). ``creates``: the call makes an object of a type registered on a
    BaseManager subclass; ``send`` then returns ``(result, the name the server gave it)``."""
    em = emitter.EMITTER
    if em is None or name is None:
        return send({})
    line = frames.scenario_line()
    em.before(K.MANAGER_CALL, name, line)
    msg = em.new_msg()
    common: dict[str, Any] = {"method": method, "type": typeid, "msg": msg}
    by = _called_by(sys._getframe(1))
    if by is not None:
        common["by"] = by
    if creates:
        common["creates"] = True
    shown = describe_args(args)
    em.emit(K.MANAGER_CALL, name, line, {**common, "args": shown}, key=msg)
    em.flush()  # the caller now blocks until the server replies
    served = keys.reply(server, msg) if server is not None else None
    _calling.call = (em, name, line, common)
    try:
        result = send({MSG: (msg, em.proc)})
    except Exception as exc:
        # A dead server never sends its half; don't wait for it.
        after = None if isinstance(exc, (EOFError, OSError)) else served
        fields = {**common, "args": shown, "error": type(exc).__name__}
        em.emit(K.MANAGER_RESULT, name, line, fields, after=after)
        em.after()
        raise
    finally:
        _calling.call = None
    if creates:
        result, named = result
        if named != name:  # the server already knew the object by another name
            common["proposed"], name = name, named
        fields = {**common, "args": shown, "value": f"a proxy for {named}"}
    else:
        fields = {**value_fields(result), **common, "args": shown}
    em.emit(K.MANAGER_RESULT, name, line, fields, after=served)
    em.after()
    return result


class _Replies:
    """The caller's end of a proxy's connection: passes everything through, except the
    server's notice that the call is blocked, which becomes ``manager.wait``."""

    __slots__ = ("_conn",)

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def send(self, obj: Any) -> None:
        self._conn.send(obj)

    def recv(self) -> Any:
        reply = self._conn.recv()
        while type(reply) is tuple and len(reply) == 2 and reply[0] == WAIT:
            call = getattr(_calling, "call", None)
            if call is not None:
                em, name, line, common = call
                em.emit(K.MANAGER_WAIT, name, line, {**common, **reply[1]})
                em.flush()  # before the process really blocks on the reply
            reply = self._conn.recv()
        return reply

    def close(self) -> None:
        self._conn.close()


class _TracedProxy(_BaseProxy):  # type: ignore[misc]
    """Mixin for proxies: carries the variable name and traces every exposed method."""

    _mps_shown: str | None = None  # the class name the program would see untraced

    def __init__(
        self, *args: Any, _mps_name: str | None = None, _mps_server: int | None = None, **kwds: Any
    ) -> None:
        super().__init__(*args, **kwds)
        self._mps_name = _mps_name
        self._mps_server = _mps_server

    def __repr__(self) -> str:
        # What the program would print without the tracer: the stdlib proxy's name.
        base = self._mps_shown or type(self).__mro__[2].__name__
        return f"<{base} object, typeid {self._token.typeid!r} at {id(self):#x}>"

    def __reduce__(self) -> tuple[Any, ...]:
        func, (cls, token, serializer, kwds) = super().__reduce__()
        return func, (cls, token, serializer, {**kwds, NAME: self._mps_name, SERVER: self._mps_server})

    def _callmethod(
        self, methodname: str, args: tuple[Any, ...] = (), kwds: dict[str, Any] | None = None
    ) -> Any:
        kwds = kwds or {}
        call = super()._callmethod
        if methodname not in self._exposed_ or self._mps_name is None:
            return call(methodname, args, kwds)  # '#GETVALUE', '__repr__'…: internal, untraced

        def send(extra: dict[str, Any]) -> Any:
            if extra:
                listen(self)
            return call(methodname, args, {**kwds, **extra})

        return traced_call(self._mps_name, self._mps_server, self._token.typeid, methodname, args, send)


def listen(proxy: Any) -> None:
    """Read this thread's connection from ``proxy`` to its server through ``_Replies``."""
    tls = proxy._tls
    if getattr(tls, "connection", None) is None:
        proxy._connect()
    if not isinstance(tls.connection, _Replies):
        tls.connection = _Replies(tls.connection)


def _forward(method: str) -> Callable[..., Any]:
    def call(self: Any, /, *args: Any, **kwds: Any) -> Any:
        return self._callmethod(method, args, kwds)

    call.__name__ = method
    return call


class TracedListProxy(_TracedProxy, _mp.ListProxy):  # type: ignore[misc]
    pass


class TracedDictProxy(_TracedProxy, _mp.DictProxy):  # type: ignore[misc]
    pass


class TracedNamespaceProxy(_TracedProxy, _mp.NamespaceProxy):  # type: ignore[misc]
    pass


class TracedValueProxy(_TracedProxy, _mp.ValueProxy):  # type: ignore[misc]
    pass


class TracedArrayProxy(_TracedProxy, _mp.ArrayProxy):  # type: ignore[misc]
    pass


class TracedAcquirerProxy(_TracedProxy, _mp.AcquirerProxy):  # type: ignore[misc]
    pass


class TracedEventProxy(_TracedProxy, _mp.EventProxy):  # type: ignore[misc]
    pass


class TracedQueueProxy(_TracedProxy):
    """What ``AutoProxy`` would make for a ``queue.Queue``: every public method forwarded."""

    _mps_shown = "AutoProxy[Queue]"
    _exposed_ = ("empty", "full", "get", "get_nowait", "join", "put", "put_nowait", "qsize", "task_done")


for _method in TracedQueueProxy._exposed_:
    setattr(TracedQueueProxy, _method, _forward(_method))


# --- the manager -----------------------------------------------------------------------


class TracedSyncManager(_SyncManager):  # type: ignore[misc]
    """SyncManager whose list, dict, Namespace, Value, Array, Queue, Lock and Event are
    traced on both sides."""

    _Server = TracedServer

    def _traced_create(
        self, typeid: str, proxytype: type, args: tuple[Any, ...], kwds: dict[str, Any], frame: Any
    ) -> Any:
        em = emitter.EMITTER
        names = frames.assigned_names(frame)
        name = em.object_name(names, typeid) if em else (names[0] if names else typeid)

        def create(extra: dict[str, Any]) -> Any:
            if extra:
                token, exposed, _named = tagged_create(self, typeid, args, kwds, extra[MSG], name)
            else:
                token, exposed = self._create(typeid, *args, _mps_name=name, **kwds)
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
        shown = args + ((kwds,) if kwds else ())
        # The result is the proxy, which values.describe shows as what it stands for.
        return traced_call(name, server, typeid, typeid, shown, create)

    def list(self, *args: Any) -> Any:
        return self._traced_create("list", TracedListProxy, args, {}, sys._getframe(1))

    def dict(self, *args: Any, **kwds: Any) -> Any:
        return self._traced_create("dict", TracedDictProxy, args, kwds, sys._getframe(1))

    def Namespace(self, **kwds: Any) -> Any:
        return self._traced_create("Namespace", TracedNamespaceProxy, (), kwds, sys._getframe(1))

    def Value(self, typecode: Any, value: Any, lock: bool = True) -> Any:
        return self._traced_create("Value", TracedValueProxy, (typecode, value), {}, sys._getframe(1))

    def Array(self, typecode: Any, sequence: Any, lock: bool = True) -> Any:
        return self._traced_create("Array", TracedArrayProxy, (typecode, sequence), {}, sys._getframe(1))

    def Queue(self, maxsize: int = 0) -> Any:
        args = (maxsize,) if maxsize else ()
        return self._traced_create("Queue", TracedQueueProxy, args, {}, sys._getframe(1))

    def Lock(self) -> Any:
        return self._traced_create("Lock", TracedAcquirerProxy, (), {}, sys._getframe(1))

    def Event(self) -> Any:
        return self._traced_create("Event", TracedEventProxy, (), {}, sys._getframe(1))


def tagged_create(
    manager: Any, typeid: str, args: tuple[Any, ...], kwds: dict[str, Any], tag: Any, name: str | None
) -> tuple[Any, Any, str]:
    """``BaseManager._create``'s request with the caller's tag and proposed name; the traced
    server answers with the name it gave the object as well."""
    conn = manager._Client(manager._address, authkey=manager._authkey)
    try:
        ident, exposed, named = managers.dispatch(  # type: ignore[attr-defined]
            conn, None, "create", (typeid, *args), {**kwds, MSG: tag, NAME: name}
        )
    finally:
        conn.close()
    return managers.Token(typeid, manager._address, ident), exposed, named


_TRACED_TYPES: tuple[tuple[str, Any, type], ...] = (
    ("list", list, TracedListProxy),
    ("dict", dict, TracedDictProxy),
    ("Namespace", _mp.Namespace, TracedNamespaceProxy),
    ("Value", _mp.Value, TracedValueProxy),
    ("Array", _mp.Array, TracedArrayProxy),
    ("Queue", stdlib_queue.Queue, TracedQueueProxy),
    ("Lock", threading.Lock, TracedAcquirerProxy),
    ("Event", threading.Event, TracedEventProxy),
)
for _typeid, _callable, _proxytype in _TRACED_TYPES:
    TracedSyncManager.register(_typeid, _callable, _proxytype, create_method=False)
assert frozenset(t for t, _c, _p in _TRACED_TYPES) == BUILTIN_TYPES


def make_manager(ctx: Any) -> Any:
    """Replacement for ``BaseContext.Manager``: the server process gets the variable's name."""
    frame = sys._getframe(1)
    if frames.made_by_stdlib(frame):
        manager = _SyncManager(ctx=ctx.get_context())
        manager.start()
        return manager
    em = emitter.EMITTER
    names = frames.assigned_names(frame)
    manager = TracedSyncManager(ctx=ctx.get_context())
    if em is not None:
        em.pending_child = (names[0] if names else "manager", "manager")
    manager.start()
    return manager


# What app/tracing/tracer.py puts on multiprocessing's contexts, by name.
FACTORIES = {"Manager": make_manager}
