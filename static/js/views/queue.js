// A Queue drawn between its producers and its consumers: a FIFO whose items are tokens
// (copies, pickled on the way in) that entered from a producer's box and will leave to a
// consumer's box. Processes blocked on a get wait here, parked at the queue.

import { h, keyed, procChip, procClass, setText, toggle } from "../dom.js";
import { pyrepr } from "../narrate.js";
import { parkedAt } from "./parked.js";

const ENDS_SHOWN = 8; // a long queue shows this many items at each end, and a count between

// The items to draw: all of a short queue; the two ends of a long one, with a gap marker.
function visible(items) {
  if (items.length <= 2 * ENDS_SHOWN + 1) return items.toArray();
  const gap = { msg: "gap", gap: items.length - 2 * ENDS_SHOWN };
  return [...items.slice(0, ENDS_SHOWN), gap, ...items.slice(-ENDS_SHOWN)];
}

const shownValue = (item) => item.repr ?? pyrepr(item.value);
const chips = (state, names) => (names.length ? names.map((p) => procChip(state, p)) : [h("span", { class: "none" }, "—")]);

export class QueueView {
  constructor(name) {
    this.name = name;
    this.from = h("p", { class: "side from" });
    this.to = h("p", { class: "side to" });
    this.count = h("span", { class: "count" });
    this.fifo = h("ol", { class: "fifo", "aria-label": `items in ${name}, oldest first` });
    this.parked = h("p", { class: "parked" });
    this.note = h("p", { class: "note" });
    this.el = h(
      "section",
      { class: "obj channel queue", dataset: { obj: name }, "aria-label": `queue ${name}` },
      h("h3", {}, "Queue ", h("code", {}, name), " ", this.count),
      this.from,
      h("div", { class: "pipeway" }, this.fifo),
      this.to,
      this.parked,
      this.note,
    );
  }

  render(state) {
    const q = state.queues[this.name];
    const last = state.last;
    if (q === this.q && last === this.lastEvent && state.procs === this.procs) return;
    this.q = q;
    this.lastEvent = last;
    this.procs = state.procs;
    const current = last?.obj === this.name ? last.seq : null;
    toggle(this.el, "is-current", current !== null);
    this.from.replaceChildren(h("span", { class: "label" }, "in from"), ...chips(state, q.producers));
    this.to.replaceChildren(h("span", { class: "label" }, "out to"), ...chips(state, q.consumers));
    setText(this.count, q.items.length === 1 ? "1 item" : `${q.items.length} items`);

    keyed(
      this.fifo,
      visible(q.items),
      (item) => item.msg,
      (item) =>
        item.gap
          ? h("li", { class: "gap" })
          : h(
              "li",
              { class: `item token ${procClass(state, item.from)}`, dataset: { token: item.msg }, title: `put by ${item.from}` },
              h("span", { class: "val" }, shownValue(item)),
              h("span", { class: "who" }, item.from ?? ""),
            ),
      (el, item) => {
        if (item.gap) setText(el, `… ${item.gap} more …`);
        else toggle(el, "lit", item.seq === current);
      },
    );
    parkedAt(this.parked, state, (wait) => wait.on === this.name);

    const notes = [];
    if (q.taken.length) notes.push(`${q.taken.length} taken out`);
    if (q.empty) notes.push(`${q.empty.proc} asked ${this.name}.empty(): ${pyrepr(q.empty.value)}`);
    if (q.error) notes.push(`${q.error.proc}'s get found it empty (${q.error.error})`);
    setText(this.note, notes.join(" · "));
  }
}
