"""A real uvicorn serving the app on a free loopback port, for stream and browser tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.config import Settings
from app.main import create_app

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


@contextmanager
def live_server(
    env: dict[str, str] | None = None, startup_s: float = 20.0, data_dir: Path | None = None
) -> Iterator[LiveServer]:
    """Start ``python -m app`` on a free port; stop it (SIGTERM) at the end.

    The server's output goes to a file that is printed if the test fails. Its run store
    is in a fresh directory unless ``data_dir`` names one (to restart on the same data).
    """
    port = free_port()
    workdir = tempfile.TemporaryDirectory(prefix="mpscope-live-")
    log = Path(workdir.name) / "server.log"
    data = data_dir or Path(workdir.name) / "data"
    full_env = {**os.environ, "MPSCOPE_DATA_DIR": str(data), **(env or {})}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "app", "--host", "127.0.0.1", "--port", str(port)],
            cwd=ROOT,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = LiveServer(f"http://127.0.0.1:{port}", proc, log)
    try:
        deadline = time.monotonic() + startup_s
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"server exited with {proc.returncode}:\n{server.log()}")
            try:
                if httpx.get(server.url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start in {startup_s} s:\n{server.log()}")
            time.sleep(0.05)
        yield server
    except BaseException:
        sys.stderr.write(f"--- server log ---\n{server.log()}\n")
        raise
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        workdir.cleanup()


@asynccontextmanager
async def in_process(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app on ``settings`` with its lifespan, reached through httpx's ASGI transport.
    Its run store goes to a temporary directory unless the settings name one."""
    with tempfile.TemporaryDirectory(prefix="mpscope-app-") as tmp:
        if "data_dir" not in settings.model_fields_set:
            settings = settings.model_copy(update={"data_dir": Path(tmp)})
        app = create_app(settings)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://mpscope.test") as client:
                yield client
