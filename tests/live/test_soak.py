"""The soak: 1,000 mixed runs, 4 at a time, against a real uvicorn; the server ends as it began.

What a long-running course server lives through, compressed: every scenario, under fork,
spawn and forkserver, followed over SSE or by polling, some cancelled (as they start or
midway). After a
warm-up (so the forkserver, the store and the thread pools exist), the server's open
files, threads, child processes, sockets and memory are measured; after 500 runs and
after 1,000 they must be back where they were, and nothing of a run may be left behind.
Run with ``-s`` to see the figures; a failure message carries them too.

The same for explorations (``/api/explorations``): two clients searching schedules at
once, each search a few to sixty step-mode runs, some cut short, some cancelled with
their exploration, over 2,000 schedule runs.
"""

from __future__ import annotations

import json
import random
import shutil
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
from httpx_sse import connect_sse

from app.events.schema import FINAL_STATUSES
from app.scenarios import registry
from tests.conftest import shm_entries, shm_left_since
from tests.live.conftest import alive, descendants, holds_within, run_processes, wait_for
from tests.serving import LiveServer, live_server

RUNS = 1000
AT_ONCE = 4
SEED = 11  # the plan is random but the same every time: a failure names a run to rerun
# Long defaults made short: the flood's 2,000 items would be most of the soak's time.
SMALL_PARAMS: dict[str, dict[str, Any]] = {"queue-flood": {"count": 200}}
# Mostly fork, as a class would; spawn and forkserver start fresh interpreters (~10x slower).
START_METHODS = ["fork"] * 8 + ["spawn", "forkserver"]
CANCEL_EVERY = 25  # one run in 25 is cancelled: half as they start, half midway
# A cancelled run must still be going when the DELETE lands: at pace 0 most runs end in
# ~30 ms and the DELETE would race the end. At 500 ms a step the shortest scenario takes
# 4.5 s, so "cancelled" is certain.
CANCEL_PACE_MS = 500
RUN_DEADLINE_S = 60.0
SETTLE_S = 15.0  # clean-up after the last run is asynchronous: how long it may take
# Memory: the server keeps the newest MPSCOPE_KEEP_RUNS (200) finished runs in memory; the
# warm-up leaves 24 there, so from baseline to the midpoint 176 more are kept (~90 events
# a run on average, ~150 B each plus Python's overhead: ~3-4 MB), plus the run store's
# SQLite page cache and the allocator's arenas: ~6 MB measured here. From 500 runs to
# 1,000 the cap is reached and steady: that is where memory must be flat (~0.1 MB here).
RSS_GROWTH_MB = 25  # baseline -> end
RSS_FLAT_MB = 5  # midpoint -> end
# Threads: the baseline has the thread pools grown past what the soak needs (warm_pools),
# so counts after it can only be lower; from the midpoint to the end the pools are at the
# soak's steady size, give or take the odd request that arrives while all are busy.
THREADS_JITTER = 2

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]

# Scenarios that sleep so a learner sees their processes wait (0.3 to 1 s), or that end
# deadlocked after MPSCOPE_DEADLOCK_S: the soak is about a thousand quick runs, and each of
# these runs in other tests.
WAIT_ON_PURPOSE = frozenset(
    {"lock", "event", "barrier", "semaphore", "condition", "join-deadlock", "pipe-same-end", "remote-manager"}
)


@dataclass(frozen=True)
class Plan:
    n: int
    scenario: str
    params: dict[str, Any]
    start_method: str
    stream: bool  # follow over SSE, else poll GET /api/runs/{id} and read the NDJSON
    # "at-once": right after the POST, while the run starts; "midway": once a child
    # process has started (the program's objects exist by then); None: not cancelled.
    cancel: str | None

    @property
    def pace_ms(self) -> int:
        return CANCEL_PACE_MS if self.cancel else 0

    @property
    def expected(self) -> str:
        if self.cancel:
            return "cancelled"
        s = registry.get(self.scenario)
        return s.ends(s.validate(self.params))  # join-deadlock ends deadlocked


