"""``python -m app run <scenario>``: run one scenario here and print what happens."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any, TextIO

import pydantic

from app.events import kinds as K
from app.events.narration import narrate
from app.events.schema import FINAL_STATUSES
from app.runs.limits import RunLimits
from app.runs.service import RunService
from app.scenarios import registry

_COLOURS = ["36", "33", "35", "32", "34", "31", "96", "93"]  # cyan, yellow, magenta…


def parse_params(pairs: list[str]) -> dict[str, Any]:
    """``key=value`` pairs; a value is JSON when it parses as JSON, else a plain string."""
    params: dict[str, Any] = {}
    for pair in pairs:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--param expects key=value, got {pair!r}")
        try:
            params[key] = json.loads(raw)
        except json.JSONDecodeError:
            params[key] = raw
    return params


class Printer:
    """Readable lines: time, process (in its colour on a terminal), what happened."""

    def __init__(self, out: TextIO, colour: bool) -> None:
        self.out = out
        self.colour = colour
        self._colours: dict[str, str] = {}

    def _paint(self, proc: str, text: str) -> str:
        if not self.colour:
            return text
        code = self._colours.setdefault(proc, _COLOURS[len(self._colours) % len(_COLOURS)])
        return f"\x1b[{code}m{text}\x1b[0m"

    def event(self, ev: dict[str, Any]) -> None:
        proc = str(ev["proc"])
        head = f"{ev['t']:8.4f}  " + self._paint(proc, f"{proc:<9}")
        if ev["kind"] in (K.STDOUT, K.STDERR):
            bar = "│" if ev["kind"] == K.STDOUT else "!"
            body = f"{bar} {str(ev['text']).rstrip(chr(10))}"
        else:
            body = narrate(ev)
            if ev.get("line"):
                where = f"{ev['file']} line" if ev.get("file") else "line"
                body = f"{body}  ({where} {ev['line']})"
        self.out.write(f"{head} {body}\n")


# How a run's end reads to a shell: like the program's own failure, Ctrl-C, or timeout(1);
# a deadlock has no convention, so it gets a code of its own.
_EXIT_CODES: dict[str, int] = {
    "succeeded": 0,
    "failed": 1,
    "cancelled": 130,
    "timed_out": 124,
    "deadlocked": 3,
}
assert _EXIT_CODES.keys() == FINAL_STATUSES


def _run_exit_code(status: str) -> int:
    return _EXIT_CODES.get(status, 1)


async def run_scenario(
    scenario: str,
    params: dict[str, Any],
    pace_ms: int,
    start_method: str,
    mode: str,
    out: TextIO,
    timeout_s: float = 30.0,
) -> int:
    manager = RunService(RunLimits(timeout_s=timeout_s))
    await manager.start()
    printer = Printer(out, colour=out.isatty() and "NO_COLOR" not in os.environ)
    try:
        run = manager.create(scenario, params, pace_ms, start_method)
        async for chunk in run.log.batches():
            for raw in chunk:
                if mode == "json":
                    out.write(raw.decode() + "\n")
                    continue
                ev = json.loads(raw)
                if mode == "output":
                    if ev["kind"] == K.STDOUT:
                        out.write(ev["text"])
                else:
                    printer.event(ev)
            out.flush()
        await run.done.wait()
        return _run_exit_code(run.status)
    finally:
        await manager.close()


def run_command(args: Any) -> int:
    try:
        params = parse_params(args.param)
        registry.get(args.scenario)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyError:
        known = ", ".join(registry.SCENARIOS)
        print(f"error: unknown scenario {args.scenario!r}; choose one of: {known}", file=sys.stderr)
        return 2
    mode = "json" if args.json else "output" if args.output_only else "pretty"
    try:
        return asyncio.run(
            run_scenario(args.scenario, params, args.pace_ms, args.start_method, mode, sys.stdout)
        )
    except pydantic.ValidationError as exc:
        for message in registry.validation_messages(exc):
            print(f"error: {message}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader went away (`| head`): the run was still cleaned up; say nothing more.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def list_command() -> int:
    for s in registry.SCENARIOS.values():
        print(f"{s.id:<16} {s.title}")
        print(f"{'':<16} defaults: {json.dumps(s.defaults)}")
    return 0
