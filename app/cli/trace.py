"""``python -m app trace PROGRAM.py [ARGS...]``: a person's own program, unchanged, traced in
every process it starts and shown live in the dashboard on this machine.

The program runs in a fresh interpreter (``app/runs/local_launcher.py``) and prints to
this terminal exactly what it prints untraced; its exit status is the command's. What
mpscope itself says goes to stderr, each line starting ``mpscope:`` (``--quiet``: nothing).

Ctrl-C is passed on to the program's whole tree as the terminal would pass it (the program
sees KeyboardInterrupt); a second one stops the tree at once. Either way what was recorded
is saved. After the program ends the dashboard stays up for replay until Ctrl-C. A program
whose every process is blocked is not stopped (it may wait for a client from outside, and
untraced it would wait on): the command says who waits for whom.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import os
import signal
import sys
import time
import webbrowser
from dataclasses import dataclass
from pathlib import Path

from app.runs import launcher as launching
from app.runs.limits import RunLimits
from app.runs.local_launcher import LocalLauncher, as_python_names, default_start_method
from app.runs.program import Program
from app.runs.run import Run
from app.runs.service import START_METHODS, RunService

USAGE = "python -m app trace [options] (PROGRAM.py | -m MODULE) [ARGS...]"
# Options that take a value: the program starts at the first word that is not an option.
_VALUED = frozenset({"--save", "--perfetto", "--port", "--start-method"})
REFUSAL = "this dashboard shows the program that `python -m app trace` runs; it starts no other run"
DEADLOCKED = 3  # as `python -m app run` says it: a deadlock has no convention of its own


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m app trace",
        usage=USAGE,
        description="Run a Python program unchanged, trace every process it starts and show "
        "it live in the dashboard. Everything after the program's name is the program's.",
    )
    p.add_argument("-m", dest="module", metavar="MODULE", help="run a module as `python -m MODULE` would")
    p.add_argument("--no-serve", action="store_true", help="only run and record; no dashboard")
    p.add_argument("--port", type=int, default=0, help="dashboard port on 127.0.0.1 (default: a free one)")
    p.add_argument("--open", action="store_true", help="open the run in a browser")
    p.add_argument(
        "--save", type=Path, metavar="FILE.ndjson", help="write the events (replay: python -m app view FILE)"
    )
    p.add_argument("--perfetto", type=Path, metavar="FILE.json", help="write a Chrome trace (Perfetto)")
    p.add_argument(
        "--start-method",
        choices=START_METHODS,
        help="the program's default start method (as if Python defaulted to it); "
        "a program that chooses its own still gets its own",
    )
    p.add_argument("--quiet", action="store_true", help="print nothing of mpscope's own")
    return p


def split_argv(argv: list[str]) -> tuple[list[str], list[str]]:
    """Our options, and the program with its arguments (which may look like options)."""
    i = 0
    while i < len(argv):
        word = argv[i]
        if word == "--":
            return argv[:i], argv[i + 1 :]
        if word == "-m":
            return argv[: i + 2], argv[i + 2 :]
        if word.startswith("-m") and not word.startswith("--"):  # -mMODULE
            return argv[: i + 1], argv[i + 1 :]
        if not word.startswith("-") or word == "-":
            return argv[:i], argv[i:]
        i += 2 if word in _VALUED else 1
    return argv, []


class Say:
    """mpscope's own lines, on stderr, so the program's stdout stays the program's."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet

    def __call__(self, text: str) -> None:
        if not self.quiet:
            sys.stderr.write(f"mpscope: {text}\n")
            sys.stderr.flush()


def _interpreter() -> str:
    # The name python itself puts in front of its own errors.
    return sys.orig_argv[0] if sys.orig_argv else sys.executable


def _read_source(data: bytes) -> str:
    try:
        return importlib.util.decode_source(data)
    except (SyntaxError, UnicodeDecodeError, LookupError):
        # Python reports a bad encoding when it runs the file; show what can be shown.
        return data.decode("utf-8", "replace")


def program_of(opts: argparse.Namespace, rest: list[str]) -> Program | int:
    """The program to run, or the exit status of an error already reported as python
    reports it (a file it cannot open: 2)."""
    if opts.module is not None:
        return _module_program(opts.module, tuple(rest))
    if not rest:
        parser().error("give a program to trace: PROGRAM.py or -m MODULE")
    path, args = rest[0], tuple(rest[1:])
    full = as_python_names(path)
    if os.path.isdir(full):
        print(f"{_interpreter()}: mpscope traces a program's file: {full!r} is a directory", file=sys.stderr)
        return 2
    try:
        data = Path(full).read_bytes()
    except OSError as exc:
        reason = f"[Errno {exc.errno}] {exc.strerror}"
        print(f"{_interpreter()}: can't open file {full!r}: {reason}", file=sys.stderr)
        return 2
    source = _read_source(data)
    # Named by its file name: a person's queue.py is not the built-in scenario `queue`.
    return Program(name=Path(full).name, source=source, filename=Path(full).name, path=path, args=args)


def _module_program(module: str, args: tuple[str, ...]) -> Program:
    # The module's text for the dashboard, found without importing anything here: the
    # runner finds (and reports a missing module) as `python -m` does.
    found = _module_file(module)
    source = _read_source(found.read_bytes()) if found is not None else ""
    filename = found.name if found is not None else f"{module.rpartition('.')[2]}.py"
    return Program(name=module, source=source, filename=filename, module=module, args=args)


