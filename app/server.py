"""``python -m app serve``: uvicorn on 127.0.0.1:8000 unless told otherwise."""

from __future__ import annotations

import asyncio
import sys
from types import FrameType
from typing import Any

import pydantic
import uvicorn

from app.config import Settings
from app.main import create_app
from app.runs import launcher


class _Server(uvicorn.Server):
    """On SIGTERM/SIGINT, stop the runs first: their streams then end by themselves and
    uvicorn's graceful shutdown has no open stream to wait for."""

    def __init__(self, config: uvicorn.Config, app: Any) -> None:
        super().__init__(config)
        self._app = app

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        runs = getattr(self._app.state, "runs", None)
        if runs is not None:
            asyncio.get_running_loop().call_soon(runs.stop_all)
        super().handle_exit(sig, frame)


def serve(host: str | None, port: int | None, reload: bool = False) -> int:
    try:
        settings = Settings()
    except pydantic.ValidationError as exc:
        for err in exc.errors():
            print(f"error: MPSCOPE_{str(err['loc'][0]).upper()}: {err['msg']}", file=sys.stderr)
        return 2
    options: dict[str, Any] = {
        "host": host or settings.host,
        "port": port or settings.port,
        # Streams of finished runs end by themselves; don't wait long for idle ones.
        "timeout_graceful_shutdown": 5,
    }
    if reload:
        # The reloader runs the app in a child it restarts; it needs an import string.
        uvicorn.run("app.main:create_app", factory=True, reload=True, **options)
        return 0
    app = create_app(settings)
    try:
        _Server(uvicorn.Config(app, **options), app).run()
    finally:
        # The runs are gone by now; the forkserver would follow as soon as it noticed.
        launcher.stop_forkserver()
    return 0
