"""A traced ``multiprocessing.Pool`` (issue 12: being built)."""

from __future__ import annotations

from typing import Any

# What app/tracing/tracer.py puts on multiprocessing's contexts, by name.
FACTORIES: dict[str, Any] = {}
