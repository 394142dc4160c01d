// All events of one run, and the reducer's state after any of them.
//
// The state after event k is the fold of events 0..k; to make seeking cheap the history
// keeps the state every CHECKPOINT events (old states share structure with new ones, so
// this costs little) and folds forward from the nearest one. The newest state is kept
// as it is computed, so following a live run costs one reduce per event.
//
// It also keeps each event's time on the run's clock (`times`). Events are ordered by
// causality first, so a recorded `t` can be a little earlier than the one before it (two
// processes' clocks read microseconds apart); `times[k]` is the latest `t` up to event k,
// which never goes back, so real-time playback and the time-scaled timeline can search it.

import { initialState, reduce } from "./reducer.js";

const CHECKPOINT = 64;

export class History {
  constructor() {
    this.events = [];
    this.checkpoints = [initialState()]; // checkpoints[i]: state after i * CHECKPOINT events
    this.tail = this.checkpoints[0]; // state after every event so far
    this.cache = { index: -1, state: this.tail };
    this.times = [];
  }

  get length() {
    return this.events.length;
  }

  get ended() {
    return this.tail.last?.kind === "run.end";
  }

  /** Add events in order; ones already seen (a resumed stream can repeat them) are skipped. */
  append(events) {
    let added = 0;
    for (const event of events) {
      if (event.seq !== undefined && event.seq < this.events.length) continue;
      this.events.push(event);
      const t = Number.isFinite(event.t) ? event.t : 0;
      this.times.push(Math.max(t, this.times.length ? this.times[this.times.length - 1] : t));
      this.tail = reduce(this.tail, event);
      if (this.events.length % CHECKPOINT === 0) this.checkpoints.push(this.tail);
      added += 1;
    }
    return added;
  }

  /** The last event at or before `time` on the run's clock (-1: none), by binary search. */
  indexAtTime(time) {
    const { times } = this;
    let lo = 0;
    let hi = times.length; // the answer is lo - 1 once lo === hi: times[lo - 1] <= time < times[lo]
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (times[mid] <= time) lo = mid + 1;
      else hi = mid;
    }
    return lo - 1;
  }

  /** The state after event `index` (-1: before any event). */
  stateAt(index) {
    const last = this.events.length - 1;
    index = Math.max(-1, Math.min(index, last));
    if (index === last) return this.tail;
    if (index === this.cache.index) return this.cache.state;
    const count = index + 1;
    let applied = Math.floor(count / CHECKPOINT) * CHECKPOINT;
    let state = this.checkpoints[applied / CHECKPOINT];
    // Stepping forward from the state on screen is cheaper than from the checkpoint.
    if (this.cache.index + 1 > applied && this.cache.index < index) {
      applied = this.cache.index + 1;
      state = this.cache.state;
    }
    for (let i = applied; i < count; i += 1) state = reduce(state, this.events[i]);
    this.cache = { index, state };
    return state;
  }
}
