"""Figures measured with a RunService in this process (no HTTP): tracing overhead and the
event pipeline, and the server's share of the pipeline alone (``ingest``).
``python bench/inproc.py overhead|pipeline|ingest …`` prints its samples as JSON.

A traced loop's time runs from the program's own ``t0`` (printed before the first
put/send) to the moment the event of the consumer's ``t1`` line landed in the run's event
log: getting every event to the server is part of the cost of tracing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from common import setup_path

setup_path()

import msgspec  # noqa: E402
from scenarios import register, source  # noqa: E402

from app.runs.channel import EventChannel, _ProcessConnection  # noqa: E402
from app.runs.encoder import EventEncoder  # noqa: E402
from app.runs.eventlog import EventLog  # noqa: E402
from app.runs.limits import RunLimits  # noqa: E402
from app.runs.run import Run  # noqa: E402
from app.runs.sequencer import Sequencer  # noqa: E402
from app.runs.service import RunService  # noqa: E402
from app.scenarios import registry  # noqa: E402
from app.tracing.context import TraceContext  # noqa: E402
from app.tracing.emitter import Emitter  # noqa: E402
from app.tracing.gate import Gate  # noqa: E402

LOOPS = {"queue": "bench-queue-loop", "pipe": "bench-pipe-loop", "lock": "bench-lock-loop"}


def record_arrivals(run: Run) -> list[tuple[float, int]]:
    """(time, log length after) for every batch the log takes in: when events landed."""
    arrivals: list[tuple[float, int]] = []
    extend = run.log.extend

    def timed_extend(encoded: list[bytes]) -> None:
        extend(encoded)
        arrivals.append((time.monotonic(), len(run.log)))

    run.log.extend = timed_extend  # type: ignore[method-assign]
    return arrivals


def landed(arrivals: list[tuple[float, int]], seq: int) -> float:
    return next(t for t, length in arrivals if length > seq)


def stdout_events(run: Run) -> list[dict[str, Any]]:
    return [ev for ev in map(json.loads, run.log.read(0)) if ev["kind"] == "stdout"]


def raw_loop(sid: str, count: int, workdir: Path) -> float:
    """The same program run by plain ``python``: its own t1 - t0."""
    path = workdir / f"{sid}.py"
    path.write_text(source(sid, {"count": count}))
    out = subprocess.run([sys.executable, str(path)], capture_output=True, text=True, check=True, timeout=300)
    marks = dict(line.split() for line in out.stdout.splitlines())
    return float(marks["t1"]) - float(marks["t0"])


async def traced_loop(manager: RunService, sid: str, count: int) -> tuple[float, float]:
    """(t0 → t1 event in the log, t0 → t1 as the program saw it)."""
    run = manager.create(sid, {"count": count})
    arrivals = record_arrivals(run)
    await run.done.wait()
    if run.status != "succeeded":
        raise RuntimeError(f"{sid} {run.status}: {run.error}")
    marks = {}
    for ev in stdout_events(run):
        name, _, value = ev["text"].partition(" ")
        marks[name] = (float(value), ev["seq"])
    t0, t1, t1_seq = marks["t0"][0], marks["t1"][0], marks["t1"][1]
    return landed(arrivals, t1_seq) - t0, t1 - t0


async def overhead(count: int, repeats: int) -> dict[str, Any]:
    manager = RunService(RunLimits(timeout_s=600))
    await manager.start()
    out: dict[str, Any] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="mpscope-bench-") as tmp:
            for name, sid in LOOPS.items():
                raw, traced, program, ratios = [], [], [], []
                # Raw and traced alternate, so that a noisy moment hits both alike.
                for _ in range(repeats):
                    r = raw_loop(sid, count, Path(tmp))
                    t, seen = await traced_loop(manager, sid, count)
                    raw.append(r)
                    traced.append(t)
                    program.append(seen)
                    ratios.append(t / r)
                out[name] = {"raw_s": raw, "traced_s": traced, "traced_program_s": program, "ratio": ratios}
    finally:
        await manager.close()
    return out


async def pipeline(count: int, workers: int, repeats: int) -> dict[str, Any]:
    """Events per second from the flood program's processes into the run's event log."""
    manager = RunService(RunLimits(timeout_s=600))
    await manager.start()
    rates, events, busy = [], [], []
    try:
        for _ in range(repeats):
            cpu, wall = time.process_time(), time.monotonic()
            run = manager.create("bench-flood", {"count": count, "workers": workers})
            arrivals = record_arrivals(run)
            await run.done.wait()
            # How busy the server side (this process) was: near 1.0 means it is the limit.
            busy.append((time.process_time() - cpu) / (time.monotonic() - wall))
            lines = [ev for ev in stdout_events(run) if ev["text"].startswith("t0")]
            t0 = float(lines[0]["text"].split()[1])
            # From the program's t0 to the last worker line landing in the log.
            last = max(ev["seq"] for ev in stdout_events(run))
            n = count * workers
            rates.append(n / (landed(arrivals, last) - t0))
            events.append(len(run.log))
    finally:
        await manager.close()
    return {"events_per_s": rates, "events_per_run": events, "server_cpu_share": busy}


def queue_loop_frames(count: int) -> list[tuple[int, bytes]]:
    """The frames a traced queue loop of ``count`` items sends: the producer's puts and the
    consumer's gets, 512 events a frame, in the order they would arrive."""
    encode = msgspec.msgpack.Encoder().encode
    producer, consumer = 1111, 2222
    puts = [
        (
            "queue.put",
            0.001 + i * 2e-6,
            "q",
            21,
            {"value": i, "msg": f"{producer}.{i}"},
            f"{producer}.{i}",
            None,
        )
        for i in range(count)
    ]
    gets = [
        (
            "queue.get",
            0.0015 + i * 2e-6,
            "q",
            8,
            {"value": i, "msg": f"{producer}.{i}"},
            None,
            f"{producer}.{i}",
        )
        for i in range(count)
    ]
    frames = []
    for k in range(0, count, 512):
        for stream, pid, proc, events in ((1, producer, "main", puts), (2, consumer, "consumer", gets)):
            body = encode((pid, proc, events[k : k + 512]))
            frames.append((stream, len(body).to_bytes(4, "big") + body))
    return frames


