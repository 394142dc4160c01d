// Where things go on the stage, as a pure function of the state.
//
// Processes are boxes side by side, in lanes (lanes.js): a lane per process, in order of
// appearance, or, when a run has many, a lane per kind of process (main, the pool's
// workers, …). Between two neighbouring lanes is a gap, and there is one more gap after
// the last for a channel whose other side has not shown up yet. A Queue or Pipe goes in
// the gap between its two sides, next to the smaller side (one producer feeding three
// workers sits right beside the producer). Shared memory (Value, Array) is a band under
// the lanes of the processes that map it, one band per set of lanes. A Manager's object
// lives inside its server's box.
//
// Any other shared object (a lock, an event, a barrier, one the page has no view for…)
// is a band too.
//
// Tracks are numbered for CSS grid lines: lane i spans lines 2i+1..2i+2, gap i spans
// 2i+2..2i+3. The stage draws the same placement across (wide) or down (narrow).

import { stored } from "../state.js";
import { lanes as lanesOf } from "./lanes.js";

/** Which column (lane) each process is in. */
function columns(lanes) {
  const col = new Map();
  lanes.forEach((lane, i) => lane.procs.forEach((name) => col.set(name, i)));
  return col;
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

// The gap for a channel whose sides are the processes in columns `a` and `b`.
function gapBetween(a, b, fallback, last) {
  if (!a.length && !b.length) return Math.min(fallback, last);
  if (!a.length || !b.length) {
    const side = a.length ? a : b;
    const at = Math.min(...side);
    return Math.min(at, last); // right after its one known side
  }
  // Anchor on the smaller side, at its member nearest to the other side.
  const [small, other] = a.length <= b.length ? [a, b] : [b, a];
  const towards = mean(other);
  const anchor = small.reduce((best, c) => (Math.abs(c - towards) < Math.abs(best - towards) ? c : best));
  if (towards > anchor) return anchor; // the gap just right of the anchor
  if (towards < anchor) return anchor - 1; // just left of it
  return Math.min(anchor, last);
}

function channelSides(state, type, name) {
  if (type === "queue") {
    const q = state.queues[name];
    return [q.producers, q.consumers];
  }
  const pipe = state.pipes[name];
  const [a, b] = pipe.ends;
  return [pipe.users[a] ?? [], b == null ? [] : (pipe.users[b] ?? [])];
}

function creator(state) {
  return state.order[0];
}

/**
 * The placement of everything on the stage:
 * {lanes: [{key, procs, label, detail, sameRole}], channels: [{key, type, name, gap}],
 *  bands: [{key, from, to, regions: [{key, type, name}]}], held: [{key, type, name, proc}],
 *  loose: [{key, type, name}]}
 * `from`/`to` are lane columns (inclusive); `gap` is a gap index (0 … lanes.length - 1).
 * `compact`: many processes, grouped by kind (lanes.js); by default, as the state says.
 */
export function place(state, compact) {
  const lanes = lanesOf(state, compact);
  const col = columns(lanes);
  const last = Math.max(0, lanes.length - 1);
  // A lane holding several of a channel's users counts once.
  const colsOf = (names) => [...new Set(names.map((n) => col.get(n)).filter((c) => c !== undefined))];
  const channels = [];
  const bands = new Map();
  const held = [];
  const loose = [];
  for (const { type, name } of state.objects) {
    const key = `${type}:${name}`;
    if (type === "queue" || type === "pipe") {
      const [from, to] = channelSides(state, type, name);
      const fallback = col.get(creator(state)) ?? 0;
      channels.push({ key, type, name, gap: gapBetween(colsOf(from), colsOf(to), fallback, last) });
    } else if (type === "manager") {
      const server = state.managers[name]?.server ?? null;
      if (server !== null && col.has(server)) held.push({ key, type, name, proc: server });
      else loose.push({ key, type, name });
    } else {
      // Anything else the processes share (a Value, an Array, a lock, an event…) is a band
      // under the boxes of the processes that use it.
      const users = colsOf(stored(state, type, name)?.users ?? []);
      const from = users.length ? Math.min(...users) : 0;
      const to = users.length ? Math.max(...users) : 0;
      const bandKey = `${from}-${to}`;
      if (!bands.has(bandKey)) bands.set(bandKey, { key: bandKey, from, to, regions: [] });
      bands.get(bandKey).regions.push({ key, type, name });
    }
  }
  return { lanes, channels, bands: [...bands.values()], held, loose };
}

// How wide a lane must be, in rem, and its share of what is left: a box; a compact box;
// a lane of several compact boxes, at least two of them across (stage.css's group grid).
function laneSize(procs, compact) {
  if (procs > 1) return { least: 18.5, share: Math.min(procs, 3) };
  return { least: compact ? 7.5 : 8.5, share: 1 };
}

/** The least width, in CSS px, a lane of `procs` processes needs side by side. */
export function laneMinPx(procs, compact = false) {
  return laneSize(procs, compact).least * 16 + 4;
}

/**
 * The grid track list for lanes of `sizes` processes: each lane, then its gap (an empty
 * gap is only a little space). Across, lanes share the width (a lane of several boxes a
 * larger share) and a channel's gap has a width range; drawn down, rows take the height
 * their content needs.
 */
export function tracks(sizes, usedGaps, down = false, compact = false) {
  const parts = [];
  for (let i = 0; i < sizes.length; i += 1) {
    const { least, share } = laneSize(sizes[i], compact);
    parts.push(down ? "auto" : `minmax(${least}rem, ${share}fr)`);
    if (!usedGaps.has(i)) parts.push("0.6rem");
    else parts.push(down ? "auto" : "minmax(7.5rem, 12rem)");
  }
  return parts.join(" ");
}
