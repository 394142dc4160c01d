"""Managers a program builds itself, traced in real processes under every start method: a
BaseManager subclass served at 127.0.0.1 (its address on the server's lane), clients that
connect() by address and authkey, one turned away for a wrong key, types registered with
a callable, ``exposed=`` and a custom proxy type, each call as call → serve → result in
causal order with the program's names and real values; and nothing left afterwards, not
even a socket listening on the server's port."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest

from app.scenarios import registry
from tests.conftest import Finished
from tests.runs.test_sync import all_output, check_run, untraced_output

pytestmark = pytest.mark.anyio

METHODS = ["fork", "spawn", "forkserver"]


def calls_in_order(done: Finished, server: str) -> None:
    """Every call is served in the server after it was made, and answered after that, in
    the caller, all three under the name the server gave the object."""
    at = {(e["kind"], e["msg"]): e for e in done.events if e["kind"].startswith("manager.") and e.get("msg")}
    calls = done.of("manager.call")
    assert calls
    for call in calls:
        serve, result = at[("manager.serve", call["msg"])], at[("manager.result", call["msg"])]
        assert call["seq"] < serve["seq"] < result["seq"], (call, serve, result)
        assert serve["proc"] == server
        assert serve["caller"] == call["proc"] == result["proc"]
        assert serve["obj"] == result["obj"]
        assert call["obj"] == serve.get("proposed", serve["obj"]) == result.get("proposed", result["obj"])


def printed(done: Finished) -> list[str]:
    """What the run printed, all processes, in the order it was printed."""
    return "".join(e["text"] for e in done.of("stdout")).splitlines()


def port_is_free(address: str) -> bool:
    host, port = address.rsplit(":", 1)
    with socket.socket() as s:
        try:
            s.connect((host, int(port)))
        except ConnectionRefusedError:
            return True
    return False


def connected_after_listen(done: Finished) -> str:
    (listen,) = done.of("manager.listen")
    assert listen["proc"] == "server"
    assert listen["address"].startswith("127.0.0.1:")
    assert listen["types"] == ["get_board"]
    for connect in done.of("manager.connect"):
        assert connect["address"] == listen["address"]
        assert connect["seq"] > listen["seq"]
    return str(listen["address"])


def scores(done: Finished) -> Any:
    last = [e for e in done.of("manager.serve") if e["obj"] == "board"][-1]
    return last["state"]["scores"]


@pytest.mark.parametrize("method", METHODS)
async def test_players_connect_by_address_and_share_the_board(
    run_to_end: Any, tmp_path: Path, method: str
) -> None:
    s = registry.get("remote-manager")
    done = await run_to_end("remote-manager", {"rounds": 2}, start_method=method)
    check_run(done)
    address = connected_after_listen(done)
    assert [c["proc"] for c in done.of("manager.connect") if not c.get("error")] in (
        ["alice", "bob"],
        ["bob", "alice"],
    )
    assert not done.of("manager.refuse")
    calls_in_order(done, "server")
    # One board, in the server: both players' proxies and main's are to it, by one name.
    assert {e["obj"] for e in done.of("manager.serve")} == {"board"}
    adds = [e for e in done.of("manager.result") if e["method"] == "add"]
    assert sorted((e["proc"], e["value"]) for e in adds) == [
        ("alice", 1),
        ("alice", 2),
        ("bob", 1),
        ("bob", 2),
    ]
    assert scores(done) == {"alice": 2, "bob": 2}
    expected = untraced_output(s.render(s.validate({"rounds": 2})), tmp_path, s.program)
    assert all_output(done) == expected == ["total: 4 expected: 4"]
    assert port_is_free(address)


@pytest.mark.parametrize("method", METHODS)
async def test_a_client_with_the_wrong_key_is_turned_away(
    run_to_end: Any, tmp_path: Path, method: str
) -> None:
    s = registry.get("remote-manager")
    done = await run_to_end("remote-manager", {"wrong_key": True}, start_method=method)
    check_run(done)
    address = connected_after_listen(done)
    (refused,) = [c for c in done.of("manager.connect") if c.get("error")]
    assert refused["proc"] == "eve"
    assert (refused["error"], refused["message"]) == ("AuthenticationError", "digest sent was rejected")
    (refuse,) = done.of("manager.refuse")
    assert (refuse["proc"], refuse["address"]) == ("server", address)
    assert refuse["seq"] < refused["seq"]
    # eve never got a proxy; the others played on.
    assert not [
        e for e in done.events if e["kind"].startswith("manager.") and e["proc"] == "eve" and e.get("msg")
    ]
    calls_in_order(done, "server")
    assert scores(done) == {"alice": 3, "bob": 3}
    expected = untraced_output(s.render(s.validate({"wrong_key": True})), tmp_path, s.program)
    assert printed(done) == expected  # eve's line first: main joins eve before it prints
    assert done.output("eve") == ["eve was turned away: digest sent was rejected"]
    assert port_is_free(address)


CUSTOM = """\
import multiprocessing
from multiprocessing.managers import BaseManager, BaseProxy


