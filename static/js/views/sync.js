// Locks, semaphores, events, conditions and barriers, each a region in the band under the
// boxes of the processes that use it (layout.js). Each says in words and chips who holds
// it and who waits at it, in the order they came: waiting is a place, and the waiting
// processes' boxes say what they wait for (procbox.js).

import { h, nameCode, procChip, setText, toggle } from "../dom.js";

const chips = (state, names, extra = "") => names.map((p) => procChip(state, p, extra));

// A list of processes in order, or a word when there is none.
function fillList(el, state, names, none) {
  const key = names.join(",");
  if (el.dataset.names === key && el.dataset.state === String(state.order.length)) return;
  el.dataset.names = key;
  el.dataset.state = String(state.order.length);
  el.replaceChildren(...(names.length ? names.map((p) => h("li", {}, procChip(state, p, "waiter-chip"))) : []));
  toggle(el, "empty", names.length === 0);
  el.dataset.none = none;
}

function row(label, ...content) {
  return h("p", { class: "row" }, h("span", { class: "label" }, label), ...content);
}

const seconds = (timeout) => (timeout == null ? "" : ` after ${timeout} s`);

class SyncView {
  constructor(name, type, what, waitLabel = "waiting, in order:") {
    this.name = name;
    this.heading = h("span", { class: "kind" }, what);
    this.meta = h("span", { class: "meta" });
    this.body = h("div", { class: "sync-body" });
    this.waiters = h("ol", { class: "waiters", "aria-label": `waiting at ${name}, first come first` });
    this.note = h("p", { class: "note" });
    this.el = h(
      "section",
      { class: `obj region sync ${type}`, dataset: { obj: name }, "aria-label": `${what} ${name}` },
      h("h3", {}, this.heading, " ", nameCode(name), " ", this.meta),
      this.body,
      h("div", { class: "waiting" }, h("span", { class: "label" }, waitLabel), this.waiters),
      this.note,
    );
  }

  render(state) {
    const obj = state[this.store]?.[this.name];
    if (!obj || (obj === this.obj && state.last === this.lastEvent && state.order === this.order)) return;
    this.obj = obj;
    this.lastEvent = state.last;
    this.order = state.order;
    toggle(this.el, "is-current", state.last?.obj === this.name);
    this.draw(state, obj);
  }
}

// The holder of a lock-like object (a lock, an RLock, a condition's lock), its depth.
function drawHolder(view, state, lock, recursive) {
  view.el.dataset.holder = lock.holder ?? "";
  setText(view.meta, lock.holder ? "held" : "free");
  const depth = recursive && lock.holder ? h("span", { class: "depth" }, `depth ${lock.depth}`) : null;
  return row("held by", lock.holder ? procChip(state, lock.holder, "holder-chip") : h("span", { class: "none free" }, "nobody: free"), depth);
}

function lockNotes(lock) {
  const notes = [];
  if (lock.failed) {
    const how = lock.failed.blocking ? `gave up${seconds(lock.failed.timeout)}` : "tried without blocking";
    notes.push(`${lock.failed.proc} ${how}: acquire() returned False`);
  }
  if (lock.error) notes.push(`${lock.error.proc}: ${lock.error.error}`);
  return notes;
}

export class LockView extends SyncView {
  constructor(name) {
    super(name, "lock", "Lock");
    this.store = "locks";
  }

  draw(state, lock) {
    setText(this.heading, lock.recursive ? "RLock" : "Lock");
    const of = lock.of ? row("guards", h("code", {}, lock.of)) : null;
    this.body.replaceChildren(drawHolder(this, state, lock, lock.recursive), ...(of ? [of] : []));
    fillList(this.waiters, state, lock.waiters, "nobody");
    setText(this.note, lockNotes(lock).join(" · "));
  }
}

export class SemaphoreView extends SyncView {
  constructor(name) {
    super(name, "semaphore", "Semaphore");
    this.store = "semaphores";
  }

