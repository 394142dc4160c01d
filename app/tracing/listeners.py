"""Traced ``multiprocessing.connection.Listener`` and ``Client``.

Programs bind both early (``from multiprocessing.connection import Listener, Client``, which a
spawned child runs while it re-imports the program, before its tracer is installed), so
nothing is replaced by name: ``Listener``'s methods are patched in place, and ``Client``,
a function, is reached through what it calls, which it looks up in its module at each call
(``SocketClient``, ``answer_challenge``, ``deliver_challenge``). Listeners and clients made
by multiprocessing itself (a Manager's) are recognised by their caller and left alone.

The connections both sides get are ``TracedConnection``s (app/tracing/pipes.py), so their
messages are ``pipe.*`` events. To pair the two ends, the accepting process must know who
connected: a TCP connection is known on both sides by the client's port, so the client binds
its socket first and, before it connects, writes a note named after that port into the run's
directory (its pid, process, end and the id of its connect). The accepting process reads
it, so its ``listener.accept`` answers that connect, and adds its own line (its pid and end)
before the handshake, which is how a client turned away learns whose refusal it comes after.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import socket
import sys
from dataclasses import dataclass
from multiprocessing import AuthenticationError, connection
from types import FrameType
from typing import Any

from app.events import keys
from app.events import kinds as K
from app.tracing import emitter, frames, pipes
from app.tracing.manager_protocol import shown_address
from app.tracing.polling import nothing_to_read

# Typed loosely: patched in place with parts their stubs do not describe.
_Listener: Any = connection.Listener
_init = _Listener.__init__
_accept = _Listener.accept
_close = _Listener.close
_stdlib: Any = connection  # its stubs leave out SocketClient and address_type
_socket_client = _stdlib.SocketClient
_answer: Any = connection.answer_challenge
_deliver: Any = connection.deliver_challenge
_client_code = connection.Client.__code__
_PREFIX = "conn-"


def _internal(frame: FrameType | None) -> bool:
    """Made by the stdlib, or by the tracer's own code (a traced manager's proxies connect to
    its server): not the program's."""
    return frames.made_by_stdlib(frame, also=("app.tracing",))


# --- the note a client leaves for the listener ------------------------------------------


def _note_path(port: int) -> str | None:
    em = emitter.EMITTER
    if em is None:
        return None
    return os.path.join(em.ctx.run_dir or os.path.dirname(em.ctx.program_path), f"{_PREFIX}{port}")


def _write_note(path: str, note: dict[str, Any]) -> None:
    # Whole or not at all: the listener may read it the moment the client connects.
    tmp = f"{path}.{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(json.dumps(note) + "\n")
    os.replace(tmp, path)


def _read_note(path: str) -> list[dict[str, Any]]:
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]
    except (OSError, ValueError):  # no traced client made it (another program, or gone)
        return []


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


# --- the listener's side ----------------------------------------------------------------


def _listener_init(
    self: Any, address: Any = None, family: Any = None, backlog: int = 1, authkey: Any = None
) -> None:
    caller = sys._getframe(1)
    _init(self, address, family, backlog, authkey)  # errors are the stdlib's, untraced
    em = emitter.EMITTER
    if em is None or _internal(caller):
        return
    name = em.object_name(frames.assigned_names(caller), "listener")
    self._mps_name = name
    fields = {"address": shown_address(self.address), "authkey": authkey is not None}
    em.emit(K.LISTENER_NEW, name, frames.scenario_line(), fields)


def _pending(sock: socket.socket) -> bool:
    # Made per call (accept is rare): a poll object on the listener would be pickled with it.
    poller = select.poll()
    poller.register(sock.fileno(), select.POLLIN)
    return bool(poller.poll(0))


def _listener_accept(self: Any) -> Any:
    name = self.__dict__.get("_mps_name")
    em = emitter.EMITTER
    if name is None or em is None or self._listener is None:
        return _accept(self)
    line = frames.scenario_line()
    end_names = frames.assigned_names(sys._getframe(1))
    address = shown_address(self.address)
    em.before(K.LISTENER_ACCEPT, name, line)
    inner = self._listener
    if not _pending(inner._socket):
        em.emit(K.LISTENER_WAIT, name, line, {"op": "accept", "address": address})
        em.flush()
    plain = inner.accept()
    peer_address = inner._last_accepted
    end = em.object_name(end_names, "conn")
    path = _note_path(peer_address[1]) if isinstance(peer_address, tuple) else None
    notes = _read_note(path) if path else []
    client = notes[0] if notes else {}
    if path and client:
        if client.get("authkey"):
            # Before the handshake, so the client can read it once the handshake is over.
            with open(path, "a") as f:
                f.write(json.dumps({"pid": em.pid, "proc": em.proc, "end": end}) + "\n")
        else:
            _remove(path)  # nothing more to say: the client is not waiting to read it
    msg = client.get("msg")
    fields: dict[str, Any] = {"address": shown_address(peer_address)}
    if msg is not None:
        fields["msg"] = msg
    if self._authkey:
        try:
            _deliver(plain, self._authkey)
            _answer(plain, self._authkey)
        except AuthenticationError as exc:
            refused = {**fields, "side": "listener", "error": pipes.error_text(exc)}
            if client.get("proc"):
                refused["peer"] = client["proc"]
            key = keys.refusal(em.pid, msg) if msg is not None else None
            em.emit(K.LISTENER_REFUSE, name, line, refused, key=key, after=msg)
            em.after()
            raise
    traced = pipes._wrap(plain, end, client.get("end") or "")
    traced._mps_peer = client.get("end")
    em.emit(
        K.LISTENER_ACCEPT,
        name,
        line,
        {**fields, "conn": end, "peer": client.get("end"), "client": client.get("proc")},
        after=msg,
    )
    em.after()
    return traced


