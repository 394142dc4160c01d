"""A run's events as a trace that Perfetto and chrome://tracing open.

(The NDJSON export is the events endpoint itself: ``/api/runs/{id}/events?format=ndjson``.)

The trace is the Trace Event Format's JSON object form. Each process of the run is a
trace process (its OS pid) with one thread, named by its logical name. Every event is a
complete ("X") slice; a ``*.wait`` lasts until the process's next event (the get, recv
or join it waited for). Flow arrows ("s" → "t" → "f") link each put/send to its
get/recv, each manager call to its serve and result, each spawn to the child's start and
each exit to the parent's join.

Why the layout is as it is:

- Events are stamped to the microsecond when the operation has completed, so an
  operation's slice is the microsecond that ends at its timestamp. Events of one process
  that share a microsecond are spread a few nanoseconds apart, below the clock's
  resolution, so no two slices of a track overlap.
- Perfetto binds a flow event to the slice open on its track at its timestamp, so flow
  points sit strictly inside their slices: a flow leaves near the start of the
  producer's slice and arrives near the end of the consumer's. A send's event is
  stamped after the bytes have left, so a receiver can stamp its recv first; the send
  then provably began after the sender's previous event, and its slice is widened back
  toward that event until the arrow runs forward in time.
- Perfetto reads ``ts`` and ``dur`` to the nanosecond and older versions truncate when
  doing so; margins of several nanoseconds keep each point inside its slice.
- Older Perfetto versions find ``ts`` by scanning an event's keys in order and stop on an
  array or a ``\\u`` escape before it, and ignore everything after an unknown top-level
  key; so every event starts with ``ph`` and ``ts``, and ``traceEvents`` comes first.
  ``displayTimeUnit`` is left out: some versions read ``ns`` as the unit of ``ts``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from app.events import kinds as K
from app.events import schema
from app.events.narration import narrate

OP_NS = 1_000  # an operation's slice: the microsecond its event was stamped in
MIN_NS = 10  # the narrowest slice, and twice the margin of a flow point inside one
NAME_MAX = 80  # slice names are narration sentences, cut to this length

Trace = dict[str, Any]


@dataclass
class _Slice:
    event: dict[str, Any]
    pid: int
    floor: int  # the end of the track's previous slice: the earliest this one may start
    start: int  # nanoseconds
    end: int
    until: int | None = None  # a wait: the seq of the event that ended it

    @property
    def first_point(self) -> int:
        """Where a flow leaves or passes through: just after the operation began."""
        return self.start + MIN_NS // 2

    @property
    def last_point(self) -> int:
        """Where a flow arrives: just before the operation completed."""
        return self.end - MIN_NS // 2


@dataclass
class _Flow:
    cat: str
    name: str
    slices: list[_Slice]


def chrome_trace(events: Sequence[dict[str, Any]], run: dict[str, Any] | None = None) -> Trace:
    """The run's events as a Trace Event Format JSON object (a dict to encode as JSON)."""
    tracks = _tracks(events)
    slices = {s.event["seq"]: s for track in tracks.values() for s in track}
    flows = _flows(events, slices)
    for flow in flows:
        _make_forward(flow)
    run_end = max((s.end for s in slices.values()), default=0)
    for track in tracks.values():
        _extend_waits(track, run_end)

    out: list[dict[str, Any]] = []
    for index, (pid, track) in enumerate(tracks.items()):
        out.extend(_metadata(pid, _track_name(track), index))
    body = [_slice_event(s) for s in slices.values()]
    for flow_id, flow in enumerate(flows, start=1):
        body.extend(_flow_events(flow_id, flow))
    body.sort(key=lambda e: (e["ts"], _PHASE_ORDER[e["ph"]]))
    out.extend(body)
    trace: Trace = {"traceEvents": out}
    if run is not None:
        trace["otherData"] = {k: v for k, v in run.items() if k != "source"}
    return trace


# Where slices and flow points share a timestamp, slices first: a flow binds to the slice
# that is open at its timestamp, so that slice must already be there.
_PHASE_ORDER = {"M": 0, "X": 1, "s": 2, "t": 3, "f": 4}


# -- layout --------------------------------------------------------------------------


def _tracks(events: Sequence[dict[str, Any]]) -> dict[int, list[_Slice]]:
    """One list of slices per process, ``main`` first, then in order of appearance."""
    by_pid: dict[int, list[dict[str, Any]]] = {}
    for event in events:
        by_pid.setdefault(int(event["pid"]), []).append(event)
    order = sorted(by_pid, key=lambda pid: (by_pid[pid][0]["proc"] != "main", by_pid[pid][0]["seq"]))
    tracks: dict[int, list[_Slice]] = {}
    for pid in order:
        track: list[_Slice] = []
        prev_end = 0
        for event in sorted(by_pid[pid], key=lambda e: (e["t"], e["seq"])):
            end = max(round(event["t"] * 1e9), prev_end + MIN_NS)
            track.append(_Slice(event, pid, prev_end, max(end - OP_NS, prev_end), end))
            prev_end = end
        tracks[pid] = track
    return tracks


