// A shared Array as a region of shared memory across the boxes of the processes that map
// it: one cell per element. A cell written at the current event lights up in the
// writer's colour; each keeps who wrote it last.

import { h, keyed, nameCode, procChip, procClass, setText, toggle } from "../dom.js";
import { pyrepr } from "../narrate.js";

export class ArrayView {
  constructor(name) {
    this.name = name;
    this.meta = h("span", { class: "meta" });
    this.users = h("p", { class: "users" });
    this.cells = h("ol", { class: "cells", start: 0, "aria-label": `cells of ${name}` });
    this.note = h("p", { class: "note" });
    this.el = h(
      "section",
      { class: "obj region array", dataset: { obj: name }, "aria-label": `shared array ${name}` },
      h("h3", {}, "Array ", nameCode(name), " ", this.meta),
      this.users,
      this.cells,
      this.note,
    );
  }

  render(state) {
    const array = state.arrays[this.name];
    const last = state.last;
    if (array === this.array && last === this.lastEvent) return;
    this.array = array;
    this.lastEvent = last;
    const current = last?.obj === this.name ? last : null;
    const writing = current?.kind === "array.set" ? array.write : null;
    const reading = current?.kind === "array.get" ? array.read : null;
    toggle(this.el, "is-current", current !== null);
    setText(this.meta, array.typecode ? `shared memory, typecode '${array.typecode}'` : "shared memory");
    this.users.replaceChildren(h("span", { class: "label" }, "mapped by"), ...array.users.map((p) => procChip(state, p)));
    keyed(
      this.cells,
      array.cells.map((cell, index) => ({ ...cell, index })),
      (cell) => cell.index,
      (cell) =>
        h("li", { class: "cell" }, h("span", { class: "idx" }, String(cell.index)), h("span", { class: "val" }), h("span", { class: "who" })),
      (el, cell) => {
        setText(el.querySelector(".val"), pyrepr(cell.value));
        setText(el.querySelector(".who"), cell.writer ?? "");
        el.className = `cell ${cell.writer ? procClass(state, cell.writer) : ""}`;
        const inRange = (r) => r && cell.index >= r.start && cell.index < r.stop;
        toggle(el, "lit", inRange(writing));
        toggle(el, "read", inRange(reading));
        el.title = cell.writer ? `written by ${cell.writer} (version ${cell.version})` : "not written yet";
      },
    );
    const notes = [];
    if (writing) notes.push(`${writing.proc} wrote [${range(writing)}]`);
    if (reading) notes.push(`${reading.proc} read [${range(reading)}]`);
    notes.push(`version ${array.version}`);
    setText(this.note, notes.join(" · "));
  }
}

function range(r) {
  return r.stop - r.start === 1 ? String(r.start) : `${r.start}:${r.stop}`;
}