async def ingest(count: int, repeats: int) -> dict[str, Any]:
    """The server's side alone, on one core: frames in, through the channel's decoder, the
    sequencer and the encoder, to JSON bytes in the event log; CPU time per event."""
    frames = queue_loop_frames(count)
    rates = []
    for _ in range(repeats):
        log = EventLog()
        sequencer = Sequencer(EventEncoder(log, {}, 0.0).release)
        channel = EventChannel("unused", sequencer)
        streams = {1: _ProcessConnection(channel, 1), 2: _ProcessConnection(channel, 2)}
        cpu = time.process_time()
        for stream, frame in frames:
            streams[stream].data_received(frame)
        sequencer.finish()
        rates.append(len(log) / (time.process_time() - cpu))
    return {"events_per_cpu_s": rates}


def gate_calls(count: int, repeats: int) -> dict[str, Any]:
    """What the gate costs a traced operation in free mode, per operation, in ns: the
    emitter's before() (new with the gate) and after() (which replaced the pacing check
    every operation made before), an empty loop's own cost taken off; beside them, emit()
    of the operation's event (batched, never sent: nothing listens) for scale."""
    ctx = TraceContext(socket_path="/nonexistent/mpscope-bench.sock", t0=time.monotonic(), program_path="")
    em = Emitter(ctx, "main", "main", Gate())
    em._broken = True  # frames are dropped, not sent: only the calls are measured
    before, after, emit = em.before, em.after, em.emit
    out: dict[str, list[float]] = {"before_ns": [], "after_ns": [], "emit_ns": []}

    def per_call(body: Any) -> float:
        start = time.perf_counter_ns()
        body()
        return (time.perf_counter_ns() - start) / count

    def empty() -> None:
        for _ in range(count):
            pass

    def befores() -> None:
        for _ in range(count):
            before("queue.put", "q", 7)

    def afters() -> None:
        for _ in range(count):
            after()

    def emits() -> None:
        for _ in range(count):
            emit("queue.put", "q", 7, None, None, None)

    for _ in range(repeats):
        loop = per_call(empty)
        out["before_ns"].append(per_call(befores) - loop)
        out["after_ns"].append(per_call(afters) - loop)
        out["emit_ns"].append(per_call(emits) - loop)
    return out


async def held_steps(count: int, repeats: int) -> dict[str, Any]:
    """A held run (gate="hold") of the queue loop, driven to its end one release at a time
    as fast as the server can: microseconds per release, from release to the next hold."""
    manager = RunService(RunLimits(timeout_s=600))
    await manager.start()
    per_step = []
    try:
        scenario = registry.get(LOOPS["queue"])
        for _ in range(repeats):
            run = manager.start_program(
                scenario.make_program(scenario.validate({"count": count})), gate="hold"
            )
            supervisor = manager.supervisor(run.id)
            assert supervisor is not None
            steps, start = 0, time.monotonic()
            while held := await supervisor.wait_held():
                supervisor.release(min(held))
                steps += 1
            per_step.append((time.monotonic() - start) / steps * 1e6)
            await run.done.wait()
            if run.status != "succeeded":
                raise RuntimeError(f"held run {run.status}: {run.error}")
    finally:
        await manager.close()
    return {"us_per_release": per_step}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("figure", choices=["overhead", "pipeline", "ingest", "gate", "held"])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    register()
    if args.figure == "overhead":
        result = asyncio.run(overhead(args.count, args.repeats))
    elif args.figure == "ingest":
        result = asyncio.run(ingest(args.count, args.repeats))
    elif args.figure == "gate":
        result = gate_calls(args.count, args.repeats)
    elif args.figure == "held":
        result = asyncio.run(held_steps(args.count, args.repeats))
    else:
        result = asyncio.run(pipeline(args.count, args.workers, args.repeats))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
