"""Traced ``multiprocessing.shared_memory`` (issue 12: being built)."""

from __future__ import annotations

from typing import Any

# What app/tracing/tracer.py puts on multiprocessing's contexts, by name (none: shared_memory
# is a module of its own; install its patches from here).
FACTORIES: dict[str, Any] = {}
