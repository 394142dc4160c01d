// The stage: the processes' lanes and one view per shared object, each created when the
// object first appears in the events and updated from the state on every frame.

import { setText } from "../dom.js";
import { STATUS_LABELS } from "../kinds.js";
import { ArrayView } from "./array.js";
import { LanesView } from "./lanes.js";
import { ManagerView } from "./manager.js";
import { MemoryView } from "./memory.js";
import { PipeView } from "./pipe.js";
import { QueueView } from "./queue.js";
import { ValueView } from "./value.js";

const VIEWS = { queue: QueueView, pipe: PipeView, array: ArrayView, value: ValueView, manager: ManagerView };

// "waiting" is the page's own: the state before any run, not a run status.
const STATUS_TEXT = { waiting: "No run yet", ...STATUS_LABELS };

export class StageView {
  constructor({ status, lanes, objects }) {
    this.statusEl = status;
    this.lanes = new LanesView(lanes);
    this.objectsEl = objects;
    this.reset();
  }

  reset() {
    this.views = new Map();
    this.memory = null;
    this.objectsEl.replaceChildren();
    this.lanes.root.replaceChildren();
    this.lanes.consoles.clear();
    this.state = null;
  }

  render(state) {
    if (state === this.state) return;
    this.state = state;
    // Stepping back past an object's first event removes its view again.
    if (state.objects.length < this.views.size) {
      const present = new Set(state.objects.map(({ type, name }) => `${type}:${name}`));
      for (const [key, view] of this.views) {
        if (present.has(key)) continue;
        view.el.remove();
        this.views.delete(key);
      }
    }

    const run = state.run;
    let text = STATUS_TEXT[run.status] ?? run.status;
    if (run.scenario) text += ` · ${run.scenario}`;
    if (run.status !== "waiting" && run.start_method) {
      text += ` · ${run.start_method}, pace ${run.pace_ms} ms`;
    }
    if (run.exitcode != null && run.status !== "running") text += ` · exit code ${run.exitcode}`;
    if (run.error) text += ` · ${run.error}`;
    setText(this.statusEl, text);
    this.statusEl.dataset.status = run.status;

    this.lanes.render(state);

    if (Object.keys(state.vars).length && !this.memory) this.memory = new MemoryView(this.objectsEl);
    if (!Object.keys(state.vars).length && this.memory) {
      this.memory.el.remove();
      this.memory = null;
    }
    this.memory?.render(state);
    for (const { type, name } of state.objects) {
      const key = `${type}:${name}`;
      let view = this.views.get(key);
      if (!view) {
        view = new VIEWS[type](this.objectsEl, name);
        this.views.set(key, view);
      }
      view.render(state);
    }
  }
}
