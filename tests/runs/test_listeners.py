"""multiprocessing.connection's Listener and Client traced: a server process and two
clients, under every start method. The listener, each connect and the accept that answers
it are events, the accepted end is paired with the client's end, their messages are pipe
messages in causal order, a wrong authkey is refused on both sides, and a Manager's own
listener stays untraced; held one operation at a time, the run is the same."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest

from app.events import kinds as K
from app.events import schema
from app.events.causality import problems
from app.runs.program import Program
from app.runs.service import START_METHODS, RunService
from tests.conftest import Finished, assert_nothing_left, collect, untraced
from tests.runs.test_gate import drive

pytestmark = pytest.mark.anyio

PROGRAM = """\
import sys
from multiprocessing import AuthenticationError, Pipe, Process
from multiprocessing.connection import Client, Listener

KEY = b"secret"
WRONG = False


def say(text):
    sys.stdout.write(text + "\\n")  # one write a line: processes print at the same time


def serve(report, clients):
    with Listener(("127.0.0.1", 0), backlog=3, authkey=KEY) as listener:
        report.send(listener.address)
        for _ in range(clients):
            try:
                conn = listener.accept()
            except AuthenticationError as exc:
                say(f"refused: {exc}")
                continue
            with conn:
                name = conn.recv()
                conn.send(f"hello {name}")
    say(f"served {clients}")


def ask(address, name, key):
    try:
        conn = Client(address, authkey=key)
    except AuthenticationError as exc:
        say(f"{name} turned away: {exc}")
        return
    with conn:
        conn.send(name)
        say(f"{name} got {conn.recv()}")


if __name__ == "__main__":
    here, there = Pipe()
    guests = [("ann", KEY), ("bob", KEY)] + ([("eve", b"guess")] if WRONG else [])
    server = Process(target=serve, args=(there, len(guests)))
    server.start()
    address = here.recv()
    clients = [Process(target=ask, args=(address, name, key)) for name, key in guests]
    for c in clients:
        c.start()
    for c in clients:
        c.join()
    server.join()
    say(f"address {address[0]}")
"""

MANAGED = """\
from multiprocessing import Manager

if __name__ == "__main__":
    with Manager() as manager:
        names = manager.list()
        names.append("ann")
        print(list(names))
