"""mpscope's benchmarks: ``python bench/run.py [--quick] [--json]``. See bench/README.md.

Each figure is the median of several runs; the untraced baseline of the overhead figure
is measured in the same run, alternating with the traced one. The HTTP figures run
against ``bench/server.py`` (the app, plus the bench programs) in a subprocess on a free
loopback port, with clients in their own processes.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from common import ROOT, machine, median, percentile, rss_mb, run_json, setup_path

setup_path()

from wire import Conn, stream_request  # noqa: E402

SIZES = {
    # messages per loop, loop repeats, flood events per worker, pipeline repeats,
    # events of the fan-out run, fan-out repeats, idle streams, runs started, live seconds
    # per run and live runs
    "full": {
        "loop": 100_000,
        "loop_repeats": 5,
        "flood": 100_000,
        "flood_repeats": 5,
        "fanout_events": 50_000,
        "fanout_repeats": 5,
        "idle": 500,
        "starts": 50,
        "live_s": 5.0,
        "live_repeats": 3,
        "gate_calls": 1_000_000,
        "held": 1000,
    },
    "quick": {
        "loop": 20_000,
        "loop_repeats": 3,
        "flood": 20_000,
        "flood_repeats": 3,
        "fanout_events": 10_000,
        "fanout_repeats": 3,
        "idle": 500,
        "starts": 20,
        "live_s": 1.0,
        "live_repeats": 2,
        "gate_calls": 200_000,
        "held": 200,
    },
}
CLIENT_PROCS = 2  # client processes sharing the readers of one figure


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, http: str, loop: str, workdir: Path) -> None:
        self.port = free_port()
        self.log = (workdir / "server.log").open("wb")
        env = {**os.environ, "MPSCOPE_DATA_DIR": str(workdir / "data")}
        self.proc = subprocess.Popen(
            [sys.executable, "bench/server.py", "--port", str(self.port), "--http", http, "--loop", loop],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = Conn(self.port)
                status, _ = conn.request("GET", "/healthz")
                conn.close()
                if status == 200:
                    break
            except OSError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the bench server did not start: {self.log_text()}")
            time.sleep(0.05)

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """One request on a connection of its own: the server closes idle kept-alive ones."""
        conn = Conn(self.port)
        try:
            return conn.request(method, path, body)
        finally:
            conn.close()

    def log_text(self) -> str:
        self.log.flush()
        return Path(self.log.name).read_text(errors="replace")[-4000:]

    def start_run(self, scenario: str, params: dict[str, Any] | None = None) -> str:
        status, body = self.request("POST", "/api/runs", {"scenario": scenario, "params": params or {}})
        if status != 201:
            raise RuntimeError(f"POST /api/runs: {status} {body}")
        return str(body["id"])

    def wait_finished(self, run_id: str, within_s: float = 120) -> dict[str, Any]:
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            _, run = self.request("GET", f"/api/runs/{run_id}")
            if run["status"] not in ("queued", "running"):
                return dict(run)
            time.sleep(0.05)
        raise RuntimeError(f"run {run_id} did not finish in {within_s} s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@contextmanager
def serving(http: str, loop: str, workdir: Path) -> Iterator[Server]:
    server = Server(http, loop, workdir)
    try:
        yield server
    finally:
        server.stop()


def clients(figure: str, server: Server, run_id: str, count: int, procs: int, **extra: Any) -> list[Any]:
    """Start ``procs`` client processes sharing ``count`` readers; their JSON results."""
    args = [f"--{k.replace('_', '-')}={v}" for k, v in extra.items()]
    spread = [count // procs + (1 if i < count % procs else 0) for i in range(procs)]
    running = [
        subprocess.Popen(
            [
                sys.executable,
                "bench/clients.py",
                figure,
                "--port",
                str(server.port),
                f"--run={run_id}",
                "--clients",
                str(n),
                *args,
            ],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )
        for n in spread
        if n
    ]
    out = []
    for proc in running:
        stdout, _ = proc.communicate(timeout=300)
        if proc.returncode != 0:
            raise RuntimeError(f"a {figure} client failed ({proc.returncode})")
        out.append(json.loads(stdout.strip().splitlines()[-1]))
    return out


# -- figures --------------------------------------------------------------------------


def fig_overhead(size: dict[str, Any]) -> dict[str, Any]:
    out = run_json(
        ["bench/inproc.py", "overhead", "--count", str(size["loop"]), "--repeats", str(size["loop_repeats"])],
        timeout=1800,
    )
    return {
        "overhead_queue_ratio": median(out["queue"]["ratio"]),
        "overhead_pipe_ratio": median(out["pipe"]["ratio"]),
        "overhead_lock_ratio": median(out["lock"]["ratio"]),
        "samples": {"overhead": out},
    }


def fig_gate(size: dict[str, Any]) -> dict[str, Any]:
    repeats = str(size["loop_repeats"])
    gate = ["bench/inproc.py", "gate", "--count", str(size["gate_calls"]), "--repeats", repeats]
    calls = run_json(gate, timeout=600)
    held = run_json(
        ["bench/inproc.py", "held", "--count", str(size["held"]), "--repeats", repeats], timeout=600
    )
    return {
        "gate_before_ns": median(calls["before_ns"]),
        "gate_after_ns": median(calls["after_ns"]),
        "emit_ns": median(calls["emit_ns"]),
        "held_us_per_release": median(held["us_per_release"]),
        "samples": {"gate": calls, "held": held},
    }


def fig_pipeline(size: dict[str, Any]) -> dict[str, Any]:
    out = run_json(
        [
            "bench/inproc.py",
            "pipeline",
            "--count",
            str(size["flood"]),
            "--repeats",
            str(size["flood_repeats"]),
        ],
        timeout=1800,
    )
    ingest = run_json(
        ["bench/inproc.py", "ingest", "--count", str(size["flood"]), "--repeats", str(size["flood_repeats"])],
        timeout=600,
    )
    return {
        "pipeline_events_per_s": median(out["events_per_s"]),
        "ingest_events_per_cpu_s": median(ingest["events_per_cpu_s"]),
        "samples": {"pipeline": out, "ingest": ingest},
    }


def fig_one_client(server: Server, size: dict[str, Any]) -> dict[str, Any]:
    """Events per second from the flood's processes to one live SSE reader."""
    rates = []
    for _ in range(size["flood_repeats"]):
        begun = time.monotonic()
        run_id = server.start_run("bench-flood", {"count": size["flood"]})
        (res,) = clients("fanout", server, run_id, 1, 1)
        end = res["clients"][0]
        rates.append((end["last_id"] + 1) / (end["end"] - begun))
        server.wait_finished(run_id)
    return {"sse_one_client_events_per_s": median(rates), "samples": {"sse_one_client_events_per_s": rates}}


