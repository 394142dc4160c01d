// Ordinary variables live in each process's own memory. For each watched variable
// (events of kind `var`) this shows every process's copy side by side: the child's copy
// fills up while the parent's stays as it was.

import { h, keyed, procClass, setText, toggle } from "../dom.js";
import { pyrepr } from "../narrate.js";

const isEmpty = (value) =>
  value === null ||
  (Array.isArray(value) && value.length === 0) ||
  (typeof value === "object" && Object.keys(value).length === 0);

export class MemoryView {
  constructor(root) {
    this.el = h(
      "section",
      { class: "obj memory", "aria-label": "each process's own variables" },
      h("h3", {}, "Separate memory"),
      h("p", { class: "hint" }, "Each process has its own copy of these variables."),
    );
    this.vars = h("div", { class: "vars" });
    this.el.append(this.vars);
    root.append(this.el);
  }

  render(state) {
    const last = state.last;
    if (state.vars === this.vars_ && last === this.lastEvent) return;
    this.vars_ = state.vars;
    this.lastEvent = last;
    keyed(
      this.vars,
      Object.keys(state.vars),
      (name) => name,
      (name) =>
        h(
          "div",
          { class: "var", dataset: { var: name } },
          h("h4", {}, h("code", {}, name)),
          h("ul", { class: "copies" }),
        ),
      (el, name) => this.renderVar(el.querySelector(".copies"), state, name),
    );
  }

  renderVar(list, state, name) {
    const copies = state.vars[name];
    const procs = state.order.filter((p) => copies[p]);
    keyed(
      list,
      procs,
      (proc) => proc,
      (proc) =>
        h(
          "li",
          { class: `copy ${procClass(state, proc)}`, dataset: { proc } },
          h("span", { class: "chip" }, proc),
          h("code", { class: "val" }),
        ),
      (el, proc) => {
        const copy = copies[proc];
        setText(el.querySelector(".val"), `${name} = ${copy.repr ?? pyrepr(copy.value)}`);
        toggle(el, "empty", isEmpty(copy.value));
        toggle(el, "lit", copy.seq === state.last?.seq);
      },
    );
  }
}
