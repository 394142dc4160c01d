"""The scenarios mpscope can run: a fixed, reviewed set with bounded parameters, gathered
from their families (``article``: the article's programs and their variations), and the
``Catalog`` one server offers: those, and a course's own programs beside them (``course``).

What a scenario is lives in ``model``; this module is where the server and the page look
them up. The CLI's ``run`` and ``RunService.create`` take the built-ins (``get``); the
server's API and pages look in the catalog its lifespan made (``app.state.catalog``), so two
apps with other folders in one process each see their own."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from app.scenarios import article, blocks, corruption, course, hazards, managers, pools, queues, sync
from app.scenarios.course import BrokenProgram, CourseScenario
from app.scenarios.model import SCENARIO_ID, Params, Scenario, printed, validation_messages

__all__ = [
    "SCENARIOS",
    "BrokenProgram",
    "Catalog",
    "CourseScenario",
    "Params",
    "Scenario",
    "get",
    "printed",
    "validation_messages",
]

log = logging.getLogger(__name__)

FAMILIES = (article, queues, sync, pools, hazards, corruption, blocks, managers)

SCENARIOS: dict[str, Scenario[Any]] = {s.id: s for family in FAMILIES for s in family.SCENARIOS}
assert len(SCENARIOS) == sum(len(f.SCENARIOS) for f in FAMILIES), "two scenarios share an id"
assert all(SCENARIO_ID.fullmatch(s) and len(s) <= 64 for s in SCENARIOS), "an id breaks model.SCENARIO_ID"
# The OpenAPI document names each parameter model's schema after its class.
assert len({s.params_model for s in SCENARIOS.values()}) == len(
    {s.params_model.__name__ for s in SCENARIOS.values()}
), "two parameter models share a class name"


def get(scenario_id: str) -> Scenario[Any]:
    """Raises KeyError for an unknown id."""
    return SCENARIOS[scenario_id]


class Catalog:
    """What one server offers: the built-in scenarios, then a course's own programs, those
    that cannot run included (listed with their error, never run)."""

    def __init__(self, course_programs: Iterable[CourseScenario | BrokenProgram] = ()) -> None:
        self.course = tuple(course_programs)
        # A program whose id is a built-in's is broken (course.load says so): the id stays the built-in's.
        self._course = {p.id: p for p in self.course if p.id not in SCENARIOS}

    @classmethod
    def load(cls, folder: Path | None) -> Catalog:
        """The built-ins and the programs in ``folder`` (None: the built-ins alone). A folder
        that cannot be read, and each program that cannot run, is logged; neither stops the
        server."""
        if folder is None:
            return cls()
        try:
            paths = course.programs_in(folder)
        except OSError as exc:
            log.error(
                "MPSCOPE_SCENARIOS_DIR: cannot read the course's programs in %s (%s); "
                "serving the built-in scenarios only",
                folder,
                exc.strerror or exc,
            )
            return cls()
        catalog = cls(course.load(path, SCENARIOS) for path in paths)
        for program in catalog.course:
            if isinstance(program, BrokenProgram):
                # "folder/name.py: line 3: …", as a compiler says where.
                log.error("a course program cannot be run: %s/%s", folder, program.error)
        return catalog

    def find(self, scenario_id: str) -> Scenario[Any] | BrokenProgram | None:
        """The scenario, the course program that cannot run, or None for an unknown id."""
        # Looked up on each call: tests add scenarios to SCENARIOS for a while.
        built_in = SCENARIOS.get(scenario_id)
        return built_in if built_in is not None else self._course.get(scenario_id)

    def scenarios(self) -> list[Scenario[Any]]:
        """Every scenario that can run: the built-ins, then the course's."""
        return [*SCENARIOS.values(), *(p for p in self.course if isinstance(p, CourseScenario))]

    def entries(self) -> list[Scenario[Any] | BrokenProgram]:
        """What the list of scenarios shows: the built-ins, then every course program."""
        return [*SCENARIOS.values(), *self.course]

    def ids(self) -> list[str]:
        return [s.id for s in self.scenarios()]
