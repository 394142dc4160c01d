// A run's permalink page (/runs/{id}): the run, replayed once it has ended (one request
// for all its events) or live until then, with the dashboard's stage and replay controls;
// a step-mode run is stepped here as on the dashboard.

import { api } from "./api.js";
import { EmbedDialog } from "./embed-dialog.js";
import { Explorer } from "./explore.js";
import { setText } from "./dom.js";
import { isLive, statusWord } from "./run-status.js";
import { Stepper } from "./stepper.js";
import { setUpTheme } from "./theme.js";
import { Viewer } from "./viewer.js";

const $ = (selector) => document.querySelector(selector);

function main() {
  const { run, scenario } = JSON.parse($("#page-data").textContent);
  const message = $("#form-message");
  const say = (text, kind = "info") => {
    setText(message, text);
    message.dataset.kind = kind;
  };
  const viewer = new Viewer({
    idle: "Loading the run…",
    onEnded: (ended) => {
      stepper.ended();
      say(`Run ${statusWord(ended.status)}. Step through it with the replay controls.`);
    },
    onProblem: (text) => say(text, "error"),
  });
  // Undo is a new run: its own page, in place of this one in the history.
  const stepper = new Stepper({
    viewer,
    panel: $("#step-panel"),
    onReplaced: (next) => location.replace(`/runs/${encodeURIComponent(next.id)}`),
  });
  setUpTheme($("#theme"), () => viewer.invalidate());
  new EmbedDialog({
    button: $("#embed"),
    target: () => ({
      runId: run.id,
      title: scenario.title,
      scenario: run.scenario,
      params: run.params,
      defaults: scenario.defaults,
      pace_ms: run.pace_ms,
      start_method: run.start_method,
      schedule: stepper.run?.schedule ?? run.schedule ?? [],
    }),
  });
  if (scenario.offered) {
    const explorer = new Explorer({ root: $("#explore"), target: () => run });
    api.scenario(run.scenario).then(
      (detail) => explorer.offer(detail),
      () => explorer.offer(null), // no check known: no button, and nothing else is lost
    );
  }
  const stepping = run.mode === "step" && isLive(run.status);
  if (stepping) say("Step mode: press a process's Step button (or 1, 2, 3…) to let it go.");
  else if (isLive(run.status)) say("Running: the stage follows it live.");
  viewer.show(run);
  stepper.show(run);
  viewer.schedule();
  document.body.dataset.ready = "true";
}

main();
