"""Managers a program builds itself: a ``BaseManager`` subclass with its own registered
types, served at a network address and used by other processes through ``connect()``.

Programs define these classes at import time (a spawned child does so while it re-imports
the program, before its tracer is installed), so nothing is replaced by name: the methods
every manager and every proxy inherit are patched in place on ``BaseManager`` and
``BaseProxy``, and work for whatever subclass, registered type or custom proxy type the
program has. The server's side is ``manager_server.TracedServer``, which every ``BaseManager``
uses while tracing is on (``start()``'s server process and ``get_server()`` alike).

- ``__init__`` keeps the variable the program assigns the manager to, which names the
  server process ``start()`` makes.
- ``connect()`` is ``manager.connect``: the address, and the error when the server turned
  the client away (a wrong authkey is ``AuthenticationError``). A connected client asks the
  server for its pid, so its calls' results are ordered after the server's serving.
- ``_create`` (what every registered method calls) and ``_callmethod`` (what every proxy
  method calls) are traced call → serve → result as a Manager()'s are. A proxy's name is
  the one the server gave its object, kept per object in this process and carried when a
  proxy is pickled to another process.

A manager or proxy made by multiprocessing's own code, or one whose server this run did
not start (it is not traced and would not take the tag off a call), is left untraced.
"""

from __future__ import annotations

import sys
from multiprocessing import managers as mp_managers
from types import FrameType
from typing import Any

from app.events import keys
from app.events import kinds as K
from app.tracing import emitter, frames
from app.tracing.manager_protocol import MSG, shown_address
from app.tracing.manager_server import TracedServer
from app.tracing.managers import TracedSyncManager, _TracedProxy, listen, tagged_create, traced_call

_BaseManager: Any = mp_managers.BaseManager
_BaseProxy: Any = mp_managers.BaseProxy
_orig_init = _BaseManager.__init__
_orig_start = _BaseManager.start
_orig_connect = _BaseManager.connect
_orig_get_server = _BaseManager.get_server
_orig_create = _BaseManager._create
_orig_callmethod = _BaseProxy._callmethod
_orig_reduce = _BaseProxy.__reduce__

# In this process: a proxied object (its server's address and ident) -> (its name, the
# server's pid). Proxies are built by the registered method after _create returns, and
# rebuilt from pickles, so the name is looked up by what the proxy refers to.
_NAMES: dict[tuple[Any, str], tuple[str, int]] = {}


def _referent(proxy: Any) -> tuple[Any, str]:
    token = proxy._token
    address = tuple(token.address) if isinstance(token.address, list) else token.address
    return address, token.id


def _program_frame(frame: FrameType | None) -> FrameType | None:
    path = frames.program_path
    while frame is not None and frame.f_code.co_filename != path:
        frame = frame.f_back
    return frame


def _traced(manager: Any) -> bool:
    """A manager the program made (not a Manager(), which traces itself), whose server is
    traced and known by its pid."""
    return (
        emitter.EMITTER is not None
        and not isinstance(manager, TracedSyncManager)
        and manager.__dict__.get("_mps_server") is not None
    )


def _init(self: Any, *args: Any, **kwds: Any) -> None:
    _orig_init(self, *args, **kwds)
    frame = sys._getframe(1)
    if emitter.EMITTER is not None and frame.f_code.co_filename == frames.program_path:
        names = frames.assigned_names(frame)
        self._mps_name = names[0] if names else None
        self._mps_server = None


def _start(self: Any, *args: Any, **kwds: Any) -> None:
    em = emitter.EMITTER
    made_here = "_mps_name" in self.__dict__
    if em is not None and made_here:
        em.pending_child = (self._mps_name or "manager", "manager")
    _orig_start(self, *args, **kwds)
    if made_here and self._process is not None:
        self._mps_server = self._process.pid


def _get_server(self: Any) -> Any:
    server: Any = _orig_get_server(self)
    if emitter.EMITTER is not None and type(server) is mp_managers.Server:
        # get_server() builds the stdlib's Server by name; this one is traced.
        traced: Any = server  # the same object, typed loosely: its class changes here
        traced.__class__ = TracedServer
        traced.mps_adopt()
    return server