def _module_file(module: str) -> Path | None:
    parts = module.split(".")
    for entry in [os.getcwd(), *sys.path[1:]]:
        base = Path(entry or ".").joinpath(*parts)
        for candidate in (base.with_suffix(".py"), base / "__main__.py"):
            if candidate.is_file():
                return candidate
    return None


@dataclass
class Outcome:
    status: str
    exitcode: int | None


async def _trace(program: Program, method: str, opts: argparse.Namespace, say: Say) -> Outcome:
    from app.cli.saving import save_chrome_trace, save_events

    service = RunService(RunLimits(timeout_s=None, deadlock_stops=False), launcher=LocalLauncher())
    await service.start()
    server = None
    try:
        if not opts.no_serve:
            from app.cli.serving import LocalServer

            server = LocalServer(service, opts.port)
            await server.start()
        run = service.start_program(program, start_method=method)
        run.on_stuck = lambda who: say(f"every process is blocked: {who} (Ctrl-C stops the program)")
        service.refuse_new_runs(REFUSAL)
        say(f"tracing {program.path or '-m ' + str(program.module)} ({method}), run {run.id}")
        if server is not None:
            url = server.url(f"/runs/{run.id}")
            say(f"watch it live at {url}")
            if opts.open:
                webbrowser.open(url)
        quit_now = asyncio.Event()
        _handle_signals(run, quit_now, say)
        await run.done.wait()
        if opts.save is not None:
            save_events(opts.save, run.log.read(0))
            say(f"saved {len(run.log)} events to {opts.save} (replay: python -m app view {opts.save})")
        if opts.perfetto is not None:
            save_chrome_trace(opts.perfetto, run.log.read(0), run.summary())
            say(f"saved a Chrome trace to {opts.perfetto} (open it in https://ui.perfetto.dev)")
        say(_ending(run))
        if server is not None and not quit_now.is_set():
            say(f"replay it at {server.url(f'/runs/{run.id}')}; Ctrl-C to quit")
            await quit_now.wait()
        return Outcome(run.status, run.exitcode)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            asyncio.get_running_loop().remove_signal_handler(sig)
        if server is not None:
            await server.stop()
        await service.close()


def _handle_signals(run: Run, quit_now: asyncio.Event, say: Say) -> None:
    """Ctrl-C: to the program first, as a terminal would send it; again: stop it now.
    Once the program has ended, Ctrl-C (or SIGTERM, SIGHUP) ends the replay."""
    loop = asyncio.get_running_loop()
    interrupts = 0

    def interrupt() -> None:
        nonlocal interrupts
        if run.finished:
            quit_now.set()
            return
        interrupts += 1
        if interrupts == 1 and run.runner_pid is not None:
            launching.signal_group(run.runner_pid, signal.SIGINT)
            say("interrupted: the program got Ctrl-C; press it again to stop it at once")
        else:
            run.request_stop("cancelled")

    def terminate() -> None:
        quit_now.set()
        if not run.finished:
            run.request_stop("cancelled")

    loop.add_signal_handler(signal.SIGINT, interrupt)
    loop.add_signal_handler(signal.SIGTERM, terminate)
    loop.add_signal_handler(signal.SIGHUP, terminate)


def _ending(run: Run) -> str:
    took = (run.ended_at or time.time()) - run.created_at
    procs = len(run.processes)
    counted = f"{len(run.log)} events from {procs} process{'es' if procs != 1 else ''} in {took:.2f} s"
    if run.status == "deadlocked":
        return f"deadlocked, stopped: {run.error}; {counted}"
    if run.status == "cancelled":
        return f"stopped; {counted}"
    code = run.exitcode
    if code is not None and code < 0:
        return f"the program was ended by {signal.Signals(-code).name}; {counted}"
    return f"the program exited with code {code}; {counted}"


def trace_command(argv: list[str]) -> int:
    head, rest = split_argv(argv)
    opts = parser().parse_args(head)
    say = Say(opts.quiet)
    for out in (opts.save, opts.perfetto):
        if out is not None and not out.resolve().parent.is_dir():
            say(f"cannot write {out}: {out.resolve().parent} is not a folder")
            return 2
    program = program_of(opts, rest)
    if isinstance(program, int):
        return program
    method = opts.start_method or default_start_method()
    try:
        outcome = asyncio.run(_trace(program, method, opts, say))
    except OSError as exc:  # the dashboard's port, or a file to save to
        say(f"error: {exc.strerror or exc}" + (f" ({exc.filename})" if exc.filename else ""))
        return 2
    return _exit_status(outcome)


def _exit_status(outcome: Outcome) -> int:
    """The program's own status; a program ended by a signal ends this command by the
    same signal (a shell then reports it as it would have untraced)."""
    if outcome.status == "deadlocked":
        return DEADLOCKED
    if outcome.status == "cancelled":
        return 130
    code = outcome.exitcode
    if code is None:
        return 1
    if code < 0:
        sys.stdout.flush()
        sys.stderr.flush()
        with contextlib.suppress(ValueError, OSError):
            signal.signal(-code, signal.SIG_DFL)
            os.kill(os.getpid(), -code)
        return 128 - code
    return code
