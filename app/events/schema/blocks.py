"""multiprocessing.shared_memory: SharedMemory blocks and ShareableLists.

A block is named on the stage by the program's variable where it was created; every process
that attaches to it by its OS name (``block``) reports it under that same name. Reads and
writes through ``buf`` and a ShareableList's item gets and sets carry the version they saw or
made (``keys.write``), so a read comes after the write it saw, in whatever process.
"""

from __future__ import annotations

from typing import Annotated

from app.events import kinds as K
from app.events.schema.base import Doc, Event, Index, ValueEvent

Block = Annotated[str, Doc(description="The block's name in the operating system (SharedMemory.name).")]
Size = Annotated[int, Doc(description="A block's size in bytes; a ShareableList's length.")]
IsList = Annotated[bool, Doc(description="The block holds a ShareableList.")]
Step = Annotated[
    int | None, Doc(description="The slice's step, when not 1 (index then spans its first to last byte).")
]
Error = Annotated[str | None, Doc(description="The exception the call raised, as Python prints it.")]
Version = Annotated[int, Doc(description="Writes to the block so far: the one this read saw, or this write.")]


class ShmNew(ValueEvent, kw_only=True, tag=K.SHM_NEW):
    """A block made (``create=True``), or a ShareableList made from a sequence (``value``)."""

    say = (
        "[list=True] {proc} created ShareableList {obj} = {value} in shared memory block {block}",
        "{proc} created shared memory block {obj}: {size} bytes, named {block}",
    )

    block: Block
    size: Size
    list: IsList = False


class ShmAttach(Event, kw_only=True, tag=K.SHM_ATTACH):
    """This process mapped an existing block, found by its name."""

    say = (
        "[list=True] {proc} attached to ShareableList {obj} by its name {block}: {size} items",
        "{proc} attached to shared memory block {obj} by its name {block}: {size} bytes",
    )

    block: Block
    size: Size
    list: IsList = False


class ShmRead(ValueEvent, kw_only=True, tag=K.SHM_READ):
    """A read through ``buf``: one byte (``index``) or a slice (``[start, stop]``)."""

    say = ("{proc} read {obj}.buf[{index}:{step}]: {value}", "{proc} read {obj}.buf[{index}]: {value}")
    group = "memory"

    index: Index
    step: Step = None
    version: Version


class ShmWrite(ValueEvent, kw_only=True, tag=K.SHM_WRITE):
    """A write through ``buf``; ``value`` is what the bytes hold after it."""

    say = (
        "{proc} wrote {value} into {obj}.buf[{index}:{step}]",
        "{proc} wrote {value} into {obj}.buf[{index}]",
    )
    group = "memory"

    index: Index
    step: Step = None
    version: Version


class ShmGet(ValueEvent, kw_only=True, tag=K.SHM_GET):
    """A ShareableList item read."""

    say = ("{proc} read {obj}[{index}]: {value}",)
    group = "memory"

    index: int
    version: Version


class ShmSet(ValueEvent, kw_only=True, tag=K.SHM_SET):
    """A ShareableList item written; ``value`` is what the list holds there after it."""

    say = ("{proc} set {obj}[{index}] = {value}",)
    group = "memory"

    index: int
    version: Version


class ShmClose(Event, kw_only=True, tag=K.SHM_CLOSE):
    """This process unmapped the block; the block itself lives on until it is unlinked."""

    say = ("{proc} closed {obj}: this process no longer maps it (the block still exists)",)

    block: Block


class ShmUnlink(Event, kw_only=True, tag=K.SHM_UNLINK):
    """The block's name was removed: it is freed once no process maps it."""

    say = (
        "{proc} could not unlink {obj}: {error}",
        "{proc} unlinked {obj}: the name {block} is gone and the memory is freed once nobody maps it",
    )

    block: Block
    error: Error = None


EVENTS = (ShmNew, ShmAttach, ShmRead, ShmWrite, ShmGet, ShmSet, ShmClose, ShmUnlink)
