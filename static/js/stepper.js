// Step mode on the page: the learner is the scheduler. Each ready process's box gets a
// Step button and says what that process will do; keys 1, 2, 3… step the lanes in order.
// The panel above the stage says how far the run has got, undoes the last step (a new
// run that replays the schedule minus its last step, then holds again) and links to the
// interleaving, so a teacher can hand out "the schedule that loses an update".
//
// The server is the only truth about who is ready: the page shows the answer of the last
// POST /step (or GET /step), never a guess from the events, which may still be on their
// way down the stream when the answer comes. Events the page did not ask for (a replayed
// schedule's, which a GET /step may answer in the middle of) make it ask again.

import { api } from "./api.js";
import { h, setText } from "./dom.js";
import { nextOpText, waitsText, willDo } from "./next-op.js";
import { isLive, statusWord } from "./run-status.js";
import { lanes } from "./views/lanes.js";

/** The dashboard's address that starts a new run replaying `schedule`, then free or stepped. */
export function interleavingUrl({ scenario, params = {}, pace_ms, start_method, schedule }, { step = false } = {}) {
  const query = new URLSearchParams({ scenario });
  if (pace_ms !== null && pace_ms !== undefined) query.set("pace_ms", String(pace_ms));
  if (start_method) query.set("start_method", start_method);
  for (const [name, value] of Object.entries(params)) query.set(name, JSON.stringify(value));
  query.set("schedule", schedule.join(","));
  if (step) query.set("mode", "step");
  // Commas and JSON's brackets stay readable: the link is one people copy and read.
  const text = query.toString().replace(/%(2C|5B|5D|3A)/g, (m) => decodeURIComponent(m));
  return `${location.origin}/?${text}`;
}

const stepsText = (n) => (n === 1 ? "1 step" : `${n} steps`);

// Keys go to the field being typed in.
const typing = (target) =>
  target instanceof Element && target.closest("input, textarea, select, [contenteditable]") !== null;

export class Stepper {
  /**
   * @param {{viewer: import("./viewer.js").Viewer, panel: HTMLElement,
   *          onReplaced: (run: object) => void}} options
   *   `onReplaced(run)`: Undo started `run` in place of the one on screen; show it.
   */
  constructor({ viewer, panel, onReplaced }) {
    this.viewer = viewer;
    this.panel = panel;
    this.onReplaced = onReplaced;
    this.run = null; // the server's last word on the run: RunOut, with ready/blocked in step mode
    this.busy = false;
    this.ticket = 0; // answers about a run no longer on screen are dropped
    this.asked = 0; // requests made, in order: an answer older than the one shown is dropped
    this.applied = 0;
    this.refreshing = false;
    this.again = false;
    this.seen = 0; // events on screen when the page last looked at who is ready
    this.facts = h("p", { class: "step-facts", id: "step-facts" });
    this.diverged = h("p", { class: "step-diverged", id: "step-diverged", hidden: true });
    this.undoButton = h("button", { type: "button", id: "step-undo" }, "Undo the last step");
    this.undoButton.addEventListener("click", () => this.undo());
    this.link = h("a", { id: "step-link", class: "step-link" }, "Link to this interleaving");
    // In an embed the link is the dashboard's, which the course page's frame should not become.
    if (document.documentElement.classList.contains("embedded")) {
      Object.assign(this.link, { target: "_blank", rel: "noopener" });
    }
    this.message = h("p", { class: "step-message", id: "step-message", role: "status" });
    const kbd = (key) => h("kbd", {}, key);
    this.keys = h(
      "p",
      { class: "step-keys" },
      "Keys ",
      [kbd("1"), " ", kbd("2"), " ", kbd("3")],
      "… let the 1st, 2nd, 3rd lane's process go.",
    );
    this.panel.append(
      h("h3", { class: "step-heading" }, "You choose who runs next"),
      this.facts,
      this.diverged,
      h("p", { class: "step-actions" }, this.undoButton, " ", this.link),
      this.message,
      this.keys,
    );
    viewer.afterDraw = () => this.decorate();
    document.addEventListener("keydown", (e) => this.key(e));
  }

