// An embed (/embed/{scenario}, /embed/runs/{id}): the stage alone, for an iframe in a course
// page. The server has read the address's options into #page-data. A scenario embed starts
// a new run when the reader presses Run, or by itself with autoplay once it is scrolled into
// view; a run embed shows a recorded run (autoplay replays it) or follows a live one. An
// over-limit answer (429) is shown with its wait, and autoplay tries again after it.
//
// The embed tells the page around it how tall it is (postMessage), so the page's script
// from the Embed dialog can fit the iframe to it. A scenario embed keeps one height from
// before Run to after the run (see keepHeight()), so the course page does not jump.

import { api } from "./api.js";
import { setText } from "./dom.js";
import { SIZE_MESSAGE } from "./embed-code.js";
import { isLive } from "./run-status.js";
import { Stepper } from "./stepper.js";
import { Viewer } from "./viewer.js";

const $ = (selector) => document.querySelector(selector);
const MAX_TRIES = 20; // refused starts in a row before autoplay gives up and leaves it to Run

// What a student reads. The API's own message names the setting for whoever runs the
// server ("… [MPSCOPE_MAX_RUNS]"); here that name picks a plain sentence, and the API's
// words stay in the message's title for a teacher who looks.
const seconds = (n) => (n === 1 ? "1 second" : `${n} seconds`);
const BUSY = {
  MPSCOPE_MAX_RUNS: () => "Too many runs are going on right now.",
  MPSCOPE_MAX_RUNS_PER_ADDRESS: () => "Many people on your network are running programs right now.",
  MPSCOPE_MAX_RUNS_PER_CLIENT: () => "Your other runs are still going (in other embeds or tabs of this browser).",
  MPSCOPE_RUNS_PER_MINUTE: () => "You have started many runs in the last minute.",
};

function busyText(error, left, retrying) {
  const limit = /\[(MPSCOPE_[A-Z_]+)\]$/.exec(error.message)?.[1];
  const why = (BUSY[limit] ?? (() => "The server is busy."))();
  if (!retrying) return `${why} Try again in ${seconds(left)}.`;
  return `${why} This one starts by itself as soon as it can: next try in ${seconds(left)}.`;
}

function failureText(error) {
  if (error.status === 0) return "The mpscope server cannot be reached. Check your connection, then press Run again.";
  if (error.status === 404 || error.status === 422) {
    return "This embed asks for a program the server cannot run. Tell your teacher that the embed needs fixing.";
  }
  return "Something went wrong on the server, so the run did not start. Press Run to try again.";
}

const ENDED = {
  failed: "The program stopped with an error: the output in its boxes shows what went wrong.",
  timed_out: "The run took longer than the server allows, so it was stopped before the end.",
  cancelled: "The run was stopped before the end.",
  deadlocked: "Every process was waiting for another, so none could go on: the run was stopped.",
};

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

// The room a run takes beyond the cast's picture, estimated from that picture (measured
// before Run) and the cast. What a box gains: its console up to its max-height, the
// tokens it receives (it shows the last four, side by side as its width allows), a
// status and role that may wrap in a narrow box, and for a manager's server the real
// object with the calls it serves. Boxes side by side grow together (a grid row is as
// tall as its tallest); boxes one under another add up. Too little, and the stage
// scrolls inside; too much, and it has space to spare: the frame's height holds either way.
const TOKENS_SHOWN = 4; // views/procbox.js's RECEIVED_SHOWN
const TOKEN_EM = 5.5; // a received token's width, in the box's font size
const NARROW_EM = 12; // a box narrower than this wraps its tokens' text and its status
const SERVED_EM = 16; // a manager's object and its last calls, in its server's box
// The timeline gains a row per process, and a queue-depth chart (a row per queue) when
// there is a queue.
const TIMELINE_ROW_PX = 14;
const DEPTH_CHART_PX = 88;
const DEPTH_ROW_PX = 31;

function boxGrowth({ width, em, consoleRoom, receives, serves }) {
  const narrow = width < NARROW_EM * em;
  const perRow = Math.max(1, Math.floor(width / (TOKEN_EM * em)));
  const tokens = receives ? Math.ceil(TOKENS_SHOWN / perRow) * (narrow ? 3.6 : 2) * em : 0;
  return consoleRoom + tokens + (narrow ? 3 : 1.3) * em + (serves ? SERVED_EM * em : 0);
}

function stageGrowth(boxes) {
  const rows = new Map();
  for (const box of boxes) rows.set(box.top, Math.max(rows.get(box.top) ?? 0, boxGrowth(box)));
  return [...rows.values()].reduce((a, b) => a + b, 0);
}

function timelineGrowth(cast) {
  const procs = cast.processes?.length ?? 1;
  const queues = (cast.objects ?? []).filter((o) => o.type === "queue").length;
  const chart = queues ? DEPTH_CHART_PX + DEPTH_ROW_PX * (queues - 1) : 0;
  return TIMELINE_ROW_PX * Math.max(0, procs - 1) + chart;
}