class Counter:
    def __init__(self, start):
        self.count = start

    def increment(self, by=1):
        self.count += by
        return self.count

    def get(self):
        return self.count


class CounterProxy(BaseProxy):
    _exposed_ = ("increment", "get")

    def increment(self, by=1):
        return self._callmethod("increment", (by,))

    def get(self):
        return self._callmethod("get")


notes = []


def get_notes():
    return notes


class Office(BaseManager):
    pass


Office.register("Counter", Counter, proxytype=CounterProxy)
Office.register("get_notes", callable=get_notes, exposed=("append", "__len__"))


def worker(counter, address, key):
    counter.increment(10)
    office = Office(address=address, authkey=key)
    office.connect()
    mine = office.get_notes()
    mine.append("worker was here")


if __name__ == "__main__":
    with Office(address=("127.0.0.1", 0), authkey=b"k") as office:
        counter = office.Counter(5)
        print(counter.increment())
        notes = office.get_notes()
        notes.append("main was here")
        p = multiprocessing.Process(target=worker, args=(counter, office.address, b"k"))
        p.start()
        p.join()
        print(counter.get(), len(notes))
"""


@pytest.mark.parametrize("method", METHODS)
async def test_registered_types_and_a_custom_proxy(run_program: Any, tmp_path: Path, method: str) -> None:
    done: Finished = await run_program(CUSTOM, start_method=method)
    check_run(done)
    server = next(e["child"] for e in done.of("proc.spawn") if e["role"] == "manager")
    assert server == "office"
    calls_in_order(done, server)
    got = [(e["proc"], e["obj"], e["method"], e.get("value")) for e in done.of("manager.result")]
    assert [g for g in got if g[2] != "get_notes" and g[2] != "Counter"] == [
        ("main", "counter", "increment", 6),
        ("main", "notes", "append", None),
        ("p", "counter", "increment", 16),  # the proxy pickled to the child keeps its name
        ("p", "notes", "append", None),  # the child's `mine` is main's notes: one object
        ("main", "counter", "get", 16),
        ("main", "notes", "__len__", 2),
    ]
    (created,) = [e for e in done.of("manager.serve") if e["method"] == "Counter"]
    assert (created["creates"], created["args"], created["state"]) == (True, [5], {"count": 5})
    (again,) = [e for e in done.of("manager.result") if e["method"] == "get_notes" and e["proc"] == "p"]
    assert (again["obj"], again["proposed"]) == ("notes", "mine")
    last = [e for e in done.of("manager.serve") if e["obj"] == "notes"][-1]
    assert last["state"] == ["main was here", "worker was here"]
    assert all_output(done) == untraced_output(CUSTOM, tmp_path, "program.py") == ["6", "16 2"]
