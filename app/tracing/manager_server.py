"""The manager's server, traced: it names each object it creates, traces each call it
serves (``manager.serve``, with the object's state after the call), tells a caller when its
call is about to block, says where it listens on the network, and which connections it
turns away.

Every ``BaseManager`` uses this server while tracing is on: a ``Manager()``'s and a
program's own ``BaseManager`` subclass alike (see ``managers`` and ``remote_managers``).
"""

from __future__ import annotations

import os
import threading
import weakref
from multiprocessing import managers
from typing import Any, ClassVar

from app.events import keys
from app.events import kinds as K
from app.tracing import emitter, frames
from app.tracing.manager_protocol import BUILTIN_TYPES, FAILURE, MSG, NAME, WAIT, describe_args, shown_address
from app.tracing.values import describe, value_fields

_Server: Any = managers.Server  # typed loosely: subclassed with private parts the stubs do not describe


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
        name: str | None = kwds.pop(NAME, None)
        tag: tuple[str, str] | None = kwds.pop(MSG, None)
        em = emitter.EMITTER
        if em is None or tag is None:
            ident, exposed = super().create(c, typeid, *args, **kwds)
            self._mps_named(ident, typeid, name)
            return ident, exposed
        msg, caller = tag
        fields: dict[str, Any] = {"method": typeid, "type": typeid, "args": describe_args(args), "msg": msg}
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
        if typeid not in BUILTIN_TYPES:
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
            fields: dict[str, Any] = {"address": shown_address(self.address)}
            if types:
                fields["types"] = types
            em.emit(K.MANAGER_LISTEN, None, frames.scenario_line(), fields, key=keys.listening(em.pid))
            em.flush()  # the process now only waits for connections
        super().serve_forever()

    def mps_refused(self, error: str) -> None:
        em = emitter.EMITTER
        if em is not None:
            address = shown_address(self.address)
            fields = {"address": address, "error": "AuthenticationError", "message": error}
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
            conn.send((WAIT, notice))

    def mps_served(self, call: tuple[Any, ...], reply: Any) -> None:
        em = emitter.EMITTER
        if em is None:
            return
        ident, method, args, (msg, caller) = call
        typeid, name = self._mps_objects.get(ident, ("", None))
        kind, payload = reply if type(reply) is tuple and len(reply) == 2 else ("#TRACEBACK", reply)
        fields: dict[str, Any] = {"method": method, "type": typeid, "args": describe_args(args), "msg": msg}
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
        if buf == FAILURE:
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
            tag = kwds.pop(MSG, None)
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
