"""A traced ``multiprocessing.Manager``: its proxies, and the server's side of every call.

A call is traced three times, in the order it really happens: ``manager.call`` in the
process that holds the proxy, ``manager.serve`` in the manager's server process where the
real object lives (with the object's state after the call), ``manager.result`` back in
the caller. The caller's message id and name ride along with the call as a keyword
argument that the server takes off before it runs the method.

The server's side is the same for every type (list, dict, Namespace, Value, Array, Queue,
Lock, Event): the server reads each request through a wrapper of its connection
(``_Served``), so the referents are the stdlib's own objects, untouched. A call that is
about to block in the server (a get from an empty Queue, an acquire of a held Lock, a
wait on an unset Event) makes the server send the caller one notice before the reply;
the caller's connection wrapper (``_Replies``) turns it into ``manager.wait``, so the
caller is shown waiting for its reply exactly while the server holds it.
"""

from __future__ import annotations

import dis
import os
import queue as stdlib_queue
import sys
import threading
import weakref
from collections.abc import Callable
from multiprocessing import connection, managers
from types import FrameType
from typing import Any, ClassVar

from app.events import keys
from app.events import kinds as K
from app.tracing import emitter, frames
from app.tracing.values import describe, value_fields

# Typed loosely: subclassed with private parts the stubs do not describe.
_BaseProxy: Any = managers.BaseProxy
_Server: Any = managers.Server
_SyncManager: Any = managers.SyncManager
_mp: Any = managers  # the proxies and referents, loosely: several are not in the stubs

_MSG = "_mps_msg"  # the keyword a traced call carries: (message id, calling process)
_NAME = "_mps_name"
_SERVER = "_mps_server"  # the pid of the manager's server process, where it is known
_WAIT = "#MPS_WAIT"  # the server's notice that a call is about to block
_FAILURE: bytes = connection.FAILURE  # type: ignore[attr-defined]  # the handshake's "no"


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
    shown = _describe_args(args)
    em.emit(K.MANAGER_CALL, name, line, {**common, "args": shown}, key=msg)
    em.flush()  # the caller now blocks until the server replies
    served = keys.reply(server, msg) if server is not None else None
    _calling.call = (em, name, line, common)
    try:
        result = send({_MSG: (msg, em.proc)})
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
        while type(reply) is tuple and len(reply) == 2 and reply[0] == _WAIT:
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
        return func, (cls, token, serializer, {**kwds, _NAME: self._mps_name, _SERVER: self._mps_server})

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


# --- the server's side -----------------------------------------------------------------


def _would_block(typeid: str, obj: Any, method: str, args: tuple[Any, ...], kwds: dict[str, Any]) -> Any:
    """``(reason, timeout)`` when this call is about to block in the server, else None.
    Looked at just before the call runs: another client's call served in between can
    still let it through at once (the wait then ends as soon as it began)."""

    def arg(i: int, key: str, default: Any) -> Any:
        return args[i] if len(args) > i else kwds.get(key, default)

    if typeid == "Queue" and method in ("get", "put"):
        at = 0 if method == "get" else 1  # put(item, block, timeout)
        block, timeout = arg(at, "block", True), arg(at + 1, "timeout", None)
        stuck = obj.empty() if method == "get" else obj.full()
        reason = "empty" if method == "get" else "full"
    elif typeid == "Lock" and method == "acquire":
        block, timeout, stuck, reason = (
            arg(0, "blocking", True),
            arg(1, "timeout", None),
            obj.locked(),
            "held",
        )
    elif typeid == "Event" and method == "wait":
        block, timeout, stuck, reason = True, arg(0, "timeout", None), not obj.is_set(), "unset"
    else:
        return None
    if timeout is not None and timeout < 0:
        timeout = None  # threading's acquire(timeout=-1): no limit
    if not block or not stuck or timeout == 0:
        return None
    return reason, timeout


def _state(typeid: str, obj: Any, holder: str | None) -> Any:
    """What the real object holds now, as JSON: a list's items, a Namespace's attributes,
    a Queue's items (oldest first), a Lock's holder, an Event's flag."""
    if isinstance(obj, (list, dict)):
        # Copy through the builtin type: a subclass's methods are not run.
        plain: Any = dict.copy(obj) if isinstance(obj, dict) else list.copy(obj)
    elif typeid == "Queue":
        with obj.mutex:
            plain = list(obj.queue)
    elif typeid == "Lock":
        plain = {"locked": obj.locked(), "holder": holder if obj.locked() else None}
    elif typeid == "Event":
        plain = obj.is_set()
    elif typeid == "Value":
        plain = obj.get()
    elif typeid == "Array":
        plain = obj.tolist()
    elif hasattr(obj, "__dict__"):
        plain = {k: v for k, v in vars(obj).items() if not k.startswith("_")}
    else:
        return None
    return describe(plain)[0]


