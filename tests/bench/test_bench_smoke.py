"""The benchmark runs end to end and reports every figure: shape only, never timings."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

FIGURES = (
    "overhead_queue_ratio",
    "overhead_lock_ratio",
    "overhead_pipe_ratio",
    "pipeline_events_per_s",
    "sse_one_client_events_per_s",
    "fanout_50_events_per_s",
    "fanout_200_events_per_s",
    "idle_500_rss_mb",
    "start_latency_ms_p50",
    "start_latency_ms_p99",
    "live_latency_ms_p50",
    "live_latency_ms_p99",
    "gate_before_ns",
    "gate_after_ns",
    "held_us_per_release",
)


@pytest.mark.slow
@pytest.mark.timeout(110)
def test_quick_bench_reports_every_figure() -> None:
    proc = subprocess.run(
        [sys.executable, "bench/run.py", "--quick", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=100,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    result = json.loads(proc.stdout)
    for key in FIGURES:
        value = result[key]
        assert type(value) in (int, float), key
        assert value > 0, key
    machine = result["machine"]
    assert machine["cores"] >= 1
    assert machine["python"]
    assert machine["cpu"]
    samples = result["samples"]
    for figure in ("queue", "pipe"):
        for kind in ("raw_s", "traced_s", "ratio"):
            assert samples["overhead"][figure][kind], (figure, kind)
    assert samples["start_latency_ms"]
    assert samples["fanout_200_events_per_s"]
    assert result["leftovers"] == {"processes": [], "shm": []}


@pytest.mark.slow
@pytest.mark.timeout(60)
def test_ops_reports_the_cost_of_each_traced_operation() -> None:
    proc = subprocess.run(
        [sys.executable, "bench/ops.py"], cwd=ROOT, capture_output=True, text=True, timeout=50, check=False
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    result = json.loads(proc.stdout)
    assert Path(result["tree"]) == ROOT
    for key in ("queue_put_get_ns", "pipe_send_recv_ns", "value_increment_ns", "print_ns"):
        assert type(result[key]) is float, key
        assert result[key] > 0, key


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_trace_bench_compares_three_ways() -> None:
    # VizTracer comes with the bench extra only, which CI does not install.
    if importlib.util.find_spec("viztracer") is None:
        pytest.skip("viztracer is not installed (pip install -e '.[bench]')")
    proc = subprocess.run(
        [sys.executable, "bench/trace.py", "--quick", "--json", "--only", "queue,pipe"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    result = json.loads(proc.stdout)
    assert result["machine"]["viztracer"] != "not installed"
    for name in ("queue", "pipe"):
        figures = result["figures"][name]
        for way in ("untraced", "mpscope", "viztracer"):
            assert figures[way]["failures"] == 0, (name, way)
            for key in ("loop_s", "wall_s", "cpu_s"):
                assert figures[way][key] > 0, (name, way, key)
        # Every message of the loop is in the saved run: its put/send and its get/recv.
        assert figures["mpscope"]["events"] >= 2 * result["count"], name
        assert figures["viztracer"]["events"] > 0, name
        for way in ("mpscope", "viztracer"):
            assert figures[way]["wall_ratio"] > 0, (name, way)
    assert result["leftovers"] == {"processes": [], "tmp": [], "shm": []}
