// Replay controls: buttons, the speed and timing menus, jumps to the next operation of a
// kind and to the next lost update, and keyboard shortcuts that work anywhere on the page
// except while typing in a form field.

import { h, setText } from "./dom.js";
import { thousands } from "./format.js";
import { EventIndex, neighbour } from "./event-index.js";
import { SPEEDS } from "./player.js";
import { LostUpdates } from "./race.js";

const SHORTCUTS = {
  " ": (c) => c.player.toggle(),
  k: (c) => c.player.toggle(),
  ArrowLeft: (c) => c.player.step(-1),
  j: (c) => c.player.step(-1),
  ArrowRight: (c) => c.player.step(1),
  l: (c) => c.player.step(1),
  Home: (c) => c.player.toStart(),
  End: (c) => c.player.toEnd(),
  "[": (c) => c.jumpKind(-1),
  "]": (c) => c.jumpKind(1),
  u: (c) => c.jumpLost(1),
  U: (c) => c.jumpLost(-1),
};
const TIMING_LABELS = { steps: "one event at a time", time: "real time" };

// Icons as SVG paths (24×24), so no icon font or glyph coverage is needed.
const ICONS = {
  first: "M6 5h2v14H6zM20 5v14L9 12z",
  back: "M19 5v14L8 12zM5 5h2v14H5z",
  play: "M7 4v16l13-8z",
  pause: "M6 5h4v14H6zM14 5h4v14h-4z",
  forward: "M5 5v14l11-7zM17 5h2v14h-2z",
  last: "M4 5v14l11-7zM16 5h2v14h-2z",
};

function icon(name) {
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS("http://www.w3.org/2000/svg", "path");
  path.setAttribute("d", ICONS[name]);
  svg.append(path);
  return svg;
}

// Keys go to the field being typed in, and to controls that use them themselves.
function ownsKeys(target) {
  if (!(target instanceof Element)) return false;
  // Scrollable panels (consoles, source) keep their arrow keys for scrolling.
  return target.closest("input, textarea, select, [contenteditable], .scrolls") !== null;
}

export class Controls {
  /** @param {{root: HTMLElement, player: import("./player.js").Player}} options */
  constructor({ root, player }) {
    this.player = player;
    const button = (id, label, keys, text, extra = "") =>
      h(
        "button",
        {
          type: "button",
          id,
          class: `ctl ${extra}`.trim(),
          "aria-label": label,
          "aria-keyshortcuts": keys,
          title: `${label} (${keys})`,
        },
        text,
      );
    this.start = button("ctl-start", "First event", "Home", icon("first"));
    this.back = button("ctl-back", "Step back", "ArrowLeft", icon("back"));
    this.play = button("ctl-play", "Play", "Space", icon("play"));
    this.forward = button("ctl-forward", "Step forward", "ArrowRight", icon("forward"));
    this.end = button("ctl-end", "Last event (follow the run)", "End", icon("last"));
    this.kindBack = button("ctl-kind-back", "Previous of this kind", "[", "◀", "ctl-text");
    this.kindNext = button("ctl-kind-next", "Next of this kind", "]", "▶", "ctl-text");
    this.lostBack = button("ctl-lost-back", "Previous lost update", "Shift+U", "◀", "ctl-text");
    this.lostNext = button("ctl-lost-next", "Next lost update", "U", "Next lost update ▶", "ctl-text");
    const actions = [
      [this.start, () => player.toStart()],
      [this.back, () => player.step(-1)],
      [this.play, () => player.toggle()],
      [this.forward, () => player.step(1)],
      [this.end, () => player.toEnd()],
      [this.kindBack, () => this.jumpKind(-1)],
      [this.kindNext, () => this.jumpKind(1)],
      [this.lostBack, () => this.jumpLost(-1)],
      [this.lostNext, () => this.jumpLost(1)],
    ];
    // Unavailable buttons are aria-disabled, not disabled, so they keep keyboard focus.
    for (const [el, action] of actions) {
      el.addEventListener("click", () => {
        if (el.getAttribute("aria-disabled") !== "true") action();
      });
    }
    this.timing = h(
      "select",
      { id: "ctl-timing", "aria-label": "playback timing" },
      ...Object.entries(TIMING_LABELS).map(([value, label]) => h("option", { value }, label)),
    );
    this.timing.addEventListener("change", () => player.setTiming(this.timing.value));
    this.speed = h("select", { id: "ctl-speed", "aria-label": "playback speed" });
    this.speed.addEventListener("change", () => player.setSpeed(Number(this.speed.value)));
    this.position = h("span", { class: "position", id: "position" });
    this.kind = h("select", { id: "ctl-kind", "aria-label": "kind of operation to jump to" });
    this.lostCount = h("span", { class: "lost-count", id: "lost-count" });
    this.lost = h(
      "div",
      { class: "ctl-jump ctl-lost", role: "group", "aria-labelledby": "lost-count", hidden: true },
      this.lostCount,
      this.lostBack,
      this.lostNext,
    );
    root.append(
      h(
        "div",
        { class: "ctl-row" },
        h(
          "div",
          { class: "ctl-buttons", role: "group", "aria-label": "replay" },
          this.start,
          this.back,
          this.play,
          this.forward,
          this.end,
        ),
        h("label", { class: "ctl-speed" }, "Speed ", this.speed),
        h("label", { class: "ctl-timing" }, "Timing ", this.timing),
        this.position,
      ),
      h(
        "div",
        { class: "ctl-row ctl-jumps" },
        h(
          "div",
          { class: "ctl-jump", role: "group", "aria-label": "jump to an operation" },
          h("label", { class: "ctl-kind" }, "Jump to ", this.kind),
          this.kindBack,
          this.kindNext,
        ),
        this.lost,
      ),
    );
    this.history = null;
    this.shownSpeeds = null;
    document.addEventListener("keydown", (e) => this.key(e));
  }

