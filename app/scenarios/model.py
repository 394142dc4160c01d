"""What a scenario is: a plain program under ``programs/`` plus what the server and the page
need to know about it (title, explanation, parameters as a pydantic model published as
JSON Schema, watched variables, the pace the page suggests, how many paced steps a run
takes, its cast). The scenarios themselves are listed by family (``article``, …) and
gathered in ``registry``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError

from app.json_types import WHOLE
from app.runs.program import Program
from app.scenarios import source as source_mod

PROGRAMS = Path(__file__).parent / "programs"
# A scenario's id, built-in or a course's (its file's stem): lowercase words joined by - or
# _, safe in a URL path and a query as it is. At most 64 characters (RunCreate.scenario).
SCENARIO_ID = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")

# Bounds every parameter shares: small enough to draw, to read, and to fit a C int.
MAX_ITEMS = 32
SmallInt = Annotated[int, Field(ge=-1000, le=1000), WHOLE]
Text = Annotated[str, Field(max_length=40)]
Name = Annotated[str, Field(min_length=1, max_length=40)]
# A JSON array is a list: strict validation would take only a Python tuple here.
Record = Annotated[tuple[Name, SmallInt], Strict(False)]


class Params(BaseModel):
    # Strict: each field takes its own JSON type only; true is not the number 1, nor 5 the
    # text "5". A new parameter is strict without anyone remembering to make it so.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


P = TypeVar("P", bound=Params)
Cast = dict[str, Any]
Events = list[dict[str, Any]]


@dataclass(frozen=True)
class Check(Generic[P]):
    """What a failing run of a scenario looks like, beyond a crash or a deadlock (which
    always count): the explorer (app/explore) searches schedules for a run it fails."""

    says: str  # shown by the page and the API: "the counter ends below 2 * times"
    # (parameters, the finished run's events, its status) -> what went wrong, or None.
    fails: Callable[[P, Events, str], str | None]


@dataclass(frozen=True)
class Scenario(Generic[P]):
    id: str
    title: str
    summary: str
    program: str
    params_model: type[P]
    watch: tuple[str, ...] = ()
    concepts: tuple[str, ...] = ()
    # What the page pre-fills; the API's own default stays 0 (POST /api/runs without pace_ms).
    default_pace_ms: int = 0
    # Paced operations on the run's longest path: see ``steps``.
    steps_of: Callable[[P], int] | None = None
    cast_of: Callable[[P], Cast] | None = None
    # How a run ends: "succeeded" unless the scenario goes wrong on purpose (a deadlock).
    ends_of: Callable[[P], str] | None = None
    check: Check[P] | None = None

    @property
    def path(self) -> Path:
        return PROGRAMS / self.program

    @cached_property
    def source(self) -> str:
        return self.path.read_text()

    @cached_property
    def params_schema(self) -> dict[str, Any]:
        return self.params_model.model_json_schema()

    @cached_property
    def defaults(self) -> dict[str, Any]:
        return self.params_model().model_dump(mode="json")

    def validate(self, params: dict[str, Any]) -> P:
        """Raises pydantic.ValidationError naming the field and the bound."""
        return self.params_model.model_validate(params)

    def steps(self, params: P) -> int:
        """How many paced operations a run with ``params`` makes on its longest path.

        Pacing sleeps after each traced operation (``app/tracing/gate.py``) and processes
        run at once, so a run at pace p takes about ``steps * p``: the chain of paced
        operations where each waits for the one before it, in its own process or in the
        one it waits for (a get for its put, a join for the child's last operation). The
        formulas are checked against real runs (tests/scenarios/test_steps.py)."""
        if self.steps_of is None:
            raise ValueError(f"scenario {self.id!r} has no step count")
        return self.steps_of(params)

    @cached_property
    def cast(self) -> Cast:
        """The cast of a default run (see ``cast_for``)."""
        return self.cast_for(self.params_model())

    def cast_for(self, params: P) -> Cast:
        """The processes (in the order they start) and the objects (in the order they
        appear, each with the processes that use it, in process order) of a run."""
        if self.cast_of is None:
            return {"processes": ["main"], "objects": []}
        return self.cast_of(params)

    def ends(self, params: P) -> str:
        """The status a run with ``params`` ends with (checked by the scenario tests)."""
        return "succeeded" if self.ends_of is None else self.ends_of(params)

    def render(self, params: Params) -> str:
        return source_mod.render(
            self.source, {name: getattr(params, name) for name in type(params).model_fields}
        )

    def make_program(self, params: Params) -> Program:
        """The program a run of this scenario runs, with ``params`` filled in."""
        return Program(
            name=self.id,
            source=self.render(params),
            filename=self.path.name,
            params=params.model_dump(mode="json"),
            watch=self.watch,
        )


def printed(text: str) -> int:
    """How many lines ``print(text)`` shows, each one paced (app/tracing/output.py splits
    what it writes the way ``str.splitlines`` does)."""
    end = text.rfind("\n") + 1
    return len(text[:end].splitlines()) + 1


def validation_messages(exc: ValidationError, prefix: str = "params") -> list[str]:
    """``"params.msgs: must contain \"END\"…"`` for each problem, naming field and bound."""
    out = []
    for err in exc.errors():
        where = ".".join([prefix, *(str(p) for p in err["loc"])])
        out.append(f"{where}: {err['msg'].removeprefix('Value error, ')}")
    return out
