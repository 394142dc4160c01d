"""What a person sees of a manager on the network, in Chromium: a real run of
``remote-manager`` with a client that has the wrong key, scrubbed to the moments that
matter and read off the page against the run's own events (the server's address in its
box, who connected and who was turned away, the refusal in that client's own box, the
scoreboard the players share)."""

from __future__ import annotations

import ast
from typing import Any

import pytest

from tests.browser.conftest import Dashboard

pytestmark = pytest.mark.browser


def endpoint(d: Dashboard, address: str) -> Any:
    # The server's address is drawn inside the server's box, where it listens.
    return d.lane("server").locator(f".manager-endpoint[data-obj='{address}']")


def test_the_server_shows_its_address_and_the_client_it_turned_away(dashboard: Dashboard) -> None:
    d = dashboard
    d.open(scenario="remote-manager", pace_ms=20, start_method="fork", rounds=2, wrong_key="true")
    d.run()
    events = d.events()
    (listen,) = [e for e in events if e["kind"] == "manager.listen"]
    address = listen["address"]
    assert address.startswith("127.0.0.1:")

    d.seek(listen["seq"])
    box = endpoint(d, address)
    assert box.locator(".address").inner_text() == address
    assert box.locator(".types").inner_text() == "offers get_board()"
    assert box.locator(".clients > li").all_inner_texts() == []

    (refused,) = [e for e in events if e["kind"] == "manager.connect" and e.get("error")]
    d.seek(refused["seq"])
    clients = endpoint(d, address).locator(".clients > li")
    eve = clients.filter(has_text="eve")
    assert eve.inner_text() == "eve turned away: AuthenticationError (digest sent was rejected)"
    assert "failed" in (eve.get_attribute("class") or "")
    # In eve's own box: what she got back from the server, a "no" to her key.
    got = d.lane("eve").locator(".inbox > li").all_inner_texts()
    assert len(got) == 1
    assert "turned away: AuthenticationError" in got[0]
    assert address in got[0]
    assert "turned away: wrong authkey" in endpoint(d, address).locator(".note").inner_text()

    d.seek(len(events) - 1)
    texts = endpoint(d, address).locator(".clients > li").all_inner_texts()
    assert sorted(texts) == ["alice connected", "bob connected", eve.inner_text()]
    assert endpoint(d, address).locator(".note").inner_text() == "2 connected · 1 turned away: wrong authkey"
    # The one scoreboard, in the server's box beside the address, with both players' points.
    board = d.lane("server").locator(".manager-object[data-obj='board']")
    (entry,) = board.locator(".held > li.entry").all_inner_texts()
    # Whoever scored first is first in the dict: compare the dict, not its order.
    name, _, value = entry.partition(" = ")
    assert (name, ast.literal_eval(value)) == ("scores", {"alice": 2, "bob": 2})
    for player in ("alice", "bob", "main"):
        assert "board" in d.lane(player).locator(".handles").inner_text()
    assert "board" not in d.lane("eve").locator(".handles").inner_text()
    assert "eve was turned away: digest sent was rejected" in d.output("eve")
