// A Manager's shared object, drawn inside its server process's box: the real list lives
// there. The other processes hold proxies (shown in their own boxes), and every method
// call is a message to the server and a reply back: a call token flies from the caller's
// box to the server, waits here while it is served, and its reply flies back. The last
// few calls stay listed as arrows out and back.

import { h, keyed, procClass, setText, toggle } from "../dom.js";
import { pyrepr } from "../narrate.js";
import { parkedAt } from "./parked.js";

const CALLS_SHOWN = 4;

function item(value) {
  // A record is drawn as its fields side by side: the JSON copy cannot tell a tuple
  // from a list, so the page does not pretend to know which brackets it had.
  const fields = Array.isArray(value) ? value : [value];
  return h("li", { class: "record" }, ...fields.map((f) => h("span", { class: "field" }, pyrepr(f))));
}

export function callText(call) {
  return `${call.method}(${(call.args ?? []).map(pyrepr).join(", ")})`;
}

function replyText(call) {
  if (call.phase !== "returned" && call.phase !== "served") return "…";
  if (call.error) return call.error;
  return call.repr ?? pyrepr(call.value);
}

export class ManagerView {
  constructor(name) {
    this.name = name;
    this.list = h("ol", { class: "held", start: 0, "aria-label": `${name}, the real object, in the server process` });
    this.open = h("ol", { class: "open-calls", "aria-label": `calls to ${name} being served` });
    this.calls = h("ol", { class: "calls", "aria-label": `the last calls to ${name}` });
    this.parked = h("p", { class: "parked" });
    this.note = h("p", { class: "note" });
    this.el = h(
      "section",
      { class: "obj manager-object", dataset: { obj: name }, "aria-label": `manager object ${name}` },
      h("h3", {}, h("code", {}, name), " ", h("span", { class: "meta" }, "the real object")),
      this.list,
      this.open,
      this.parked,
      this.calls,
      this.note,
    );
  }

  render(state) {
    const manager = state.managers[this.name];
    const last = state.last;
    if (manager === this.manager && last === this.lastEvent && state.procs === this.procs) return;
    this.manager = manager;
    this.lastEvent = last;
    this.procs = state.procs;
    const current = last?.obj === this.name ? last : null;
    toggle(this.el, "is-current", current !== null);

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
    // Calls on their way or being served are tokens here; a returned call's token has
    // flown back to its caller's box.
    keyed(
      this.open,
      manager.calls.filter((c) => c.phase !== "returned" && c.msg != null),
      (call) => call.msg,
      (call) =>
        h(
          "li",
          { class: `call-token token ${procClass(state, call.proc)}`, dataset: { token: call.msg }, title: `a call from ${call.proc}` },
          h("span", { class: "caller" }, call.proc ?? "?"),
          h("code", {}, callText(call)),
        ),
    );
    parkedAt(this.parked, state, (wait) => wait.on === this.name);
    keyed(
      this.calls,
      manager.calls.slice(-CALLS_SHOWN),
      (call) => call.msg ?? call.seq,
      (call) =>
        h(
          "li",
          { class: `call ${procClass(state, call.proc)}` },
          h("span", { class: "caller" }, call.proc ?? "?"),
          h("span", { class: "out-arrow" }, `→ ${callText(call)}`),
          h("span", { class: "back-arrow" }),
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
