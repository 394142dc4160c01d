"""Limits: how long a run may take and how much is kept (``RunLimits``), and admission: how
many runs may run at once, per server, per address and per client, and how often.

A client is a browser when it says which (a token it keeps, sent with each start), else
its address alone. Runs are kept with their client as one string, ``client_key()``'s, so
that the service and the runs need not know its parts; only this module reads them.
"""

from __future__ import annotations

import math
import re
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class RunLimits:
    timeout_s: float | None = 30.0  # None: no limit (a person's own program, traced)
    grace_s: float = 0.5  # between SIGTERM and SIGKILL
    keep_runs: int = 200
    keep_bytes: int = 256 * 2**20  # events of finished runs held in memory, in total
    settle_s: float = 2.0  # how long killed processes get to close their connections
    deadlock_s: float = 1.5  # every live process blocked this long, nothing moving: deadlocked
    # Whether a deadlocked run is stopped. A person's own program is not (trace): it may
    # wait for a client from outside, and untraced it would wait on; it is only said.
    deadlock_stops: bool = True
    step_idle_s: float = 300.0  # a step-mode run nobody steps for this long is cancelled


@dataclass(frozen=True)
class AdmissionLimits:
    max_runs: int = 4
    max_runs_per_client: int = 2
    max_runs_per_address: int = 16
    runs_per_minute: int = 30
    steps_per_minute: int = 600  # POST /api/runs/{id}/step, per client

    @property
    def runs_per_minute_per_address(self) -> int:
        # An address may start as many runs a minute as the browsers it may run at once
        # would at their own rate: tokens it invents beyond that buy it nothing.
        browsers = max(1, self.max_runs_per_address // self.max_runs_per_client)
        return self.runs_per_minute * browsers


# A browser's token: short, opaque, URL-safe (the page makes it with crypto.randomUUID).
TOKEN_MAX_LENGTH = 64
TOKEN_PATTERN = f"^[A-Za-z0-9_-]{{1,{TOKEN_MAX_LENGTH}}}$"
_TOKEN = re.compile(TOKEN_PATTERN)
_UNKNOWN = "unknown"


def client_key(address: str | None, token: str | None = None) -> str:
    """The string a run's client is kept as: ``token@address``, or the address alone.

    A token has no ``@`` and an address comes after the first one, so the parts never mix.
    """
    address = address or _UNKNOWN
    if token is None:
        return address
    if not _TOKEN.match(token):
        raise ValueError(f"a client token is 1 to {TOKEN_MAX_LENGTH} letters, digits, '-' or '_'")
    return f"{token}@{address}"


def _address(key: str) -> str:
    return key.partition("@")[2] if "@" in key else key


class LimitExceeded(Exception):
    """A run was refused; ``limit`` names the setting, ``retry_after`` is in seconds."""

    def __init__(self, limit: str, message: str, retry_after: int) -> None:
        # The message ends with the setting's name, for whoever runs the server.
        message = f"{message} [{limit}]"
        super().__init__(message)
        self.limit = limit
        self.message = message
        self.retry_after = retry_after


_WINDOW_S = 60.0
_REMEMBER = 1024  # clients (and addresses) kept before idle ones are forgotten


class _Starts:
    """When each key started its runs in the last minute."""

    def __init__(self) -> None:
        self._by_key: dict[str, deque[float]] = {}

    def recent(self, key: str, now: float) -> deque[float]:
        starts = self._by_key.setdefault(key, deque())
        while starts and now - starts[0] >= _WINDOW_S:
            starts.popleft()
        return starts

    def forget_idle(self, now: float) -> None:
        # Memory stays bounded by the keys seen in the last minute (and an address's rate
        # bounds how many keys it can make in one).
        if len(self._by_key) > _REMEMBER:
            for key in [k for k, q in self._by_key.items() if not q or now - q[-1] >= _WINDOW_S]:
                del self._by_key[key]


class Admission:
    """Decides, synchronously (no await between check and start), whether a run may start."""

    def __init__(self, limits: AdmissionLimits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._by_client = _Starts()
        self._by_address = _Starts()
        self._steps = _Starts()  # when each client stepped a run (step mode)

    def check(self, client: str | None, active_clients: Iterable[str | None], rated: bool = True) -> None:
        """Raise LimitExceeded, or record the start and return. ``client`` is a
        ``client_key()``; ``active_clients`` are those of the runs running now. A start
        that is not ``rated`` (one of an exploration's, bounded by the exploration) counts
        against the runs at once only."""
        active = [c or _UNKNOWN for c in active_clients]
        lim = self.limits
        if len(active) >= lim.max_runs:
            raise LimitExceeded(
                "MPSCOPE_MAX_RUNS",
                f"the server is running its maximum of {lim.max_runs} runs at once; try again shortly",
                1,
            )
        key = client or _UNKNOWN
        address = _address(key)
        mine = sum(1 for c in active if c == key)
        if mine >= lim.max_runs_per_client:
            raise LimitExceeded(
                "MPSCOPE_MAX_RUNS_PER_CLIENT",
                f"you already have {mine} runs running (limit {lim.max_runs_per_client}); "
                "wait for one to finish or cancel it",
                1,
            )
        ours = sum(1 for c in active if _address(c) == address)
        if ours >= lim.max_runs_per_address:
            raise LimitExceeded(
                "MPSCOPE_MAX_RUNS_PER_ADDRESS",
                f"your address {address} already has {ours} runs running, from all its browsers "
                f"together (limit {lim.max_runs_per_address}); wait for one to finish",
                1,
            )
        if not rated:
            return
        now = self._clock()
        starts = self._by_client.recent(key, now)
        if len(starts) >= lim.runs_per_minute:
            raise self._too_often(starts, now, f"you started {len(starts)} runs", lim.runs_per_minute)
        address_starts = self._by_address.recent(address, now)
        if len(address_starts) >= lim.runs_per_minute_per_address:
            said = f"your address {address} started {len(address_starts)} runs, from all its browsers,"
            raise self._too_often(address_starts, now, said, lim.runs_per_minute_per_address)
        starts.append(now)
        address_starts.append(now)
        self._by_client.forget_idle(now)
        self._by_address.forget_idle(now)

    def check_step(self, client: str | None) -> None:
        """Raise LimitExceeded when ``client`` has stepped too often in the last minute, or
        record the step."""
        key = client or _UNKNOWN
        now = self._clock()
        steps = self._steps.recent(key, now)
        if len(steps) >= self.limits.steps_per_minute:
            wait = math.ceil(_WINDOW_S - (now - steps[0]))
            raise LimitExceeded(
                "MPSCOPE_STEPS_PER_MINUTE",
                f"you took {len(steps)} steps in the last minute (limit {self.limits.steps_per_minute}); "
                f"try again in {wait} s",
                max(wait, 1),
            )
        steps.append(now)
        self._steps.forget_idle(now)

    @staticmethod
    def _too_often(starts: deque[float], now: float, who: str, limit: int) -> LimitExceeded:
        wait = math.ceil(_WINDOW_S - (now - starts[0]))
        return LimitExceeded(
            "MPSCOPE_RUNS_PER_MINUTE",
            f"{who} in the last minute (limit {limit}); try again in {wait} s",
            max(wait, 1),
        )
