"""Scenarios about managers beyond a list and a dict: namespaces, queues, locks, custom
types, remote managers."""

from __future__ import annotations

from typing import Any

from app.scenarios.model import Scenario

SCENARIOS: tuple[Scenario[Any], ...] = ()
