// An object the page has no view of its own for: one named only by events of a kind the
// page does not know (reduce/others.js), or of a type a newer reducer keeps but no view
// draws yet. It is still on the stage, in the band under the processes that used it:
// what kind of thing it is, its name, who used it and what was done to it last.

import { h, nameCode, procChip, setText, toggle } from "../dom.js";
import { stored } from "../state.js";

export class GenericView {
  constructor(name, type = "other") {
    this.name = name;
    this.type = type;
    this.kind = h("span", { class: "kind" });
    this.meta = h("span", { class: "meta" });
    this.users = h("p", { class: "users" });
    this.lastDone = h("p", { class: "note" });
    this.el = h(
      "section",
      { class: "obj region generic", dataset: { obj: name, kind: type }, "aria-label": `object ${name}` },
      h("h3", {}, this.kind, " ", nameCode(name), " ", this.meta),
      this.users,
      this.lastDone,
    );
  }

  render(state) {
    const obj = stored(state, this.type, this.name) ?? {};
    if (obj === this.obj && state.order === this.order && state.last === this.lastEvent) return;
    this.obj = obj;
    this.order = state.order;
    this.lastEvent = state.last;
    const kind = String(obj.kind ?? this.type);
    setText(this.kind, kind);
    this.el.setAttribute("aria-label", `${kind} ${this.name}`);
    this.el.dataset.kind = kind;
    const count = obj.count ?? 0;
    setText(this.meta, count ? (count === 1 ? "1 event" : `${count} events`) : "");
    toggle(this.el, "is-current", state.last?.obj === this.name);
    const users = (obj.users ?? []).filter((p) => state.procs[p]);
    const key = `${users.join(",")}|${state.order.length}`;
    if (this.users.dataset.key !== key) {
      this.users.dataset.key = key;
      this.users.replaceChildren(
        h("span", { class: "label" }, "used by"),
        ...(users.length ? users.map((p) => procChip(state, p)) : [h("span", { class: "none" }, "—")]),
      );
    }
    const last = obj.last;
    setText(this.lastDone, last ? `last: ${last.kind}${last.proc ? ` by ${last.proc}` : ""}` : "");
  }
}
