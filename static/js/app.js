// The dashboard: wires the set-up panel, the stream, the history of events, the player
// and the views. Work is coalesced to animation frames: batches from the stream wait in
// `pending` and each frame folds in as many as fit in a time budget, then draws once, the
// state of the event on screen. A flood of events delays the picture, never the page.

import { api } from "./api.js";
import { Controls } from "./controls.js";
import { History } from "./history.js";
import { narrate } from "./narrate.js";
import { Player } from "./player.js";
import { readUrl, Setup } from "./setup.js";
import { RunStream } from "./stream.js";
import { setUpTheme } from "./theme.js";
import { Timeline } from "./timeline.js";
import { SourceView } from "./views/source.js";
import { StageView } from "./views/stage.js";

const $ = (selector) => document.querySelector(selector);
const ACTIVE = new Set(["queued", "running"]);
const FOLD_BUDGET_MS = 8; // per frame, for reducing new events; the rest waits a frame

class Dashboard {
  constructor(scenarios) {
    this.history = new History();
    this.stream = null;
    this.runId = null;
    this.frame = null;
    this.pending = []; // batches of events received, not yet in the history
    this.scenarioDetails = new Map();
    this.player = new Player(this.history, () => this.schedule());
    this.stage = new StageView({ status: $("#run-status"), lanes: $("#lanes"), objects: $("#objects") });
    this.source = new SourceView($("#source"));
    this.timeline = new Timeline({ root: $("#timeline"), onSeek: (i) => this.player.seek(i) });
    this.timeline.onInvalidate = () => this.schedule();
    this.controls = new Controls({ root: $("#controls"), player: this.player });
    this.narration = $("#narration");
    this.detail = $("#narration-detail");
    setUpTheme($("#theme"), () => this.timeline.invalidate());
    this.setup = new Setup({
      form: $("#setup"),
      scenarios,
      onPick: (scenario, runId) => this.picked(scenario, runId),
      onRun: (request) => this.start(request),
      onCancel: () => this.cancel(),
    });
  }

  schedule() {
    if (this.frame === null) this.frame = requestAnimationFrame(() => this.draw());
  }

  draw() {
    this.frame = null;
    this.fold();
    const state = this.history.stateAt(this.player.index);
    this.stage.render(state);
    this.source.render(state);
    this.timeline.render(this.history, this.player.index, this.history.tail.order);
    this.controls.render();
    const ev = state.last;
    const idle = this.history.length ? "Before the first event." : "Press Run to start.";
    const sentence = ev ? narrate(ev) : idle;
    if (this.narration.textContent !== sentence) this.narration.textContent = sentence;
    const where = ev?.line ? ` · line ${ev.line}` : "";
    const detail = ev ? `seq ${ev.seq} · t = ${ev.t.toFixed(4)} s${where}` : "";
    if (this.detail.textContent !== detail) this.detail.textContent = detail;
    // The run's status as far as the stream has got (not at the event on screen), for
    // scripts and tests that wait for a run to end.
    document.body.dataset.runStatus = this.history.tail.run.status;
  }

  /** Open the page's set-up from the address bar (and the run it names, if any). */
  async open() {
    const want = readUrl();
    this.setup.pick(want.scenario, want.params, { pace_ms: want.pace_ms, start_method: want.start_method });
    if (want.run) await this.load(want.run);
  }

  async picked(scenario, runId) {
    if (runId === null) this.clear();
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
    if (this.runId === null && this.setup.current() === scenario.id) this.source.setSource(detail.source);
  }

  clear() {
    this.stream?.close();
    this.stream = null;
    this.pending = [];
    this.runId = null;
    this.history = new History();
    this.stage.reset();
    this.player.reset(this.history);
    this.setup.setBusy(false);
  }

  follow(run) {
    this.clear();
    this.runId = run.id;
    this.setup.setRun(run.id);
    if (run.source) this.source.setSource(run.source);
    this.setup.setBusy(ACTIVE.has(run.status));
    this.stream = new RunStream(run.id, {
      onEvents: (events) => {
        this.pending.push(events);
        this.schedule();
      },
      onProblem: (message) => {
        this.setup.say(message, "error");
        this.setup.setBusy(false);
      },
    });
  }

  /** Move received batches into the history, within this frame's budget. */
  fold() {
    if (this.pending.length === 0) return;
    const deadline = performance.now() + FOLD_BUDGET_MS;
    const wasEnded = this.history.ended;
    let added = 0;
    while (this.pending.length && performance.now() < deadline) {
      added += this.history.append(this.pending.shift());
    }
    if (this.pending.length) this.schedule();
    if (added) this.player.arrived();
    if (this.history.ended && !wasEnded) this.ended();
  }

  ended() {
    this.setup.setBusy(false);
    const run = this.history.tail.run;
    this.setup.say(`Run ${run.status.replace("_", " ")}. Step through it with the replay controls.`);
  }

  async start(request) {
    this.setup.clearMessages();
    this.setup.setBusy(true);
    try {
      const run = await api.start(request);
      this.follow(run);
      this.setup.say("Running…");
    } catch (error) {
      this.setup.setBusy(false);
      this.setup.showError(error);
    }
  }

  async cancel() {
    if (!this.runId) return;
    try {
      await api.cancel(this.runId);
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
        runId: run.id,
      });
      this.follow(run);
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
  dashboard.schedule();
  document.body.dataset.ready = "true";
}

main();
