"""``python -m app trace`` beside untraced Python and VizTracer, in one run on this machine.

``python bench/trace.py [--quick] [--json] [--repeats N] [--only queue,pipe,pool]``

Each program runs three ways, interleaved (the order turns every repetition):
``python PROG``, ``python -m app trace --no-serve --quiet --save X.ndjson PROG`` and
``python -m viztracer -o X.json PROG``. For each run: the program's own loop time (its
``t0``/``t1`` lines), the wall time of the whole command (start to exit, writing the trace
included), the CPU time of the command's whole process tree, and the events the trace
holds. Ratios are taken against the untraced run of the same repetition. See
bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.metadata
import importlib.util
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from common import BENCH, ROOT, machine, median, setup_path

setup_path()

import msgspec  # noqa: E402

WAYS = ("untraced", "mpscope", "viztracer")
PROGRAMS = {
    "queue": BENCH / "programs" / "queue_loop.py",
    "pipe": BENCH / "programs" / "pipe_loop.py",
    "pool": ROOT / "tests" / "trace" / "cpython_docs" / "mp_pool.py",
}
# The loops' scenario ids, through which a quick run renders them with fewer messages.
LOOPS = {"queue": "bench-queue-loop", "pipe": "bench-pipe-loop"}
FULL_COUNT = 100_000  # the loops' own count
SIZES = {"full": {"count": FULL_COUNT, "repeats": 5}, "quick": {"count": 2_000, "repeats": 1}}
COMMAND_TIMEOUT_S = 900.0
MPSCOPE_OPTIONS = ("--no-serve", "--quiet")  # records only: no dashboard, no lines of its own
MARK = "MPSCOPE_BENCH_TRACE"  # in every started process's environment, to find survivors


class VizTrace(msgspec.Struct):
    # Entries left undecoded: counting them needs no Python object per event.
    traceEvents: list[msgspec.Raw]  # VizTracer's key


def versions() -> dict[str, str]:
    found = {"mpscope": importlib.metadata.version("mpscope"), "viztracer": "not installed"}
    if importlib.util.find_spec("viztracer") is not None:
        found["viztracer"] = importlib.metadata.version("viztracer")
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    found["commit"] = head.stdout.strip() or "unknown"
    return found


def program_file(name: str, count: int, workdir: Path) -> Path:
    """The program as the bench runs it: the file itself, or a loop rendered with ``count``."""
    if name not in LOOPS or count == FULL_COUNT:
        return PROGRAMS[name]
    from scenarios import register, source

    register()
    path = workdir / PROGRAMS[name].name
    path.write_text(source(LOOPS[name], {"count": count}))
    return path


def command(way: str, program: Path, out: Path) -> list[str]:
    if way == "mpscope":
        return [sys.executable, "-m", "app", "trace", *MPSCOPE_OPTIONS, "--save", str(out), str(program)]
    if way == "viztracer":
        return [sys.executable, "-m", "viztracer", "-o", str(out), str(program)]
    return [sys.executable, str(program)]


def survivors(token: str) -> list[int]:
    """Processes whose environment carries this command's mark: its tree, wherever reparented."""
    needle = f"{MARK}={token}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if needle in (entry / "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                continue  # gone meanwhile, or not ours to read
    return found


def end_survivors(token: str) -> list[int]:
    """Wait a moment for the command's tree to finish exiting; end and name what does not."""
    deadline = time.monotonic() + 3.0
    while (left := survivors(token)) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return left


def count_events(way: str, out: Path) -> int | None:
    if way == "mpscope":
        with out.open("rb") as f:
            return sum(1 for _ in f)
    if way == "viztracer":
        return len(msgspec.json.decode(out.read_bytes(), type=VizTrace).traceEvents)
    return None


def loop_marks(stdout: str) -> tuple[float, float] | None:
    """The program's own ``t0`` and ``t1`` (``time.monotonic()``, the bench's clock too)."""
    marks = {}
    for line in stdout.splitlines():
        word, _, value = line.partition(" ")
        if word in ("t0", "t1"):
            marks[word] = float(value)
    return (marks["t0"], marks["t1"]) if len(marks) == 2 else None


def shm_names() -> set[str]:
    return set(os.listdir("/dev/shm")) if os.path.isdir("/dev/shm") else set()