"""


def index(done: Finished, event: dict[str, Any]) -> int:
    return done.events.index(event)


def checked(done: Finished, source: str, tmp_path: Path) -> None:
    """What every run of the program must show, whatever its clients did."""
    assert done.run.status == "succeeded", done.events[-1]
    assert problems(done.events) == []
    for event in done.events:
        schema.decode(json.dumps(event))
    lines = sorted("".join(e["text"] for e in done.of(K.STDOUT)).splitlines())
    assert lines == sorted(untraced(source, tmp_path).splitlines())
    (made,) = done.of(K.LISTENER_NEW)
    assert made["obj"].startswith("listener")
    assert made["authkey"] is True
    host, port = made["address"].rsplit(":", 1)
    assert host == "127.0.0.1"
    # Nothing listens there any more: the listener's socket went with the run.
    with pytest.raises(ConnectionRefusedError), socket.create_connection((host, int(port)), timeout=5):
        pass
    assert [e["obj"] for e in done.of(K.LISTENER_CLOSE)] == [made["obj"]]


def accepted_pairs(done: Finished) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    connects = {e["msg"]: e for e in done.of(K.LISTENER_CONNECT)}
    pairs = []
    for accept in done.of(K.LISTENER_ACCEPT):
        connect = connects[accept["msg"]]
        assert index(done, connect) < index(done, accept), "an accept before the connect it answers"
        assert accept["client"] == connect["proc"]
        assert accept["peer"] == connect["obj"]
        assert connect["address"] == done.of(K.LISTENER_NEW)[0]["address"]
        pairs.append((connect, accept))
    return pairs


@pytest.mark.parametrize("start_method", START_METHODS)
async def test_a_server_and_two_clients(run_program: Any, start_method: str, tmp_path: Path) -> None:
    done = await run_program(PROGRAM, start_method)
    checked(done, PROGRAM, tmp_path)
    pairs = accepted_pairs(done)
    assert len(pairs) == 2
    assert len({c["proc"] for c, _ in pairs}) == 2
    assert {a["proc"] for _, a in pairs} == {done.of(K.LISTENER_NEW)[0]["proc"]}
    assert done.of(K.LISTENER_REFUSE) == []
    for connect, accept in pairs:
        client, server_end = connect["proc"], accept["conn"]
        # The client's name went in at its end and came out of the accepted end.
        (sent,) = [e for e in done.of(K.PIPE_SEND, client) if e["obj"] == connect["obj"]]
        (got,) = [e for e in done.of(K.PIPE_RECV) if e["msg"] == sent["msg"]]
        assert got["obj"] == server_end
        assert got["value"] == sent["value"]
        # And the reply the other way, sent to the client's end by name.
        (reply,) = [e for e in done.of(K.PIPE_SEND) if e["obj"] == server_end]
        assert reply["peer"] == connect["obj"]
        assert reply["value"] == f"hello {sent['value']}"
        (answer,) = [e for e in done.of(K.PIPE_RECV, client) if e["msg"] == reply["msg"]]
        assert index(done, reply) < index(done, answer)
        assert answer["obj"] == connect["obj"]
    # The server waited for its first client, and is drawn waiting on its listener.
    waits = done.of(K.LISTENER_WAIT, pairs[0][1]["proc"])
    assert all(w["op"] == "accept" and w["obj"] == pairs[0][1]["obj"] for w in waits)


@pytest.mark.parametrize("start_method", START_METHODS)
async def test_a_wrong_authkey_is_refused_on_both_sides(
    run_program: Any, start_method: str, tmp_path: Path
) -> None:
    source = PROGRAM.replace("WRONG = False", "WRONG = True")
    done = await run_program(source, start_method)
    checked(done, source, tmp_path)
    assert len(accepted_pairs(done)) == 2
    mine, theirs = (done.of(K.LISTENER_REFUSE)[0], done.of(K.LISTENER_REFUSE)[1])
    assert (mine["side"], theirs["side"]) == ("listener", "client"), "the client learns of it second"
    assert mine["error"] == "AuthenticationError: digest received was wrong"
    assert theirs["error"] == "AuthenticationError: digest sent was rejected"
    eve = theirs["proc"]
    assert mine["peer"] == eve
    assert theirs["peer"] == mine["proc"]
    assert mine["msg"] == theirs["msg"]
    (connect,) = done.of(K.LISTENER_CONNECT, eve)
    assert connect["msg"] == mine["msg"]
    assert index(done, connect) < index(done, mine)
    assert done.output(eve) == ["eve turned away: digest sent was rejected"]


@pytest.mark.parametrize("start_method", START_METHODS)
async def test_a_managers_own_listener_is_not_the_programs(
    run_program: Any, start_method: str, tmp_path: Path
) -> None:
    done = await run_program(MANAGED, start_method)
    assert done.run.status == "succeeded"
    assert done.output("main") == ["['ann']"]
    assert [e for e in done.events if e["kind"].startswith("listener.")] == []
    assert done.of(K.MANAGER_CALL), "the manager is traced as a manager"


async def test_every_listener_operation_passes_the_gate(manager: RunService) -> None:
    """Held before each operation and let go one at a time, the run still tells the truth:
    the accept, each connect and the close were each held before they happened."""
    run = manager.start_program(Program("t", PROGRAM, "program.py"), start_method="fork", gate="hold")
    supervisor = manager.supervisor(run.id)
    assert supervisor is not None
    released = await drive(supervisor)
    done = await collect(run)
    assert_nothing_left(done)
    assert done.run.status == "succeeded", done.events[-3:]
    assert problems(done.events) == []
    kinds = [kind for _, kind in released]
    assert kinds.count(K.LISTENER_ACCEPT) == 2
    assert kinds.count(K.LISTENER_CONNECT) == 2
    assert kinds.count(K.LISTENER_CLOSE) == 1


NOBODY = """\
import socket
from multiprocessing.connection import Client

with socket.socket() as s:  # a port nobody listens on: bound, never listening
    s.bind(("127.0.0.1", 0))
    try:
        Client(s.getsockname())
    except ConnectionRefusedError as exc:
        print("refused:", exc.strerror)
"""


async def test_a_client_with_nobody_listening_is_refused(run_program: Any, tmp_path: Path) -> None:
    done = await run_program(NOBODY)
    assert done.run.status == "succeeded"
    assert done.output("main") == untraced(NOBODY, tmp_path).splitlines() == ["refused: Connection refused"]
    (refused,) = done.of(K.LISTENER_REFUSE)
    assert refused["side"] == "client"
    assert refused["error"].startswith("ConnectionRefusedError")
    assert done.of(K.LISTENER_CONNECT) == []
