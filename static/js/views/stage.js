// The stage: one picture of the run. Each process is a box (its address space); a Queue
// or Pipe sits in the gap between the processes on its two sides; shared memory is a band
// across the boxes of the processes that map it; a Manager's object is inside its
// server's box. Where each goes is layout.js's pure placement; this file keeps one view
// per thing, puts its element in its grid cell, and has Motion fly the tokens that moved.
//
// The same placement is drawn across (boxes side by side) when the stage is wide enough,
// and down (boxes one under another, bands to their right) when it is not. A run of many
// processes is drawn compact (smaller boxes), its processes of one kind in one lane under
// a header (lanes.js). An object of a type the page has no view for is drawn by the
// generic view: its kind, its name, who used it.

import { h, setText, toggle } from "../dom.js";
import { STATUS_LABELS } from "../kinds.js";
import { ArrayView } from "./array.js";
import { VIEWS as BLOCK_VIEWS } from "./block.js";
import { GenericView } from "./generic.js";
import { isCompact } from "./lanes.js";
import { laneMinPx, place, tracks } from "./layout.js";
import { ManagerView } from "./manager.js";
import { Motion } from "./motion.js";
import { PipeView } from "./pipe.js";
import { VIEWS as POOL_VIEWS } from "./pool.js";
import { ProcBoxView } from "./procbox.js";
import { QueueView } from "./queue.js";
import { VIEWS as SYNC_VIEWS } from "./sync.js";
import { ValueView } from "./value.js";

const VIEWS = {
  queue: QueueView,
  pipe: PipeView,
  array: ArrayView,
  value: ValueView,
  manager: ManagerView,
  ...SYNC_VIEWS,
  ...POOL_VIEWS,
  ...BLOCK_VIEWS,
};
const viewFor = (type) => (Object.hasOwn(VIEWS, type) ? VIEWS[type] : GenericView);
const GAP_PX = 124; // the least width a gap with a channel in it needs (lanes: layout.js)

// "waiting" is the page's own: the state before any run, not a run status.
const STATUS_TEXT = { waiting: "No run yet", ...STATUS_LABELS };

// A grid area across (row lane, columns at..to) or, drawn down, transposed.
function area(vertical, lane, at, to) {
  return vertical ? `${at} / ${lane} / ${to} / ${lane + 1}` : `${lane} / ${at} / ${lane + 1} / ${to}`;
}

function setArea(el, value) {
  if (el.style.gridArea !== value) el.style.gridArea = value;
}

export class StageView {
  constructor({ status, grid }) {
    this.statusEl = status;
    this.grid = grid;
    this.motion = new Motion(grid);
    this.vertical = false;
    this.width = 0;
    new ResizeObserver(([entry]) => {
      this.width = entry.contentRect.width;
      if (this.state) this.arrange(this.state, this.placement, true);
    }).observe(grid);
    this.reset();
  }

  reset() {
    this.boxes = new Map();
    this.groups = new Map(); // lane key → a lane of several processes: {el, head, detail, list}
    this.views = new Map();
    this.gaps = new Map();
    this.bands = new Map();
    this.loose = null;
    this.grid.replaceChildren();
    this.state = null;
    this.placement = null;
    this.compact = false;
    this.lastMove = 0;
  }

