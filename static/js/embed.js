// An embed (/embed/{scenario}, /embed/runs/{id}): the stage alone, for an iframe in a course
// page. The server has read the address's options into #page-data. A scenario embed starts
// a new run when the reader presses Run, or by itself with autoplay once it is scrolled into
// view; a run embed shows a recorded run (autoplay replays it) or follows a live one. An
// over-limit answer (429) is shown with its wait, and autoplay tries again after it.
//
// The embed tells the page around it how tall it is (postMessage), so the page's script
// from the Embed dialog can fit the iframe to it.

import { api } from "./api.js";
import { setText } from "./dom.js";
import { SIZE_MESSAGE } from "./embed-code.js";
import { isLive } from "./run-status.js";
import { Viewer } from "./viewer.js";

const $ = (selector) => document.querySelector(selector);
const MAX_TRIES = 20; // refused starts in a row before autoplay gives up and leaves it to Run

/** Post the document's height to the embedding page whenever it changes. */
function reportSize() {
  if (window.parent === window) return;
  let last = 0;
  new ResizeObserver(([entry]) => {
    const height = Math.ceil(entry.borderBoxSize[0].blockSize);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: SIZE_MESSAGE, height }, "*");
  }).observe(document.documentElement);
}

/** Call `action` once `el` is at least partly on screen (in the top page's viewport). */
function whenVisible(el, action) {
  const observer = new IntersectionObserver((entries) => {
    if (!entries.some((e) => e.isIntersecting)) return;
    observer.disconnect();
    action();
  });
  observer.observe(el);
}

class Embed {
  constructor(config) {
    this.config = config;
    this.options = config.options;
    this.message = $("#form-message");
    this.open = $("#open");
    this.button = $("#run");
    this.tries = 0;
    this.timer = null;
    this.viewer = new Viewer({
      idle: "Press Run to start.",
      onEnded: () => this.ended(),
      onProblem: (text) => this.say(text, "error"),
    });
  }

  say(text, kind = "info") {
    setText(this.message, text);
    this.message.dataset.kind = kind;
  }

  showRun() {
    const { run } = this.config;
    this.viewer.setIdle("Loading the run…");
    this.viewer.show(run);
    const ended = !isLive(run.status);
    if (this.options.autoplay && ended) whenVisible($("#main"), () => this.viewer.player.play());
  }

  showScenario() {
    if (this.config.errors.length) {
      this.viewer.setIdle("Nothing to run: the parameters above need fixing.");
      return;
    }
    this.viewer.setSource(this.config.source);
    this.button.disabled = false;
    this.button.addEventListener("click", () => {
      this.tries = 0;
      this.start();
    });
    if (this.options.autoplay) {
      this.viewer.setIdle("Starts when it comes into view.");
      whenVisible($("#main"), () => this.start());
    }
  }

  async start() {
    clearTimeout(this.timer);
    this.button.disabled = true;
    this.viewer.setIdle("Starting a run…");
    const { scenario, params, options } = this.config;
    try {
      const run = await api.start({
        scenario: scenario.id,
        params,
        pace_ms: options.pace_ms,
        start_method: options.start_method,
      });
      this.say("");
      this.open.href = `/runs/${encodeURIComponent(run.id)}`;
      this.viewer.show(run);
    } catch (error) {
      if (error.status === 429) this.refused(error);
      else {
        this.say(`Could not start a run: ${error.message}`, "error");
        this.button.disabled = false;
      }
    }
  }

  // Over one of the server's limits: wait as long as it says, then try again.
  refused(error) {
    this.tries += 1;
    const wait = error.retryAfter ?? 5;
    if (this.tries >= MAX_TRIES) {
      this.say(`The server is busy: ${error.message}. Press Run to try again in ${wait} s.`, "error");
      this.viewer.setIdle("Not started.");
      this.button.disabled = false;
      return;
    }
    const until = performance.now() + wait * 1000;
    const tick = () => {
      const left = Math.ceil((until - performance.now()) / 1000);
      if (left <= 0) {
        this.start();
        return;
      }
      this.say(`The server is busy: ${error.message}. Trying again in ${left} s…`, "wait");
      this.timer = setTimeout(tick, Math.min(1000, until - performance.now()));
    };
    this.viewer.setIdle("Waiting for the server…");
    tick();
  }

  ended() {
    if (!this.button) return;
    this.button.textContent = "Run again";
    this.button.disabled = false;
  }
}

function main() {
  reportSize();
  const embed = new Embed(JSON.parse($("#page-data").textContent));
  if (embed.config.kind === "run") embed.showRun();
  else embed.showScenario();
  embed.viewer.schedule();
  document.body.dataset.ready = "true";
}

main();
