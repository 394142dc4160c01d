"""``python -m app serve``: uvicorn on 127.0.0.1:8000 unless told otherwise."""

from __future__ import annotations

import uvicorn

from app.config import Settings


def serve(host: str | None, port: int | None, reload: bool = False) -> int:
    settings = Settings()
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        reload=reload,
        # Streams of finished runs end by themselves; don't wait long for idle ones.
        timeout_graceful_shutdown=5,
    )
    return 0
