"""Scenarios about multiprocessing.shared_memory."""

from __future__ import annotations

from typing import Any

from app.scenarios.model import Scenario

SCENARIOS: tuple[Scenario[Any], ...] = ()
