"""What a traced operation costs in the process that makes it, with no server:
``python bench/ops.py [TREE]``.

The tracer is installed in this process with a socket nobody listens on, so events are
made, batched and dropped: what is timed is the program's side alone (the primitive, the
gate, the value copy, the event). ``TREE`` is a checkout of mpscope to import instead of
this one (an export of an older commit), so two trees can be compared in turns on the
same machine. Prints one JSON object: ns per operation, the median of 7 rounds.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROUNDS = 7
N = 20_000


def main() -> None:
    tree = Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else Path(__file__).resolve().parents[1]
    sys.path.insert(0, str(tree))
    from app.tracing.context import TraceContext

    try:
        from app.tracing.tracer import install
    except ImportError:  # trees before the tracer had one owner
        from app.tracing.install import install  # type: ignore[no-redef]

    nowhere = "/nonexistent/mpscope-ops.sock"
    ctx = TraceContext(socket_path=nowhere, t0=time.monotonic(), program_path=__file__)
    install(ctx, "main", "main")
    import multiprocessing

    q = multiprocessing.Queue()
    a, b = multiprocessing.Pipe()
    v = multiprocessing.Value("i", 0)

    def queue_put_get() -> None:
        for i in range(N):
            q.put(i)
        for _ in range(N):
            q.get()

    def pipe_send_recv() -> None:
        for i in range(N):
            a.send(i)
            b.recv()

    def value_increment() -> None:
        for _ in range(N):
            v.value += 1

    def print_line() -> None:
        for i in range(N):
            print(i)

    out: dict[str, Any] = {"tree": str(tree)}
    for name, body in (
        ("queue_put_get_ns", queue_put_get),
        ("pipe_send_recv_ns", pipe_send_recv),
        ("value_increment_ns", value_increment),
        ("print_ns", print_line),
    ):
        times = []
        for _ in range(ROUNDS):
            start = time.perf_counter_ns()
            body()
            times.append((time.perf_counter_ns() - start) / N)
        out[name] = statistics.median(times)
    q.close()
    q.join_thread()
    sys.__stdout__.write(json.dumps(out) + "\n")  # print() is traced here


if __name__ == "__main__":
    main()