def _extend_waits(track: list[_Slice], run_end: int) -> None:
    """A wait lasts until the process does anything else: the process is blocked."""
    for here, after in zip(track, [*track[1:], None], strict=True):
        if here.event["kind"] not in schema.WAIT_KINDS:
            continue
        here.end = max(after.start if after else run_end, here.end)
        here.until = after.event["seq"] if after else None


def _make_forward(flow: _Flow) -> None:
    """Widen slices back toward their process's previous event (see the module's
    docstring) until each flow point comes after the one before it."""
    points = flow.slices
    for i in range(len(points) - 2, -1, -1):
        here, target = points[i], points[i + 1]
        target_point = target.last_point if i + 1 == len(points) - 1 else target.first_point
        if here.first_point >= target_point:
            here.start = max(here.floor, min(here.start, target_point - MIN_NS))


# -- flows ---------------------------------------------------------------------------


def _flows(events: Sequence[dict[str, Any]], slices: dict[int, _Slice]) -> list[_Flow]:
    by_msg: dict[tuple[str, str], _Slice] = {}
    for event in events:
        msg = event.get("msg")
        if msg is not None:
            by_msg.setdefault((event["kind"], str(msg)), slices[event["seq"]])
    flows: list[_Flow] = []
    for event in events:
        kind, msg = event["kind"], event.get("msg")
        if msg is None or kind not in schema.PRODUCER_KINDS:
            continue
        chain = [slices[event["seq"]]]
        chain += [s for k in schema.CHAINS[kind] if (s := by_msg.get((k, str(msg)))) is not None]
        if len(chain) > 1:
            flows.append(_Flow(kind.split(".")[0], str(schema.KINDS[kind].flow), chain))
    flows.extend(_process_flows(events, slices))
    return flows


def _process_flows(events: Sequence[dict[str, Any]], slices: dict[int, _Slice]) -> list[_Flow]:
    """spawn → the child's start, and the child's own exit → the parent's join."""
    starts = {e["pid"]: e for e in events if e["kind"] == K.PROC_START}
    exits = {e["pid"]: e for e in events if e["kind"] == K.PROC_EXIT and e.get("reason") != "killed"}
    pids = {e["child"]: e["child_pid"] for e in events if e["kind"] == K.PROC_SPAWN}
    flows: list[_Flow] = []
    for event in events:
        if event["kind"] == K.PROC_SPAWN and event["child_pid"] in starts:
            child = starts[event["child_pid"]]
            flows.append(_Flow("proc", "spawn", [slices[event["seq"]], slices[child["seq"]]]))
        elif event["kind"] == K.PROC_JOIN and pids.get(event["child"]) in exits:
            exited = exits[pids[event["child"]]]
            flows.append(_Flow("proc", "exit", [slices[exited["seq"]], slices[event["seq"]]]))
    return flows


# -- trace events --------------------------------------------------------------------


def _us(ns: int) -> float:
    return ns / 1000


def _track_name(track: list[_Slice]) -> str:
    started = [s.event["proc"] for s in track if s.event["kind"] == K.PROC_START]
    return str(started[0] if started else track[0].event["proc"])


def _metadata(pid: int, name: str, index: int) -> list[dict[str, Any]]:
    common = {"ph": "M", "ts": 0, "pid": pid, "tid": pid}
    return [
        {**common, "name": "process_name", "args": {"name": name}},
        {**common, "name": "process_sort_index", "args": {"sort_index": index}},
        {**common, "name": "thread_name", "args": {"name": name}},
        {**common, "name": "thread_sort_index", "args": {"sort_index": 0}},
    ]


def _slice_name(event: dict[str, Any]) -> str:
    sentence = narrate(event)
    proc = f"{event['proc']} "
    if sentence.startswith(proc):  # the track already names the process
        sentence = sentence[len(proc) :]
    return sentence if len(sentence) <= NAME_MAX else sentence[: NAME_MAX - 1] + "…"


def _slice_event(s: _Slice) -> dict[str, Any]:
    event = s.event
    args = dict(event)
    if event["kind"] in schema.WAIT_KINDS:
        args["waited_us"] = _us(s.end - s.start)
        args["until_seq"] = s.until  # None: the run ended with the process still waiting
    return {
        "ph": "X",
        "ts": _us(s.start),
        "pid": s.pid,
        "tid": s.pid,
        "name": _slice_name(event),
        "cat": str(event["kind"]).split(".")[0],
        "dur": _us(s.end - s.start),
        "args": args,
    }


def _flow_events(flow_id: int, flow: _Flow) -> list[dict[str, Any]]:
    out = []
    last = len(flow.slices) - 1
    for i, s in enumerate(flow.slices):
        ph = "s" if i == 0 else "f" if i == last else "t"
        point = s.last_point if ph == "f" else s.first_point
        event: dict[str, Any] = {
            "ph": ph,
            "ts": _us(point),
            "pid": s.pid,
            "tid": s.pid,
            "name": flow.name,
            "cat": flow.cat,
            "id": flow_id,
        }
        if ph == "f":
            event["bp"] = "e"  # bind to the enclosing slice, not the next one
        out.append(event)
    return out
