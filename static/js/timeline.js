// The timeline: every event of the run as a tick in its process's row, a cursor at the
// event on screen, and a slider to scrub through them (keyboard: arrows, Page Up/Down,
// Home, End). Ticks are drawn on a canvas, bucketed per pixel column, so thousands of
// events cost one pass over the events and one rectangle per column and row.
//
// The x axis is either the events in order (one slot each) or the run's clock (an
// event at its time, so waits are gaps and bursts are dense). Under it, for runs with
// queues, the queue-depth chart on the same axis.

import { DepthChart } from "./depth-chart.js";
import { fitCanvas, h, setText } from "./dom.js";
import { thousands } from "./format.js";
import { KINDS } from "./kinds.js";
import { narrate } from "./narrate.js";

const ROW = 14; // px per process row
const WEIGHTS = { message: 3, memory: 2 }; // by the kind's group; anything else is 1
const SCALES = { events: "by event", time: "by time" };

// Taller ticks for what moves data; the cursor's process row is drawn on top.
function weight(kind) {
  const group = Object.hasOwn(KINDS, kind) ? KINDS[kind].group : null;
  return Object.hasOwn(WEIGHTS, group) ? WEIGHTS[group] : 1;
}

/** Where events sit across a track `width` px wide, and which event is at a given x. */
export class Axis {
  /** @param {import("./history.js").History} history @param {"events" | "time"} scale */
  constructor(history, scale, width) {
    this.history = history;
    this.n = history.length;
    this.width = Math.max(1, width);
    this.byTime = scale === "time" && this.n > 0;
    if (this.byTime) {
      this.t0 = history.times[0];
      this.span = history.times[this.n - 1] - this.t0 || 1; // one instant: all at x = 0
    }
  }

  /** The x of event `index` (its slot's middle when by event). */
  x(index) {
    if (this.n === 0 || index < 0) return 0;
    if (this.byTime) return ((this.history.times[index] - this.t0) / this.span) * this.width;
    return ((index + 0.5) / this.n) * this.width;
  }

  /** The event drawn at `x`: by time, the last one that had happened by then. */
  indexAt(x) {
    if (this.n === 0) return -1;
    const at = Math.max(0, Math.min(1, x / this.width));
    if (this.byTime) return Math.max(0, this.history.indexAtTime(this.t0 + at * this.span));
    return Math.min(this.n - 1, Math.floor(at * this.n));
  }
}

function timeText(seconds) {
  return seconds < 1 ? `${(seconds * 1000).toFixed(1)} ms` : `${seconds.toFixed(2)} s`;
}

export class Timeline {
  /** @param {{root: HTMLElement, onSeek: (index: number) => void}} options */
  constructor({ root, onSeek }) {
    this.labels = h("ol", { class: "tl-labels", "aria-hidden": "true" });
    this.canvas = h("canvas", { class: "tl-canvas", "aria-hidden": "true" });
    this.cursor = h("div", { class: "tl-cursor", "aria-hidden": "true" });
    this.slider = h("input", {
      type: "range",
      class: "tl-slider",
      id: "timeline-slider",
      min: -1,
      max: -1,
      step: 1,
      value: -1,
      "aria-label": "event on screen",
    });
    this.scaleMenu = h(
      "select",
      { id: "tl-scale", "aria-label": "timeline scale" },
      ...Object.entries(SCALES).map(([value, label]) => h("option", { value }, label)),
    );
    this.extent = h("span", { class: "tl-extent", id: "tl-extent" });
    this.depth = new DepthChart({ onSeek });
    root.append(
      h("div", { class: "tl-head" }, h("label", { class: "tl-scale" }, "Timeline ", this.scaleMenu), this.extent),
      h("div", { class: "tl-rows" }, this.labels, h("div", { class: "tl-track" }, this.canvas, this.cursor)),
      this.slider,
      this.depth.el,
    );
    this.scale = "events";
    this.scaleMenu.addEventListener("change", () => {
      this.scale = this.scaleMenu.value === "time" ? "time" : "events";
      this.invalidate();
    });
    this.slider.addEventListener("input", () => onSeek(Number(this.slider.value)));
    this.canvas.addEventListener("pointerdown", (e) => {
      this.canvas.setPointerCapture(e.pointerId);
      onSeek(this.indexAt(e.offsetX));
    });
    this.canvas.addEventListener("pointermove", (e) => {
      if (this.canvas.hasPointerCapture(e.pointerId)) onSeek(this.indexAt(e.offsetX));
    });
    this.drawn = null;
    this.axis = null;
    this.paint = null; // the pending paint's timer
    // Per event, kept as events arrive: its process (as a number) and its tick's weight,
    // so a redraw is a pass over two arrays of small integers.
    this.history = null;
    this.procIds = new Map();
    this.procOf = [];
    this.weightOf = [];
    // The track's width comes from the observer, never read while drawing: reading
    // layout in a frame that has just changed the DOM forces a second layout.
    this.width = 0;
    new ResizeObserver(([entry]) => {
      this.width = Math.floor(entry.contentRect.width);
      this.invalidate();
    }).observe(this.canvas.parentElement);
    matchMedia("(prefers-color-scheme: dark)").addEventListener("change", () => this.invalidate());
  }

