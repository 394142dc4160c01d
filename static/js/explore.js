// "Find a failing interleaving": the server's explorer tries schedules of the scenario
// (fewest preemptions first) until one fails the scenario's check. Offered only for a
// scenario that declares what failing looks like (`check`). The page polls the
// exploration, says how far it has got in a live region, and links to the failing run
// and to its schedule, which replays the failure on any page that opens it.

import { api } from "./api.js";
import { fill, h, setText } from "./dom.js";
import { thousands } from "./format.js";
import { interleavingUrl } from "./stepper.js";

const MAX_RUNS = 200;
const POLL_MS = 250; // an exploration of value-race takes well under a second or two
const schedulesText = (n) => (n === 1 ? "1 schedule" : `${thousands(n)} schedules`);

export class Explorer {
  /**
   * @param {{root: HTMLElement, target: () => {scenario: string, params: object, start_method?: string}}} options
   *   `target()`: what to explore, read when the button is pressed (the set-up on screen).
   */
  constructor({ root, target }) {
    this.root = root;
    this.target = target;
    this.id = null;
    this.timer = null;
    this.ticket = 0;
    this.check = h("p", { class: "explore-check" });
    this.startButton = h("button", { type: "button", id: "explore-start" }, "Find a failing interleaving");
    this.cancelButton = h("button", { type: "button", id: "explore-cancel", hidden: true }, "Stop searching");
    this.progress = h("p", { class: "explore-progress", id: "explore-progress", role: "status", "aria-live": "polite" });
    this.result = h("div", { class: "explore-result", id: "explore-result" });
    this.startButton.addEventListener("click", () => this.start());
    this.cancelButton.addEventListener("click", () => this.cancel());
    root.append(
      this.check,
      h("p", { class: "explore-buttons" }, this.startButton, " ", this.cancelButton),
      this.progress,
      this.result,
    );
  }

  /** The scenario on screen (its `check` says what failing is; null: nothing to look for). */
  offer(scenario) {
    const check = scenario?.check ?? null;
    if (check === this.checkText) return;
    this.checkText = check;
    this.stop();
    this.root.hidden = !check;
    setText(this.check, check ? `Some schedules of this program fail: ${check}.` : "");
    setText(this.progress, "");
    fill(this.result);
  }

  stop() {
    this.ticket += 1;
    clearTimeout(this.timer);
    this.timer = null;
    this.id = null;
    this.running(false);
  }

  running(on) {
    this.startButton.disabled = on;
    this.cancelButton.hidden = !on;
  }

  async start() {
    if (this.id) return;
    const target = this.target();
    const ticket = this.ticket;
    fill(this.result);
    setText(this.progress, "Searching…");
    this.running(true);
    try {
      const body = { scenario: target.scenario, params: target.params, max_runs: MAX_RUNS };
      if (target.start_method) body.start_method = target.start_method;
      const answer = await api.explore(body);
      if (ticket !== this.ticket) return;
      this.id = answer.id;
      this.shown = target; // the links below replay this set-up, whatever is on screen by then
      this.show(answer);
    } catch (error) {
      if (ticket !== this.ticket) return;
      const wait = error.status === 429 && error.retryAfter ? ` Try again in ${error.retryAfter} s.` : "";
      setText(this.progress, `Could not search: ${error.message}${wait}`);
      this.running(false);
    }
  }

  async poll() {
    const ticket = this.ticket;
    try {
      const answer = await api.exploration(this.id);
      if (ticket === this.ticket) this.show(answer);
    } catch (error) {
      if (ticket !== this.ticket) return;
      setText(this.progress, `Lost track of the search: ${error.message}`);
      this.id = null;
      this.running(false);
    }
  }

  async cancel() {
    if (!this.id) return;
    try {
      await api.stopExploring(this.id);
    } catch (error) {
      setText(this.progress, `Could not stop the search: ${error.message}`);
    }
    // The next poll reports it cancelled, with how many schedules it had tried.
  }

  show(answer) {
    const { status, runs } = answer;
    if (status === "queued" || status === "running") {
      setText(this.progress, runs ? `Tried ${schedulesText(runs)}…` : "Searching…");
      this.timer = setTimeout(() => this.poll(), POLL_MS);
      return;
    }
    this.id = null;
    this.running(false);
    if (status === "found") {
      const switches = answer.preemptions === 1 ? "1 preemption" : `${answer.preemptions} preemptions`;
      setText(this.progress, `Found a failing interleaving after ${schedulesText(runs)}.`);
      const link = interleavingUrl({ ...this.shown, schedule: answer.schedule });
      fill(
        this.result,
        h("p", { class: "explore-failure" }, `It fails: ${answer.failure}.`),
        h(
          "p",
          {},
          `Its schedule has ${answer.schedule.length} steps and ${switches} `,
          "(switches away from a process that could have gone on).",
        ),
        h(
          "p",
          { class: "explore-links" },
          h("a", { id: "explore-run", href: `/runs/${encodeURIComponent(answer.run)}` }, "Open the failing run"),
          " · ",
          h("a", { id: "explore-link", href: link }, "Link to this interleaving"),
        ),
      );
    } else if (status === "exhausted") {
      const which = answer.complete ? "that is every schedule there is" : "the search stopped there";
      const why = answer.error ? `: ${answer.error}` : "";
      setText(this.progress, `No failing interleaving: none failed in ${schedulesText(runs)} (${which}${why}).`);
    } else if (status === "cancelled") {
      setText(this.progress, `Stopped after ${schedulesText(runs)}; none of them failed.`);
    } else {
      setText(this.progress, `The search ended: ${status}.`);
    }
  }
}
