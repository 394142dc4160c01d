// A Pipe drawn between the two processes that hold its ends: a tube with an end at each
// side, and the messages in flight as tokens (copies, pickled by send) on their way from
// one end to the other. A process blocked on recv waits parked at the tube. Received
// messages are no longer here: their copies are in the receiver's box.

import { fill, h, keyed, nameCode, procChip, procClass, setText, toggle } from "../dom.js";
import { FINAL_STATUSES } from "../kinds.js";
import { shownValue, thousands, tokenText } from "../format.js";
import { parkedAt } from "./parked.js";

const CORRUPT_SHOWN = 4;
const FINAL = new Set(FINAL_STATUSES);

export class PipeView {
  constructor(name) {
    this.name = name;
    this.title = h("h3");
    this.endA = h("p", { class: "end end-a" });
    this.endB = h("p", { class: "end end-b" });
    this.flight = h("ol", { class: "in-flight", "aria-label": "messages in flight" });
    this.corrupted = h("ol", { class: "corrupted", "aria-label": "reads that were no message anyone sent" });
    this.parked = h("p", { class: "parked" });
    this.note = h("p", { class: "note" });
    this.el = h(
      "section",
      { class: "obj channel pipe", dataset: { obj: name }, "aria-label": `pipe ${name}` },
      this.title,
      this.endA,
      h("div", { class: "tube" }, this.flight),
      this.endB,
      this.corrupted,
      this.parked,
      this.note,
    );
  }

  renderEnd(el, state, pipe, end) {
    const users = pipe.users[end] ?? [];
    const closed = pipe.closed[end];
    fill(
      el,
      h("code", { class: "end-name" }, end ?? "?"),
      " ",
      ...users.map((p) => procChip(state, p)),
      closed ? h("span", { class: "closed" }, ` closed by ${closed}`) : null,
    );
    toggle(el, "is-closed", Boolean(closed));
  }

  render(state) {
    const pipe = state.pipes[this.name];
    const last = state.last;
    if (pipe === this.pipe && last === this.lastEvent && state.procs === this.procs) return;
    this.pipe = pipe;
    this.lastEvent = last;
    this.procs = state.procs;
    const [a, b] = pipe.ends;
    const current = last && pipe.ends.includes(last.obj) ? last.seq : null;
    toggle(this.el, "is-current", current !== null);
    if (this.titleFor !== `${a}|${b}`) {
      this.titleFor = `${a}|${b}`;
      this.title.replaceChildren("Pipe ", nameCode(a), " ⇄ ", b == null ? h("code", {}, "?") : nameCode(b));
    }
    this.renderEnd(this.endA, state, pipe, a);
    this.renderEnd(this.endB, state, pipe, b);
    keyed(
      this.flight,
      pipe.inFlight.toArray(),
      (m) => m.msg,
      (m) =>
        h(
          "li",
          {
            class: `msg token ${procClass(state, m.from)} ${m.fromEnd === a ? "to-b" : "to-a"}`,
            dataset: { token: m.msg },
            title: `${shownValue(m)}: sent by ${m.from} into ${m.fromEnd}, on its way to ${m.toEnd}`,
          },
          h("span", { class: "dir", "aria-hidden": "true" }, m.fromEnd === a ? "→" : "←"),
          h("span", { class: "val" }, tokenText(m)),
          m.size != null ? h("span", { class: "size" }, `${thousands(m.size)} bytes`) : null,
          // The sender by name, not by colour alone.
          h("span", { class: "who" }, m.from ?? ""),
        ),
      (el, m) => toggle(el, "lit", m.seq === current),
    );
    // Reads of mixed bytes, as broken tokens at the reading end (the latest few).
    keyed(
      this.corrupted,
      pipe.corrupted.slice(-CORRUPT_SHOWN),
      (r) => r.seq,
      (r) =>
        h(
          "li",
          {
            class: `msg token broken ${procClass(state, r.proc)}`,
            title: `read by ${r.proc}: no message anyone sent. ${r.error ?? shownValue(r)}`,
          },
          // The exception's name (its text is in the title), or the start of the wrong value.
          h("span", { class: "val" }, `✗ ${r.error ? r.error.split(":")[0] : `${tokenText(r)} (not as sent)`}`),
          h("span", { class: "who" }, `${r.proc} read mixed bytes`),
        ),
      (el, r) => toggle(el, "lit", r.seq === current),
    );
    parkedAt(this.parked, state, (wait) => pipe.ends.includes(wait.on));
    const notes = [];
    // Once the run is over, a message still in flight after mixed reads never arrived whole.
    const lost = pipe.corrupted.length && FINAL.has(state.run.status);
    if (pipe.inFlight.length) notes.push(`${pipe.inFlight.length} ${lost ? "never arrived whole" : "in flight"}`);
    notes.push(`${pipe.delivered.length} received`);
    if (pipe.corrupted.length) notes.push(`${pipe.corrupted.length} corrupted`);
    const polled = pipe.polled;
    if (polled && polled.seq === current) notes.push(`${polled.proc} polled ${polled.end}: ${polled.value ? "something to read" : "nothing yet"}`);
    if (pipe.error) notes.push(`${pipe.error.proc} got ${pipe.error.error}`);
    setText(this.note, notes.join(" · "));
  }
}