  key(e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    const action = Object.hasOwn(SHORTCUTS, e.key) ? SHORTCUTS[e.key] : null;
    if (!action || ownsKeys(e.target)) return;
    if (document.querySelector("dialog[open]")) return; // the keys belong to the dialog on top
    // Space and Enter on a focused button already press it.
    if ((e.key === " " || e.key === "Enter") && e.target instanceof HTMLButtonElement) return;
    if (this.player.history.length === 0) return;
    e.preventDefault();
    action(this);
  }

  /** The run's events as far as they have arrived, indexed (only the new ones are looked at). */
  catchUp() {
    const { history } = this.player;
    if (history !== this.history) {
      this.history = history; // a new run: start the indexes again
      this.index = new EventIndex();
      this.lostUpdates = new LostUpdates();
    }
    this.index.update(history.events);
    this.lostUpdates.update(history.events);
  }

  kindTarget(dir) {
    return this.kind.value ? this.index.next(this.kind.value, this.player.index, dir) : -1;
  }

  lostTarget(dir) {
    return neighbour(this.lostUpdates.indices, this.player.index, dir);
  }

  jumpKind(dir) {
    this.catchUp();
    const target = this.kindTarget(dir);
    if (target >= 0) this.player.step(target - this.player.index);
  }

  jumpLost(dir) {
    this.catchUp();
    const target = this.lostTarget(dir);
    if (target >= 0) this.player.step(target - this.player.index);
  }

  renderMenus() {
    const { player } = this;
    const speeds = SPEEDS[player.timing];
    if (speeds !== this.shownSpeeds) {
      this.shownSpeeds = speeds;
      this.speed.replaceChildren(...speeds.map((s) => h("option", { value: s }, `${s}×`)));
    }
    if (this.speed.value !== String(player.speed)) this.speed.value = String(player.speed);
    if (this.timing.value !== player.timing) this.timing.value = player.timing;
    if (this.index.changed) {
      // New kinds arrived: rebuild the menu, keeping the choice.
      const chosen = this.kind.value;
      this.kind.replaceChildren(
        ...this.index.choices().map(({ label, options }) =>
          h("optgroup", { label }, ...options.map((o) => h("option", { value: o.value }, o.label))),
        ),
      );
      if (chosen && this.index.lists.has(chosen)) this.kind.value = chosen;
    }
  }

  render() {
    const { player } = this;
    this.catchUp();
    this.renderMenus();
    const n = player.history.length;
    const i = player.index;
    const off = (el, disabled) => el.setAttribute("aria-disabled", String(disabled));
    off(this.start, n === 0 || i < 0);
    off(this.back, n === 0 || i < 0);
    off(this.forward, i >= n - 1);
    off(this.end, n === 0 || (i >= n - 1 && (player.following || player.history.ended)));
    off(this.play, n === 0);
    off(this.kindBack, this.kindTarget(-1) < 0);
    off(this.kindNext, this.kindTarget(1) < 0);
    if (this.play.dataset.icon !== String(player.playing)) {
      this.play.dataset.icon = String(player.playing);
      this.play.replaceChildren(icon(player.playing ? "pause" : "play"));
    }
    this.play.setAttribute("aria-label", player.playing ? "Pause" : "Play");
    this.play.title = `${player.playing ? "Pause" : "Play"} (Space)`;
    let where = n === 0 ? "no events yet" : i < 0 ? `before event 1 of ${n}` : `event ${i + 1} of ${n}`;
    if (player.following && !player.history.ended && n > 0) where += " · live";
    setText(this.position, where);

    // Lost updates: only for runs with a shared Value.
    const hasValue = this.index.lists.has("family:value");
    if (this.lost.hidden === hasValue) this.lost.hidden = !hasValue;
    if (hasValue) {
      const count = this.lostUpdates.indices.length;
      setText(this.lostCount, count === 1 ? "1 lost update" : `${thousands(count)} lost updates`);
      off(this.lostBack, this.lostTarget(-1) < 0);
      off(this.lostNext, this.lostTarget(1) < 0);
    }
  }
}
