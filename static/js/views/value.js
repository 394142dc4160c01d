// A shared Value as a region of shared memory, drawn across the boxes of every process
// that maps it: one number, the same for all of them. A write lights it in the writer's
// colour. When every write so far added one to what its process had read (a counter),
// the region says what the count should be and what it is: the difference is the
// updates lost to the race (each process's read → write pairs are in its own box).

import { h, nameCode, procChip, procClass, setText, toggle } from "../dom.js";
import { pyrepr } from "../narrate.js";

export class ValueView {
  constructor(name) {
    this.name = name;
    this.meta = h("span", { class: "meta" });
    this.value = h("output", { class: "val" });
    this.writer = h("span", { class: "who" });
    this.users = h("p", { class: "users" });
    this.tally = h("p", { class: "tally", "aria-live": "off" });
    this.note = h("p", { class: "note" });
    this.box = h("div", { class: "box" }, h("code", { class: "attr" }, `${name}.value`), this.value, this.writer);
    this.el = h(
      "section",
      { class: "obj region value", dataset: { obj: name }, "aria-label": `shared value ${name}` },
      h("h3", {}, "Value ", nameCode(name), " ", this.meta),
      this.users,
      this.box,
      this.tally,
      this.note,
    );
  }

  render(state) {
    const box = state.values[this.name];
    const last = state.last;
    if (box === this.state && last === this.lastEvent) return;
    this.state = box;
    this.lastEvent = last;
    const current = last?.obj === this.name ? last : null;
    toggle(this.el, "is-current", current !== null);
    setText(this.meta, box.typecode ? `shared memory, typecode '${box.typecode}'` : "shared memory");
    this.users.replaceChildren(h("span", { class: "label" }, "mapped by"), ...box.users.map((p) => procChip(state, p)));
    setText(this.value, box.repr ?? pyrepr(box.value));
    setText(this.writer, box.writer ? `written by ${box.writer.proc}` : "initial value");
    this.box.className = `box ${box.writer ? procClass(state, box.writer.proc) : ""}`;
    toggle(this.box, "lit", current?.kind === "value.set");
    toggle(this.box, "read", current?.kind === "value.get");

    // Expected vs actual, for a counter: only when every write was a +1 of its read.
    const counter = box.writes.length > 0 && box.increments === box.writes.length && typeof box.initial === "number";
    if (counter) {
      const expected = box.initial + box.writes.length;
      const lost = expected - box.value;
      this.tally.replaceChildren(
        h("span", { class: "expected" }, `expected ${expected}`),
        " · ",
        h("span", { class: "actual" }, `actual ${box.value}`),
        " · ",
        h("span", { class: lost > 0 ? "lost" : "" }, lost === 1 ? "1 update lost" : `${lost} updates lost`),
      );
      this.tally.title = `${box.writes.length} increments of ${this.name}.value, starting from ${box.initial}`;
    } else {
      this.tally.replaceChildren();
    }
    const notes = [`version ${box.version}`];
    if (box.read) notes.push(`${box.read.proc} last read ${box.read.repr ?? pyrepr(box.read.value)}`);
    if (box.stale) {
      const s = box.lastStale;
      notes.push(
        `${box.stale} ${box.stale === 1 ? "write" : "writes"} on a stale read: ` +
          `${s.proc} read version ${s.read} but wrote version ${s.wrote}, ` +
          `overwriting ${s.wrote - s.read - 1} ${s.wrote - s.read - 1 === 1 ? "update" : "updates"}`,
      );
    }
    setText(this.note, notes.join(" · "));
    toggle(this.note, "warn", box.stale > 0);
  }
}
