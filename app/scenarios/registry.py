"""The scenarios mpscope can run: a fixed, reviewed set with bounded parameters.

Each scenario is a plain program under ``programs/`` plus what the server and the page
need to know about it: a title, a short explanation, its parameters (a pydantic model,
published as JSON Schema) and the variables whose per-process values are worth showing.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from app.runs.program import Program
from app.scenarios import source as source_mod

PROGRAMS = Path(__file__).parent / "programs"

# Bounds every parameter shares: small enough to draw, to read, and to fit a C int.
MAX_ITEMS = 32
SmallInt = Annotated[int, Field(ge=-1000, le=1000)]
Text = Annotated[str, Field(max_length=40)]
Name = Annotated[str, Field(min_length=1, max_length=40)]


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SquaresParams(Params):
    mylist: list[SmallInt] = Field(
        default=[1, 2, 3, 4],
        max_length=MAX_ITEMS,
        description=f"The numbers to square: up to {MAX_ITEMS} integers from -1000 to 1000.",
    )


class ManagerParams(Params):
    records: list[tuple[Name, SmallInt]] = Field(
        default=[("Sam", 10), ("Adam", 9), ("Kevin", 9)],
        max_length=MAX_ITEMS - 1,
        description="The list the manager starts with: [name, score] pairs.",
    )
    new_record: tuple[Name, SmallInt] = Field(
        default=("Jeff", 8), description="The [name, score] pair p1 appends."
    )


class PipeParams(Params):
    msgs: list[Text] = Field(
        default=["hello", "hey", "hru?", "END"],
        min_length=1,
        max_length=MAX_ITEMS,
        description='Messages to send, in order; the receiver stops at "END", so it must be there.',
    )

    @field_validator("msgs")
    @classmethod
    def _has_end(cls, msgs: list[str]) -> list[str]:
        if "END" not in msgs:
            raise ValueError('must contain "END": the receiver waits for it and would never stop')
        return msgs


class FloodParams(Params):
    count: int = Field(
        default=2000, ge=1, le=20_000, description="How many numbers go through the queue (1 to 20,000)."
    )


class RaceParams(Params):
    times: int = Field(default=200, ge=1, le=2000, description="Increments each of the two processes makes.")
    use_lock: bool = Field(default=False, description="Hold the Value's lock around each increment.")


class PoolParams(Params):
    numbers: list[SmallInt] = Field(
        default=[1, 2, 3, 4, 5, 6, 7, 8],
        max_length=MAX_ITEMS,
        description=f"The numbers to square: up to {MAX_ITEMS} integers from -1000 to 1000.",
    )
    workers: int = Field(default=3, ge=1, le=4, description="How many worker processes share the work.")


@dataclass(frozen=True)
class Scenario:
    id: str
    title: str
    summary: str
    program: str
    params_model: type[Params]
    watch: tuple[str, ...] = ()
    concepts: tuple[str, ...] = ()

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

    def validate(self, params: dict[str, Any]) -> Params:
        """Raises pydantic.ValidationError naming the field and the bound."""
        return self.params_model.model_validate(params)

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


SCENARIOS: dict[str, Scenario] = {
    s.id: s
    for s in (
        Scenario(
            id="separate-memory",
            title="Separate memory",
            summary=(
                "A child process fills its copy of a global list while the parent's copy "
                "stays empty. Processes do not share ordinary variables: each has its own memory."
            ),
            program="separate_memory.py",
            params_model=SquaresParams,
            watch=("result",),
            concepts=("Process", "memory"),
        ),
        Scenario(
            id="shared-memory",
            title="Shared memory: Value and Array",
            summary=(
                "A child writes squares into a shared Array and their sum into a shared Value. "
                "Both live in memory that parent and child map together, "
                "so the parent reads the child's writes."
            ),
            program="shared_memory.py",
            params_model=SquaresParams,
            concepts=("Array", "Value"),
        ),
        Scenario(
            id="manager",
            title="Server process: a Manager's list",
            summary=(
                "A Manager runs a server process that holds a real list; "
                "the other processes get proxies. "
                "Every append or read is a message to the server and a reply back."
            ),
            program="manager_list.py",
            params_model=ManagerParams,
            concepts=("Manager", "proxy"),
        ),
        Scenario(
            id="queue",
            title="Message passing: a Queue",
            summary=(
                "One process puts squares into a Queue, another takes them out in the same order. "
                "A Queue is safe for many producers and consumers."
            ),
            program="queue_squares.py",
            params_model=SquaresParams,
            concepts=("Queue",),
        ),
        Scenario(
            id="pipe",
            title="Message passing: a Pipe",
            summary=(
                "Two processes talk through the two ends of a Pipe until the sender says END. "
                "Both run at once, so their printed lines interleave differently from run to run."
            ),
            program="pipe_messages.py",
            params_model=PipeParams,
            concepts=("Pipe",),
        ),
        Scenario(
            id="queue-flood",
            title="A Queue under load",
            summary=(
                "A producer pushes thousands of numbers through a Queue while a consumer drains it. "
                "Watch who waits for whom, and how a Queue keeps every item in order."
            ),
            program="queue_flood.py",
            params_model=FloodParams,
            concepts=("Queue", "throughput"),
        ),
        Scenario(
            id="value-race",
            title="A race on a shared Value",
            summary=(
                "Two processes add to one shared Value; without its lock some additions are lost. "
                "Every read and write carries the Value's version: a write that lands more than one "
                "version after its own read has overwritten another process's update."
            ),
            program="value_race.py",
            params_model=RaceParams,
            concepts=("Value", "Lock", "race condition"),
        ),
        Scenario(
            id="worker-pool",
            title="A pool of workers",
            summary=(
                "Workers take numbers from one task queue and put their squares on a result queue. "
                "Whoever is free takes the next task, so the work spreads differently every run."
            ),
            program="worker_pool.py",
            params_model=PoolParams,
            concepts=("Queue", "Process", "sentinel"),
        ),
    )
}


def validation_messages(exc: ValidationError, prefix: str = "params") -> list[str]:
    """``"params.msgs: must contain \"END\"…"`` for each problem, naming field and bound."""
    out = []
    for err in exc.errors():
        where = ".".join([prefix, *(str(p) for p in err["loc"])])
        out.append(f"{where}: {err['msg'].removeprefix('Value error, ')}")
    return out


def get(scenario_id: str) -> Scenario:
    """Raises KeyError for an unknown id."""
    return SCENARIOS[scenario_id]
