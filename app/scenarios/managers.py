"""Scenarios about managers beyond a list and a dict: a Namespace, a Lock and a Queue that
live in the manager's server process; a manager of the program's own, served on the network
and reached by address and authkey."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from app.json_types import Integer
from app.scenarios.model import Cast, Params, Scenario


class SharedParams(Params):
    workers: Integer = Field(
        default=2, ge=1, le=4, description="How many worker processes share the counter."
    )
    rounds: Integer = Field(default=3, ge=1, le=10, description="Increments each worker makes (1 to 10).")


def _workers(p: SharedParams) -> list[str]:
    return [f"work-{i}" for i in range(1, p.workers + 1)]


# -- steps ---------------------------------------------------------------------------------
# Paced operations on the longest path (see Scenario.steps): each manager call's result,
# starts, joins and printed lines. The workers take the lock in turn, so their rounds add up.


def _shared_steps(p: SharedParams) -> int:
    # main's part around the work (the manager's start, its objects, the starts, the put
    # and get of the total, the joins and its lines): 11. The rounds, one worker at a time
    # under the lock: four calls each (acquire, read, write, release), but a worker waiting
    # in the server is served its acquire together with the release that lets it in, one
    # call fewer for every round that hands the lock to another worker: rounds * (workers
    # - 1) of them. Measured against paced runs (tests/scenarios/test_steps.py).
    rounds = p.workers * p.rounds
    return 11 + 4 * rounds - p.rounds * (p.workers - 1)


def _shared_cast(p: SharedParams) -> Cast:
    users = ["main", *_workers(p)]

    def held(name: str) -> dict[str, Any]:
        return {"type": "manager", "name": name, "server": "manager", "proxies": users}

    return {
        "processes": ["main", "manager", *_workers(p)],
        "objects": [held("ns"), held("lock"), held("done")],
    }


class RemoteParams(Params):
    rounds: Integer = Field(default=3, ge=1, le=10, description="Points each player adds (1 to 10).")
    wrong_key: bool = Field(
        default=False, description="Add a third player, eve, who connects with the wrong authkey."
    )


def _players(p: RemoteParams) -> list[str]:
    return ["alice", "bob", *(["eve"] if p.wrong_key else [])]


def _remote_steps(p: RemoteParams) -> int:
    # main: the server's start, the players' starts and joins, its get_board() and total()
    # and its line. Each player in parallel: connect, get_board() and its rounds of add().
    # Measured against paced runs (tests/scenarios/test_steps.py).
    players = len(_players(p))
    return 1 + 2 * players + 3 + (2 + p.rounds)


def _remote_cast(p: RemoteParams) -> Cast:
    board = {"type": "manager", "name": "board", "server": "server", "proxies": ["main", "alice", "bob"]}
    return {"processes": ["main", "server", *_players(p)], "objects": [board]}


SCENARIOS: tuple[Scenario[Any], ...] = (
    Scenario(
        id="manager-shared",
        title="A Manager's Namespace, Lock and Queue",
        summary=(
            "Workers add to a counter in a manager's Namespace under the manager's Lock, and "
            "say they are done on the manager's Queue. All three live in the server process, so "
            "a worker waiting for the lock or main waiting for an item is a call the server holds."
        ),
        program="manager_shared.py",
        params_model=SharedParams,
        concepts=("Manager", "Namespace", "proxy", "Lock"),
        default_pace_ms=200,
        steps_of=_shared_steps,
        cast_of=_shared_cast,
    ),
    Scenario(
        id="remote-manager",
        title="A manager on the network, and a client with the wrong key",
        summary=(
            "A server process serves a scoreboard of the program's own type at 127.0.0.1, and two "
            "players connect to it by address and authkey and add their points through proxies. With "
            "wrong_key a third player tries a key that is not the server's and is turned away, while "
            "the others play on."
        ),
        program="manager_remote.py",
        params_model=RemoteParams,
        concepts=("BaseManager", "register", "connect", "authkey"),
        default_pace_ms=200,
        steps_of=_remote_steps,
        cast_of=_remote_cast,
    ),
)
