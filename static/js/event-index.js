// Where each kind of operation happens in a run, for "jump to the next put" and the like:
// the ascending indices of the events of every kind, of every object family (all queue
// operations) and of every group (messages, memory), kept up to date as events arrive.
// Finding the next or previous one is a binary search, so the controls can ask on every
// frame whether there is one.

import { KINDS } from "./kinds.js";

// What a learner looks for, in plain words. Groups come from the schema (kinds.js).
const GROUP_LABELS = {
  message: "Messages (put, get, send, recv, manager calls)",
  memory: "Memory (reads and writes)",
  control: "Processes, waits and output",
};
const ANY_LABELS = {
  message: "any message",
  memory: "any read or write",
  control: "any process event, wait or output",
};
const FAMILY_LABELS = {
  queue: "any Queue operation",
  pipe: "any Pipe operation",
  value: "any Value operation",
  array: "any Array operation",
  manager: "any Manager operation",
  proc: "any process event",
  run: "run start and end",
};

const familyOf = (kind) => (kind.includes(".") ? kind.slice(0, kind.indexOf(".")) : kind);
const groupOf = (kind) => (Object.hasOwn(KINDS, kind) ? KINDS[kind].group : "control");

/** The first element of ascending `sorted` after `index` (dir > 0) or the last before it; -1: none. */
export function neighbour(sorted, index, dir) {
  let lo = 0;
  let hi = sorted.length;
  // lo ends at the first element > index (dir > 0) or >= index (dir < 0).
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (dir > 0 ? sorted[mid] <= index : sorted[mid] < index) lo = mid + 1;
    else hi = mid;
  }
  const at = dir > 0 ? lo : lo - 1;
  return at >= 0 && at < sorted.length ? sorted[at] : -1;
}

export class EventIndex {
  constructor() {
    this.seen = 0;
    this.lists = new Map(); // "kind:queue.put" | "family:queue" | "group:message" -> indices
    this.byKind = new Map(); // kind -> its three lists
    this.changed = false; // a new kind appeared since the owner last looked at `choices()`
  }

  update(events) {
    for (let i = this.seen; i < events.length; i += 1) {
      const { kind } = events[i];
      if (typeof kind !== "string") continue;
      let lists = this.byKind.get(kind);
      if (!lists) this.byKind.set(kind, (lists = this.listsOf(kind)));
      for (const list of lists) list.push(i);
    }
    this.seen = events.length;
  }

  // The three lists an event of `kind` goes in (found once per kind, not per event).
  listsOf(kind) {
    this.changed = true;
    return [`kind:${kind}`, `family:${familyOf(kind)}`, `group:${groupOf(kind)}`].map((key) => {
      if (!this.lists.has(key)) this.lists.set(key, []);
      return this.lists.get(key);
    });
  }

  /** The event after (dir > 0) or before `index` that matches `key`; -1: none. */
  next(key, index, dir) {
    const list = this.lists.get(key);
    return list ? neighbour(list, index, dir) : -1;
  }

  /**
   * What can be jumped to in this run, for a menu: one entry per group present, with
   * "any …" for the group and each object family and the kinds themselves.
   * @returns {{label: string, options: {value: string, label: string}[]}[]}
   */
  choices() {
    this.changed = false;
    const out = [];
    for (const group of Object.keys(GROUP_LABELS)) {
      if (!this.lists.has(`group:${group}`)) continue;
      const kinds = [...this.lists.keys()]
        .filter((key) => key.startsWith("kind:") && groupOf(key.slice(5)) === group)
        .map((key) => key.slice(5))
        .sort();
      const families = [...new Set(kinds.map(familyOf))].filter((f) => Object.hasOwn(FAMILY_LABELS, f));
      const options = [{ value: `group:${group}`, label: ANY_LABELS[group] }];
      // A family is worth its own entry only when it has more than one kind here.
      for (const family of families) {
        if (kinds.filter((k) => familyOf(k) === family).length > 1) {
          options.push({ value: `family:${family}`, label: FAMILY_LABELS[family] });
        }
      }
      for (const kind of kinds) options.push({ value: `kind:${kind}`, label: kind });
      out.push({ label: GROUP_LABELS[group], options });
    }
    return out;
  }
}