def _server_pid(manager: Any) -> int | None:
    """The pid of the server ``manager`` is connected to, when that server is traced."""
    conn = manager._Client(manager._address, authkey=manager._authkey)
    try:
        pid: int = mp_managers.dispatch(conn, None, "mps_pid")  # type: ignore[attr-defined]
    except mp_managers.RemoteError:
        return None  # an untraced server: it has no such method
    finally:
        conn.close()
    return pid


def _connect(self: Any) -> None:
    em = emitter.EMITTER
    if em is None or "_mps_name" not in self.__dict__ or frames.made_by_stdlib(sys._getframe(1)):
        _orig_connect(self)
        return
    line = frames.scenario_line()
    fields: dict[str, Any] = {"address": shown_address(self._address), "manager": self._mps_name}
    em.before(K.MANAGER_CONNECT, None, line)
    em.flush()  # the handshake blocks until the server answers
    try:
        _orig_connect(self)
    except Exception as exc:
        # Turned away (AuthenticationError), nobody there (ConnectionRefusedError)…
        em.emit(K.MANAGER_CONNECT, None, line, {**fields, "error": type(exc).__name__, "message": str(exc)})
        em.after()
        raise
    server = _server_pid(self)
    self._mps_server = server
    em.emit(K.MANAGER_CONNECT, None, line, fields, after=keys.listening(server) if server else None)
    em.after()


def _create(self: Any, typeid: str, /, *args: Any, **kwds: Any) -> Any:
    if not _traced(self) or MSG in kwds:
        return _orig_create(self, typeid, *args, **kwds)
    names = frames.assigned_names(_program_frame(sys._getframe(1)))
    proposed = names[0] if names else typeid
    server: int = self._mps_server

    def create(extra: dict[str, Any]) -> Any:
        token, exposed, named = tagged_create(self, typeid, args, kwds, extra[MSG], proposed)
        _NAMES[(token.address, token.id)] = (named, server)
        return (token, exposed), named

    shown = args + ((kwds,) if kwds else ())
    return traced_call(proposed, server, typeid, typeid, shown, create, creates=True)


def _name_of(proxy: Any) -> tuple[str, int] | None:
    if isinstance(proxy, _TracedProxy):
        return None  # a Manager()'s proxy: traced by its own class
    return _NAMES.get(_referent(proxy))


def _callmethod(self: Any, methodname: str, args: tuple[Any, ...] = (), kwds: Any = None) -> Any:
    kwds = {} if kwds is None else kwds
    named = _name_of(self) if emitter.EMITTER is not None else None
    exposed = getattr(self, "_exposed_", None)
    # '#GETVALUE', '__repr__'…: the proxy's own bookkeeping, not a method the program called.
    internal = methodname.startswith("#") or (exposed is not None and methodname not in exposed)
    if named is None or internal:
        return _orig_callmethod(self, methodname, args, kwds)
    name, server = named

    def send(extra: dict[str, Any]) -> Any:
        if extra:
            listen(self)
        return _orig_callmethod(self, methodname, args, {**kwds, **extra})

    return traced_call(name, server, self._token.typeid, methodname, args, send)


def _reduce(self: Any) -> Any:
    reduced = _orig_reduce(self)
    named = _name_of(self)
    if named is None:
        return reduced
    return _rebuild, (*reduced, named)


def _rebuild(func: Any, args: tuple[Any, ...], named: tuple[str, int]) -> Any:
    """Unpickle a proxy the way the stdlib does, keeping the name of what it refers to (in
    the server itself the stdlib hands back the real object instead)."""
    proxy = func(*args)
    if isinstance(proxy, _BaseProxy):
        _NAMES[_referent(proxy)] = named
    return proxy


FACTORIES: dict[str, Any] = {}
# What app/tracing/tracer.py sets while tracing and puts back after.
PATCHES: tuple[tuple[Any, str, Any], ...] = (
    (_BaseManager, "_Server", TracedServer),
    (_BaseManager, "__init__", _init),
    (_BaseManager, "start", _start),
    (_BaseManager, "get_server", _get_server),
    (_BaseManager, "connect", _connect),
    (_BaseManager, "_create", _create),
    (_BaseProxy, "_callmethod", _callmethod),
    (_BaseProxy, "__reduce__", _reduce),
)