def _error_name(kind: str, payload: Any) -> str:
    if kind == "#ERROR":
        return type(payload).__name__
    # '#TRACEBACK': the server's own failure, as text; its last line names the exception.
    last = str(payload).strip().splitlines()[-1:] or ["Error"]
    return last[0].split(":", 1)[0]


def _address(address: Any) -> str:
    """A server's address as a person writes it: ``host:port``, or a socket's path."""
    if isinstance(address, tuple) and len(address) == 2:
        return f"{address[0]}:{address[1]}"
    return str(address)


class TracedServer(_Server):  # type: ignore[misc]
    """The manager's server: names each object it creates, traces each call it serves, says
    where it listens (on the network) and which connections it turns away."""

    # `mps_pid`: a traced client asks for it after connect(), to order its calls after this
    # server's events; an untraced server answers that it has no such method.
    public: ClassVar[list[str]] = [*_Server.public, "mps_pid"]

    def __init__(self, *args: Any, **kwds: Any) -> None:
        super().__init__(*args, **kwds)
        self.mps_adopt()

    def mps_adopt(self) -> None:
        """Set up what tracing keeps (also for a stdlib Server turned into this class)."""
        self._mps_objects: dict[str, tuple[str, str | None]] = {}  # ident -> (typeid, name)
        self._mps_names: set[str] = set()
        self._mps_refs: dict[str, weakref.ref[Any]] = {}  # ident -> the object named, when it can be
        self._mps_lock = threading.Lock()
        self._mps_holders: dict[str, str] = {}  # a Lock's ident -> the process holding it

    def mps_pid(self, c: Any) -> int:
        return os.getpid()

    def _mps_named(self, ident: str, typeid: str, proposed: str | None) -> str | None:
        """The object's name on the stage. A registered callable may hand out the same
        object again (``register("get_board", callable=get_board)``), even after every
        proxy to it is gone: it keeps the name it has. A new object gets the one proposed,
        made unique (``#2``) in this server."""
        obj = self.id_to_obj[ident][0]
        with self._mps_lock:
            known = self._mps_objects.get(ident)
            ref = self._mps_refs.get(ident)
            # Not weakly referable (a list, a dict): the same object only while alive, which
            # is when another proxy still counts (create() counted this one).
            same = ref() is obj if ref is not None else self.id_to_refcount.get(ident, 0) > 1
            if known is not None and known[1] is not None and same:
                return known[1]
            try:
                self._mps_refs[ident] = weakref.ref(obj)
            except TypeError:
                self._mps_refs.pop(ident, None)
            name = proposed
            if name is not None:
                n = 1
                while name in self._mps_names:
                    n += 1
                    name = f"{proposed}#{n}"
                self._mps_names.add(name)
            self._mps_objects[ident] = (typeid, name)
            return name

    def create(self, c: Any, typeid: str, /, *args: Any, **kwds: Any) -> tuple[Any, ...]:
        """``(ident, exposed)`` as the stdlib's; a traced (tagged) request also gets the
        object's name back, since the server is what decides it."""
        name: str | None = kwds.pop(_NAME, None)
        tag: tuple[str, str] | None = kwds.pop(_MSG, None)
        em = emitter.EMITTER
        if em is None or tag is None:
            ident, exposed = super().create(c, typeid, *args, **kwds)
            self._mps_named(ident, typeid, name)
            return ident, exposed
        msg, caller = tag
        fields: dict[str, Any] = {"method": typeid, "type": typeid, "args": _describe_args(args), "msg": msg}
        fields["caller"] = caller
        try:
            ident, exposed = super().create(c, typeid, *args, **kwds)
        except Exception as exc:
            fields["error"] = type(exc).__name__
            self._served(em, name, fields)
            raise
        named = self._mps_named(ident, typeid, name)
        if named != name:
            fields["proposed"] = name
        if typeid not in _BUILTIN_TYPES:
            fields["creates"] = True
        fields["state"] = _state(typeid, self.id_to_obj[ident][0], None)
        self._served(em, named, fields)
        return ident, exposed, named

    def serve_client(self, conn: Any) -> None:
        super().serve_client(_Served(self, conn))

    def handle_request(self, conn: Any) -> None:
        super().handle_request(_Handshake(self, conn))

    def serve_forever(self) -> None:
        em = emitter.EMITTER
        # Only a server on the network says where it is: a Manager()'s Unix socket is a
        # path in the run's own directory, which tells a learner nothing.
        if em is not None and isinstance(self.address, tuple):
            types = sorted(t for t in self.registry if not t.startswith("_"))
            fields: dict[str, Any] = {"address": _address(self.address)}
            if types:
                fields["types"] = types
            em.emit(K.MANAGER_LISTEN, None, frames.scenario_line(), fields, key=keys.listening(em.pid))
            em.flush()  # the process now only waits for connections
        super().serve_forever()

    def mps_refused(self, error: str) -> None:
        em = emitter.EMITTER
        if em is not None:
            fields = {"address": _address(self.address), "error": "AuthenticationError", "message": error}
            em.emit(K.MANAGER_REFUSE, None, None, fields)
            em.flush()  # before the client hears it, so the refusal is said first

    def _served(self, em: emitter.Emitter, name: str | None, fields: dict[str, Any]) -> None:
        msg = fields["msg"]
        em.emit(K.MANAGER_SERVE, name, None, fields, key=keys.reply(em.pid, msg), after=msg)
        em.flush()  # before the reply leaves, so the caller's result is ordered after

    def mps_before(self, conn: Any, ident: str, method: str, args: Any, kwds: Any) -> None:
        """Tell the caller when its call is about to block here."""
        typeid, _name = self._mps_objects.get(ident, ("", None))
        held = self.id_to_obj.get(ident)
        if held is None or not isinstance(args, tuple) or not isinstance(kwds, dict):
            return
        blocked = _would_block(typeid, held[0], method, args, kwds)
        if blocked is not None:
            reason, timeout = blocked
            notice: dict[str, Any] = {"reason": reason, "timeout": timeout}
            if reason == "held":
                notice["holder"] = self._mps_holders.get(ident)
            conn.send((_WAIT, notice))

    def mps_served(self, call: tuple[Any, ...], reply: Any) -> None:
        em = emitter.EMITTER
        if em is None:
            return
        ident, method, args, (msg, caller) = call
        typeid, name = self._mps_objects.get(ident, ("", None))
        kind, payload = reply if type(reply) is tuple and len(reply) == 2 else ("#TRACEBACK", reply)
        fields: dict[str, Any] = {"method": method, "type": typeid, "args": _describe_args(args), "msg": msg}
        if kind == "#RETURN":
            fields = {**value_fields(payload), **fields}
        elif kind == "#PROXY":
            fields["value"] = f"a proxy for the manager's {str(payload[1].typeid).lower()}"
        else:
            fields["error"] = _error_name(kind, payload)
        fields["caller"] = caller
        if typeid == "Lock" and "error" not in fields:
            if method == "acquire" and payload is True:
                self._mps_holders[ident] = caller
            elif method == "release":
                self._mps_holders.pop(ident, None)
        held = self.id_to_obj.get(ident)
        if held is not None:
            fields["state"] = _state(typeid, held[0], self._mps_holders.get(ident))
        self._served(em, name, fields)


