// A Pool on the stage: a region in the band under its owner's and its workers' boxes. It
// shows the tasks waiting in the pool's task pipe, the task each worker is running, the
// results on their way back and the results the owner has received. Tasks and results are
// tokens (copies: they were pickled) that carry their sender's name, so a task flies from
// the owner into "waiting", then into its worker's row; its result from the worker into
// "on the way back", then into "returned". Processes blocked on the pool wait here.

import { h, keyed, nameCode, procChip, procClass, setText, toggle } from "../dom.js";
import { pyrepr } from "../narrate.js";
import { parkedAt } from "./parked.js";

const STATUS = { running: "running", closed: "closed: no new work", terminated: "terminated", joined: "joined: workers gone" };

const shownValue = (item) => (item.raised != null ? `raised ${item.raised}` : (item.repr ?? pyrepr(item.value)));
const taskText = (t) => (t.size != null ? `${t.func ?? "task"}() over ${shownValue(t)}` : `${t.func ?? "task"}${shownValue(t)}`);

function token(state, item, text, title) {
  return h(
    "li",
    { class: `item token ${procClass(state, item.from)}${item.raised != null ? " raised" : ""}`, dataset: { token: item.msg }, title },
    h("span", { class: "val" }, text),
    h("span", { class: "who" }, item.from ?? ""),
  );
}

function tokens(list, state, items, text, title, current) {
  keyed(
    list,
    items,
    (item) => item.msg,
    (item) => token(state, item, text(item), title(item)),
    (el, item) => toggle(el, "lit", item.seq === current || item.takenSeq === current || item.receivedSeq === current),
  );
}

export class PoolView {
  constructor(name) {
    this.name = name;
    this.status = h("span", { class: "count" });
    this.waiting = h("ol", { class: "fifo waiting-tasks", "aria-label": `tasks waiting in ${name}, oldest first` });
    this.workers = h("ul", { class: "workers", "aria-label": `what each worker of ${name} is doing` });
    this.back = h("ol", { class: "fifo results-back", "aria-label": `results on their way back from ${name}'s workers` });
    this.returned = h("ol", { class: "fifo returned", "aria-label": `results ${name}'s owner has received` });
    this.parked = h("p", { class: "parked" });
    this.note = h("p", { class: "note" });
    const part = (label, el) => h("div", { class: "part" }, h("span", { class: "label" }, label), el);
    this.el = h(
      "section",
      { class: "obj pool", dataset: { obj: name }, "aria-label": `pool ${name}` },
      h("h3", {}, "Pool ", nameCode(name), " ", this.status),
      part("tasks waiting", this.waiting),
      part("in the workers", this.workers),
      part("on the way back", this.back),
      part("returned", this.returned),
      this.parked,
      this.note,
    );
  }

  render(state) {
    const pool = state.pools[this.name];
    const last = state.last;
    if (pool === this.pool && last === this.lastEvent && state.procs === this.procs) return;
    this.pool = pool;
    this.lastEvent = last;
    this.procs = state.procs;
    const current = last?.obj === this.name ? last.seq : null;
    toggle(this.el, "is-current", current !== null);
    toggle(this.el, "is-ended", pool.status !== "running");
    const size = pool.processes == null ? "" : `${pool.processes} workers · `;
    setText(this.status, `${size}${STATUS[pool.status] ?? pool.status}`);
    this.el.dataset.status = pool.status;

    tokens(this.waiting, state, pool.waiting, taskText, (t) => `task ${t.index} of job ${t.job}, sent by ${t.from}`, current);
    this.renderWorkers(state, pool, current);
    tokens(this.back, state, pool.back, shownValue, (r) => `result of task ${r.index} of job ${r.job}, sent by ${r.from}`, current);
    tokens(
      this.returned,
      state,
      pool.returned,
      shownValue,
      (r) => `result of task ${r.index} of job ${r.job}, from ${r.from}, received by ${r.by}`,
      current,
    );
    parkedAt(this.parked, state, (wait) => wait.on === this.name);

    const notes = [];
    if (pool.returnedCount > pool.returned.length) notes.push(`${pool.returnedCount} results returned in all`);
    if (pool.dropped) notes.push(`${pool.dropped} waiting tasks dropped by terminate()`);
    if (pool.callback) notes.push(`callback ${pool.callback.func ?? ""}() ran for job ${pool.callback.job}`);
    if (pool.got) {
      const what = pool.got.error != null ? `gave up (${pool.got.error})` : `got ${shownValue(pool.got)}`;
      notes.push(`${pool.got.proc} ${what} for job ${pool.got.job}`);
    }
    if (pool.error) notes.push(`${pool.error.proc}: ${pool.error.error}`);
    setText(this.note, notes.join(" · "));
  }

  // One row per worker that has taken a task (in order of appearance): its chip and the
  // task it runs now, or "idle".
  renderWorkers(state, pool, current) {
    const workers = state.order.filter((p) => p !== pool.owner && pool.users.includes(p));
    keyed(
      this.workers,
      workers,
      (w) => w,
      (w) => h("li", { class: "worker", dataset: { worker: w } }, procChip(state, w), h("ol", { class: "fifo running" })),
      (el, w) => {
        const list = el.querySelector("ol");
        const running = pool.running[w];
        tokens(list, state, running ? [running] : [], taskText, (t) => `task ${t.index} of job ${t.job}, run by ${w}`, current);
        toggle(el, "busy", Boolean(running));
      },
    );
  }
}

// object type → view class, merged into the stage's VIEWS
export const VIEWS = { pool: PoolView };
