// A shared Value: one box in shared memory that every process using it points at. A
// write lights it up with the writer's name; a read shows who looked and what they saw.

import { h, procChip, procClass, setText, toggle } from "../dom.js";
import { pyrepr } from "../narrate.js";

export class ValueView {
  constructor(root, name) {
    this.name = name;
    this.meta = h("span", { class: "meta" });
    this.pointers = h("ul", { class: "pointers", "aria-label": `processes using ${name}` });
    this.value = h("output", { class: "val" });
    this.writer = h("span", { class: "who" });
    const attr = h("code", { class: "attr" }, `${name}.value`);
    this.box = h("div", { class: "box" }, attr, this.value, this.writer);
    this.note = h("p", { class: "note" });
    this.el = h(
      "section",
      { class: "obj value", "aria-label": `shared value ${name}` },
      h("h3", {}, "Value ", h("code", {}, name), " ", this.meta),
      h("div", { class: "value-body" }, this.pointers, this.box),
      this.note,
    );
    root.append(this.el);
  }

  render(state) {
    const box = state.values[this.name];
    const last = state.last;
    if (box === this.state && last === this.lastEvent) return;
    this.state = box;
    this.lastEvent = last;
    const current = last?.obj === this.name ? last : null;
    toggle(this.el, "is-current", current !== null);

    setText(this.meta, box.typecode ? `typecode '${box.typecode}', shared memory` : "shared memory");
    this.pointers.replaceChildren(
      ...box.users.map((p) => h("li", {}, procChip(state, p), h("span", { class: "arrow" }, "→"))),
    );
    setText(this.value, box.repr ?? pyrepr(box.value));
    setText(this.writer, box.writer ? `written by ${box.writer.proc}` : "initial value");
    this.box.className = `box ${box.writer ? procClass(state, box.writer.proc) : ""}`;
    toggle(this.box, "lit", current?.kind === "value.set");
    toggle(this.box, "read", current?.kind === "value.get");
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
