// Replay controls: buttons, the speed menu, and keyboard shortcuts that work anywhere on
// the page except while typing in a form field.

import { h, setText } from "./dom.js";
import { SPEEDS } from "./player.js";

const SHORTCUTS = {
  " ": (p) => p.toggle(),
  k: (p) => p.toggle(),
  ArrowLeft: (p) => p.step(-1),
  j: (p) => p.step(-1),
  ArrowRight: (p) => p.step(1),
  l: (p) => p.step(1),
  Home: (p) => p.toStart(),
  End: (p) => p.toEnd(),
};

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
    const button = (id, label, keys, text) =>
      h(
        "button",
        {
          type: "button",
          id,
          class: "ctl",
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
    const actions = [
      [this.start, () => player.toStart()],
      [this.back, () => player.step(-1)],
      [this.play, () => player.toggle()],
      [this.forward, () => player.step(1)],
      [this.end, () => player.toEnd()],
    ];
    // Unavailable buttons are aria-disabled, not disabled, so they keep keyboard focus.
    for (const [el, action] of actions) {
      el.addEventListener("click", () => {
        if (el.getAttribute("aria-disabled") !== "true") action();
      });
    }
    this.speed = h(
      "select",
      { id: "ctl-speed", "aria-label": "playback speed" },
      ...SPEEDS.map((s) => h("option", { value: s, selected: s === 1 }, `${s}×`)),
    );
    this.speed.addEventListener("change", () => player.setSpeed(Number(this.speed.value)));
    this.position = h("span", { class: "position", id: "position" });
    root.append(
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
      this.position,
    );
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
    action(this.player);
  }

  render() {
    const { player } = this;
    const n = player.history.length;
    const i = player.index;
    const off = (el, disabled) => el.setAttribute("aria-disabled", String(disabled));
    off(this.start, n === 0 || i < 0);
    off(this.back, n === 0 || i < 0);
    off(this.forward, i >= n - 1);
    off(this.end, n === 0 || (i >= n - 1 && (player.following || player.history.ended)));
    off(this.play, n === 0);
    if (this.play.dataset.icon !== String(player.playing)) {
      this.play.dataset.icon = String(player.playing);
      this.play.replaceChildren(icon(player.playing ? "pause" : "play"));
    }
    this.play.setAttribute("aria-label", player.playing ? "Pause" : "Play");
    this.play.title = `${player.playing ? "Pause" : "Play"} (Space)`;
    let where = n === 0 ? "no events yet" : i < 0 ? `before event 1 of ${n}` : `event ${i + 1} of ${n}`;
    if (player.following && !player.history.ended && n > 0) where += " · live";
    setText(this.position, where);
  }
}
