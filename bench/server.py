"""The bench's server: registers the bench programs, then serves the app with uvicorn.

``python bench/server.py --port N [--http h11|httptools] [--loop asyncio|uvloop]``.
Started by bench/run.py in a subprocess on a free loopback port, with admission limits
raised so the bench can start its runs back to back.
"""

from __future__ import annotations

import argparse
import os

from common import setup_path

setup_path()

import uvicorn  # noqa: E402
from scenarios import register  # noqa: E402

from app.config import Settings  # noqa: E402
from app.main import create_app  # noqa: E402

BENCH_ENV = {
    "MPSCOPE_MAX_RUNS": "64",
    "MPSCOPE_MAX_RUNS_PER_CLIENT": "64",
    "MPSCOPE_RUNS_PER_MINUTE": "10000",
    "MPSCOPE_RUN_TIMEOUT_S": "600",
    "MPSCOPE_KEEP_RUNS": "1000",
}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--http", default="auto", choices=["auto", "h11", "httptools"])
    parser.add_argument("--loop", default="auto", choices=["auto", "asyncio", "uvloop"])
    args = parser.parse_args()
    for key, value in BENCH_ENV.items():
        os.environ.setdefault(key, value)
    register()
    app = create_app(Settings())
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=args.port,
        http=args.http,
        loop=args.loop,
        log_level="warning",
        timeout_graceful_shutdown=5,
    )
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()
