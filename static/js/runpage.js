// A run's permalink page (/runs/{id}): the run, replayed once it has ended (one request
// for all its events) or live until then, with the dashboard's stage and replay controls.

import { EmbedDialog } from "./embed-dialog.js";
import { setText } from "./dom.js";
import { isLive, statusWord } from "./run-status.js";
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
      say(`Run ${statusWord(ended.status)}. Step through it with the replay controls.`);
    },
    onProblem: (text) => say(text, "error"),
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
    }),
  });
  if (isLive(run.status)) say("Running: the stage follows it live.");
  viewer.show(run);
  viewer.schedule();
  document.body.dataset.ready = "true";
}

main();