def _listener_close(self: Any) -> None:
    name = self.__dict__.get("_mps_name")
    em = emitter.EMITTER
    if name is None or em is None or self._listener is None:
        _close(self)
        return
    line = frames.scenario_line()
    em.before(K.LISTENER_CLOSE, name, line)
    _close(self)
    em.emit(K.LISTENER_CLOSE, name, line, None)
    em.after()


# --- the client's side --------------------------------------------------------------------


@dataclass
class _Dial:
    """A client's connection between its connect and the end of its handshake."""

    msg: str
    address: str
    line: int | None
    note: str | None


def _traced_socket_client(address: Any) -> Any:
    """``SocketClient`` as ``Client`` calls it: for the program's own clients, connect a
    traced end (its note left first) and say so; otherwise the stdlib's own."""
    em = emitter.EMITTER
    client = sys._getframe(1)
    program = client.f_back
    if em is None or client.f_code is not _client_code or _internal(program):
        return _socket_client(address)
    authkey = client.f_locals.get("authkey")
    if authkey is not None and not isinstance(authkey, bytes):
        return _socket_client(address)  # Client raises its TypeError, as untraced
    name = em.object_name(frames.assigned_names(program), "conn")
    line = frames.scenario_line()
    shown = shown_address(address)
    em.before(K.LISTENER_CONNECT, name, line)
    family = _stdlib.address_type(address)
    msg = em.new_msg()
    note = None
    try:
        with socket.socket(getattr(socket, family)) as s:
            s.setblocking(True)
            if family == "AF_INET":
                # Bound first, so its port (how the listener knows it) is known before
                # the listener can accept it.
                s.bind(("", 0))
                note = _note_path(s.getsockname()[1])
                if note is not None:
                    mine = {"pid": em.pid, "proc": em.proc, "end": name, "msg": msg}
                    _write_note(note, {**mine, "authkey": authkey is not None})
            s.connect(address)
            traced: Any = pipes.TracedConnection(s.detach())
    except OSError as exc:
        if note is not None:
            _remove(note)
        refused = {"side": "client", "error": pipes.error_text(exc), "address": shown}
        em.emit(K.LISTENER_REFUSE, name, line, refused)
        em.after()
        raise
    traced._mps_name = name
    em.emit(
        K.LISTENER_CONNECT,
        name,
        line,
        {"msg": msg, "address": shown, "authkey": authkey is not None},
        key=msg,
    )
    if authkey is None:
        em.after()
    else:
        traced._mps_dial = _Dial(msg, shown, line, note)
    return traced


def _dial_of(conn: Any) -> _Dial | None:
    return conn.__dict__.get("_mps_dial") if isinstance(conn, pipes.TracedConnection) else None


def _traced_answer(conn: Any, authkey: Any) -> None:
    """The client's half of the handshake's first part: wait for the listener's challenge."""
    dial, em = _dial_of(conn), emitter.EMITTER
    if dial is None or em is None:
        _answer(conn, authkey)
        return
    if nothing_to_read(conn, conn.fileno()):
        # The listener has not accepted this connection yet.
        em.emit(K.LISTENER_WAIT, conn._mps_name, dial.line, {"op": "connect", "address": dial.address})
        em.flush()
    try:
        _answer(conn, authkey)
    except Exception as exc:
        _turned_away(em, conn, dial, exc)
        raise


def _traced_deliver(conn: Any, authkey: Any) -> None:
    """The client's half of the handshake's second part; the end of Client()."""
    dial, em = _dial_of(conn), emitter.EMITTER
    if dial is None or em is None:
        _deliver(conn, authkey)
        return
    try:
        _deliver(conn, authkey)
    except Exception as exc:
        _turned_away(em, conn, dial, exc)
        raise
    listener = _listener_of(dial)
    if listener is not None:
        conn._mps_peer = listener.get("end")
    _done(em, conn, dial)


def _listener_of(dial: _Dial) -> dict[str, Any] | None:
    """The accepting process's line of the note: written before it sent its challenge, so
    it is there once the client has read that challenge."""
    notes = _read_note(dial.note) if dial.note else []
    return notes[1] if len(notes) > 1 else None


def _turned_away(em: emitter.Emitter, conn: Any, dial: _Dial, exc: BaseException) -> None:
    listener = _listener_of(dial)
    fields: dict[str, Any] = {"side": "client", "error": pipes.error_text(exc), "address": dial.address}
    fields["msg"] = dial.msg
    after = None
    if listener is not None:
        fields["peer"] = listener["proc"]
        if isinstance(exc, AuthenticationError):
            after = keys.refusal(int(listener["pid"]), dial.msg)
    em.emit(K.LISTENER_REFUSE, conn._mps_name, dial.line, fields, after=after)
    _done(em, conn, dial)


def _done(em: emitter.Emitter, conn: Any, dial: _Dial) -> None:
    conn._mps_dial = None
    if dial.note is not None:
        _remove(dial.note)
    em.after()


# Patched in place by app/tracing/tracer.py while tracing is on.
PATCHES: tuple[tuple[Any, str, Any], ...] = (
    (_Listener, "__init__", _listener_init),
    (_Listener, "accept", _listener_accept),
    (_Listener, "close", _listener_close),
    (connection, "SocketClient", _traced_socket_client),
    (connection, "answer_challenge", _traced_answer),
    (connection, "deliver_challenge", _traced_deliver),
)
FACTORIES: dict[str, Any] = {}
