// A Pipe as its two ends, the processes using each, and the messages in flight between
// them; received messages stack up at the end that received them. A received "END"
// is marked: it is the message that closes the receiver's loop.

import { fill, h, keyed, procChip, procClass, setText, toggle } from "../dom.js";
import { pyrepr } from "../narrate.js";

const DELIVERED_SHOWN = 12;

const shownValue = (m) => m.repr ?? pyrepr(m.value);

export class PipeView {
  constructor(root, name) {
    this.name = name;
    this.title = h("h3");
    this.endA = h("div", { class: "end end-a" });
    this.endB = h("div", { class: "end end-b" });
    this.flight = h("ol", { class: "in-flight", "aria-label": "messages in flight" });
    this.delivered = h("ol", { class: "delivered", "aria-label": "messages received" });
    this.note = h("p", { class: "note" });
    this.el = h(
      "section",
      { class: "obj pipe", "aria-label": `pipe ${name}` },
      this.title,
      h("div", { class: "pipe-body" }, this.endA, h("div", { class: "tube" }, this.flight), this.endB),
      this.delivered,
      this.note,
    );
    root.append(this.el);
  }

  renderEnd(el, state, pipe, end) {
    const users = pipe.users[end] ?? [];
    const closed = pipe.closed[end];
    fill(
      el,
      h("code", { class: "end-name" }, end ?? "?"),
      h("span", { class: "users" }, ...users.map((p) => procChip(state, p))),
      closed ? h("span", { class: "closed" }, `closed by ${closed}`) : null,
    );
    toggle(el, "is-closed", Boolean(closed));
  }

  render(state) {
    const pipe = state.pipes[this.name];
    const last = state.last;
    if (pipe === this.pipe && last === this.lastEvent) return;
    this.pipe = pipe;
    this.lastEvent = last;
    const [a, b] = pipe.ends;
    const current = last && pipe.ends.includes(last.obj) ? last.seq : null;
    toggle(this.el, "is-current", current !== null);

    if (this.titleFor !== `${a}|${b}`) {
      this.titleFor = `${a}|${b}`;
      this.title.replaceChildren("Pipe ", h("code", {}, a), " ⇄ ", h("code", {}, b ?? "?"));
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
            class: `msg ${procClass(state, m.from)} ${m.fromEnd === a ? "to-b" : "to-a"}`,
            title: `sent by ${m.from} into ${m.fromEnd}`,
          },
          h("span", { class: "dir", "aria-hidden": "true" }, m.fromEnd === a ? "→" : "←"),
          h("span", { class: "val" }, shownValue(m)),
        ),
      (el, m) => toggle(el, "lit", m.seq === current),
    );

    keyed(
      this.delivered,
      pipe.delivered.slice(-DELIVERED_SHOWN),
      (m) => m.recvSeq,
      (m) => {
        const isEnd = m.value === "END";
        return h(
          "li",
          { class: `msg ${procClass(state, m.by)}${isEnd ? " end-msg" : ""}` },
          h("span", { class: "val" }, shownValue(m)),
          h("span", { class: "who" }, `${m.by} received it at ${m.toEnd}`),
          isEnd ? h("span", { class: "stop" }, `ends ${m.by}'s loop`) : null,
        );
      },
      (el, m) => toggle(el, "lit", m.recvSeq === current),
    );

    const notes = [];
    if (pipe.inFlight.length) notes.push(`${pipe.inFlight.length} in flight`);
    notes.push(`${pipe.delivered.length} received`);
    if (pipe.error) notes.push(`${pipe.error.proc} got ${pipe.error.error}`);
    setText(this.note, notes.join(" · "));
  }
}
