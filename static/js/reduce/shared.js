// Shared Value and Array: reads, writes, and the lost updates a read→write pair reveals.

import { addName, arrayOf, omit, shown, span, valueOf, withArray, withValue } from "../state.js";

export const SHARED = {
  "value.new"(state, ev) {
    const box = valueOf(state, ev.obj);
    return withValue(state, ev.obj, {
      ...box,
      ...shown(ev),
      initial: ev.value ?? null,
      typecode: ev.typecode ?? null,
      users: addName(box.users, ev.proc),
    });
  },
  "value.get"(state, ev) {
    const box = valueOf(state, ev.obj);
    return withValue(state, ev.obj, {
      ...box,
      read: { proc: ev.proc, seq: ev.seq, version: ev.version, ...shown(ev) },
      readBy: { ...box.readBy, [ev.proc]: ev.version },
      readValue: { ...box.readValue, [ev.proc]: ev.value ?? null },
      users: addName(box.users, ev.proc),
    });
  },
  "value.set"(state, ev) {
    const box = valueOf(state, ev.obj);
    // A write more than one version after this process's own read was computed from a
    // value another process had already changed: that change is overwritten (lost).
    const read = box.readBy[ev.proc];
    const stale = read !== undefined && ev.version > read + 1;
    const readValue = read === undefined ? undefined : box.readValue[ev.proc];
    const write = {
      proc: ev.proc,
      seq: ev.seq,
      read: read === undefined ? null : { value: readValue, version: read },
      ...shown(ev),
      version: ev.version,
      stale,
    };
    const increment = typeof readValue === "number" && ev.value === readValue + 1;
    return withValue(state, ev.obj, {
      ...box,
      ...shown(ev),
      version: ev.version,
      writer: { proc: ev.proc, seq: ev.seq },
      readBy: omit(box.readBy, ev.proc),
      readValue: omit(box.readValue, ev.proc),
      writes: box.writes.push(write, ev),
      increments: box.increments + (increment ? 1 : 0),
      stale: box.stale + (stale ? 1 : 0),
      lastStale: stale ? { proc: ev.proc, seq: ev.seq, read, wrote: ev.version } : box.lastStale,
      users: addName(box.users, ev.proc),
    });
  },
  "array.new"(state, ev) {
    const array = arrayOf(state, ev.obj);
    const values = Array.isArray(ev.value) ? ev.value : Array.from({ length: ev.size ?? 0 }, () => 0);
    const cells = values.map((value) => ({ value, writer: null, seq: null, version: 0 }));
    const users = addName(array.users, ev.proc);
    return withArray(state, ev.obj, { ...array, typecode: ev.typecode ?? null, cells, users });
  },
  "array.get"(state, ev) {
    const array = arrayOf(state, ev.obj);
    const [start, stop] = span(ev.index);
    return withArray(state, ev.obj, {
      ...array,
      read: { proc: ev.proc, seq: ev.seq, start, stop, version: ev.version },
      users: addName(array.users, ev.proc),
    });
  },
  "array.set"(state, ev) {
    const array = arrayOf(state, ev.obj);
    const [start, stop] = span(ev.index);
    const cells = array.cells.slice();
    const values = Array.isArray(ev.index) ? ev.value ?? [] : [ev.value];
    for (let i = start; i < stop; i += 1) {
      cells[i] = { value: values[i - start] ?? null, writer: ev.proc, seq: ev.seq, version: ev.version };
    }
    return withArray(state, ev.obj, {
      ...array,
      cells,
      version: ev.version,
      write: { proc: ev.proc, seq: ev.seq, start, stop },
      users: addName(array.users, ev.proc),
    });
  },
};