def run_once(way: str, program: Path, workdir: Path, left: dict[str, list[Any]]) -> dict[str, Any]:
    out = workdir / ("trace.ndjson" if way == "mpscope" else "trace.json")
    tmp = workdir / "t"  # the command's TMPDIR: whatever it leaves there is a leftover
    tmp.mkdir()
    token = uuid.uuid4().hex
    env = {**os.environ, MARK: token, "TMPDIR": str(tmp)}
    with (workdir / "stdout").open("w+b") as stdout, (workdir / "stderr").open("w+b") as stderr:
        shm_before = shm_names()
        cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.monotonic()
        proc = subprocess.Popen(
            command(way, program, out),
            cwd=ROOT,
            env=env,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
        )
        try:
            code = proc.wait(COMMAND_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            took = f"still running after {COMMAND_TIMEOUT_S:.0f} s"
            raise RuntimeError(f"{way} {program.name}: {took}") from None
        finally:
            ended = time.monotonic()
            cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
            left["processes"] += end_survivors(token)
            # Only what appeared while this command ran: other sessions use /dev/shm too.
            left["shm"] += [(f"{way} {program.name}", n) for n in sorted(shm_names() - shm_before)]
        stdout.seek(0)
        text = stdout.read().decode(errors="replace")
        stderr.seek(0)
        errors = stderr.read().decode(errors="replace")
    left["tmp"] += [f"{way}: {p.relative_to(tmp)}" for p in tmp.rglob("*")]
    shutil.rmtree(tmp)
    if code != 0:
        # Kept as a sample of its own, out of the medians: the run's other figures still count.
        out.unlink(missing_ok=True)
        return {"exit": code, "error": errors[-2000:], "loop_s": None, "wall_s": None, "cpu_s": None}
    marks = loop_marks(text)
    sample: dict[str, Any] = {
        "exit": 0,
        "loop_s": marks[1] - marks[0] if marks else None,
        "wall_s": ended - started,
        # Where the rest of the wall time goes: start-up before t0, and after t1 the
        # command's end (the last events, writing the trace, the processes' exit).
        "before_loop_s": marks[0] - started if marks else None,
        "after_loop_s": ended - marks[1] if marks else None,
        "cpu_s": (cpu_after.ru_utime + cpu_after.ru_stime) - (cpu_before.ru_utime + cpu_before.ru_stime),
        "events": count_events(way, out),
    }
    if way == "viztracer":
        # It keeps the newest entries of a fixed-size buffer per process and drops the rest.
        sample["buffer_full"] = "Circular buffer is full" in text + errors
    out.unlink(missing_ok=True)
    return sample


def summarize(samples: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """Medians per way, and the median of each repetition's ratio to its untraced run."""
    base = samples["untraced"]
    figures: dict[str, Any] = {}
    for way, runs in samples.items():
        fig: dict[str, Any] = {"failures": sum(1 for r in runs if r["exit"] != 0)}
        for key in ("loop_s", "wall_s", "cpu_s", "events", "before_loop_s", "after_loop_s"):
            values = [r[key] for r in runs if r.get(key) is not None]
            fig[key] = median(values) if values else None
            if way != "untraced" and key in ("loop_s", "wall_s", "cpu_s") and values:
                ratios = [r[key] / b[key] for r, b in zip(runs, base, strict=True) if r[key] and b[key]]
                fig[key.replace("_s", "_ratio")] = median(ratios) if ratios else None
        if way == "viztracer":
            fig["buffer_full"] = any(r.get("buffer_full") for r in runs)
        figures[way] = fig
    return figures


def measure(quick: bool, repeats: int, names: list[str]) -> dict[str, Any]:
    size = SIZES["quick" if quick else "full"]
    left: dict[str, list[Any]] = {"processes": [], "tmp": [], "shm": []}
    samples: dict[str, dict[str, list[dict[str, Any]]]] = {n: {w: [] for w in WAYS} for n in names}
    with tempfile.TemporaryDirectory(prefix="mpb-") as tmp:
        workdir = Path(tmp)
        programs = {n: program_file(n, size["count"], workdir) for n in names}
        for rep in range(repeats):
            # The order turns each repetition, so no way always runs first (on a cold cache)
            # or right after the heaviest one.
            ways = WAYS[rep % 3 :] + WAYS[: rep % 3]
            for name in names:
                for way in ways:
                    samples[name][way].append(run_once(way, programs[name], workdir, left))
    # An entry of ours would stay for good; one that went meanwhile was another
    # session's, made while our command ran.
    deadline = time.monotonic() + 2.0
    while (still := {n for _, n in left["shm"]} & shm_names()) and time.monotonic() < deadline:
        time.sleep(0.05)
    left["shm"] = [f"{label}: {name}" for label, name in left["shm"] if name in still]
    figures = {n: summarize(samples[n]) for n in names}
    return {
        "machine": {**machine(), **versions()},
        "mode": "quick" if quick else "full",
        "count": size["count"],
        "repeats": repeats,
        "figures": figures,
        "ahead": {n: ahead(figures[n]) for n in names},
        "samples": samples,
        "leftovers": left,
    }


def ahead(fig: dict[str, Any]) -> dict[str, bool]:
    """Where mpscope's median ratio is below VizTracer's."""
    mine, theirs = fig["mpscope"], fig["viztracer"]
    return {
        key: mine[key] < theirs[key]
        for key in ("loop_ratio", "wall_ratio", "cpu_ratio")
        if mine.get(key) is not None and theirs.get(key) is not None
    }


def table(result: dict[str, Any]) -> str:
    m = result["machine"]
    lines = [
        f"{m['cpu']}, {m['cores']} cores, Python {m['python']}, mpscope {m['mpscope']} ({m['commit']}), "
        f"viztracer {m['viztracer']}; {result['mode']} run, loops of {result['count']:,}, "
        f"medians of {result['repeats']}",
        "",
        "| program | way | in the loop | x | whole command | x | CPU, whole tree | x | events |",
        "|---|---|---|---|---|---|---|---|---|",
    ]

    def num(value: float | None, fmt: str) -> str:
        return "—" if value is None else fmt.format(value)

    for name, fig in result["figures"].items():
        for way in WAYS:
            f = fig[way]
            events = num(f["events"], "{:,.0f}") + (" (buffer full)" if f.get("buffer_full") else "")
            failed = f" ({f['failures']} failed)" if f["failures"] else ""
            cells = [f"{name}", f"{way}{failed}"]
            for key in ("loop", "wall", "cpu"):
                cells += [num(f[f"{key}_s"], "{:.2f} s"), num(f.get(f"{key}_ratio"), "{:.2f}x")]
            lines.append("| " + " | ".join([*cells, events]) + " |")
    lines += ["", "| program | way | before t0 | t0 to t1 | after t1 |", "|---|---|---|---|---|"]
    for name, fig in result["figures"].items():
        for way in WAYS:
            f = fig[way]
            if f["before_loop_s"] is not None:
                spans = [num(f[k], "{:.2f} s") for k in ("before_loop_s", "loop_s", "after_loop_s")]
                lines.append("| " + " | ".join([name, way, *spans]) + " |")
    behind = [f"{n} {k}" for n, keys in result["ahead"].items() for k, yes in keys.items() if not yes]
    lines.append("")
    lines.append(
        f"mpscope behind VizTracer on: {behind}" if behind else "mpscope ahead of VizTracer on every figure"
    )
    for name, runs in result["samples"].items():
        for way, samples in runs.items():
            for sample in samples:
                if sample["exit"] != 0:
                    lines.append(f"\n{name} {way} exited {sample['exit']}: {sample['error'].strip()[-400:]}")
    if any(result["leftovers"].values()):
        lines.append(f"\nLEFT BEHIND: {result['leftovers']}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description="python -m app trace beside untraced Python and VizTracer")
    parser.add_argument("--quick", action="store_true", help=f"loops of {SIZES['quick']['count']:,}, one run")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    parser.add_argument("--repeats", type=int, help="runs of each way per program (default: 5, quick: 1)")
    parser.add_argument("--only", help=f"comma-separated programs: {','.join(PROGRAMS)} (default: all)")
    args = parser.parse_args()
    names = args.only.split(",") if args.only else list(PROGRAMS)
    unknown = [n for n in names if n not in PROGRAMS]
    if unknown:
        parser.error(f"unknown program(s) {unknown}; choose from {','.join(PROGRAMS)}")
    size = SIZES["quick" if args.quick else "full"]
    repeats = args.repeats if args.repeats is not None else size["repeats"]
    if repeats < 1:
        parser.error("--repeats must be at least 1")
    if importlib.util.find_spec("viztracer") is None:
        print("viztracer is not installed: pip install -e '.[bench]'", file=sys.stderr)
        return 2
    try:
        result = measure(args.quick, repeats, names)
    except RuntimeError as exc:
        print(f"bench/trace.py: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result) if args.json else table(result))
    failed = any(f[way]["failures"] for f in result["figures"].values() for way in WAYS)
    return 1 if failed or any(result["leftovers"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