class _Handshake:
    """A new connection to the server, before and after the authkey handshake: passes
    everything through, and says when the server turns the client away (its answer to the
    challenge did not match the server's authkey)."""

    __slots__ = ("_conn", "_server")

    def __init__(self, server: TracedServer, conn: Any) -> None:
        self._server = server
        self._conn = conn

    def send_bytes(self, buf: Any, *args: Any) -> None:
        if buf == _FAILURE:
            self._server.mps_refused("digest received was wrong")
        self._conn.send_bytes(buf, *args)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._conn, name)


class _Served:
    """The server's end of one proxy connection: takes the caller's tag off each request
    and traces the reply just before it leaves."""

    __slots__ = ("_call", "_conn", "_server")

    def __init__(self, server: TracedServer, conn: Any) -> None:
        self._server = server
        self._conn = conn
        self._call: tuple[Any, ...] | None = None

    def recv(self) -> Any:
        request = self._conn.recv()
        self._call = None
        if type(request) is tuple and len(request) == 4 and isinstance(request[3], dict):
            ident, method, args, kwds = request
            tag = kwds.pop(_MSG, None)
            if tag is not None:
                self._call = (ident, method, args, tag)
                self._server.mps_before(self._conn, ident, method, args, kwds)
        return request

    def send(self, reply: Any) -> None:
        call, self._call = self._call, None
        if call is not None:
            self._server.mps_served(call, reply)
        self._conn.send(reply)

    def close(self) -> None:
        self._conn.close()


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
                token, exposed, _named = tagged_create(self, typeid, args, kwds, extra[_MSG], name)
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
            conn, None, "create", (typeid, *args), {**kwds, _MSG: tag, _NAME: name}
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
_BUILTIN_TYPES = frozenset(t for t, _c, _p in _TRACED_TYPES)


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