  /**
   * Draw `state`; `moved` are the events just applied to reach it (their tokens fly).
   * `count`: how many processes the whole run has (so far), which decides whether it is
   * drawn compact: stepping back to its first events keeps the picture the run ends with.
   */
  render(state, moved = [], count = state.order.length) {
    const compact = isCompact(Math.max(count, state.order.length));
    if (state === this.state && compact === this.compact) return;
    this.compact = compact;
    const starts = moved.length ? this.motion.before(moved) : [];
    this.state = state;
    this.renderStatus(state.run);

    // Stepping back past a process's or object's first event removes its view again.
    for (const [name, box] of this.boxes) {
      if (state.procs[name]) continue;
      box.el.remove();
      this.boxes.delete(name);
    }
    const present = new Set(state.objects.map(({ type, name }) => `${type}:${name}`));
    for (const [key, view] of this.views) {
      if (present.has(key)) continue;
      view.el.remove();
      this.views.delete(key);
    }
    for (const name of state.order) {
      if (!this.boxes.has(name)) this.boxes.set(name, new ProcBoxView(name));
    }
    for (const { type, name } of state.objects) {
      const key = `${type}:${name}`;
      if (!this.views.has(key)) this.views.set(key, new (viewFor(type))(name, type));
    }

    const placement = place(state, compact);
    this.arrange(state, placement, false);
    this.placement = placement;
    for (const name of state.order) this.boxes.get(name).render(state);
    for (const view of this.views.values()) view.render(state);

    if (starts.length) {
      const now = performance.now();
      this.motion.setInterval(now - this.lastMove);
      this.lastMove = now;
      this.motion.after(starts);
    }
  }

  renderStatus(run) {
    let text = STATUS_TEXT[run.status] ?? run.status;
    if (run.scenario) text += ` · ${run.scenario}`;
    if (run.status !== "waiting" && run.start_method) text += ` · ${run.start_method}, pace ${run.pace_ms} ms`;
    if (run.exitcode != null && run.status !== "running") text += ` · exit code ${run.exitcode}`;
    if (run.error) text += ` · ${run.error}`;
    setText(this.statusEl, text);
    this.statusEl.dataset.status = run.status;
  }

  // Put every element in its place. Cheap when nothing moved: each step compares first.
  arrange(state, placement, resized) {
    if (!resized && this.placement && samePlacement(this.placement, placement)) return;
    const { lanes } = placement;
    const n = lanes.length;
    const compact = this.compact;
    const usedGaps = new Set(placement.channels.map((c) => c.gap));
    if (placement.loose.length) usedGaps.add(Math.max(0, n - 1));
    const sizes = lanes.map((lane) => lane.procs.length);
    const need = sizes.reduce((sum, size) => sum + laneMinPx(size, compact), 0) + usedGaps.size * GAP_PX;
    const vertical = this.width > 0 && need > this.width;
    toggle(this.grid, "vertical", vertical);
    toggle(this.grid, "compact", compact);
    this.vertical = vertical;
    const bandTracks = placement.bands.map(() => "minmax(7.5rem, 11rem)").join(" ");
    const columns = vertical ? `minmax(0, 1fr) ${bandTracks}`.trim() : tracks(sizes, usedGaps, false, compact);
    const rows = vertical ? tracks(sizes, usedGaps, true, compact) : "";
    if (this.grid.style.gridTemplateColumns !== columns) this.grid.style.gridTemplateColumns = columns;
    if (this.grid.style.gridTemplateRows !== rows) this.grid.style.gridTemplateRows = rows;

    // A lane of one process is its box; a lane of several, a group of boxes under a header.
    const order = [];
    const wantedGroups = new Set();
    lanes.forEach((lane, i) => {
      let el;
      if (lane.procs.length === 1 && lane.label === null) el = this.boxes.get(lane.procs[0]).el;
      else {
        wantedGroups.add(lane.key);
        const group = this.groupFor(lane);
        const boxes = lane.procs.map((name) => this.boxes.get(name).el);
        for (const box of boxes) setArea(box, ""); // placed by the group's own grid
        syncChildren(group.list, boxes);
        el = group.el;
      }
      setArea(el, area(vertical, 1, 2 * i + 1, 2 * i + 2));
      order.push(el);
    });
    for (const [key, group] of this.groups) {
      if (!wantedGroups.has(key)) {
        group.el.remove();
        this.groups.delete(key);
      }
    }
    // Channels, gap by gap.
    const byGap = new Map();
    for (const c of placement.channels) {
      if (!byGap.has(c.gap)) byGap.set(c.gap, []);
      byGap.get(c.gap).push(this.views.get(c.key).el);
    }
    for (const [gap, el] of this.gaps) {
      if (!byGap.has(gap)) {
        el.remove();
        this.gaps.delete(gap);
      }
    }
    for (const [gap, els] of byGap) {
      let el = this.gaps.get(gap);
      if (!el) {
        el = h("div", { class: "gap" });
        this.gaps.set(gap, el);
      }
      setArea(el, area(vertical, 1, 2 * gap + 2, 2 * gap + 3));
      syncChildren(el, els);
      order.push(el);
    }
    // Shared memory: a band per set of processes, under (or beside) their boxes.
    const wanted = new Set(placement.bands.map((b) => b.key));
    for (const [key, el] of this.bands) {
      if (!wanted.has(key)) {
        el.remove();
        this.bands.delete(key);
      }
    }
    placement.bands.forEach((band, i) => {
      let el = this.bands.get(band.key);
      if (!el) {
        el = h("div", { class: "band", role: "group", "aria-label": "shared memory" });
        this.bands.set(band.key, el);
      }
      setArea(el, area(vertical, 2 + i, 2 * band.from + 1, 2 * band.to + 2));
      syncChildren(el, band.regions.map((r) => this.views.get(r.key).el));
      order.push(el);
    });
    // A manager's objects inside their server's box, in order of appearance; one whose
    // server is not known yet waits in the last gap.
    for (const [name, box] of this.boxes) {
      const held = placement.held.filter((x) => x.proc === name);
      syncChildren(box.holds, held.map((x) => this.views.get(x.key).el));
    }
    if (placement.loose.length) {
      this.loose ??= h("div", { class: "gap loose" });
      setArea(this.loose, area(vertical, 1, 2 * n, 2 * n + 1));
      syncChildren(this.loose, placement.loose.map((x) => this.views.get(x.key).el));
      order.push(this.loose);
    } else if (this.loose) {
      this.loose.remove();
      this.loose = null;
    }
    // Boxes first, in order, so keyboard and screen-reader order follows the picture.
    syncChildren(this.grid, order);
  }

