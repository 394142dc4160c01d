// A Queue as a FIFO: items enter from the producers on the left, wait in the queue
// oldest first, and leave to the consumers on the right.

import { h, keyed, procChip, procClass, setText, toggle } from "../dom.js";
import { pyrepr } from "../narrate.js";

const TAKEN_SHOWN = 12; // items already taken out that stay visible on the consumer side
const ENDS_SHOWN = 12; // a long queue shows this many items at each end, and a count between

// The items to draw: all of a short queue; the two ends of a long one, with a gap marker.
function visible(items) {
  if (items.length <= 2 * ENDS_SHOWN + 1) return items.toArray();
  const gap = { msg: "gap", gap: items.length - 2 * ENDS_SHOWN };
  return [...items.slice(0, ENDS_SHOWN), gap, ...items.slice(-ENDS_SHOWN)];
}

const shownValue = (item) => item.repr ?? pyrepr(item.value);

export class QueueView {
  constructor(root, name) {
    this.name = name;
    this.from = h("div", { class: "side from" });
    this.fifo = h("ol", { class: "fifo", "aria-label": `items in ${name}, oldest first` });
    this.taken = h("ol", { class: "taken", "aria-label": `items taken out of ${name}` });
    this.to = h("div", { class: "side to" });
    this.count = h("span", { class: "count" });
    this.note = h("p", { class: "note" });
    this.el = h(
      "section",
      { class: "obj queue", "aria-label": `queue ${name}` },
      h("h3", {}, "Queue ", h("code", {}, name), " ", this.count),
      h("div", { class: "flow" }, this.from, h("div", { class: "pipeway" }, this.fifo), this.to),
      h("div", { class: "outlet" }, h("span", { class: "label" }, "taken out"), this.taken),
      this.note,
    );
    root.append(this.el);
  }

  render(state) {
    const q = state.queues[this.name];
    const last = state.last;
    if (q === this.q && last === this.lastEvent) return;
    this.q = q;
    this.lastEvent = last;
    const current = last?.obj === this.name ? last.seq : null;

    this.from.replaceChildren(
      h("span", { class: "label" }, "from"),
      ...(q.producers.length ? q.producers.map((p) => procChip(state, p)) : [h("span", {}, "—")]),
    );
    this.to.replaceChildren(
      h("span", { class: "label" }, "to"),
      ...(q.consumers.length ? q.consumers.map((p) => procChip(state, p)) : [h("span", {}, "—")]),
    );
    setText(this.count, q.items.length === 1 ? "1 item" : `${q.items.length} items`);
    toggle(this.el, "is-current", current !== null);

    keyed(
      this.fifo,
      visible(q.items),
      (item) => item.msg,
      (item) =>
        item.gap
          ? h("li", { class: "gap" })
          : h(
              "li",
              { class: `item ${procClass(state, item.from)}`, title: `put by ${item.from}` },
              h("span", { class: "val" }, shownValue(item)),
              h("span", { class: "who" }, item.from ?? ""),
            ),
      (el, item) => {
        if (item.gap) setText(el, `… ${item.gap} more …`);
        else toggle(el, "lit", item.seq === current);
      },
    );
    keyed(
      this.taken,
      q.taken.slice(-TAKEN_SHOWN),
      (item) => item.takenSeq,
      (item) =>
        h(
          "li",
          { class: `item ${procClass(state, item.by)}`, title: `put by ${item.from}, taken by ${item.by}` },
          h("span", { class: "val" }, shownValue(item)),
          h("span", { class: "who" }, `→ ${item.by}`),
        ),
      (el, item) => toggle(el, "lit", item.takenSeq === current),
    );

    const notes = [];
    if (q.empty) notes.push(`${q.empty.proc} asked ${this.name}.empty(): ${pyrepr(q.empty.value)}`);
    if (q.error) notes.push(`${q.error.proc}'s get found it empty (${q.error.error})`);
    if (q.taken.length > TAKEN_SHOWN) notes.push(`${q.taken.length} items taken out in all`);
    setText(this.note, notes.join(" · "));
  }
}
