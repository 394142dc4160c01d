// A Manager's shared object, drawn inside its server process's box: the real object lives
// there (a list or Array's items, a dict or Namespace's entries, a Queue's items, a
// Value's value, a Lock's holder, an Event's flag). The other processes hold proxies
// (shown in their own boxes), and every method call is a message to the server and a
// reply back: a call token flies from the caller's box to the server, waits here while it
// is served (or is held, when the server makes it wait), and its reply flies back. The
// last few calls stay listed as arrows out and back.

import { h, keyed, nameCode, procClass, setText, toggle } from "../dom.js";
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

// How each type's real object is drawn: rows of {key, text, index?}.
const ENTRIES = new Set(["dict", "Namespace"]);
const KIND_WORD = { list: "list", dict: "dict", Namespace: "Namespace", Value: "Value", Array: "Array", Queue: "Queue", Lock: "Lock", Event: "Event" };

function rowsOf(type, held) {
  if (type === "Lock") {
    const text = held?.locked ? `held by ${held.holder ?? "someone"}` : "free";
    return [{ key: `lock:${text}`, state: text, flag: Boolean(held?.locked) }];
  }
  if (type === "Event") return [{ key: `event:${held}`, state: held ? "set" : "not set", flag: Boolean(held) }];
  if (type === "Value") return [{ key: `value:${JSON.stringify(held)}`, value: held, name: "value" }];
  if (Array.isArray(held)) return held.map((value, index) => ({ key: `${index}:${JSON.stringify(value)}`, value, index }));
  if (held !== null && typeof held === "object" && (ENTRIES.has(type) || type == null || !KIND_WORD[type])) {
    return Object.entries(held).map(([name, value]) => ({ key: `${name}=${JSON.stringify(value)}`, value, name }));
  }
  return [];
}

function row(type, r) {
  if (r.state != null) return h("li", { class: `flag ${r.flag ? "is-on" : "is-off"}` }, r.state);
  if (r.name != null) {
    return h("li", { class: "entry" }, h("span", { class: "key" }, r.name), " = ", h("span", { class: "field" }, pyrepr(r.value)));
  }
  return type === "list" ? item(r.value) : h("li", { class: "record" }, h("span", { class: "field" }, pyrepr(r.value)));
}

// Whether `r` is what the current serve touched.
function touches(current, type, rows, r) {
  if (current?.kind !== "manager.serve") return false;
  if (r.state != null || type === "Value") return true;
  if (r.name != null) return current.args?.[0] === r.name;
  if (current.method === "append" || current.method === "put") return r.index === rows.length - 1;
  return current.args?.[0] === r.index;
}

function heldText(call) {
  const why = { empty: "it is empty", full: "it is full", held: call.holder ? `${call.holder} holds it` : "it is held", unset: "it is not set" };
  return `${call.proc}'s ${call.method}() is held in the server: ${why[call.reason] ?? "it must wait"}`;
}

// A manager's server on the network, drawn in its server's box: the address it listens
// at, the types it offers, and each process that connected, or was turned away because
// its authkey was not the server's.
class EndpointView {
  constructor(name, el) {
    this.name = name;
    this.types = h("p", { class: "types" });
    this.clients = h("ul", { class: "clients", "aria-label": `connections to the server at ${name}` });
    this.note = h("p", { class: "note" });
    el.replaceChildren(
      h("h3", {}, h("span", { class: "meta" }, "listening at "), h("code", { class: "address" }, name)),
      this.types,
      this.clients,
      this.note,
    );
    el.classList.add("manager-endpoint");
    el.setAttribute("aria-label", `manager server at ${name}`);
    this.el = el;
  }

  render(state, endpoint, current) {
    setText(this.types, endpoint.types.length ? `offers ${endpoint.types.map((t) => `${t}()`).join(", ")}` : "");
    keyed(
      this.clients,
      endpoint.clients,
      (c) => c.proc,
      (c) => h("li", { class: `client ${procClass(state, c.proc)}` }, h("span", { class: "caller" }, c.proc), " ", h("span", { class: "outcome" })),
      (el, c) => {
        setText(el.querySelector(".outcome"), c.error ? `turned away: ${c.error}${c.message ? ` (${c.message})` : ""}` : "connected");
        toggle(el, "failed", Boolean(c.error));
        toggle(el, "lit", current?.seq === c.seq);
      },
    );
    const refused = endpoint.refused;
    const connected = endpoint.clients.filter((c) => !c.error).length;
    const notes = [`${connected} connected`];
    if (refused) notes.push(`${refused} turned away: wrong authkey`);
    setText(this.note, notes.join(" · "));
  }
}

export class ManagerView {
  constructor(name) {
    this.name = name;
    this.list = h("ol", { class: "held", start: 0, "aria-label": `${name}, the real object, in the server process` });
    this.open = h("ol", { class: "open-calls", "aria-label": `calls to ${name} being served` });
    this.calls = h("ol", { class: "calls", "aria-label": `the last calls to ${name}` });
    this.parked = h("p", { class: "parked" });
    this.holding = h("ul", { class: "held-calls", "aria-label": `calls to ${name} the server holds` });
    this.note = h("p", { class: "note" });
    this.el = h(
      "section",
      { class: "obj manager-object", dataset: { obj: name }, "aria-label": `manager object ${name}` },
      h("h3", {}, nameCode(name), " ", (this.meta = h("span", { class: "meta" }, "the real object"))),
      this.list,
      this.open,
      this.parked,
      this.holding,
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
    if (manager.endpoint) {
      const current = last?.address === this.name ? last : null;
      toggle(this.el, "is-current", current !== null);
      this.endpoint ??= new EndpointView(this.name, this.el);
      this.endpoint.render(state, manager, current);
      return;
    }
    const current = last?.obj === this.name ? last : null;
    toggle(this.el, "is-current", current !== null);

    const type = manager.type ?? null;
    const word = KIND_WORD[type];
    setText(this.meta, word ? `the real ${word}` : "the real object");
    this.el.dataset.type = type ?? "";
    const rows = rowsOf(type, manager.state);
    const label = `${this.name}, the real ${word ?? "object"}, in the server process`;
    if (this.list.getAttribute("aria-label") !== label) this.list.setAttribute("aria-label", label);
    keyed(
      this.list,
      rows,
      (r) => r.key,
      (r) => row(type, r),
      (el, r) => toggle(el, "lit", touches(current, type, rows, r)),
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
    keyed(
      this.holding,
      manager.calls.filter((c) => c.phase === "held"),
      (call) => call.msg,
      (call) => h("li", { class: `held-call ${procClass(state, call.proc)}` }, heldText(call)),
    );
    const open = manager.calls.filter((c) => c.phase !== "returned").length;
    const notes = [`${manager.calls.length} call${manager.calls.length === 1 ? "" : "s"}`];
    if (open) notes.push(`${open} waiting for a reply`);
    setText(this.note, notes.join(" · "));
  }
}
