"""Scenarios that go wrong on purpose: a deadlock, a corrupted pipe."""

from __future__ import annotations

from typing import Any

from app.scenarios.model import Scenario

SCENARIOS: tuple[Scenario[Any], ...] = ()
