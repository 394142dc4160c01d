// How many items each Queue holds over a run: a put adds one, a get that returned an item
// takes one (a get that raised, e.g. queue.Empty, takes none). Kept up to date as events
// arrive, looking only at the new ones.

export class QueueDepths {
  constructor() {
    this.seen = 0;
    /** @type {Map<string, {at: number[], depth: number[], max: number, maxAt: number}>} */
    this.queues = new Map(); // per queue: the events that changed its depth, and the depth after each
  }

  update(events) {
    for (let i = this.seen; i < events.length; i += 1) {
      const ev = events[i];
      let delta;
      if (ev.kind === "queue.put") delta = 1;
      else if (ev.kind === "queue.get" && ev.error == null) delta = -1;
      else if (ev.kind === "queue.new") delta = 0;
      else continue;
      let q = this.queues.get(ev.obj);
      if (!q) this.queues.set(ev.obj, (q = { at: [], depth: [], max: 0, maxAt: -1 }));
      if (delta === 0) continue;
      const depth = (q.depth.length ? q.depth[q.depth.length - 1] : 0) + delta;
      q.at.push(i);
      q.depth.push(depth);
      if (depth > q.max) {
        q.max = depth;
        q.maxAt = i;
      }
    }
    this.seen = events.length;
    return this.queues;
  }

  /** Items in queue `name` after event `index` (0 before its first put). */
  depthAt(name, index) {
    const q = this.queues.get(name);
    if (!q) return 0;
    let lo = 0;
    let hi = q.at.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (q.at[mid] <= index) lo = mid + 1;
      else hi = mid;
    }
    return lo === 0 ? 0 : q.depth[lo - 1];
  }
}
