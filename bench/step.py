"""Step mode and the explorer (issue 14): schedules explored per second, and a step's round trip.

```sh
python bench/step.py            # 3 repeats of each (about two minutes)
python bench/step.py --quick    # one repeat, fewer steps
python bench/step.py --json     # one JSON object: figures, machine, every sample
```

- ``explore``: the explorer (app/explore) exhausting value-race with the lock (2 increments
  each: every schedule of at most 2 preemptions tried, or one equivalent to it), through a
  RunService in this process: runs, seconds, runs per second. Three ways, alternating:
  ``fresh`` (each run started when it is needed, every cut run waited for: nothing reused
  between runs), ``spare`` (what the server does: the next run started ahead, held at its
  first operation, and cut runs ended in the background) and ``two`` (two runs stepped at
  once, as well as the spare). Then the lost update (no lock): runs and seconds to find it.
- ``step``: a real uvicorn (bench/server.py), a step run of value-race, one kept-alive
  connection stepping it with ``POST /api/runs/{id}/step`` and an SSE stream open on
  another: from sending the POST to the released operation's event arriving on the stream,
  and to the POST's answer, p50/p99. ``GET /api/runs/{id}`` on the same connection is the
  floor (an HTTP round trip that waits for nothing).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from common import machine, median, percentile, setup_path

setup_path()

from run import Server  # noqa: E402
from wire import Conn, stream_request  # noqa: E402

from app.explore.explorer import Explorer, Progress  # noqa: E402
from app.runs.limits import RunLimits  # noqa: E402
from app.runs.service import RunService  # noqa: E402
from app.scenarios import registry  # noqa: E402

WAYS = {"fresh": {"spare": False}, "spare": {"spare": True}, "two": {"spare": True, "parallel": 2}}
LOCKED = {"times": 2, "use_lock": True}
RACE = {"times": 2, "use_lock": False}


async def explore(repeats: int) -> dict[str, Any]:
    service = RunService(RunLimits(timeout_s=60))
    await service.start()
    scenario = registry.get("value-race")
    samples: dict[str, list[dict[str, float]]] = {way: [] for way in [*WAYS, "find"]}
    try:
        for _ in range(repeats):
            for way, options in [*WAYS.items(), ("find", {"spare": True})]:
                params = scenario.validate(RACE if way == "find" else LOCKED)
                explorer = Explorer(service, scenario.make_program(params), params, scenario.check, **options)
                started = time.monotonic()
                progress = await explorer.explore(1000, Progress())
                seconds = time.monotonic() - started
                if not (progress.found is not None if way == "find" else progress.complete):
                    raise RuntimeError(f"{way}: {progress}")
                sample = {"runs": progress.runs, "seconds": seconds, "per_s": progress.runs / seconds}
                samples[way].append(sample)
    finally:
        await service.close()
    figures: dict[str, Any] = {}
    for way, runs in samples.items():
        figures[way] = {key: median([r[key] for r in runs]) for key in ("runs", "seconds", "per_s")}
    figures["spare_over_fresh"] = figures["spare"]["per_s"] / figures["fresh"]["per_s"]
    return {"figures": figures, "samples": samples}


class Stream(threading.Thread):
    """An SSE reader that notes when each event arrived (by seq)."""

    def __init__(self, port: int, run_id: str) -> None:
        super().__init__(daemon=True)
        self.conn = Conn(port)
        self.path = f"/api/runs/{run_id}/events"
        self.arrived: dict[int, tuple[float, dict[str, Any]]] = {}
        self.changed = threading.Condition()

    def run(self) -> None:
        self.conn.sock.sendall(stream_request(self.path))
        _, headers = self.conn.head()
        pending = b""
        for chunk in self.conn.chunks(headers):
            now = time.perf_counter()
            pending += chunk
            *messages, pending = pending.split(b"\n\n")
            with self.changed:
                for message in messages:
                    for line in message.split(b"\n"):
                        if line.startswith(b"data:"):
                            for event in json.loads(line[5:]):
                                self.arrived[event["seq"]] = (now, event)
                self.changed.notify_all()

    def first_of(self, proc: str, after: int, within_s: float = 10) -> float:
        """When the first event of ``proc`` with seq >= ``after`` arrived."""
        deadline = time.monotonic() + within_s
        with self.changed:
            while True:
                hits = [t for seq, (t, e) in self.arrived.items() if seq >= after and e["proc"] == proc]
                if hits:
                    return min(hits)
                if not self.changed.wait(max(0.0, deadline - time.monotonic())):
                    raise RuntimeError(f"no event of {proc} after {after}")


def step(steps: int) -> dict[str, Any]:
    os.environ.setdefault("MPSCOPE_STEPS_PER_MINUTE", "100000")
    with tempfile.TemporaryDirectory(prefix="bench-step-") as tmp:
        server = Server("auto", "auto", Path(tmp))
        try:
            conn = Conn(server.port)
            body = {"scenario": "value-race", "params": {"times": steps, "use_lock": False}, "mode": "step"}
            status, run = conn.request("POST", "/api/runs", body)
            if status != 201:
                raise RuntimeError(f"POST /api/runs: {status} {run}")
            stream = Stream(server.port, run["id"])
            stream.start()
            _, run = conn.request("GET", f"/api/runs/{run['id']}/step")
            to_event, to_answer, floor = [], [], []
            while run["status"] == "running" and run["ready"]:
                proc = run["ready"][0]["proc"]
                seen = run["events"]
                sent = time.perf_counter()
                status, run = conn.request("POST", f"/api/runs/{run['id']}/step", {"proc": proc})
                answered = time.perf_counter()
                if status != 200:
                    raise RuntimeError(f"step: {status} {run}")
                to_event.append((stream.first_of(proc, seen) - sent) * 1000)
                to_answer.append((answered - sent) * 1000)
                sent = time.perf_counter()
                conn.request("GET", f"/api/runs/{run['id']}")
                floor.append((time.perf_counter() - sent) * 1000)
            conn.close()
        finally:
            server.stop()
    return {
        "figures": {
            "steps": len(to_event),
            "event_ms_p50": percentile(to_event, 50),
            "event_ms_p99": percentile(to_event, 99),
            "answer_ms_p50": percentile(to_answer, 50),
            "answer_ms_p99": percentile(to_answer, 99),
            "get_ms_p50": percentile(floor, 50),
            "get_ms_p99": percentile(floor, 99),
        },
        "samples": {"event_ms": to_event, "answer_ms": to_answer, "get_ms": floor},
    }


def table(result: dict[str, Any]) -> str:
    e, s = result["explore"]["figures"], result["step"]["figures"]
    rows = [
        ("explore value-race with the lock, fresh runs", e["fresh"]),
        ("… a spare run started ahead (the server's way)", e["spare"]),
        ("… and two runs stepped at once", e["two"]),
        ("find the lost update (no lock)", e["find"]),
    ]
    out = ["| figure | runs | seconds | runs/s |", "|---|---|---|---|"]
    out += [f"| {name} | {f['runs']:.0f} | {f['seconds']:.2f} | {f['per_s']:.1f} |" for name, f in rows]
    out += [
        "",
        "| step round trip (ms) | p50 | p99 |",
        "|---|---|---|",
        f"| POST /step → its event on the stream | {s['event_ms_p50']:.2f} | {s['event_ms_p99']:.2f} |",
        f"| POST /step → its answer | {s['answer_ms_p50']:.2f} | {s['answer_ms_p99']:.2f} |",
        f"| GET /api/runs/{{id}} (the floor) | {s['get_ms_p50']:.2f} | {s['get_ms_p99']:.2f} |",
        "",
        f"spare/fresh runs per second: {e['spare_over_fresh']:.2f} times; {s['steps']} steps measured",
    ]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--repeats", type=int, default=None)
    args = parser.parse_args()
    repeats = args.repeats or (1 if args.quick else 3)
    result = {
        "machine": {**machine(), "load_before": os.getloadavg()},
        "explore": asyncio.run(explore(repeats)),
        "step": step(20 if args.quick else 150),
    }
    result["machine"]["load_after"] = os.getloadavg()
    print(json.dumps(result) if args.json else table(result))


if __name__ == "__main__":
    main()
