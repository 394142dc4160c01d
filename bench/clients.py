"""Client processes for the HTTP figures; each prints its samples as one JSON line.

``python bench/clients.py fanout --port P --run ID --clients N --start-at T``
    N streams of one (finished) run, opened together at monotonic time T and read to
    the end: bytes, the last event id and the time each took.
``python bench/clients.py live --port P --run ID --clients N``
    N streams of a running bench-ticker run: for each tick (a printed time.monotonic()),
    how long after it was printed it reached each client, in ms.

One process serves many sockets with a selector and does as little per byte as it can,
so that the clients take less CPU than the server they measure.
"""

from __future__ import annotations

import argparse
import json
import re
import selectors
import socket
import time
from typing import Any

from wire import HOST, stream_request

LAST_ID = re.compile(rb"\nid: (\d+)\n")
TICK = re.compile(rb'"text":"(\d+\.\d+)\\n"')


def connect(port: int, path: str) -> socket.socket:
    sock = socket.create_connection((HOST, port))
    sock.sendall(stream_request(path))
    sock.setblocking(False)
    return sock


def fanout(port: int, run_id: str, clients: int, start_at: float) -> dict[str, Any]:
    delay = start_at - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    started = time.monotonic()
    sel = selectors.DefaultSelector()
    state: dict[socket.socket, dict[str, Any]] = {}
    for _ in range(clients):
        sock = connect(port, f"/api/runs/{run_id}/events")
        state[sock] = {"bytes": 0, "tail": b""}
        sel.register(sock, selectors.EVENT_READ)
    buf = bytearray(1 << 20)
    view = memoryview(buf)
    ends = []
    while state:
        for key, _ in sel.select():
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            n = sock.recv_into(buf)
            st = state[sock]
            if n:
                st["bytes"] += n
                # Keep the last bytes only: enough to find the last message's id.
                st["tail"] = (st["tail"] + bytes(view[max(0, n - 4096) : n]))[-4096:]
                continue
            sel.unregister(sock)
            sock.close()
            ids = LAST_ID.findall(st.pop("tail"))
            ends.append(
                {"end": time.monotonic(), "bytes": st["bytes"], "last_id": int(ids[-1]) if ids else -1}
            )
            del state[sock]
    return {"started": started, "clients": ends}


def live(port: int, run_id: str, clients: int) -> dict[str, Any]:
    sel = selectors.DefaultSelector()
    pending: dict[socket.socket, bytes] = {}
    for _ in range(clients):
        sock = connect(port, f"/api/runs/{run_id}/events")
        pending[sock] = b""
        sel.register(sock, selectors.EVENT_READ)
    connected = time.monotonic()
    latencies: list[float] = []
    while pending:
        for key, _ in sel.select():
            sock = key.fileobj
            assert isinstance(sock, socket.socket)
            data = sock.recv(1 << 18)
            now = time.monotonic()
            if not data:
                sel.unregister(sock)
                sock.close()
                del pending[sock]
                continue
            # Only whole messages: a tick cut in two by recv waits for its other half.
            data = pending[sock] + data
            cut = data.rfind(b"\n\n") + 2
            pending[sock] = data[cut:]
            for raw in TICK.findall(data, 0, cut):
                tick = float(raw)
                if tick >= connected:  # ticks replayed from before we were there don't count
                    latencies.append((now - tick) * 1000)
    return {"latency_ms": latencies}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("figure", choices=["fanout", "live"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--run", required=True)
    parser.add_argument("--clients", type=int, required=True)
    parser.add_argument("--start-at", type=float, default=0.0)
    args = parser.parse_args()
    if args.figure == "fanout":
        result = fanout(args.port, args.run, args.clients, args.start_at)
    else:
        result = live(args.port, args.run, args.clients)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