  draw(state, sem) {
    setText(this.heading, sem.bounded ? "BoundedSemaphore" : "Semaphore");
    setText(this.meta, sem.count === null ? "" : sem.count === 1 ? "1 slot free" : `${sem.count} slots free`);
    this.el.dataset.count = String(sem.count ?? "");
    const slots = h("span", { class: "count-box" }, String(sem.count ?? "?"));
    const holders = sem.holders.length ? chips(state, sem.holders, "holder-chip") : [h("span", { class: "none" }, "nobody")];
    this.body.replaceChildren(
      row("free slots", slots, sem.initial === null ? null : h("span", { class: "of" }, ` (started with ${sem.initial})`)),
      row("slots held by", ...holders),
    );
    fillList(this.waiters, state, sem.waiters, "nobody");
    setText(this.note, lockNotes(sem).join(" · "));
  }
}

export class EventView extends SyncView {
  constructor(name) {
    super(name, "event", "Event");
    this.store = "events";
    this.flag = h("output", { class: "flag" });
  }

  draw(state, event) {
    setText(this.meta, "");
    setText(this.flag, event.flag ? "set" : "not set");
    this.el.dataset.flag = event.flag ? "set" : "clear";
    toggle(this.flag, "is-set", event.flag);
    const by = event.flag && event.setBy ? [" by ", procChip(state, event.setBy.proc)] : [];
    const woke = event.woke.length ? row("went on:", ...chips(state, event.woke)) : null;
    this.body.replaceChildren(row("flag", this.flag, ...by), ...(woke ? [woke] : []));
    fillList(this.waiters, state, event.waiters, "nobody");
    const notes = [];
    if (event.timedOut) notes.push(`${event.timedOut.proc} stopped waiting${seconds(event.timedOut.timeout)}: not set`);
    if (!event.flag && event.clearedBy) notes.push(`cleared by ${event.clearedBy.proc}`);
    setText(this.note, notes.join(" · "));
  }
}

export class ConditionView extends SyncView {
  constructor(name) {
    super(name, "condition", "Condition", "waiting for its lock:");
    this.store = "conditions";
    this.sleepers = h("ol", { class: "waiters sleepers", "aria-label": `waiting for a notify on ${name}` });
  }

  draw(state, cond) {
    const own = cond.lock === cond.name;
    const rows = [];
    if (own) rows.push(drawHolder(this, state, cond, true));
    else {
      setText(this.meta, "");
      rows.push(row("lock", h("code", {}, cond.lock ?? "untraced")));
    }
    fillList(this.sleepers, state, cond.sleepers, "nobody");
    rows.push(h("div", { class: "waiting" }, h("span", { class: "label" }, "waiting for a notify:"), this.sleepers));
    this.body.replaceChildren(...rows);
    fillList(this.waiters, state, cond.waiters, "nobody");
    const notes = lockNotes(cond);
    const n = cond.notified;
    if (n) notes.push(`${n.proc} called ${n.all ? "notify_all()" : `notify(${n.n})`} with ${n.waiting} waiting`);
    if (cond.timedOut) notes.push(`${cond.timedOut.proc} stopped waiting${seconds(cond.timedOut.timeout)}: no notify`);
    setText(this.note, notes.join(" · "));
  }
}

export class BarrierView extends SyncView {
  constructor(name) {
    super(name, "barrier", "Barrier");
    this.store = "barriers";
    this.count = h("output", { class: "count-box" });
  }

  draw(state, barrier) {
    const parties = barrier.parties ?? "?";
    setText(this.count, `${barrier.arrived.length} of ${parties}`);
    setText(this.meta, barrier.broken ? "broken" : "");
    this.el.dataset.arrived = String(barrier.arrived.length);
    toggle(this.el, "is-broken", barrier.broken);
    const rows = [row("arrived", this.count)];
    if (barrier.through.length) rows.push(row(`passed together ${barrier.passes === 1 ? "once" : `${barrier.passes} times`}:`, ...chips(state, barrier.through)));
    if (barrier.broken) {
      const why = barrier.abortedBy ? `aborted by ${barrier.abortedBy.proc}` : "a wait timed out";
      rows.push(h("p", { class: "row broken" }, `broken: ${why}; every wait() raises BrokenBarrierError`));
    }
    this.body.replaceChildren(...rows);
    fillList(this.waiters, state, barrier.arrived, "nobody");
    const failed = barrier.brokenFor.length ? `wait() failed for ${barrier.brokenFor.join(", ")}` : "";
    setText(this.note, failed);
  }
}

// object type → view class, merged into the stage's VIEWS
export const VIEWS = {
  lock: LockView,
  semaphore: SemaphoreView,
  event: EventView,
  condition: ConditionView,
  barrier: BarrierView,
};
