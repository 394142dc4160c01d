// A Manager's shared object: the real list lives in the manager's server process; the
// other processes hold proxies, and every method call is a message to the server and a
// reply back. Each call is drawn as an arrow out (the call) and an arrow back (the result).

import { h, keyed, procChip, procClass, setText, toggle } from "../dom.js";
import { pyrepr } from "../narrate.js";

const CALLS_SHOWN = 8;

function item(value) {
  // A record is drawn as its fields side by side: the JSON copy cannot tell a tuple
  // from a list, so the page does not pretend to know which brackets it had.
  const fields = Array.isArray(value) ? value : [value];
  return h("li", { class: "record" }, ...fields.map((f) => h("span", { class: "field" }, pyrepr(f))));
}

function callText(call) {
  return `${call.method}(${(call.args ?? []).map(pyrepr).join(", ")})`;
}

function replyText(call) {
  if (call.phase === "sent") return "…";
  if (call.error) return call.error;
  return call.repr ?? pyrepr(call.value);
}

export class ManagerView {
  constructor(root, name) {
    this.name = name;
    this.server = h("span", { class: "server-name" });
    this.proxies = h("ul", { class: "proxies", "aria-label": "proxies" });
    this.calls = h("ol", { class: "calls", "aria-label": `calls to ${name}` });
    this.list = h("ol", { class: "held", start: 0, "aria-label": `${name} in the server process` });
    this.note = h("p", { class: "note" });
    this.el = h(
      "section",
      { class: "obj manager", "aria-label": `manager object ${name}` },
      h("h3", {}, "Manager object ", h("code", {}, name)),
      h(
        "div",
        { class: "manager-body" },
        h("div", { class: "proxy-side" }, h("p", { class: "label" }, "proxies"), this.proxies),
        this.calls,
        h("div", { class: "server" }, h("p", { class: "label" }, "server process ", this.server), this.list),
      ),
      this.note,
    );
    root.append(this.el);
  }

  render(state) {
    const manager = state.managers[this.name];
    const last = state.last;
    if (manager === this.manager && last === this.lastEvent) return;
    this.manager = manager;
    this.lastEvent = last;
    const current = last?.obj === this.name ? last : null;
    toggle(this.el, "is-current", current !== null);

    this.server.replaceChildren(manager.server ? procChip(state, manager.server) : "…");
    this.proxies.replaceChildren(
      ...manager.proxies.map((p) => h("li", {}, procChip(state, p), h("span", { class: "arrow" }, "proxy"))),
    );
    const held = Array.isArray(manager.state) ? manager.state : [];
    keyed(
      this.list,
      held.map((value, index) => ({ value, index })),
      (row) => `${row.index}:${JSON.stringify(row.value)}`,
      (row) => item(row.value),
      (el, row) => {
        const touched =
          current?.kind === "manager.serve" &&
          (current.method === "append" ? row.index === held.length - 1 : current.args?.[0] === row.index);
        toggle(el, "lit", touched);
      },
    );

    keyed(
      this.calls,
      manager.calls.slice(-CALLS_SHOWN),
      (call) => call.msg ?? call.seq,
      (call) =>
        h(
          "li",
          { class: `call ${procClass(state, call.proc)}` },
          h("span", { class: "caller" }, call.proc ?? "?"),
          h("span", { class: "out-arrow", "aria-label": "call" }, `→ ${callText(call)}`),
          h("span", { class: "back-arrow", "aria-label": "reply" }),
        ),
      (el, call) => {
        el.dataset.phase = call.phase;
        setText(el.querySelector(".back-arrow"), `← ${replyText(call)}`);
        const steps = [call.seq, call.servedSeq, call.returnedSeq];
        toggle(el, "lit", current !== null && steps.includes(current.seq));
        toggle(el, "failed", Boolean(call.error));
      },
    );
    const open = manager.calls.filter((c) => c.phase !== "returned").length;
    const notes = [`${manager.calls.length} call${manager.calls.length === 1 ? "" : "s"}`];
    if (open) notes.push(`${open} waiting for a reply`);
    setText(this.note, notes.join(" · "));
  }
}
