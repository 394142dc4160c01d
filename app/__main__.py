"""Command line: ``python -m app`` serves the dashboard; ``python -m app run queue`` runs one;
``python -m app trace prog.py`` traces a program of your own; ``view`` replays a saved one."""

from __future__ import annotations

import argparse
import sys

from app.runs.service import START_METHODS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m app", description="mpscope: see how Python processes communicate."
    )
    sub = parser.add_subparsers(dest="command")

    serve = sub.add_parser("serve", help="serve the dashboard and the API (the default)")
    serve.add_argument("--host", help="address to listen on (default: MPSCOPE_HOST or 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default: MPSCOPE_PORT or 8000)")
    serve.add_argument("--reload", action="store_true", help="restart when the code changes (development)")

    run = sub.add_parser("run", help="run one scenario in this terminal and print its events")
    run.add_argument("scenario", help="scenario id, e.g. queue (see: python -m app scenarios)")
    run.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a parameter; VALUE is JSON or text",
    )
    run.add_argument("--pace-ms", type=int, default=0, help="pause after each traced operation (0-2000 ms)")
    run.add_argument(
        "--start-method", choices=START_METHODS, default="fork", help="how processes are started"
    )
    out = run.add_mutually_exclusive_group()
    out.add_argument("--json", action="store_true", help="print the events as NDJSON")
    out.add_argument("--output-only", action="store_true", help="print only what the program printed")

    sub.add_parser("scenarios", help="list the scenarios and their default parameters")
    # These two read their own arguments (a traced program's come after its name).
    sub.add_parser("trace", help="run your own program, traced, and watch it live: trace -h", add_help=False)
    sub.add_parser("view", help="replay a run saved with trace --save: view -h", add_help=False)
    return parser


COMMANDS = ("serve", "run", "scenarios", "trace", "view")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in (*COMMANDS, "-h", "--help"):
        argv.insert(0, "serve")  # `python -m app --port 9000` means serve
    if argv[0] == "trace":
        from app.cli.trace import trace_command

        return trace_command(argv[1:])
    if argv[0] == "view":
        from app.cli.view import view_command

        return view_command(argv[1:])
    args = _parser().parse_args(argv)
    if args.command == "run":
        from app.cli.run import run_command

        return run_command(args)
    if args.command == "scenarios":
        from app.cli.run import list_command

        return list_command()
    from app.server import serve

    return serve(args.host, args.port, args.reload)


if __name__ == "__main__":
    sys.exit(main())