// Who the cast has receive something (tokens land in their boxes), and who serves.
function roles(cast) {
  const receiving = new Set();
  const serving = new Set();
  for (const o of cast.objects ?? []) {
    for (const p of o.to ?? []) receiving.add(p);
    for (const ps of Object.values(o.users ?? {})) if (Array.isArray(ps)) ps.forEach((p) => receiving.add(p));
    for (const p of o.proxies ?? []) receiving.add(p);
    if (o.server) serving.add(o.server);
  }
  return { receiving, serving };
}

function measureBoxes(grid, cast) {
  const { receiving, serving } = roles(cast);
  return [...grid.querySelectorAll("[data-proc]")].map((el) => {
    const consoleEl = el.querySelector(".console");
    const max = consoleEl ? parseFloat(getComputedStyle(consoleEl).maxHeight) : NaN;
    return {
      top: Math.round(el.getBoundingClientRect().top),
      width: el.clientWidth,
      em: parseFloat(getComputedStyle(el).fontSize) || 16,
      consoleRoom: consoleEl && Number.isFinite(max) ? Math.max(0, max - consoleEl.offsetHeight) : 0,
      receives: receiving.has(el.dataset.proc),
      serves: serving.has(el.dataset.proc),
    };
  });
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
      onEnded: (run) => this.ended(run),
      onProblem: (text) =>
        this.say("The connection to the server was lost, so the picture stopped. Reload the page to see the run.", "error", text),
    });
    // An embedded step-mode run is stepped in the frame; Undo's new run keeps the options.
    this.stepper = new Stepper({
      viewer: this.viewer,
      panel: $("#step-panel"),
      onReplaced: (run) => location.replace(`/embed/runs/${encodeURIComponent(run.id)}${location.search}`),
    });
  }

  /** Show `text` to the student; `detail` (the server's own words) goes in the title. */
  say(text, kind = "info", detail = "") {
    setText(this.message, text);
    this.message.dataset.kind = kind;
    this.message.title = detail;
  }

  showRun() {
    const { run } = this.config;
    this.viewer.setIdle("Loading the run…");
    this.viewer.show(run);
    this.stepper.show(run);
    const ended = !isLive(run.status);
    if (this.options.autoplay && ended) whenVisible($("#main"), () => this.viewer.player.play());
  }

  showScenario() {
    if (this.config.errors.length) {
      this.viewer.setIdle("Nothing to run: the parameters above need fixing.");
      return;
    }
    // Before Run: the program and the picture of what the run will have, at the height
    // the run will need.
    this.viewer.setSource(this.config.source);
    this.viewer.showCast(this.config.cast);
    this.keepHeight();
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

  // The stage's height is fixed before Run: the cast's picture as drawn, plus the room
  // each box will grow into (stageGrowth). A run that needs more scrolls inside the
  // stage rather than pushing the course page down; one that needs less leaves space.
  // Measured again when the frame's width changes before a run; a change during or after
  // a run lets the stage take its natural height, as the page reflows anyway.
  keepHeight() {
    const { cast } = this.config;
    if (!cast) return;
    const stage = $("#stage");
    const timeline = $("#timeline");
    const measure = () => {
      stage.style.height = "";
      if (timeline) timeline.style.minHeight = "";
      if (this.viewer.history.length) return;
      const growth = stageGrowth(measureBoxes($("#stage-grid"), cast));
      stage.style.height = `${Math.ceil(stage.offsetHeight + growth)}px`;
      if (timeline) timeline.style.minHeight = `${Math.ceil(timeline.offsetHeight + timelineGrowth(cast))}px`;
    };
    let width = 0;
    new ResizeObserver(([entry]) => {
      const now = Math.round(entry.contentRect.width);
      if (now === width) return;
      width = now;
      // After the viewer has drawn the cast at this width (its frame comes first).
      requestAnimationFrame(measure);
    }).observe($("#main"));
  }

  async start() {
    clearTimeout(this.timer);
    this.button.disabled = true;
    this.viewer.setIdle("Starting a run…");
    const { scenario, params, options } = this.config;
    try {
      const body = { scenario: scenario.id, params, pace_ms: options.pace_ms, start_method: options.start_method };
      // An embedded interleaving replays its schedule, then the program goes on freely.
      if (options.schedule?.length) Object.assign(body, { schedule: options.schedule, then: "free" });
      const run = await api.start(body);
      this.say("");
      this.open.href = `/runs/${encodeURIComponent(run.id)}`;
      this.viewer.show(run);
      this.stepper.show(run);
    } catch (error) {
      if (error.status === 429) this.refused(error);
      else {
        this.say(failureText(error), "error", error.message);
        this.viewer.setIdle("Not started.");
        this.button.disabled = false;
      }
    }
  }

  // Over one of the server's limits: wait as long as it says, then try again.
  refused(error) {
    this.tries += 1;
    const wait = error.retryAfter ?? 5;
    if (this.tries >= MAX_TRIES) {
      this.say(busyText(error, wait, false), "error", error.message);
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
      this.say(busyText(error, left, true), "wait", error.message);
      this.timer = setTimeout(tick, Math.min(1000, until - performance.now()));
    };
    this.viewer.setIdle("Waiting for the server…");
    tick();
  }

  ended(run) {
    this.stepper.ended();
    const said = ENDED[run?.status];
    const again = this.button ? " Press Run again to watch it from the start." : "";
    if (said) this.say(said + again, "error", run.error ?? "");
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
