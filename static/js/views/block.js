// A shared_memory block (or a ShareableList) as a region of shared memory across the boxes
// of the processes that map it, like a shared Array: one cell per byte (the first few) or
// per item. A cell written at the current event lights up in the writer's colour; each
// names who wrote it last, so colour is never the only cue.

import { h, keyed, nameCode, procChip, procClass, setText, toggle } from "../dom.js";
import { pyrepr } from "../narrate.js";
import { SHOWN_BYTES } from "../reduce/blocks.js";

// A byte as a learner reads it: its character when it prints as one, else Python's escape.
function byteText(value) {
  if (typeof value !== "number") return pyrepr(value);
  if (value >= 0x20 && value < 0x7f) return String.fromCharCode(value);
  return `\\x${value.toString(16).padStart(2, "0")}`;
}

const inRange = (r, i) => r != null && i >= r.start && i < r.stop && (i - r.start) % r.step === 0;

export class BlockView {
  constructor(name) {
    this.name = name;
    this.kind = h("span", { class: "kind" }, "SharedMemory");
    this.meta = h("span", { class: "meta" });
    this.users = h("p", { class: "users" });
    this.cells = h("ol", { class: "cells", start: 0, "aria-label": `cells of ${name}` });
    this.note = h("p", { class: "note" });
    this.el = h(
      "section",
      { class: "obj region block", dataset: { obj: name }, "aria-label": `shared memory block ${name}` },
      h("h3", {}, this.kind, " ", nameCode(name), " ", this.meta),
      this.users,
      this.cells,
      this.note,
    );
  }

  render(state) {
    const block = state.blocks?.[this.name];
    const last = state.last;
    if (!block || (block === this.block && last === this.lastEvent)) return;
    this.block = block;
    this.lastEvent = last;
    const current = last?.obj === this.name ? last : null;
    const writing = current?.kind === "shm.write" || current?.kind === "shm.set" ? block.write : null;
    const reading = current?.kind === "shm.read" || current?.kind === "shm.get" ? block.read : null;
    toggle(this.el, "is-current", current !== null);
    toggle(this.el, "list", block.list);
    toggle(this.el, "unlinked", block.unlinked !== null);
    setText(this.kind, block.list ? "ShareableList" : "SharedMemory");
    const unit = block.list ? "items" : "bytes";
    setText(this.meta, block.block ? `${block.block}, ${block.size} ${unit}` : "");
    const mapping = block.users.filter((p) => !(p in block.closed));
    this.users.replaceChildren(h("span", { class: "label" }, "mapped by"), ...mapping.map((p) => procChip(state, p)));
    keyed(
      this.cells,
      block.cells.map((cell, index) => ({ ...cell, index })),
      (cell) => cell.index,
      () => h("li", { class: "cell" }, h("span", { class: "idx" }), h("span", { class: "val" }), h("span", { class: "who" })),
      (el, cell) => {
        setText(el.querySelector(".idx"), String(cell.index));
        const text = block.list ? (cell.repr ?? pyrepr(cell.value)) : byteText(cell.value);
        setText(el.querySelector(".val"), text);
        setText(el.querySelector(".who"), cell.writer ?? "");
        el.className = `cell ${cell.writer ? procClass(state, cell.writer) : ""}`;
        toggle(el, "lit", inRange(writing, cell.index));
        toggle(el, "read", inRange(reading, cell.index));
        el.dataset.writer = cell.writer ?? "";
        const what = block.list ? text : `${cell.value}`;
        el.title = cell.writer ? `${what}, written by ${cell.writer} (version ${cell.version})` : `${what}, not written yet`;
      },
    );
    setText(this.note, this.notes(block, writing, reading).join(" · "));
  }

  notes(block, writing, reading) {
    const notes = [];
    if (writing) notes.push(`${writing.proc} wrote [${range(writing)}]`);
    if (reading) notes.push(`${reading.proc} read [${range(reading)}]`);
    if (!block.list && block.size > SHOWN_BYTES) notes.push(`first ${SHOWN_BYTES} of ${block.size} bytes shown`);
    notes.push(`version ${block.version}`);
    const closed = Object.keys(block.closed);
    if (closed.length) notes.push(`closed by ${closed.join(", ")}`);
    if (block.unlinked) notes.push(`unlinked by ${block.unlinked.proc}: freed once nobody maps it`);
    return notes;
  }
}

function range(r) {
  if (r.stop - r.start === 1) return String(r.start);
  return r.step === 1 ? `${r.start}:${r.stop}` : `${r.start}:${r.stop}:${r.step}`;
}

// object type → view class, merged into the stage's VIEWS
export const VIEWS = { shm: BlockView };
