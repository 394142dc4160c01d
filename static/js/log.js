// An immutable list for the reducer's growing collections (queue items, consoles,
// messages received…), with push and shift in O(1) instead of an O(n) copy per event.
//
// Versions share one append-only buffer; each version sees only its own [start, end)
// window of it, so a push made for a newer version is invisible to older ones. When an
// older state is reduced again (seeking replays from a checkpoint), the item it pushes
// comes from the very event object already recorded at that position (the key), so the
// buffer is reused; any other push gets a fresh buffer. From outside no version ever
// changes: the observable contents are those of a plain immutable array.

export class Log {
  constructor(buffer = { items: [], keys: [] }, start = 0, end = 0) {
    this.buffer = buffer;
    this.start = start;
    this.end = end;
    Object.freeze(this);
  }

  static of(items, keys) {
    return new Log({ items: items.slice(), keys: keys.slice() }, 0, items.length);
  }

  get length() {
    return this.end - this.start;
  }

  at(index) {
    const i = index < 0 ? this.end + index : this.start + index;
    return i >= this.start && i < this.end ? this.buffer.items[i] : undefined;
  }

  /** A new version with `item` at the end; `key` is the event object that made it. */
  push(item, key) {
    const { items, keys } = this.buffer;
    if (items.length === this.end) {
      items.push(item);
      keys.push(key);
      return new Log(this.buffer, this.start, this.end + 1);
    }
    if (keys[this.end] === key) return new Log(this.buffer, this.start, this.end + 1);
    const fresh = Log.of(this.toArray(), keys.slice(this.start, this.end));
    return fresh.push(item, key);
  }

  /** A new version without the item at `index` (cheap at the front). */
  remove(index) {
    if (index === 0) return new Log(this.buffer, this.start + 1, this.end);
    const items = this.toArray();
    const keys = this.buffer.keys.slice(this.start, this.end);
    items.splice(index, 1);
    keys.splice(index, 1);
    return Log.of(items, keys);
  }

  findIndex(predicate) {
    const { items } = this.buffer;
    for (let i = this.start; i < this.end; i += 1) if (predicate(items[i])) return i - this.start;
    return -1;
  }

  /** Like Array.prototype.slice (negative positions count from the end). */
  slice(from = 0, to = this.length) {
    const n = this.length;
    const a = from < 0 ? Math.max(0, n + from) : Math.min(from, n);
    const b = to < 0 ? Math.max(0, n + to) : Math.min(to, n);
    return this.buffer.items.slice(this.start + a, this.start + Math.max(a, b));
  }

  toArray() {
    return this.buffer.items.slice(this.start, this.end);
  }

  toJSON() {
    return this.toArray();
  }

  [Symbol.iterator]() {
    return this.toArray()[Symbol.iterator]();
  }
}
