// The queue-depth chart: how many items each Queue held over the run, one row per queue
// on the timeline's axis, with a marker at the event on screen. Clicking the chart seeks;
// for the keyboard and screen readers each queue has a line of text ("q: at most 1,873
// items, at event 2,210") that is a button seeking to that moment.
//
// Drawing costs one pass over the events that changed a depth, bucketed per pixel
// column (the highest depth in each), and one rectangle per column.

import { fitCanvas, h, setText } from "./dom.js";
import { thousands } from "./format.js";
import { QueueDepths } from "./queue-depth.js";

const ROW = 32; // px per queue

/** The sentence that sums up one queue's depth over the run. */
export function depthSummary(name, q) {
  if (q.max === 0) return `${name}: never held an item`;
  const items = q.max === 1 ? "1 item" : `${thousands(q.max)} items`;
  return `${name}: at most ${items}, at event ${thousands(q.maxAt + 1)}`;
}

export class DepthChart {
  /** @param {{onSeek: (index: number) => void}} options */
  constructor({ onSeek }) {
    this.onSeek = onSeek;
    this.labels = h("ol", { class: "depth-labels", "aria-hidden": "true" });
    this.canvas = h("canvas", { class: "depth-canvas", "aria-hidden": "true" });
    this.cursor = h("div", { class: "depth-cursor", "aria-hidden": "true" });
    this.track = h("div", { class: "depth-track" }, this.canvas, this.cursor);
    this.summary = h("ul", { class: "depth-summary", id: "depth-summary" });
    this.el = h(
      "div",
      { class: "depth", id: "depth-chart", role: "group", "aria-labelledby": "depth-heading", hidden: true },
      h("p", { class: "depth-heading", id: "depth-heading" }, "Items in each queue"),
      h("div", { class: "depth-rows" }, this.labels, this.track),
      this.summary,
    );
    this.canvas.addEventListener("pointerdown", (e) => {
      this.canvas.setPointerCapture(e.pointerId);
      this.seekTo(e.offsetX);
    });
    this.canvas.addEventListener("pointermove", (e) => {
      if (this.canvas.hasPointerCapture(e.pointerId)) this.seekTo(e.offsetX);
    });
    this.history = null;
    this.drawn = null;
    this.paint = null; // the pending paint's timer
    this.width = 0; // from the observer, never read while drawing (see timeline.js)
    new ResizeObserver(([entry]) => {
      this.width = Math.floor(entry.contentRect.width);
      this.drawn = null;
    }).observe(this.track);
  }

  invalidate() {
    this.drawn = null;
    this.color = null;
  }

  seekTo(x) {
    if (this.axis) this.onSeek(this.axis.indexAt((x / Math.max(1, this.width)) * this.axis.width));
  }

  /** @param {import("./timeline.js").Axis} axis the timeline's, so both line up */
  render(history, index, axis) {
    if (history !== this.history) {
      this.history = history;
      this.depths = new QueueDepths();
      this.drawn = null;
    }
    const queues = this.depths.update(history.events);
    const hidden = queues.size === 0;
    if (this.el.hidden !== hidden) this.el.hidden = hidden;
    if (hidden) return;
    this.axis = axis;
    const key = `${history.length}|${this.width}|${axis.byTime}|${axis.width}`;
    if (key !== this.drawn) {
      this.drawn = key;
      this.describe(queues);
      // Painted in a task of its own, like the timeline (see timeline.js).
      this.paint ??= setTimeout(() => {
        this.paint = null;
        this.draw(this.depths.queues, this.axis);
      });
    }
    // The chart's track can be narrower than the timeline's (its labels are wider).
    const x = (axis.x(index) / axis.width) * this.width;
    this.cursor.style.transform = `translateX(${x}px)`;
    this.cursor.hidden = index < 0;
  }

  describe(queues) {
    const names = [...queues.keys()];
    if (this.labelKey !== names.join(",")) {
      this.labelKey = names.join(",");
      this.labels.replaceChildren(...names.map((name) => h("li", {}, name)));
      this.summary.replaceChildren(
        ...names.map((name) => {
          const button = h("button", { type: "button", class: "depth-peak", dataset: { queue: name } });
          button.addEventListener("click", () => {
            const q = this.depths.queues.get(name);
            if (q && q.maxAt >= 0) this.onSeek(q.maxAt);
          });
          return h("li", {}, button);
        }),
      );
    }
    for (const button of this.summary.querySelectorAll("button")) {
      const q = queues.get(button.dataset.queue);
      setText(button, depthSummary(button.dataset.queue, q));
      button.setAttribute("aria-disabled", String(q.maxAt < 0));
    }
  }

  draw(queues, axis) {
    const rows = queues.size;
    const width = Math.max(1, this.width);
    const height = rows * ROW;
    const ctx = fitCanvas(this.canvas, this.track, width, height);
    this.color ??= getComputedStyle(this.canvas).getPropertyValue("--accent").trim() || "#2457c5";
    ctx.fillStyle = this.color;
    const columns = Math.floor(width);
    const scale = width / axis.width;
    let row = 0;
    for (const q of queues.values()) {
      // The highest depth reached in each column, and the depth its last change left.
      const top = new Int32Array(columns).fill(-1);
      const end = new Int32Array(columns);
      for (let k = 0; k < q.at.length; k += 1) {
        const col = Math.min(columns - 1, Math.floor(axis.x(q.at[k]) * scale));
        if (q.depth[k] > top[col]) top[col] = q.depth[k];
        end[col] = q.depth[k];
      }
      const bottom = (row + 1) * ROW;
      let depth = 0; // carried across columns where nothing changed
      for (let col = 0; col < columns; col += 1) {
        const shown = top[col] >= 0 ? top[col] : depth;
        if (top[col] >= 0) depth = end[col];
        if (shown > 0) {
          const tall = Math.max(1, (shown / q.max) * (ROW - 4));
          ctx.fillRect(col, bottom - tall, 1, tall);
        }
      }
      row += 1;
    }
  }
}
