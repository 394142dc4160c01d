"""Scenarios about multiprocessing.shared_memory."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from app.scenarios.model import Cast, Name, Params, Scenario, printed


class BlockParams(Params):
    left: Name = Field(default="Hello, ", description="The text p1 writes into the first part of the block.")
    right: Name = Field(default="world!", description="The text p2 writes right after it.")


def _block_steps(p: BlockParams) -> int:
    # main starts p1 and p2 (each writes once and closes while main starts the next), joins
    # both, reads the block, prints, closes and unlinks.
    return 7 + printed(f"The block holds: {p.left}{p.right}")


def _block_cast(_p: BlockParams) -> Cast:
    return {
        "processes": ["main", "p1", "p2"],
        "objects": [{"type": "shm", "name": "shm", "users": ["main", "p1", "p2"]}],
    }


SCENARIOS: tuple[Scenario[Any], ...] = (
    Scenario(
        id="shared-memory-block",
        title="One block, many processes: SharedMemory",
        summary=(
            "The parent makes a block of shared memory; two children attach to it by its name "
            "and each writes its half. The parent then reads the whole block, "
            "closes it and unlinks it, so nothing is left behind."
        ),
        program="shm_block.py",
        params_model=BlockParams,
        concepts=("SharedMemory", "shared memory"),
        default_pace_ms=400,
        steps_of=_block_steps,
        cast_of=_block_cast,
    ),
)