  // The element of a lane of several processes: a group, named by its header, whose boxes
  // sit in a grid of their own (as many across as fit).
  groupFor(lane) {
    let group = this.groups.get(lane.key);
    if (!group) {
      const id = `lane-${this.groups.size}-${lane.key.replace(/[^A-Za-z0-9_-]/g, "_")}`;
      // Named by its header's first part ("pool workers (8)"); what they share is its detail.
      const head = h("span", { class: "group-name", id });
      const detail = h("span", { class: "group-detail" });
      const list = h("div", { class: "group-boxes" });
      const el = h(
        "section",
        { class: "lane-group", "aria-labelledby": id, dataset: { lane: lane.key } },
        h("h3", { class: "group-head" }, head, " ", detail),
        list,
      );
      group = { el, head, detail, list };
      this.groups.set(lane.key, group);
    }
    setText(group.head, lane.label ?? "");
    setText(group.detail, lane.detail);
    toggle(group.el, "same-role", lane.sameRole);
    return group;
  }
}

function samePlacement(a, b) {
  const key = (p) =>
    [
      p.lanes.map((l) => `${l.key}=${l.procs.join("+")}:${l.label}:${l.detail}`).join(),
      p.channels.map((c) => `${c.key}@${c.gap}`).join(),
      p.bands.map((x) => `${x.key}:${x.regions.map((r) => r.key).join("+")}`).join(),
      p.held.map((x) => `${x.key}@${x.proc}`).join(),
      p.loose.map((x) => x.key).join(),
    ].join("|");
  return key(a) === key(b);
}

// Make `parent`'s children exactly `els`, in order, moving only what is out of place.
function syncChildren(parent, els) {
  let cursor = parent.firstElementChild;
  for (const el of els) {
    if (el !== cursor) parent.insertBefore(el, cursor);
    else cursor = cursor.nextElementSibling;
  }
  while (cursor) {
    const next = cursor.nextElementSibling;
    cursor.remove();
    cursor = next;
  }
}
