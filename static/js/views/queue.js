// A Queue drawn between its producers and its consumers: a FIFO whose items are tokens
// (copies, pickled on the way in) that entered from a producer's box and will leave to a
// consumer's box. Processes blocked on it wait here, parked at the queue: on a get, a
// put, a JoinableQueue's join(), or at their exit until its feeder has flushed. A
// JoinableQueue also shows how many of the items put in are not marked done yet.

import { shownValue, tokenText } from "../format.js";
import { h, keyed, nameCode, procChip, procClass, setText, toggle } from "../dom.js";
import { pyrepr } from "../narrate.js";
import { parkedAt } from "./parked.js";

const ENDS_SHOWN = 8; // a long queue shows this many items at each end, and a count between

// The items to draw: all of a short queue; the two ends of a long one, with a gap marker.
function visible(items) {
  if (items.length <= 2 * ENDS_SHOWN + 1) return items.toArray();
  const gap = { msg: "gap", gap: items.length - 2 * ENDS_SHOWN };
  return [...items.slice(0, ENDS_SHOWN), gap, ...items.slice(-ENDS_SHOWN)];
}

const chips = (state, names) => (names.length ? names.map((p) => procChip(state, p)) : [h("span", { class: "none" }, "—")]);

export class QueueView {
  constructor(name) {
    this.name = name;
    this.from = h("p", { class: "side from" });
    this.to = h("p", { class: "side to" });
    this.count = h("span", { class: "count" });
    this.type = h("span", { class: "type" }, "Queue");
    this.unfinished = h("p", { class: "unfinished", hidden: true });
    this.fifo = h("ol", { class: "fifo", "aria-label": `items in ${name}, oldest first` });
    this.parked = h("p", { class: "parked" });
    this.note = h("p", { class: "note" });
    this.el = h(
      "section",
      { class: "obj channel queue", dataset: { obj: name }, "aria-label": `queue ${name}` },
      h("h3", {}, this.type, " ", nameCode(name), " ", this.count),
      this.unfinished,
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
    setText(this.type, q.type ?? "Queue");
    const joinable = q.type === "JoinableQueue";
    this.unfinished.hidden = !joinable;
    if (joinable) {
      setText(this.unfinished, `${q.unfinished} unfinished · ${q.done} marked done`);
      this.unfinished.dataset.unfinished = String(q.unfinished);
      toggle(this.unfinished, "lit", q.lastDone !== null && q.lastDone.seq === last?.seq);
    }

    keyed(
      this.fifo,
      visible(q.items),
      (item) => item.msg,
      (item) =>
        item.gap
          ? h("li", { class: "gap" })
          : h(
              "li",
              { class: `item token ${procClass(state, item.from)}`, dataset: { token: item.msg }, title: `${shownValue(item)}: put by ${item.from}` },
              h("span", { class: "val" }, tokenText(item)),
              h("span", { class: "who" }, item.from ?? ""),
            ),
      (el, item) => {
        if (item.gap) setText(el, `… ${item.gap} more …`);
        else toggle(el, "lit", item.seq === current);
      },
    );
    parkedAt(this.parked, state, (wait) => wait.on === this.name);
    // A process at its exit, waiting for this queue's feeder: it cannot end until a get
    // on the other side makes room in the pipe (the join-deadlock).
    const flushing = state.order.filter((p) => {
      const proc = state.procs[p];
      return proc.status === "waiting" && proc.wait?.on === this.name && proc.wait.op === "flush";
    });

    const notes = [];
    if (q.taken.length) notes.push(`${q.taken.length} taken out`);
    if (q.empty) notes.push(`${q.empty.proc} asked ${this.name}.empty(): ${pyrepr(q.empty.value)}`);
    if (q.error?.error === "Empty") notes.push(`${q.error.proc}'s get found it empty (queue.Empty)`);
    else if (q.error) notes.push(`${q.error.proc}: ${q.error.error}`);
    if (q.joined) notes.push(`${q.joined.proc}'s join() returned`);
    if (flushing.length) {
      const who = flushing.join(", ");
      notes.push(`${who} cannot exit until what ${flushing.length === 1 ? "it" : "they"} put is written into the pipe`);
    }
    setText(this.note, notes.join(" · "));
  }
}
