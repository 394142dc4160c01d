"""What a traced Pool's events say about a call, a task and its outcome.

Built from the stdlib's own tuples as they travel (a task ``(job, i, func, args, kwds)``,
an outcome ``(ok, value)``), so every side of the pool (app/tracing/pool_pipes.py,
app/tracing/pool_results.py, app/tracing/pools.py) spells them the same way and the
narration can show them as the program wrote them.
"""

from __future__ import annotations

from multiprocessing import pool as mp_pool
from typing import Any

from app.tracing import frames
from app.tracing.values import MAX_STR, describe, value_fields

# What Pool.map and starmap run in a worker for one chunk: (func, items) as their argument.
_CHUNK_RUNNERS = (mp_pool.mapstar, mp_pool.starmapstar)  # type: ignore[attr-defined]


def func_name(func: Any) -> str | None:
    name = getattr(func, "__name__", None)
    return str(name) if name else None


def program_line(func: Any) -> int | None:
    """The line where ``func`` is defined, when it is the program's own function."""
    code = getattr(func, "__code__", None)
    return code.co_firstlineno if code is not None and code.co_filename == frames.program_path else None


def raised(exc: Any) -> str:
    # A worker's exception travels wrapped with its traceback (ExceptionWithTraceback).
    exc = getattr(exc, "exc", exc)
    text = str(exc)
    name = type(exc).__name__
    shown = f"{name}: {text}" if text else name
    return shown if len(shown) <= MAX_STR else shown[:MAX_STR] + "…"


def outcome(ok: bool, value: Any) -> dict[str, Any]:
    return value_fields(value) if ok else {"raised": raised(value)}


def call_fields(args: tuple[Any, ...], kwds: dict[str, Any]) -> dict[str, Any]:
    """One call's arguments: ``value`` the list of them, ``repr`` spelled as the call's
    parentheses, ``(10, base=2)``, which is how the narration shows them."""
    shown = [describe(a)[0] for a in args]
    if kwds:
        shown.append(describe(kwds)[0])
    text = "(" + ", ".join([repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwds.items()]) + ")"
    return {"value": shown, "repr": text if len(text) <= MAX_STR else text[:MAX_STR] + "…"}


def task_fields(task: tuple[Any, ...]) -> tuple[dict[str, Any], Any]:
    """A task's fields (its job, place, function and what it works on) and the function."""
    job, index, func, args, kwds = task
    if func in _CHUNK_RUNNERS:
        func, items = args[0]
        fields = value_fields(list(items))
        fields["size"] = len(items)
    else:
        fields = call_fields(args, kwds)
    fields.update(job=job, index=index)
    name = func_name(func)
    if name is not None:
        fields["func"] = name
    return fields, func


def wait_fields(job: int, timeout: float | None) -> dict[str, Any]:
    fields: dict[str, Any] = {"op": "get", "job": job}
    if timeout is not None:
        fields["timeout"] = float(timeout)
    return fields