  get stepping() {
    return this.run?.mode === "step" && isLive(this.run.status);
  }

  /** A run is on screen (the API's view of it): in step mode, ask who may go first. */
  show(run) {
    this.ticket += 1;
    this.run = run;
    this.busy = false;
    this.refreshing = false;
    this.again = false;
    this.seen = 0;
    setText(this.message, "");
    this.render();
    this.refresh();
  }

  /** Ask the server who may go next (one question at a time, the last one asked again). */
  async refresh() {
    if (!this.stepping) return;
    if (this.refreshing) {
      this.again = true;
      return;
    }
    const ticket = this.ticket;
    this.refreshing = true;
    this.again = false;
    const asked = ++this.asked;
    try {
      const settled = await api.stepState(this.run.id);
      if (ticket === this.ticket) this.apply(asked, settled);
    } catch (error) {
      if (ticket === this.ticket) this.say(`Could not ask who may go next: ${error.message}`);
    } finally {
      if (ticket === this.ticket) {
        this.refreshing = false;
        if (this.again && !this.busy) this.refresh();
      }
    }
  }

  apply(asked, run) {
    if (asked < this.applied) return;
    this.applied = asked;
    this.update(run);
  }

  /** The run ended: its final schedule (what the link replays) comes from the server. */
  async ended() {
    if (!this.run || (this.run.mode !== "step" && !this.run.schedule?.length)) return;
    const ticket = this.ticket;
    try {
      const run = await api.run(this.run.id);
      if (ticket === this.ticket) this.update({ ...run, ready: [], blocked: [], running: [] });
    } catch {
      // The link keeps the schedule of the last answer; nothing else depends on this one.
    }
  }

  update(run) {
    this.run = run;
    this.render();
  }

  say(text) {
    setText(this.message, text);
  }

  async step(proc) {
    if (this.busy || !this.stepping) return;
    const ticket = this.ticket;
    // A disabled button drops focus; a keyboard user pressing Step gets it back after.
    const refocus = document.activeElement instanceof HTMLElement && document.activeElement.matches("button.step");
    this.busy = true;
    this.say("");
    this.render();
    const asked = ++this.asked;
    try {
      const run = await api.step(this.run.id, proc);
      if (ticket === this.ticket && asked >= this.applied) {
        this.applied = asked;
        this.run = run;
      }
    } catch (error) {
      if (ticket !== this.ticket) return;
      const wait = error.status === 429 && error.retryAfter ? ` Try again in ${error.retryAfter} s.` : "";
      this.say(`${error.message}${wait}`);
    } finally {
      if (ticket === this.ticket) {
        this.busy = false;
        this.render();
        if (refocus) this.refocus(proc);
        if (this.again) this.refresh();
      }
    }
  }

  refocus(proc) {
    const buttons = [...document.querySelectorAll("button.step")];
    const target = buttons.find((b) => b.dataset.proc === proc) ?? buttons[0] ?? this.undoButton;
    target.focus();
  }

  // A run replaying the schedule minus its last step, then held again. The old one is
  // deleted first: it counts against the client's runs until it is gone.
  async undo() {
    const run = this.run;
    if (this.busy || !run?.schedule?.length) return;
    this.busy = true;
    this.say("Undoing the last step…");
    this.render();
    try {
      if (isLive(run.status)) {
        try {
          await api.cancel(run.id);
        } catch (error) {
          if (error.status !== 404 && error.status !== 409) throw error;
        }
      }
      const next = await api.start({
        scenario: run.scenario,
        params: run.params,
        pace_ms: run.pace_ms,
        start_method: run.start_method,
        mode: "step",
        schedule: run.schedule.slice(0, -1),
        then: "step",
      });
      this.busy = false;
      this.onReplaced(next);
    } catch (error) {
      this.busy = false;
      this.say(`Could not undo: ${error.message}`);
      this.render();
    }
  }

