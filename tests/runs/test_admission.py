"""Admission: who counts as a client (a browser's token beside its address), the caps per
client, per address and per server, and the per-minute rates."""

from __future__ import annotations

import time

import pytest
from pydantic import ValidationError

from app.config import Settings
from app.runs.limits import Admission, AdmissionLimits, LimitExceeded, client_key

SCHOOL = "203.0.113.7"  # one address, a classroom behind its NAT


class Clock:
    """A clock a test moves by hand: the rate's window is a minute, too long to wait out."""

    def __init__(self) -> None:
        self.now = time.monotonic()

    def __call__(self) -> float:
        return self.now


def refused(admission: Admission, client: str, active: list[str]) -> LimitExceeded:
    with pytest.raises(LimitExceeded) as info:
        admission.check(client, active)
    return info.value


def start(admission: Admission, client: str, active: list[str]) -> None:
    admission.check(client, active)
    active.append(client)


def test_browsers_behind_one_address_each_get_their_own_cap() -> None:
    admission = Admission(AdmissionLimits(max_runs=100, max_runs_per_client=2, max_runs_per_address=16))
    active: list[str] = []
    browsers = [client_key(SCHOOL, f"browser-{i}") for i in range(8)]
    for browser in browsers:
        start(admission, browser, active)
        start(admission, browser, active)
    assert len(active) == 16  # eight browsers, two runs each, one address
    # One browser's third run is its own cap, whatever the others do.
    assert refused(admission, browsers[0], active[:2]).limit == "MPSCOPE_MAX_RUNS_PER_CLIENT"


def test_an_address_is_capped_however_many_tokens_it_invents() -> None:
    admission = Admission(AdmissionLimits(max_runs=100, max_runs_per_client=2, max_runs_per_address=5))
    active: list[str] = []
    for i in range(5):
        start(admission, client_key(SCHOOL, f"made-up-{i}"), active)
    error = refused(admission, client_key(SCHOOL, "one-more"), active)
    assert error.limit == "MPSCOPE_MAX_RUNS_PER_ADDRESS"
    assert error.message.endswith("(limit 5); wait for one to finish [MPSCOPE_MAX_RUNS_PER_ADDRESS]")
    assert error.retry_after == 1
    # Without a token, the address is one more client, counted within the same address cap.
    assert refused(admission, client_key(SCHOOL), active).limit == "MPSCOPE_MAX_RUNS_PER_ADDRESS"
    # Another address is not affected.
    start(admission, client_key("198.51.100.1", "made-up-0"), active)


def test_without_a_token_the_address_alone_keeps_todays_cap() -> None:
    admission = Admission(AdmissionLimits(max_runs=100, max_runs_per_client=2, max_runs_per_address=16))
    active: list[str] = []
    start(admission, client_key(SCHOOL), active)
    start(admission, client_key(SCHOOL), active)
    error = refused(admission, client_key(SCHOOL), active)
    assert error.limit == "MPSCOPE_MAX_RUNS_PER_CLIENT"
    assert "you already have 2 runs running (limit 2)" in error.message
    # A browser at that address with a token is a client of its own.
    start(admission, client_key(SCHOOL, "browser-a"), active)


def test_the_server_cap_comes_first() -> None:
    admission = Admission(AdmissionLimits(max_runs=3, max_runs_per_client=2, max_runs_per_address=16))
    active: list[str] = []
    for i in range(3):
        start(admission, client_key(SCHOOL, f"b{i}"), active)
    assert refused(admission, client_key("198.51.100.1", "x"), active).limit == "MPSCOPE_MAX_RUNS"


def test_the_rate_is_per_browser_and_an_address_rate_bounds_invented_tokens() -> None:
    clock = Clock()
    limits = AdmissionLimits(max_runs=100, max_runs_per_client=2, max_runs_per_address=4, runs_per_minute=3)
    assert limits.runs_per_minute_per_address == 6  # as many as two full browsers would start
    admission = Admission(limits, clock)
    alice, bob = client_key(SCHOOL, "alice"), client_key(SCHOOL, "bob")
    for _ in range(3):
        admission.check(alice, [])
        clock.now += 1
    error = refused(admission, alice, [])
    assert error.limit == "MPSCOPE_RUNS_PER_MINUTE"
    assert "you started 3 runs in the last minute (limit 3); try again in 57 s" in error.message
    assert error.retry_after == 57
    for _ in range(3):
        admission.check(bob, [])  # Bob's rate is his own
    # Tokens made up on the spot: the address has started 6 this minute, its limit.
    error = refused(admission, client_key(SCHOOL, "carol"), [])
    assert error.limit == "MPSCOPE_RUNS_PER_MINUTE"
    assert f"your address {SCHOOL} started 6 runs" in error.message
    # A refusal is not a start: once the window has passed, all start again.
    clock.now += 60
    for who in (alice, bob, client_key(SCHOOL, "carol")):
        admission.check(who, [])


def test_the_default_clock_admits_and_refuses_in_real_time() -> None:
    admission = Admission(AdmissionLimits(max_runs=10, max_runs_per_client=1, runs_per_minute=2))
    me = client_key("127.0.0.1", "me")
    admission.check(me, [])
    admission.check(me, [])
    error = refused(admission, me, [])
    assert 59 <= error.retry_after <= 60


@pytest.mark.parametrize("token", ["", "has space", "a@b", "é", "x" * 65, "semi;colon"])
def test_a_malformed_token_is_refused(token: str) -> None:
    with pytest.raises(ValueError, match="1 to 64 letters, digits"):
        client_key(SCHOOL, token)


def test_client_keys_keep_token_and_address_apart() -> None:
    assert client_key(SCHOOL, "a-b_C9") == f"a-b_C9@{SCHOOL}"
    assert client_key(SCHOOL) == SCHOOL
    assert client_key(None) == "unknown"
    # An IPv6 address in a key, and a token on the same address: counted as one address.
    admission = Admission(AdmissionLimits(max_runs=10, max_runs_per_client=1, max_runs_per_address=2))
    active = [client_key("::1", "a"), client_key("::1")]
    assert refused(admission, client_key("::1", "b"), active).limit == "MPSCOPE_MAX_RUNS_PER_ADDRESS"


def test_the_address_cap_holds_at_least_one_client() -> None:
    # Left at its default, it follows a larger client cap up (an older deployment's
    # MPSCOPE_MAX_RUNS_PER_CLIENT=20 keeps its meaning)...
    assert Settings(max_runs_per_client=20).admission_limits().max_runs_per_address == 20
    assert Settings().admission_limits().max_runs_per_address == 16
    # ...but one set on purpose below the client cap is refused, naming both settings.
    with pytest.raises(ValidationError, match=r"MPSCOPE_MAX_RUNS_PER_ADDRESS .* MPSCOPE_MAX_RUNS_PER_CLIENT"):
        Settings(max_runs_per_client=20, max_runs_per_address=10)
