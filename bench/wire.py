"""A minimal HTTP/1.1 client over raw sockets, so the client side costs as little as it can.

``Conn`` is one kept-alive connection (requests, Content-Length and chunked bodies);
``stream_request`` is the bytes of a GET that asks the server to close when the stream
ends, for readers that just read to EOF.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

HOST = "127.0.0.1"


def stream_request(path: str) -> bytes:
    head = f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nAccept: text/event-stream\r\nConnection: close\r\n"
    return (head + "\r\n").encode()


class Conn:
    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection((HOST, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""

    def close(self) -> None:
        self.sock.close()

    def send(self, method: str, path: str, body: Any = None) -> None:
        head = f"{method} {path} HTTP/1.1\r\nHost: {HOST}\r\n"
        data = b""
        if body is not None:
            data = json.dumps(body).encode()
            head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
        self.sock.sendall(head.encode() + b"\r\n" + data)

    def _fill(self) -> None:
        data = self.sock.recv(1 << 16)
        if not data:
            raise ConnectionError("the server closed the connection")
        self.buf += data

    def _line(self) -> bytes:
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _take(self, n: int) -> bytes:
        while len(self.buf) < n:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n:]
        return data

    def head(self) -> tuple[int, dict[str, str]]:
        status = int(self._line().split()[1])
        headers = {}
        while line := self._line():
            name, _, value = line.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        return status, headers

    def chunks(self, headers: dict[str, str]) -> Iterator[bytes]:
        """The body as it arrives: chunk by chunk, or all at once with a Content-Length."""
        if headers.get("transfer-encoding") == "chunked":
            while size := int(self._line().split(b";")[0], 16):
                yield self._take(size)
                self._take(2)
            self._take(2)
        else:
            yield self._take(int(headers.get("content-length", "0")))

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        self.send(method, path, body)
        status, headers = self.head()
        data = b"".join(self.chunks(headers))
        return status, (json.loads(data) if data else None)
