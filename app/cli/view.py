"""``python -m app view FILE.ndjson``: a run saved by ``trace --save``, served for replay on
127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import argparse
import asyncio
import signal
import webbrowser
from pathlib import Path

from app.cli.trace import Say
from app.runs.local_launcher import LocalLauncher
from app.runs.saved import SavedRunError, SavedRuns, read_saved_run
from app.runs.service import RunService

REFUSAL = "this dashboard replays a saved run; it starts no run"


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m app view", description="Replay a run saved with trace --save."
    )
    p.add_argument("file", type=Path, metavar="FILE.ndjson", help="the saved run")
    p.add_argument("--port", type=int, default=0, help="dashboard port on 127.0.0.1 (default: a free one)")
    p.add_argument("--open", action="store_true", help="open the run in a browser")
    p.add_argument("--quiet", action="store_true", help="print nothing but errors")
    return p


async def _view(summary_id: str, archive: SavedRuns, opts: argparse.Namespace, say: Say) -> None:
    from app.cli.serving import LocalServer

    # It starts nothing; a launcher that needs no warming up, all the same.
    service = RunService(archive=archive, launcher=LocalLauncher())
    service.refuse_new_runs(REFUSAL)
    await service.start()
    server = LocalServer(service, opts.port)
    await server.start()
    try:
        url = server.url(f"/runs/{summary_id}")
        say(f"replay {opts.file} at {url}; Ctrl-C to quit")
        if opts.open:
            webbrowser.open(url)
        quit_now = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            loop.add_signal_handler(sig, quit_now.set)
        await quit_now.wait()
    finally:
        await server.stop()
        await service.close()


def view_command(argv: list[str]) -> int:
    opts = parser().parse_args(argv)
    say = Say(opts.quiet)
    try:
        summary, events = read_saved_run(opts.file)
    except OSError as exc:
        Say(False)(f"cannot read {opts.file}: {exc.strerror}")
        return 2
    except SavedRunError as exc:
        Say(False)(str(exc))
        return 2
    try:
        asyncio.run(_view(summary["id"], SavedRuns([(summary, events)]), opts, say))
    except OSError as exc:
        Say(False)(f"error: {exc.strerror or exc}")
        return 2
    return 0
