// Lost updates on a shared Value: writes that overwrote another process's update.
//
// Every read of a Value (`value.get`) carries the version it saw and every write
// (`value.set`) the version it made. A process that reads version r and then writes
// computed its new value from r; if its write makes a version past r + 1, another
// process wrote in between, and that write's effect is gone. The reducer's "value.set"
// handler applies the same rule to count them on the stage.

/** Whether a write making `written` overwrote an update, given its process's own last read. */
export function isStaleWrite(readVersion, written) {
  return readVersion !== undefined && written > readVersion + 1;
}

/**
 * The indices of lost-update writes among a run's events, kept up to date as events
 * arrive: `update(events)` looks only at the events added since the last call, so
 * following a run costs O(1) per event.
 */
export class LostUpdates {
  constructor() {
    this.indices = []; // ascending event indices of stale writes
    this.seen = 0; // events looked at so far
    this.reads = new Map(); // Value name -> Map(process -> version it last read)
  }

  /** Look at `events[this.seen..]`; returns the indices found so far. */
  update(events) {
    for (let i = this.seen; i < events.length; i += 1) {
      const ev = events[i];
      if (ev.kind !== "value.get" && ev.kind !== "value.set") continue;
      let reads = this.reads.get(ev.obj);
      if (!reads) this.reads.set(ev.obj, (reads = new Map()));
      if (ev.kind === "value.get") reads.set(ev.proc, ev.version);
      else {
        if (isStaleWrite(reads.get(ev.proc), ev.version)) this.indices.push(i);
        // The read is used up: a second write without a new read is a plain store.
        reads.delete(ev.proc);
      }
    }
    this.seen = events.length;
    return this.indices;
  }
}

/** The indices of the events that are lost-update writes. */
export function lostUpdates(events) {
  return new LostUpdates().update(events).slice();
}
