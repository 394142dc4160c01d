// The dashboard: the set-up panel, a Viewer for the run on screen, the step controls of a
// step-mode run, the explorer, and the Embed dialog.

import { api } from "./api.js";
import { EmbedDialog } from "./embed-dialog.js";
import { Explorer } from "./explore.js";
import { isLive, statusWord } from "./run-status.js";
import { readUrl, Setup } from "./setup.js";
import { Stepper } from "./stepper.js";
import { setUpTheme } from "./theme.js";
import { Viewer } from "./viewer.js";

const $ = (selector) => document.querySelector(selector);

class Dashboard {
  constructor(scenarios) {
    this.scenarioDetails = new Map();
    this.viewer = new Viewer({
      onEnded: (run) => this.ended(run),
      onProblem: (message) => {
        this.setup.say(message, "error");
        this.idle();
      },
    });
    this.permalink = $("#permalink");
    this.stepper = new Stepper({
      viewer: this.viewer,
      panel: $("#step-panel"),
      onReplaced: (run) => {
        this.follow(run);
        this.setup.say("The last step is undone: a new run replays the ones before it, then waits for you.");
      },
    });
    this.explorer = new Explorer({ root: $("#explore"), target: () => this.setup.request() });
    setUpTheme($("#theme"), () => this.viewer.invalidate());
    this.setup = new Setup({
      form: $("#setup"),
      scenarios,
      onPick: (scenario, runId) => this.picked(scenario, runId),
      onRun: (request) => this.start(request),
      onCancel: () => this.cancel(),
      onCast: (cast) => this.viewer.runId === null && this.viewer.showCast(cast),
    });
    new EmbedDialog({ button: $("#embed"), target: () => this.embedTarget() });
  }

  /** What the Embed dialog offers: the set-up on screen, and the run if there is one. */
  embedTarget() {
    const request = this.setup.request();
    const scenario = this.setup.scenarios.get(request.scenario);
    return {
      ...request,
      pace_ms: request.pace_ms ?? null,
      title: scenario?.title ?? request.scenario,
      defaults: scenario?.defaults ?? {},
      schedule: this.stepper.run?.schedule ?? [],
      runId: this.viewer.runId,
    };
  }

  /** Open the page's set-up from the address bar (and the run it names, if any). */
  async open() {
    const want = readUrl();
    this.setup.openLink(want);
    if (want.run) await this.load(want.run);
    // A link to an interleaving: a new run replays it, then goes on as the link says.
    else if (want.schedule?.length) {
      const request = this.setup.request();
      await this.start({ ...request, schedule: want.schedule, then: request.mode ?? "free" });
    }
  }

  async picked(scenario, runId) {
    if (runId === null) this.clear();
    this.explorer.offer(scenario);
    let detail = this.scenarioDetails.get(scenario.id);
    if (!detail) {
      try {
        detail = await api.scenario(scenario.id);
        this.scenarioDetails.set(scenario.id, detail);
      } catch (error) {
        this.setup.say(`Could not load the program: ${error.message}`, "error");
        return;
      }
    }
    // A run shows its own source (its parameters filled in); the scenario's until then.
    // Until then the stage draws what the program will have (the defaults' cast; the
    // estimate of the set-up on screen refines it).
    if (this.viewer.runId === null && this.setup.current() === scenario.id) {
      this.viewer.setSource(detail.source);
      this.viewer.showCast(detail.cast);
    }
  }

  clear() {
    this.viewer.clear();
    this.stepper.show(null);
    this.permalink.hidden = true;
    this.setup.setBusy(false);
  }

  follow(run) {
    this.viewer.show(run);
    this.stepper.show(run);
    this.setup.setRun(run.id);
    this.permalink.href = `/runs/${encodeURIComponent(run.id)}`;
    this.permalink.hidden = false;
    this.setup.setBusy(isLive(run.status));
  }

  ended(run) {
    this.stepper.ended();
    this.idle();
    this.setup.say(`Run ${statusWord(run.status)}. Step through it with the replay controls.`);
  }

  /** No run is live: Cancel is disabled (hidden when folded), so focus on it moves on. */
  idle() {
    const onCancel = document.activeElement === this.setup.cancelButton;
    this.setup.setBusy(false);
    if (onCancel) this.focusNarration();
  }

  /** The narration is where a run's story is told; it takes focus when nothing else fits. */
  focusNarration() {
    const narration = $("#narration");
    narration.tabIndex = -1;
    narration.focus();
  }

  async start(request) {
    this.setup.clearMessages();
    this.setup.setBusy(true);
    try {
      const run = await api.start(request);
      this.follow(run);
      this.setup.fold();
      // Wherever the page was scrolled to reach Run, the stage is what to watch now.
      $("#stage").scrollIntoView({ block: "start", behavior: "instant" });
      // Focus is on the Run button, now disabled: Cancel while the run is live, else its story.
      if (this.setup.cancelButton.disabled) this.focusNarration();
      else this.setup.cancelButton.focus();
      const stepping = run.mode === "step" && !request.schedule?.length;
      this.setup.say(stepping ? "Step mode: press a process's Step button (or 1, 2, 3…) to let it go." : "Running…");
    } catch (error) {
      this.setup.setBusy(false);
      this.setup.showError(error);
    }
  }

  async cancel() {
    if (!this.viewer.runId) return;
    try {
      await api.cancel(this.viewer.runId);
    } catch (error) {
      this.setup.say(`Could not cancel: ${error.message}`, "error");
    }
  }

  async load(runId) {
    try {
      const run = await api.run(runId);
      this.setup.pick(run.scenario, run.params, {
        pace_ms: run.pace_ms,
        start_method: run.start_method,
        mode: run.mode,
        runId: run.id,
      });
      this.follow(run);
      this.setup.fold();
      // Wherever the page was scrolled to reach Run, the stage is what to watch now.
      $("#stage").scrollIntoView({ block: "start", behavior: "instant" });
    } catch (error) {
      this.setup.say(error.status === 404 ? "That run is not kept any more." : error.message, "error");
    }
  }
}

async function main() {
  let scenarios;
  try {
    scenarios = await api.scenarios();
  } catch (error) {
    $("#form-message").textContent = `Could not load the scenarios: ${error.message}`;
    return;
  }
  const dashboard = new Dashboard(scenarios);
  await dashboard.open();
  dashboard.viewer.schedule();
  document.body.dataset.ready = "true";
}

main();