  key(e) {
    if (!/^[1-9]$/.test(e.key) || e.altKey || e.ctrlKey || e.metaKey || typing(e.target)) return;
    if (document.querySelector("dialog[open]") || !this.stepping) return;
    const lane = lanes(this.viewer.history.tail)[Number(e.key) - 1];
    const ready = new Set((this.run.ready ?? []).map((op) => op.proc));
    const proc = lane?.procs.find((p) => ready.has(p));
    if (!proc) return;
    e.preventDefault();
    this.step(proc);
  }

  render() {
    const run = this.run;
    const shown = run !== null && (run.mode === "step" || (run.schedule?.length ?? 0) > 0);
    this.panel.hidden = !shown;
    this.keys.hidden = !this.stepping;
    this.decorate();
    if (!shown) return;
    const n = run.schedule?.length ?? 0;
    const ready = (run.ready ?? []).map((op) => op.proc);
    let facts = `Run ${statusWord(run.status)} · ${stepsText(n)} so far`;
    if (this.stepping) {
      facts += ready.length ? ` · ready: ${ready.join(", ")}` : " · nobody is ready";
      if (this.busy) facts += " · stepping…";
    } else if (run.mode !== "step") facts = `Replayed ${stepsText(n)} of a schedule · run ${statusWord(run.status)}`;
    setText(this.facts, facts);
    const d = run.diverged;
    this.diverged.hidden = !d;
    if (d) {
      const instead = d.ready?.length ? `only ${d.ready.join(", ")} could go` : "no process could go";
      setText(
        this.diverged,
        `The replay left its schedule at step ${d.at + 1}: the schedule says ${d.expected}, but ${instead}. ` +
          "The program took another path.",
      );
    }
    this.undoButton.disabled = this.busy || n === 0;
    this.link.href = interleavingUrl(run, { step: this.stepping });
  }

  /** Each box of a process says what it will do (or waits for), with its Step button. */
  decorate() {
    const run = this.run;
    const stepping = this.stepping;
    const events = this.viewer.history.length;
    if (stepping && events !== this.seen) {
      this.seen = events;
      if (this.busy) this.again = true; // the step's own answer comes first; then look again
      else this.refresh();
    }
    // Until the first answer of the server (a run's page starts from the run's summary).
    const ready = new Map(stepping ? (run.ready ?? []).map((op) => [op.proc, op]) : []);
    const blocked = new Map(stepping ? (run.blocked ?? []).map((op) => [op.proc, op]) : []);
    const laneOf = new Map(
      stepping ? lanes(this.viewer.history.tail).flatMap((lane, i) => lane.procs.map((p) => [p, i + 1])) : [],
    );
    for (const [name, box] of this.viewer.stage.boxes) {
      let slot = box.el.querySelector(":scope > .step-slot");
      if (!stepping || (!ready.has(name) && !blocked.has(name))) {
        slot?.remove();
        continue;
      }
      if (!slot) {
        slot = h("div", { class: "step-slot" }, h("p", { class: "next-op" }));
        box.el.querySelector(":scope > .box-head").after(slot);
      }
      const op = ready.get(name);
      setText(slot.firstChild, op ? nextOpText(op) : waitsText(blocked.get(name)));
      slot.classList.toggle("is-blocked", !op);
      let button = slot.querySelector("button.step");
      if (!op) {
        button?.remove();
        continue;
      }
      if (!button) {
        button = h("button", { type: "button", class: "step", dataset: { proc: name } }, `Step ${name}`);
        button.addEventListener("click", () => this.step(name));
        slot.append(button);
      }
      const label = `Step ${name}: ${willDo(op)}`;
      if (button.getAttribute("aria-label") !== label) button.setAttribute("aria-label", label);
      const key = laneOf.get(name);
      if (key && key <= 9) button.setAttribute("aria-keyshortcuts", String(key));
      else button.removeAttribute("aria-keyshortcuts");
      button.title = key && key <= 9 ? `${label} (key ${key})` : label;
      button.disabled = this.busy;
    }
  }
}