def fig_fanout(server: Server, size: dict[str, Any]) -> dict[str, Any]:
    """Aggregate events per second to 50 and 200 readers of one finished run."""
    per_worker = size["fanout_events"] // 2
    run_id = server.start_run("bench-flood", {"count": per_worker, "workers": 2})
    events = int(server.wait_finished(run_id)["events"])
    out: dict[str, Any] = {"samples": {"fanout_run_events": events}}
    for readers in (50, 200):
        rates = []
        for _ in range(size["fanout_repeats"]):
            start_at = time.monotonic() + 0.5  # every client process is up by then
            results = clients("fanout", server, run_id, readers, CLIENT_PROCS, start_at=start_at)
            ends = [c for r in results for c in r["clients"]]
            if any(c["last_id"] != events - 1 for c in ends):
                raise RuntimeError("a fan-out reader did not get every event")
            begun = min(r["started"] for r in results)
            rates.append(readers * events / (max(c["end"] for c in ends) - begun))
        out[f"fanout_{readers}_events_per_s"] = median(rates)
        out["samples"][f"fanout_{readers}_events_per_s"] = rates
    return out


def fig_idle(server: Server, size: dict[str, Any]) -> dict[str, Any]:
    """Server RSS with ``idle`` open streams of a run that emits nothing."""
    before = rss_mb(server.proc.pid)
    run_id = server.start_run("bench-idle", {"seconds": 120})
    socks = []
    try:
        for _ in range(size["idle"]):
            sock = socket.create_connection(("127.0.0.1", server.port))
            sock.sendall(stream_request(f"/api/runs/{run_id}/events"))
            socks.append(sock)
        for sock in socks:  # each stream is open once its first message has come
            sock.settimeout(30)
            got = b""
            while b"data: " not in got:
                got += sock.recv(1 << 16)
        time.sleep(1.0)
        _, health = server.request("GET", "/healthz")
        after = rss_mb(server.proc.pid)
    finally:
        server.request("DELETE", f"/api/runs/{run_id}")
        for sock in socks:
            sock.close()
    return {
        "idle_500_rss_mb": after,
        "samples": {
            "idle_rss_mb_before": before,
            "idle_rss_mb": after,
            "idle_streams_open": health["streams_open"],
        },
    }


