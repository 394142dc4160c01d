// Where things go on the stage, as a pure function of the state.
//
// Processes are boxes side by side, in order of appearance; between two neighbouring
// boxes is a gap, and there is one more gap after the last box for a channel whose other
// side has not shown up yet. A Queue or Pipe goes in the gap between its two sides, next
// to the smaller side (one producer feeding three workers sits right beside the
// producer). Shared memory (Value, Array) is a band under the boxes of the processes that
// map it, one band per set of processes. A Manager's object lives inside its server's box.
//
// Any other shared object (a lock, an event, a barrier…) is a band too.
//
// Tracks are numbered for CSS grid lines: box i spans lines 2i+1..2i+2, gap i spans
// 2i+2..2i+3. The stage draws the same placement across (wide) or down (narrow).

import { stored } from "../state.js";

/** Which column each process is in. */
function columns(state) {
  const col = new Map();
  state.order.forEach((name, i) => col.set(name, i));
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

function creator(state, name) {
  return state.order[0] ?? name;
}

/**
 * The placement of everything on the stage:
 * {procs: [name], channels: [{key, type, name, gap}], bands: [{key, from, to, regions: [{key, type, name}]}],
 *  held: [{key, type, name, proc}], loose: [{key, type, name}]}
 * `from`/`to` are box columns (inclusive); `gap` is a gap index (0 … procs.length - 1).
 */
export function place(state) {
  const col = columns(state);
  const last = Math.max(0, state.order.length - 1);
  const colsOf = (names) => names.map((n) => col.get(n)).filter((c) => c !== undefined);
  const channels = [];
  const bands = new Map();
  const held = [];
  const loose = [];
  for (const { type, name } of state.objects) {
    const key = `${type}:${name}`;
    if (type === "queue" || type === "pipe") {
      const [from, to] = channelSides(state, type, name);
      const fallback = col.get(creator(state, name)) ?? 0;
      channels.push({ key, type, name, gap: gapBetween(colsOf(from), colsOf(to), fallback, last) });
    } else if (type === "manager") {
      const server = state.managers[name].server;
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
  return { procs: state.order, channels, bands: [...bands.values()], held, loose };
}

/**
 * The grid track list for `n` boxes: each box, then its gap (an empty gap is only a little
 * space). Across, boxes share the width and a channel's gap has a width range; drawn down,
 * rows take the height their content needs.
 */
export function tracks(n, usedGaps, down = false) {
  const parts = [];
  for (let i = 0; i < n; i += 1) {
    parts.push(down ? "auto" : "minmax(8.5rem, 1fr)");
    if (!usedGaps.has(i)) parts.push("0.6rem");
    else parts.push(down ? "auto" : "minmax(7.5rem, 12rem)");
  }
  return parts.join(" ");
}
