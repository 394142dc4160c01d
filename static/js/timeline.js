// The timeline: every event of the run as a tick in its process's row, a cursor at the
// event on screen, and a slider to scrub through them (keyboard: arrows, Page Up/Down,
// Home, End). Ticks are drawn on a canvas, bucketed per pixel column, so thousands of
// events cost one pass over the events and one rectangle per column and row.

import { h } from "./dom.js";
import { KINDS } from "./kinds.js";
import { narrate } from "./narrate.js";

const ROW = 14; // px per process row
const WEIGHTS = { message: 3, memory: 2 }; // by the kind's group; anything else is 1

// Taller ticks for what moves data; the cursor's process row is drawn on top.
function weight(kind) {
  const group = Object.hasOwn(KINDS, kind) ? KINDS[kind].group : null;
  return Object.hasOwn(WEIGHTS, group) ? WEIGHTS[group] : 1;
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
    root.append(
      h("div", { class: "tl-rows" }, this.labels, h("div", { class: "tl-track" }, this.canvas, this.cursor)),
      this.slider,
    );
    this.slider.addEventListener("input", () => onSeek(Number(this.slider.value)));
    this.canvas.addEventListener("pointerdown", (e) => {
      this.canvas.setPointerCapture(e.pointerId);
      onSeek(this.indexAt(e.offsetX));
    });
    this.canvas.addEventListener("pointermove", (e) => {
      if (this.canvas.hasPointerCapture(e.pointerId)) onSeek(this.indexAt(e.offsetX));
    });
    this.drawn = null;
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
    this.onInvalidate?.();
  }

  indexAt(x) {
    const n = this.count ?? 0;
    if (n === 0) return -1;
    const width = this.width || 1;
    return Math.max(0, Math.min(n - 1, Math.floor((x / width) * n)));
  }

  render(history, index, order) {
    const n = history.length;
    this.count = n;
    const key = `${n}|${order.join(",")}|${this.width}`;
    if (key !== this.drawn) {
      this.drawn = key;
      this.draw(history.events, order);
    }
    this.slider.max = String(n - 1);
    if (this.slider.value !== String(index)) this.slider.value = String(index);
    const event = history.events[index];
    this.slider.setAttribute(
      "aria-valuetext",
      event ? `event ${index + 1} of ${n}: ${narrate(event)}` : `before the first of ${n} events`,
    );
    const width = this.width;
    const left = n === 0 || index < 0 ? 0 : ((index + 0.5) / n) * width;
    this.cursor.style.transform = `translateX(${left}px)`;
    this.cursor.hidden = index < 0;
  }

  draw(events, order) {
    const rows = Math.max(1, order.length);
    const track = this.canvas.parentElement;
    const width = Math.max(1, this.width);
    const height = rows * ROW;
    const ratio = window.devicePixelRatio || 1;
    const size = `${width}x${height}@${ratio}`;
    if (size !== this.size) {
      this.size = size;
      this.canvas.width = Math.round(width * ratio);
      this.canvas.height = Math.round(height * ratio);
      this.canvas.style.height = `${height}px`;
      track.style.height = `${height}px`;
    }
    if (this.labelKey !== order.join(",")) {
      this.labelKey = order.join(",");
      this.labels.replaceChildren(...order.map((name, i) => h("li", { class: `proc-${i % 8}` }, name)));
    }

    // One bucket per (row, pixel column), holding the heaviest kind that fell in it.
    const columns = Math.max(1, Math.floor(width));
    const buckets = new Uint8Array(rows * columns);
    const rowOf = new Map(order.map((name, i) => [name, i]));
    const n = events.length;
    for (let i = 0; i < n; i += 1) {
      const row = rowOf.get(events[i].proc);
      if (row === undefined) continue;
      const col = Math.min(columns - 1, Math.floor(((i + 0.5) / n) * columns));
      const w = weight(events[i].kind);
      if (w > buckets[row * columns + col]) buckets[row * columns + col] = w;
    }

    const ctx = this.canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    if (!this.colors) {
      const style = getComputedStyle(this.canvas);
      const colour = (i) => style.getPropertyValue(`--proc-${i}`).trim() || "#888";
      this.colors = Array.from({ length: 8 }, (_, i) => colour(i));
    }
    const tick = Math.max(1, Math.min(6, width / Math.max(n, 1) - 1));
    for (let row = 0; row < rows; row += 1) {
      ctx.fillStyle = this.colors[row % 8];
      for (let col = 0; col < columns; col += 1) {
        const w = buckets[row * columns + col];
        if (!w) continue;
        const tall = (ROW - 4) * (w / 3);
        ctx.fillRect(col - tick / 2, row * ROW + (ROW - tall) / 2, tick, tall);
      }
    }
  }
}
