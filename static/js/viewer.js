// A run on screen: its events (the history), the event shown (the player) and the views
// that draw it: stage, narration, and where the page has them, the program, the replay
// controls and the timeline. The dashboard, a run's page and the embeds all show runs
// through a Viewer; they differ only in what surrounds it.
//
// Work is coalesced to animation frames: batches from the feed wait in `pending` and each
// frame folds in as many as fit in a time budget, then draws once, the state of the event
// on screen. A flood of events delays the picture, never the page.

import { Controls } from "./controls.js";
import { openFeed } from "./feed.js";
import { History } from "./history.js";
import { narrate } from "./narrate.js";
import { Player } from "./player.js";
import { castState } from "./reducer.js";
import { Timeline } from "./timeline.js";
import { laneOrder } from "./views/lanes.js";
import { SourceView } from "./views/source.js";
import { StageView } from "./views/stage.js";

const FOLD_BUDGET_MS = 8; // per frame, for reducing new events; the rest waits a frame
// Events reduced between looks at the clock: a download's batch can hold 10,000 events,
// and folding one whole would block the page for tens of milliseconds.
const FOLD_SLICE = 256;

export class Viewer {
  /**
   * @param {{idle?: string, onEnded?: (run: object) => void, onProblem?: (message: string) => void}} options
   *   `idle` is the narration before a run has any events.
   */
  constructor({ idle = "Press Run to start.", onEnded = () => {}, onProblem = () => {} } = {}) {
    const $ = (selector) => document.querySelector(selector);
    this.idle = idle;
    this.onEnded = onEnded;
    this.onProblem = onProblem;
    this.history = new History();
    this.feed = null;
    this.runId = null;
    this.frame = null;
    this.pending = []; // batches of events received, not yet in the history
    this.preview = null; // the cast's picture, shown while there are no events
    this.player = new Player(this.history, () => this.schedule());
    this.stage = new StageView({ status: $("#run-status"), grid: $("#stage-grid") });
    this.drawn = { history: null, index: -1 }; // what the stage shows, for the tokens that move
    this.source = $("#source") ? new SourceView($("#source"), $("#source-files")) : null;
    this.timeline = $("#timeline")
      ? new Timeline({ root: $("#timeline"), onSeek: (i) => this.player.seek(i) })
      : null;
    if (this.timeline) this.timeline.onInvalidate = () => this.schedule();
    this.controls = $("#controls") ? new Controls({ root: $("#controls"), player: this.player }) : null;
    this.narration = $("#narration");
    // The compact replay bar of a phone: its "More" button shows speeds, jumps, timeline.
    const more = $("#replay-more");
    more?.addEventListener("click", () => {
      const open = more.getAttribute("aria-expanded") !== "true";
      more.setAttribute("aria-expanded", String(open));
      more.textContent = open ? "Less" : "More";
      more.closest(".player").classList.toggle("is-expanded", open);
      if (open) this.timeline?.invalidate(); // its canvas was not drawn while hidden
    });
    this.detail = $("#narration-detail");
    // Called after each frame is drawn, for what a page adds to the stage's boxes (the
    // step controls): boxes appear as events arrive, so they are decorated where drawn.
    this.afterDraw = null;
  }

  schedule() {
    if (this.frame === null) this.frame = requestAnimationFrame(() => this.draw());
  }

  /** The theme changed: what is drawn on canvases is drawn again. */
  invalidate() {
    if (this.timeline) this.timeline.invalidate();
    else this.schedule();
  }

  draw() {
    this.frame = null;
    this.fold();
    // Before a run has events, the picture of what it will have (if the page knows it).
    const state =
      this.history.length === 0 && this.preview ? this.preview : this.history.stateAt(this.player.index);
    // Compact or not as the whole run (so far) is: scrubbing back keeps the same picture.
    const tail = this.history.length ? this.history.tail : state;
    this.stage.render(state, this.justApplied(), tail.order.length);
    this.source?.render(state, tail); // the tabs list the files of the run so far
    this.timeline?.render(this.history, this.player.index, laneOrder(tail), tail.order);
    this.controls?.render();
    const ev = state.last;
    const idle = this.history.length ? "Before the first event." : this.idle;
    const sentence = ev ? narrate(ev) : idle;
    if (this.narration.textContent !== sentence) this.narration.textContent = sentence;
    const where = ev?.line ? ` · ${ev.file ? `${ev.file} line` : "line"} ${ev.line}` : "";
    const detail = ev ? `seq ${ev.seq} · t = ${ev.t.toFixed(4)} s${where}` : "";
    if (this.detail.textContent !== detail) this.detail.textContent = detail;
    // The run's status as far as the feed has got (not at the event on screen), for
    // scripts and tests that wait for a run to end.
    document.body.dataset.runStatus = this.history.tail.run.status;
    this.afterDraw?.(this.history.tail);
  }

  // The events between the one drawn last and the one on screen now, when the player
  // moved forward by a few: their tokens fly. A seek or a burst is drawn where it lands.
  justApplied() {
    const { history, index } = this.drawn;
    const now = this.player.index;
    this.drawn = { history: this.history, index: now };
    if (history !== this.history || now <= index || now - index > 4) return [];
    return this.history.events.slice(index + 1, now + 1);
  }

  setIdle(text) {
    this.idle = text;
    this.schedule();
  }

  setSource(text) {
    this.source?.setSource(text);
  }

  /** Before any run: draw the processes and objects of `cast` (a scenario's), not started. */
  showCast(cast) {
    this.preview = cast ? castState(cast) : null;
    this.schedule();
  }

  /** Forget the run on screen (and stop receiving its events). */
  clear() {
    this.feed?.close();
    this.feed = null;
    this.pending = [];
    this.runId = null;
    this.preview = null;
    this.history = new History();
    this.stage.reset();
    this.source?.forgetFiles();
    this.player.reset(this.history);
  }

  /** Show `run` (the API's view of it): live while it runs, as a replay once it has ended. */
  show(run) {
    this.clear();
    this.runId = run.id;
    if (run.source) this.setSource(run.source);
    this.feed = openFeed(run, {
      onEvents: (events) => {
        this.pending.push(events);
        this.schedule();
      },
      onProblem: (message) => this.onProblem(message),
    });
  }

  /** Move received batches into the history, within this frame's budget. */
  fold() {
    if (this.pending.length === 0) return;
    const deadline = performance.now() + FOLD_BUDGET_MS;
    const wasEnded = this.history.ended;
    let added = 0;
    while (this.pending.length && performance.now() < deadline) {
      const batch = this.pending[0];
      if (batch.length <= FOLD_SLICE) added += this.history.append(this.pending.shift());
      else added += this.history.append(batch.splice(0, FOLD_SLICE));
    }
    if (this.pending.length) this.schedule();
    if (added) this.player.arrived();
    if (this.history.ended && !wasEnded) this.onEnded(this.history.tail.run);
  }
}