  invalidate() {
    this.drawn = null;
    this.colors = null; // the theme may have changed
    this.depth.invalidate();
    this.onInvalidate?.();
  }

  indexAt(x) {
    return this.axis ? this.axis.indexAt(x) : -1;
  }

  catchUp(history) {
    if (history !== this.history) {
      this.history = history;
      this.procIds = new Map();
      this.procOf = [];
      this.weightOf = [];
    }
    const { events } = history;
    for (let i = this.procOf.length; i < events.length; i += 1) {
      const { proc, kind } = events[i];
      if (!this.procIds.has(proc)) this.procIds.set(proc, this.procIds.size);
      this.procOf.push(this.procIds.get(proc));
      this.weightOf.push(weight(kind));
    }
  }

  /**
   * `order`: the processes' rows, top to bottom (lane by lane, as the stage groups them);
   * `appearance`: the processes in order of appearance, which gives each its colour.
   */
  render(history, index, order, appearance = order) {
    const n = history.length;
    this.catchUp(history);
    const key = `${n}|${order.join(",")}|${this.width}|${this.scale}`;
    if (key !== this.drawn) {
      this.drawn = key;
      this.axis = new Axis(history, this.scale, this.width);
      this.paintSoon(order, appearance);
      const span = n ? history.times[n - 1] - history.times[0] : 0;
      setText(
        this.extent,
        n === 0 ? "" : this.scale === "time" ? `0 to ${timeText(span)}` : `${thousands(n)} events`,
      );
    }
    this.slider.max = String(n - 1);
    if (this.slider.value !== String(index)) this.slider.value = String(index);
    const event = history.events[index];
    this.slider.setAttribute(
      "aria-valuetext",
      event ? `event ${index + 1} of ${n}: ${narrate(event)}` : `before the first of ${n} events`,
    );
    this.cursor.style.transform = `translateX(${this.axis.x(index)}px)`;
    this.cursor.hidden = index < 0;
    this.depth.render(history, index, this.axis);
  }

  // Painting the canvas is a task of its own, after the frame that changed what it shows:
  // while a big run loads, that frame is already busy folding events into the history.
  paintSoon(order, appearance) {
    this.order = order;
    this.appearance = appearance;
    this.paint ??= setTimeout(() => {
      this.paint = null;
      this.draw(this.order, this.appearance);
    });
  }

  draw(order, appearance = order) {
    const rows = Math.max(1, order.length);
    const track = this.canvas.parentElement;
    const width = Math.max(1, this.width);
    const height = rows * ROW;
    // Each row in its process's colour, the one it has everywhere on the page.
    const colourOf = order.map((name) => Math.max(0, appearance.indexOf(name)) % 8);
    if (this.labelKey !== order.join(",")) {
      this.labelKey = order.join(",");
      // A long name is cut short by the stylesheet; its title has all of it.
      this.labels.replaceChildren(
        ...order.map((name, i) => h("li", { class: `proc-${colourOf[i]}`, title: name }, name)),
      );
    }

    // One bucket per (row, pixel column), holding the heaviest kind that fell in it.
    const columns = Math.max(1, Math.floor(width));
    const buckets = new Uint8Array(rows * columns);
    const rowOfId = new Int16Array(this.procIds.size).fill(-1);
    order.forEach((name, i) => {
      if (this.procIds.has(name)) rowOfId[this.procIds.get(name)] = i;
    });
    const { axis, procOf, weightOf } = this;
    const n = procOf.length;
    for (let i = 0; i < n; i += 1) {
      const row = rowOfId[procOf[i]];
      if (row < 0) continue;
      const col = Math.min(columns - 1, Math.floor(axis.x(i)));
      const cell = row * columns + col;
      if (weightOf[i] > buckets[cell]) buckets[cell] = weightOf[i];
    }

    const ctx = fitCanvas(this.canvas, track, width, height);
    if (!this.colors) {
      const style = getComputedStyle(this.canvas);
      const colour = (i) => style.getPropertyValue(`--proc-${i}`).trim() || "#888";
      this.colors = Array.from({ length: 8 }, (_, i) => colour(i));
    }
    // By event, a tick fills its slot (up to 6 px); by time, events are points in time.
    const tick = this.scale === "time" ? 2 : Math.max(1, Math.min(6, width / Math.max(n, 1) - 1));
    for (let row = 0; row < rows; row += 1) {
      ctx.fillStyle = this.colors[colourOf[row]];
      for (let col = 0; col < columns; col += 1) {
        const w = buckets[row * columns + col];
        if (!w) continue;
        const tall = (ROW - 4) * (w / 3);
        ctx.fillRect(col - tick / 2, row * ROW + (ROW - tall) / 2, tick, tall);
      }
    }
  }
}
