// The stage as a pure function of the events: reduce(state, event) → new state.
//
// Live view, replay, step-back and the tests all go through this one function, so what
// the page shows at event k is exactly the fold of events 0..k. It never mutates its
// inputs: untouched parts of the state are shared with the previous state, which lets
// views skip work by comparing references, and lets the history keep old states cheaply.
// Lists that grow with the run are Logs (./log.js): immutable, with O(1) push and shift.

import { castState as castWith, initialState } from "./state.js";
import { touchProc } from "./reduce/common.js";
import { BLANKS as BLOCK_BLANKS, BLOCKS } from "./reduce/blocks.js";
import { LISTENERS } from "./reduce/listeners.js";
import { MANAGERS } from "./reduce/managers.js";
import { unknownEvent } from "./reduce/others.js";
import { PIPES } from "./reduce/pipes.js";
import { BLANKS as POOL_BLANKS, POOLS } from "./reduce/pools.js";
import { atFile, PROCESSES } from "./reduce/processes.js";
import { QUEUES } from "./reduce/queues.js";
import { SHARED } from "./reduce/shared.js";
import { BLANKS as SYNC_BLANKS, SYNC } from "./reduce/sync.js";

export { initialState } from "./state.js";

// Blank objects of the families' own types, for the picture before a run.
const BLANKS = { ...SYNC_BLANKS, ...POOL_BLANKS, ...BLOCK_BLANKS };

/** The picture before a run: the processes and objects of a scenario's cast (state.js). */
export function castState(cast) {
  return castWith(cast, BLANKS);
}

// One handler per kind, kept with its family in ./reduce/: a new family of primitives is
// one more module here. A kind handled twice is a mistake, caught at load.
const FAMILIES = [PROCESSES, QUEUES, PIPES, SHARED, MANAGERS, SYNC, POOLS, BLOCKS, LISTENERS];
const HANDLERS = {};
for (const family of FAMILIES) {
  for (const [kind, handler] of Object.entries(family)) {
    if (Object.hasOwn(HANDLERS, kind)) throw new Error(`two handlers for ${kind}`);
    HANDLERS[kind] = handler;
  }
}

/** The kinds the reducer has a handler for (a test checks they are all the schema's kinds). */
export const HANDLED_KINDS = Object.freeze(Object.keys(HANDLERS));

/** The state after `event`. Pure: neither argument is changed. */
export function reduce(state, event) {
  let next = { ...state, count: state.count + 1, last: event };
  if (event.proc != null && event.kind !== "run.start" && event.kind !== "run.end") {
    next = touchProc(next, event);
  }
  next = atFile(next, event);
  // A kind without a handler still shows the object it names (reduce/others.js).
  const handler = Object.hasOwn(HANDLERS, event.kind) ? HANDLERS[event.kind] : unknownEvent;
  return handler(next, event);
}

/** The state after all of `events`, from `state` (the initial state by default). */
export function reduceAll(events, state = initialState()) {
  let out = state;
  for (const event of events) out = reduce(out, event);
  return out;
}