def fig_start(server: Server, size: dict[str, Any]) -> dict[str, Any]:
    """POST /api/runs → its run.start event at a client on the same kept-alive connection."""
    conn = Conn(server.port)
    latencies = []
    for _ in range(size["starts"]):
        begun = time.monotonic()
        status, run = conn.request("POST", "/api/runs", {"scenario": "queue"})
        if status != 201:
            raise RuntimeError(f"POST /api/runs: {status} {run}")
        conn.send("GET", f"/api/runs/{run['id']}/events")
        _, headers = conn.head()
        seen = None
        for chunk in conn.chunks(headers):  # read on to the end, so the connection is reusable
            if seen is None and b'"kind":"run.start"' in chunk:
                seen = time.monotonic()
        if seen is None:
            raise RuntimeError("no run.start in the stream")
        latencies.append((seen - begun) * 1000)
    conn.close()
    return {
        "start_latency_ms_p50": percentile(latencies, 50),
        "start_latency_ms_p99": percentile(latencies, 99),
        "samples": {"start_latency_ms": latencies},
    }


def fig_live(server: Server, size: dict[str, Any]) -> dict[str, Any]:
    """Tick printed in a process → received by each client, at 1,000 events a second.
    Percentiles are over every (tick, client) pair of one run; the figure is their median
    over ``live_repeats`` runs."""
    out: dict[str, Any] = {"samples": {}}
    for readers in (1, 50):
        runs = []
        for _ in range(size["live_repeats"]):
            params = {"rate": 1000, "seconds": size["live_s"], "warmup": 1.0}
            run_id = server.start_run("bench-ticker", params)
            results = clients("live", server, run_id, readers, min(readers, CLIENT_PROCS))
            latencies = [x for r in results for x in r["latency_ms"]]
            server.wait_finished(run_id)
            runs.append(
                {
                    "count": len(latencies),
                    "p50": percentile(latencies, 50),
                    "p90": percentile(latencies, 90),
                    "p99": percentile(latencies, 99),
                    "max": max(latencies),
                }
            )
        name = "" if readers == 50 else f"_{readers}_client"
        out[f"live_latency{name}_ms_p50"] = median([r["p50"] for r in runs])
        out[f"live_latency{name}_ms_p99"] = median([r["p99"] for r in runs])
        out["samples"][f"live_latency_{readers}_clients_ms"] = runs
    return out


# -- the run --------------------------------------------------------------------------


def children() -> list[int]:
    me = str(os.getpid())
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if stat[stat.rfind(")") + 2 :].split()[1] == me:
                found.append(int(entry.name))
    return found


def shm() -> set[str]:
    return set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()


def _parents() -> dict[int, int]:
    out = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            out[int(entry.name)] = int(stat[stat.rfind(")") + 2 :].split()[1])
    return out


def _held_elsewhere(names: set[str]) -> set[str]:
    """Those of ``names`` mapped or open in a process outside this benchmark's tree: another
    program's (a test suite running beside it), not a leftover of ours."""
    parents = _parents()
    ours = {os.getpid()}
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in ours and pid not in ours:
                ours.add(pid)
                grew = True
    paths = {f"/dev/shm/{name}": name for name in names}
    held: set[str] = set()
    for pid in set(parents) - ours:
        try:
            with open(f"/proc/{pid}/maps") as maps:
                mapped = {line.rstrip("\n").split(" ", 5)[-1].strip() for line in maps}
            held |= {paths[path] for path in mapped & paths.keys()}
            for fd in os.listdir(f"/proc/{pid}/fd"):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target in paths:
                    held.add(paths[target])
        except OSError:  # gone, or not ours to read
            continue
    return held


def shm_left(before: set[str], within_s: float = 10.0) -> list[str]:
    """Entries made since ``before`` that outlived the benchmark's runs: not held by another
    program, and still there after ``within_s`` (clean-up after a run is asynchronous)."""
    deadline = time.monotonic() + within_s
    while True:
        new = shm() - before
        left = new - _held_elsewhere(new) if new else new
        if not left or time.monotonic() > deadline:
            return sorted(left)
        time.sleep(0.1)


