// shared_memory: SharedMemory blocks and ShareableLists. A block is one object whoever maps
// it (the tracer names an attach after the block's creator); its cells are its bytes, or a
// ShareableList's items, each with who wrote it last.

import { addName, put, span, stored, withObject } from "../state.js";

// The bytes drawn of a block: a block is often a page or more, a learner reads the first few.
export const SHOWN_BYTES = 64;

/** A block's state (an empty one before its first event; castState can use it too). */
export function blockOf(state, name) {
  return (
    stored(state, "shm", name) ?? {
      name,
      block: null, // its name in the operating system
      list: false, // a ShareableList's block: cells are items, not bytes
      size: 0,
      cells: [], // {value, repr, writer, seq, version}
      version: 0,
      read: null, // {proc, seq, start, stop}
      write: null, // {proc, seq, start, stop}
      closed: {}, // proc → seq: processes that no longer map it
      unlinked: null, // {proc, seq, error}
      users: [],
    }
  );
}

const blank = (value = 0) => ({ value, repr: null, writer: null, seq: null, version: 0 });

function used(state, ev, change) {
  const block = blockOf(state, ev.obj);
  return withObject(state, "shm", ev.obj, { ...block, ...change(block), users: addName(block.users, ev.proc) });
}

function made(state, ev) {
  return used(state, ev, (block) => {
    const items = ev.list && Array.isArray(ev.value) ? ev.value : null;
    const count = items ? items.length : Math.min(ev.size ?? 0, SHOWN_BYTES);
    const cells = block.cells.length ? block.cells : Array.from({ length: count }, (_, i) => blank(items ? items[i] : ev.list ? null : 0));
    return { block: ev.block ?? block.block, list: Boolean(ev.list), size: ev.size ?? block.size, cells };
  });
}

// A read or write of the cells [start, stop) (a stepped slice: every step-th of them).
function where(ev) {
  const [start, stop] = span(ev.index);
  return { proc: ev.proc, seq: ev.seq, start, stop, step: ev.step ?? 1 };
}

function written(state, ev) {
  return used(state, ev, (block) => {
    const range = where(ev);
    const values = Array.isArray(ev.index) ? (Array.isArray(ev.value) ? ev.value : []) : [ev.value];
    const cells = block.cells.slice();
    const single = !Array.isArray(ev.index);
    values.forEach((value, k) => {
      const i = range.start + k * range.step;
      if (i < cells.length) {
        // A list item keeps Python's repr (a str, bytes, None); a byte is its number.
        const repr = single && block.list ? (ev.repr ?? null) : null;
        cells[i] = { value, repr, writer: ev.proc, seq: ev.seq, version: ev.version };
      }
    });
    return { cells, version: ev.version, write: range };
  });
}

// A blank block, for the picture before a run (castState).
export const BLANKS = { shm: blockOf };

export const BLOCKS = {
  "shm.new": made,
  "shm.attach": made,
  "shm.read"(state, ev) {
    return used(state, ev, () => ({ read: where(ev) }));
  },
  "shm.write": written,
  "shm.get"(state, ev) {
    return used(state, ev, () => ({ read: where(ev) }));
  },
  "shm.set": written,
  "shm.close"(state, ev) {
    return used(state, ev, (block) => ({ closed: put(block.closed, ev.proc, ev.seq) }));
  },
  "shm.unlink"(state, ev) {
    return used(state, ev, () => (ev.error ? {} : { unlinked: { proc: ev.proc, seq: ev.seq } }));
  },
};