def make_plans(scenarios: list[str], first: int, count: int, rng: random.Random) -> list[Plan]:
    plans = []
    for n in range(first, first + count):
        scenario = scenarios[n % len(scenarios)]
        cancel = None
        if n % CANCEL_EVERY == CANCEL_EVERY - 1:
            cancel = "midway" if (n // CANCEL_EVERY) % 2 else "at-once"
        plans.append(
            Plan(
                n,
                scenario,
                SMALL_PARAMS.get(scenario, {}),
                rng.choice(START_METHODS),
                stream=rng.random() < 0.5,
                cancel=cancel,
            )
        )
    return plans


def warm_up_plans(scenarios: list[str]) -> list[Plan]:
    """Every scenario under every start method, both ways of following, and both cancels."""
    combos = [(s, m) for s in scenarios for m in ("fork", "spawn", "forkserver")]
    cancels: list[str | None] = [None] * (len(combos) - 2) + ["at-once", "midway"]
    return [
        Plan(i, s, SMALL_PARAMS.get(s, {}), m, stream=i % 2 == 0, cancel=c)
        for i, ((s, m), c) in enumerate(zip(combos, cancels, strict=True))
    ]


def follow(client: httpx.Client, plan: Plan) -> str | None:
    """Start the run, follow it to its end, check how its story is framed; what went wrong."""
    body = {"scenario": plan.scenario, "params": plan.params, "pace_ms": plan.pace_ms}
    r = client.post("/api/runs", json={**body, "start_method": plan.start_method})
    if r.status_code != 201:
        return f"POST answered {r.status_code}: {r.text}"
    run_id = r.json()["id"]
    problems: list[str] = []

    def cancel() -> None:
        d = client.delete(f"/api/runs/{run_id}")
        if d.status_code != 200 or d.json()["status"] != "cancelled":
            problems.append(f"DELETE answered {d.status_code}: {d.text[:300]}")

    if plan.cancel == "at-once":
        cancel()
    events = (
        streamed(client, run_id, plan, cancel, problems)
        if plan.stream
        else polled(client, run_id, plan, cancel)
    )
    summary = client.get(f"/api/runs/{run_id}").json()
    seqs = [e["seq"] for e in events]
    if seqs != list(range(len(events))):
        problems.append(f"seq not dense from 0: {seqs[:5]}…{seqs[-5:]}")
    if not events or events[-1]["kind"] != "run.end" or events[-1]["status"] != plan.expected:
        problems.append(f"last event {events[-1] if events else None}, expected run.end {plan.expected}")
    if summary["status"] != plan.expected or summary["events"] != len(events):
        problems.append(
            f"summary says {summary['status']} with {summary['events']} events, read {len(events)}"
        )
    return f"run {run_id}: {'; '.join(problems)}" if problems else None


def streamed(
    client: httpx.Client, run_id: str, plan: Plan, cancel: Callable[[], None], problems: list[str]
) -> list[dict[str, Any]]:
    """The run's events over SSE, to the stream's end; cancelled once a child has started."""
    events: list[dict[str, Any]] = []
    with connect_sse(client, "GET", f"/api/runs/{run_id}/events") as source:
        for message in source.iter_sse():
            batch = json.loads(message.data)
            if int(message.id) != batch[-1]["seq"]:
                problems.append(f"SSE id {message.id} is not its last seq {batch[-1]['seq']}")
            first_child = not any(map(child_started, events)) and any(map(child_started, batch))
            if plan.cancel == "midway" and first_child:
                cancel()
            events.extend(batch)
    return events


def polled(client: httpx.Client, run_id: str, plan: Plan, cancel: Callable[[], None]) -> list[dict[str, Any]]:
    """Poll the run until it is over (cancelled once a child has started); then its NDJSON."""

    def summary() -> dict[str, Any]:
        answer: dict[str, Any] = client.get(f"/api/runs/{run_id}").json()
        return answer

    if plan.cancel == "midway":
        wait_for(lambda: len(summary()["processes"]) > 1, RUN_DEADLINE_S, "a child process started")
        cancel()
    wait_for(lambda: summary()["status"] in FINAL_STATUSES, RUN_DEADLINE_S, "the run over")
    text = client.get(f"/api/runs/{run_id}/events", params={"format": "ndjson"}).text
    return [json.loads(line) for line in text.splitlines()]


def child_started(event: dict[str, Any]) -> bool:
    return bool(event["kind"] == "proc.start" and event["proc"] != "main")


def soak(server: LiveServer, plans: list[Plan]) -> list[str]:
    """Run ``plans`` AT_ONCE at a time, each worker with its own connection(s); the problems."""
    todo: Iterator[Plan] = iter(plans)
    lock = threading.Lock()
    problems: list[str] = []

    def worker() -> None:
        with httpx.Client(base_url=server.url, timeout=RUN_DEADLINE_S) as client:
            while True:
                with lock:
                    plan = next(todo, None)
                if plan is None:
                    return
                try:
                    problem = follow(client, plan)
                except Exception as exc:
                    problem = f"{type(exc).__name__}: {exc}"
                if problem is not None:
                    with lock:
                        problems.append(f"{plan}: {problem}")

    workers = [threading.Thread(target=worker, name=f"soak-{i}") for i in range(AT_ONCE)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return problems


# -- the server, measured ------------------------------------------------------------------


SocketKey = tuple[int, int, str, str]


@dataclass(frozen=True)
class Snapshot:
    fds: int
    threads: int
    children: frozenset[int]
    rss: int
    sockets: Counter[SocketKey]

    def line(self) -> str:
        return (
            f"fds {self.fds}, threads {self.threads}, children {len(self.children)}, "
            f"rss {self.rss / 2**20:.1f} MB, sockets {sum(self.sockets.values())}"
        )


def measure(pid: int) -> Snapshot:
    proc = psutil.Process(pid)
    with proc.oneshot():
        sockets = Counter(
            (c.family, c.type, c.status, str(c.laddr)) for c in proc.net_connections(kind="all")
        )
        return Snapshot(
            proc.num_fds(),
            proc.num_threads(),
            frozenset(p.pid for p in proc.children(recursive=True)),
            proc.memory_info().rss,
            sockets,
        )


def quiet(server: LiveServer, runs_dir: Path) -> bool:
    """Every run is over and cleaned up: no run's process is alive (a run's runner and its
    children live in a session of their own), every run's directory is removed (the last
    step of a run's clean-up) and no client connection is open."""
    if run_processes(server.pid) or any(runs_dir.iterdir()):
        return False
    connections = psutil.Process(server.pid).net_connections(kind="tcp")
    return all(c.status == psutil.CONN_LISTEN for c in connections)


def leftovers(now: Snapshot, base: Snapshot) -> list[str]:
    """How ``now`` exceeds ``base``: what outlived the runs."""
    out = []
    if now.fds > base.fds:
        out.append(f"{now.fds - base.fds} more open fds")
    if now.threads > base.threads:
        out.append(f"{now.threads - base.threads} more threads")
    if now.children != base.children:
        new, gone = sorted(now.children - base.children), sorted(base.children - now.children)
        out.append(f"child processes {new} new, {gone} gone")
    extra = now.sockets - base.sockets
    if extra:
        out.append(f"sockets beyond the baseline: {dict(extra)}")
    return out


def warm_pools(server: LiveServer) -> None:
    """Grow the server's thread pools to what the soak's load can make them, so that the
    baseline has them: FastAPI runs sync dependencies in anyio's pool and the service calls
    the store through asyncio's, each a thread per call in flight. The soak never has more
    than 2 x AT_ONCE requests in flight (a stream and a DELETE per worker); this burst has
    twice that. (anyio lets idle workers go after 10 s, so later counts can only be lower.)"""
    burst = 4 * AT_ONCE
    barrier = threading.Barrier(burst)

    def ask() -> None:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            barrier.wait()
            client.get("/api/runs", params={"limit": 200}).raise_for_status()

    askers = [threading.Thread(target=ask) for _ in range(burst)]
    for t in askers:
        t.start()
    for t in askers:
        t.join()


def test_a_thousand_mixed_runs_leave_the_server_as_they_found_it(record_property: Any) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="soak-", dir="/tmp"))  # short: Unix socket paths live here
    env = {
        "MPSCOPE_MAX_RUNS": str(AT_ONCE),
        "MPSCOPE_MAX_RUNS_PER_CLIENT": str(AT_ONCE),
        "MPSCOPE_MAX_RUNS_PER_ADDRESS": str(AT_ONCE),
        "MPSCOPE_RUNS_PER_MINUTE": "10000",  # the most allowed; the soak starts ~800 a minute
        "TMPDIR": str(tmp),  # so that the runs' directories can be watched
    }
    figures: list[str] = []

    def note(text: str) -> None:
        figures.append(text)
        print(f"soak: {text}", flush=True)

    try:
        with live_server(env) as server:
            (runs_dir,) = tmp.glob("mpscope-*")  # RunService's base: a directory per run in it
            listed = [s["id"] for s in httpx.get(server.url + "/api/scenarios", timeout=10).json()]
            scenarios = [sid for sid in listed if sid not in WAIT_ON_PURPOSE]
            shm_before = shm_entries()

            def settle(label: str) -> Snapshot:
                """Wait (bounded) until the runs are cleaned up and what they held is let go;
                clean-up is asynchronous, after each run's last event is out."""
                assert holds_within(lambda: quiet(server, runs_dir), SETTLE_S), (
                    f"{label}: runs not cleaned up within {SETTLE_S} s: {list(runs_dir.iterdir())}, "
                    f"{[p.cmdline() for p in alive(descendants(server.pid))]}\n" + "\n".join(figures)
                )
                if label != "baseline":
                    holds_within(lambda: not leftovers(measure(server.pid), base), SETTLE_S)
                return measure(server.pid)

            warm_up = warm_up_plans(scenarios)
            problems = soak(server, warm_up)
            assert problems == [], "\n".join(problems)
            warm_pools(server)
            base = settle("baseline")
            note(f"baseline after {len(warm_up)} warm-up runs: {base.line()}")

            rng = random.Random(SEED)
            started = time.monotonic()
            snapshots: dict[str, Snapshot] = {}
            for label, first in (("midpoint", 0), ("end", RUNS // 2)):
                t = time.monotonic()
                problems = soak(server, make_plans(scenarios, first, RUNS // 2, rng))
                rate = RUNS // 2 / (time.monotonic() - t)
                assert problems == [], f"{len(problems)} runs went wrong:\n" + "\n".join(problems[:20])
                snapshots[label] = snap = settle(label)
                note(f"{label} after {first + RUNS // 2} runs ({rate:.1f} runs/s): {snap.line()}")
            wall = time.monotonic() - started
            note(f"{RUNS} runs in {wall:.1f} s: {RUNS / wall:.1f} runs/s, {AT_ONCE} at a time")
            record_property("runs_per_s", round(RUNS / wall, 1))
            record_property("wall_s", round(wall, 1))
            for label, snap in (("baseline", base), *snapshots.items()):
                record_property(label, snap.line())

            # Every check, then one failure that lists all that failed with the figures.
            failed = [
                f"at the {label}: {', '.join(leftovers(snap, base))}"
                for label, snap in snapshots.items()
                if leftovers(snap, base)
            ]
            mid, end = snapshots["midpoint"], snapshots["end"]
            if end.rss > base.rss + RSS_GROWTH_MB * 2**20:
                failed.append(f"memory grew more than {RSS_GROWTH_MB} MB from the baseline")
            if end.threads > mid.threads + THREADS_JITTER:
                failed.append(f"threads grew by more than {THREADS_JITTER} from 500 runs to 1,000")
            if end.rss > mid.rss + RSS_FLAT_MB * 2**20:
                failed.append(f"memory grew more than {RSS_FLAT_MB} MB from 500 runs to 1,000")
            left = shm_left_since(shm_before, SETTLE_S)
            if left:
                failed.append(f"/dev/shm entries outlived the runs: {sorted(left)}")
            assert failed == [], "\n".join(failed) + "\n" + "\n".join(figures)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# -- explorations: thousands of schedule runs ------------------------------------------------

SCHEDULE_RUNS = 2000  # at least this many runs of explorations between baseline and end
EXPLORERS = 2  # clients exploring at once, one exploration each at a time
RACE_PARAMS = {"times": 2, "use_lock": False}
LOCKED_PARAMS = {"times": 2, "use_lock": True}


@dataclass(frozen=True)
class Search:
    """One exploration of the soak: what it searches, and how it must end."""

    scenario: str
    params: dict[str, Any]
    expected: str  # "found", "exhausted" or "cancelled" (deleted once it has made 3 runs)


SEARCHES = [
    Search("value-race", LOCKED_PARAMS, "exhausted"),  # about 60 runs, every one to its end
    Search("value-race", RACE_PARAMS, "found"),
    Search("value-race", LOCKED_PARAMS, "cancelled"),
    Search("join-deadlock", {}, "found"),
]


def explore_one(client: httpx.Client, token: str, search: Search) -> tuple[int, str | None]:
    """Run one exploration to its end (or cancel it midway); its runs, and what went wrong."""
    body = {"scenario": search.scenario, "params": search.params, "max_runs": 1000}
    r = client.post("/api/explorations", json=body, headers={"X-Mpscope-Client": token})
    if r.status_code != 202:
        return 0, f"POST answered {r.status_code}: {r.text}"
    exploration_id = r.json()["id"]

    def now() -> dict[str, Any]:
        answer: dict[str, Any] = client.get(f"/api/explorations/{exploration_id}").json()
        return answer

    if search.expected == "cancelled":
        wait_for(lambda: now()["runs"] >= 3, RUN_DEADLINE_S, "3 runs of the exploration", 0.05)
        d = client.delete(f"/api/explorations/{exploration_id}")
        if d.status_code != 200 or d.json()["status"] != "cancelled":
            return 0, f"DELETE answered {d.status_code}: {d.text[:300]}"
    wait_for(lambda: now()["status"] not in ("queued", "running"), 120, "the exploration over", 0.1)
    done = now()
    if done["status"] != search.expected:
        return done["runs"], f"exploration {exploration_id} ended {done['status']}: {done}"
    if done["status"] == "found":
        run = client.get(f"/api/runs/{done['run']}").json()
        want = "deadlocked" if search.scenario == "join-deadlock" else "succeeded"
        if run["status"] != want or run["schedule"] != done["schedule"]:
            return done["runs"], f"its failing run {done['run']} is {run['status']}: {run}"
    return done["runs"], None


def explore_many(server: LiveServer, searches: list[Search]) -> tuple[int, list[str]]:
    """Each of EXPLORERS clients runs the searches one after another; runs made, problems."""
    lock = threading.Lock()
    problems: list[str] = []
    runs = [0]

    def explorer(i: int) -> None:
        with httpx.Client(base_url=server.url, timeout=RUN_DEADLINE_S) as client:
            for search in searches:
                try:
                    made, problem = explore_one(client, f"soak-explorer-{i}", search)
                except Exception as exc:
                    made, problem = 0, f"{type(exc).__name__}: {exc}"
                with lock:
                    runs[0] += made
                    if problem is not None:
                        problems.append(f"{search}: {problem}")

    workers = [threading.Thread(target=explorer, args=(i,), name=f"explore-{i}") for i in range(EXPLORERS)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return runs[0], problems


@pytest.mark.timeout(900)
def test_thousands_of_schedule_runs_leave_the_server_as_they_found_it(record_property: Any) -> None:
    """Explorations, each a search over many step-mode runs (cut short, cancelled with
    their exploration, or to their end), against a real uvicorn: after a warm-up, the
    server's files, threads, children, sockets and memory are measured, and after half of
    the schedule runs and after all of them they must be back where they were."""
    tmp = Path(tempfile.mkdtemp(prefix="soak-", dir="/tmp"))
    env = {
        "MPSCOPE_MAX_RUNS": str(AT_ONCE),
        "MPSCOPE_MAX_RUNS_PER_CLIENT": "2",  # a run being stepped and the one started ahead
        "MPSCOPE_MAX_RUNS_PER_ADDRESS": str(AT_ONCE),
        "TMPDIR": str(tmp),
    }
    figures: list[str] = []

    def note(text: str) -> None:
        figures.append(text)
        print(f"soak: {text}", flush=True)

    try:
        with live_server(env) as server:
            (runs_dir,) = tmp.glob("mpscope-*")
            shm_before = shm_entries()

            def settle(label: str) -> Snapshot:
                assert holds_within(lambda: quiet(server, runs_dir), SETTLE_S), (
                    f"{label}: runs not cleaned up within {SETTLE_S} s: {list(runs_dir.iterdir())}\n"
                    + "\n".join(figures)
                )
                if label != "baseline":
                    holds_within(lambda: not leftovers(measure(server.pid), base), SETTLE_S)
                return measure(server.pid)

            made, problems = explore_many(server, SEARCHES)
            assert problems == [], "\n".join(problems)
            warm_pools(server)
            base = settle("baseline")
            note(f"baseline after {made} warm-up schedule runs: {base.line()}")
            started = time.monotonic()
            snapshots: dict[str, Snapshot] = {}
            total = 0
            for label in ("midpoint", "end"):
                t = time.monotonic()
                half = 0
                while half < SCHEDULE_RUNS // 2:
                    made, problems = explore_many(server, SEARCHES)
                    assert problems == [], "\n".join(problems)
                    half += made
                total += half
                snapshots[label] = snap = settle(label)
                rate = half / (time.monotonic() - t)
                note(f"{label} after {total} schedule runs ({rate:.1f}/s): {snap.line()}")
            wall = time.monotonic() - started
            note(f"{total} schedule runs in {wall:.1f} s ({total / wall:.1f}/s, {EXPLORERS} explorers)")
            record_property("schedule_runs", total)
            record_property("schedule_runs_per_s", round(total / wall, 1))

            failed = [
                f"at the {label}: {', '.join(leftovers(snap, base))}"
                for label, snap in snapshots.items()
                if leftovers(snap, base)
            ]
            mid, end = snapshots["midpoint"], snapshots["end"]
            if end.rss > base.rss + RSS_GROWTH_MB * 2**20:
                failed.append(f"memory grew more than {RSS_GROWTH_MB} MB from the baseline")
            if end.threads > mid.threads + THREADS_JITTER:
                failed.append(f"threads grew by more than {THREADS_JITTER} from the midpoint to the end")
            if end.rss > mid.rss + RSS_FLAT_MB * 2**20:
                failed.append(f"memory grew more than {RSS_FLAT_MB} MB from the midpoint to the end")
            left = shm_left_since(shm_before, SETTLE_S)
            if left:
                failed.append(f"/dev/shm entries outlived the runs: {sorted(left)}")
            if get_active(server) != 0:
                failed.append("runs still active")
            assert failed == [], "\n".join(failed) + "\n" + "\n".join(figures)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def get_active(server: LiveServer) -> int:
    health: dict[str, Any] = httpx.get(server.url + "/healthz", timeout=10).json()
    return int(health["runs_active"])