def measure(quick: bool, http: str, loop: str, only: set[str] | None) -> dict[str, Any]:
    size = SIZES["quick" if quick else "full"]
    result: dict[str, Any] = {
        "machine": machine(),
        "mode": "quick" if quick else "full",
        "server": {"http": http, "loop": loop},
    }
    samples: dict[str, Any] = {}
    shm_before = shm()

    def add(part: dict[str, Any]) -> None:
        samples.update(part.pop("samples", {}))
        result.update(part)

    def wanted(name: str) -> bool:
        return only is None or name in only

    if wanted("overhead"):
        add(fig_overhead(size))
    if wanted("pipeline"):
        add(fig_pipeline(size))
    if wanted("gate"):
        add(fig_gate(size))
    with (
        tempfile.TemporaryDirectory(prefix="mpscope-bench-") as tmp,
        serving(http, loop, Path(tmp)) as server,
    ):
        # Idle streams first, on a fresh server: RSS keeps the high-water mark of the
        # fan-out's buffers, which is not what 500 idle streams cost.
        for name, fig in (
            ("idle", fig_idle),
            ("start", fig_start),
            ("live", fig_live),
            ("sse", fig_one_client),
            ("fanout", fig_fanout),
        ):
            if wanted(name):
                add(fig(server, size))
    result["samples"] = samples
    result["leftovers"] = {"processes": children(), "shm": shm_left(shm_before)}
    return result


TABLE = [
    ("overhead_queue_ratio", "traced/raw time, Queue loop", "≤ 1.3x", "{:.2f}x"),
    ("overhead_pipe_ratio", "traced/raw time, Pipe loop", "≤ 1.3x", "{:.2f}x"),
    ("overhead_lock_ratio", "traced/raw time, Lock + Value loop", "—", "{:.2f}x"),
    ("pipeline_events_per_s", "events/s, processes → event log", "≥ 500,000", "{:,.0f}"),
    ("gate_before_ns", "gate, free mode: before() per operation", "", "{:.0f} ns"),
    ("gate_after_ns", "gate, free mode: after() per operation", "", "{:.0f} ns"),
    ("emit_ns", "emit() per event, for scale", "", "{:.0f} ns"),
    ("held_us_per_release", "held run: one release to the next hold", "", "{:.0f} µs"),
    ("ingest_events_per_cpu_s", "events per server CPU-second, frames → event log", "", "{:,.0f}"),
    ("sse_one_client_events_per_s", "events/s, processes → 1 SSE client", "", "{:,.0f}"),
    ("fanout_50_events_per_s", "events/s aggregate, 50 SSE clients", "", "{:,.0f}"),
    ("fanout_200_events_per_s", "events/s aggregate, 200 SSE clients", "≥ 2,000,000", "{:,.0f}"),
    ("idle_500_rss_mb", "server RSS, 500 idle streams", "≤ 150 MB", "{:.0f} MB"),
    ("start_latency_ms_p50", "start latency p50", "≤ 25 ms", "{:.1f} ms"),
    ("start_latency_ms_p99", "start latency p99", "≤ 60 ms", "{:.1f} ms"),
    ("live_latency_1_client_ms_p50", "live latency p50, 1 client", "", "{:.1f} ms"),
    ("live_latency_1_client_ms_p99", "live latency p99, 1 client", "", "{:.1f} ms"),
    ("live_latency_ms_p50", "live latency p50, 50 clients", "", "{:.1f} ms"),
    ("live_latency_ms_p99", "live latency p99, 50 clients", "≤ 20 ms", "{:.1f} ms"),
]


def table(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        f"{m['cpu']}, {m['cores']} cores, Python {m['python']} ({result['mode']} run, "
        f"uvicorn http={result['server']['http']} loop={result['server']['loop']})",
        "",
        "| figure | result | target |",
        "|---|---|---|",
    ]
    for key, label, target, fmt in TABLE:
        if key in result:
            lines.append(f"| {label} | {fmt.format(result[key])} | {target} |")
    left = result["leftovers"]
    if left["processes"] or left["shm"]:
        lines.append(f"\nLEFT BEHIND: {left}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description="mpscope benchmarks (see bench/README.md)")
    parser.add_argument(
        "--quick", action="store_true", help="small sizes: the whole run takes under a minute"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument(
        "--http", default="auto", choices=["auto", "h11", "httptools"], help="uvicorn's HTTP parser"
    )
    parser.add_argument(
        "--loop", default="auto", choices=["auto", "asyncio", "uvloop"], help="uvicorn's event loop"
    )
    parser.add_argument(
        "--only",
        help="comma-separated figures: overhead,pipeline,gate,sse,fanout,idle,start,live (default: all)",
    )
    args = parser.parse_args()
    only = set(args.only.split(",")) if args.only else None
    result = measure(args.quick, args.http, args.loop, only)
    print(json.dumps(result) if args.json else table(result))
    return 1 if result["leftovers"]["processes"] or result["leftovers"]["shm"] else 0


if __name__ == "__main__":
    sys.exit(main())
