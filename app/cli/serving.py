"""The dashboard of the trace and view commands: uvicorn in the command's own event loop,
serving the command's run service, on a socket bound before anything starts (so the
address printed answers at once, and a taken ``--port`` is a clear error, not a late one).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator

import uvicorn

from app.config import Settings
from app.main import create_app
from app.runs.service import RunService

HOST = "127.0.0.1"  # a person's own program is shown to them alone


class _Server(uvicorn.Server):
    """The command handles its own signals (Ctrl-C stops the program first), so uvicorn
    takes none."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class LocalServer:
    def __init__(self, runs: RunService, port: int = 0) -> None:
        self.sock = socket.create_server((HOST, port))  # OSError when the port is taken
        self.port: int = self.sock.getsockname()[1]
        app = create_app(Settings(), runs=runs)
        # A page still reading a stream when the command ends gets a moment, then is let go.
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=1
        )
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None

    def url(self, path: str = "/") -> str:
        return f"http://{HOST}:{self.port}{path}"

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve(sockets=[self.sock]))
        # uvicorn says it is up by a flag; its startup takes a few milliseconds.
        while not self._server.started:
            if self._task.done():
                self._task.result()  # its error, if it failed to start
                raise RuntimeError("the dashboard did not start")
            await asyncio.sleep(0.005)

    async def stop(self) -> None:
        self._server.should_exit = True
        if self._task is not None:
            await self._task
        self.sock.close()
