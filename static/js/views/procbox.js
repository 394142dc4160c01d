// A process as a box: its address space. In it is what lives in that process's memory:
// its own copies of watched variables, the pipe ends and proxies it holds, the copies of
// messages it received, for a manager's server the real object (placed by the stage),
// and its console. Its head says who it is and what it is doing; a process blocked on
// something is drawn parked at that thing (the stage's channel views show it there), and
// here says what it waits for.

import { shownValue, tokenText } from "../format.js";
import { h, keyed, procClass, setText, toggle } from "../dom.js";
import { pyrepr } from "../narrate.js";
import { ConsoleView } from "./console.js";

const RECEIVED_SHOWN = 4;
const WRITES_SHOWN = 3;

// What a process of a deadlocked run was blocked in when the run was stopped: the run's
// end says it, one "NAME waits for WHAT" per process joined by "; " (app/runs/deadlock.py).
function deadlockedIn(run, name) {
  if (run?.status !== "deadlocked" || !run.error) return null;
  const clause = run.error.split("; ").find((c) => c.startsWith(`${name} waits for `));
  return clause ? clause.slice(`${name} waits for `.length) : null;
}

export function statusText(proc, run = null) {
  switch (proc.status) {
    case "planned":
      return "not started";
    case "waiting": {
      if (!proc.wait) return "waiting";
      const limit = proc.wait.timeout == null ? "" : ` (up to ${proc.wait.timeout} s)`;
      return `waiting for ${proc.wait.what}${limit}`;
    }
    case "exited": {
      const stuck = proc.reason === "killed" ? deadlockedIn(run, proc.name) : null;
      if (stuck) return `deadlocked: was waiting for ${stuck}, then stopped`;
      if (proc.reason === "killed") return "killed";
      return proc.exitcode === null ? "exited" : `exited (exit code ${proc.exitcode})`;
    }
    default:
      return proc.status;
  }
}

// Internal entry points (a manager's `_run_server`) say nothing to a learner.
function roleText(proc) {
  if (proc.role === "main") return "main process";
  if (proc.role === "manager") return `the manager's server process${proc.parent ? `, started by ${proc.parent}` : ""}`;
  const parts = [];
  if (proc.target && !proc.target.startsWith("_")) parts.push(`runs ${proc.target}()`);
  if (proc.parent) parts.push(`child of ${proc.parent}`);
  return parts.join(" · ") || proc.role;
}


function pipeEndsOf(state, proc) {
  const ends = [];
  for (const pipe of Object.values(state.pipes)) {
    for (const end of pipe.ends) {
      if (end != null && (pipe.users[end] ?? []).includes(proc)) ends.push({ end, pipe, closed: pipe.closed[end] });
    }
  }
  return ends;
}

export class ProcBoxView {
  constructor(name) {
    this.name = name;
    this.pid = h("span", { class: "pid" });
    this.status = h("p", { class: "status" });
    this.role = h("p", { class: "role" });
    this.where = h("p", { class: "where" });
    this.vars = h("ul", { class: "vars", "aria-label": `variables in ${name}'s memory` });
    this.handles = h("ul", { class: "handles", "aria-label": `pipe ends and proxies ${name} holds` });
    this.holds = h("div", { class: "holds" }); // a manager's object, placed by the stage
    this.writes = h("ul", { class: "writes", "aria-label": `${name}'s reads and writes of shared values` });
    this.received = h("ol", { class: "inbox", "aria-label": `what ${name} received` });
    this.parked = h("p", { class: "parked-here" });
    const consoleEl = h("div", { class: "console scrolls", tabindex: 0, role: "log", "aria-label": `output of ${name}` });
    this.console = new ConsoleView(consoleEl);
    this.el = h(
      "article",
      { class: "proc-box", dataset: { proc: name }, "aria-label": `process ${name}` },
      h(
        "header",
        { class: "box-head" },
        h("span", { class: "chip proc-name" }, name),
        this.pid,
      ),
      this.status,
      this.role,
      this.where,
      h("div", { class: "memory" }, this.vars, this.handles, this.holds, this.writes, this.received),
      this.parked,
      consoleEl,
    );
  }

  render(state) {
    const proc = state.procs[this.name];
    const last = state.last;
    const klass = `proc-box ${procClass(state, proc.name)} is-${proc.status}`;
    if (this.el.className.replace(/ is-current$/, "") !== klass) this.el.className = klass;
    toggle(this.el, "is-current", last?.proc === proc.name);
    setText(this.pid, proc.pid === null ? "" : `pid ${proc.pid}`);
    setText(this.role, roleText(proc));
    setText(this.status, statusText(proc, state.run));
    this.status.dataset.status = proc.status;
    const file = proc.file ? `${proc.file} ` : "";
    setText(this.where, proc.line === null ? "" : `at ${file}line ${proc.line}`);
    this.renderVars(state);
    this.renderHandles(state);
    this.renderWrites(state);
    this.renderReceived(state);
    const joiners = state.order.filter((p) => state.procs[p].wait?.on === proc.name);
    setText(this.parked, joiners.length ? `${joiners.join(", ")} ${joiners.length === 1 ? "waits" : "wait"} here for ${proc.name} to end` : "");
    this.console.render(state.consoles[proc.name] ?? [], last?.seq, { exited: proc.status === "exited" });
  }

  renderVars(state) {
    const names = Object.keys(state.vars).filter(
      (v) => state.vars[v][this.name] || (state.varUsers?.[v] ?? []).includes(this.name),
    );
    keyed(
      this.vars,
      names,
      (v) => v,
      (v) => h("li", { class: "var", dataset: { var: v } }, h("code", { class: "val" })),
      (el, v) => {
        const copy = state.vars[v][this.name];
        setText(el.firstChild, copy ? `${v} = ${copy.repr ?? pyrepr(copy.value)}` : `${v}`);
        toggle(el, "lit", copy != null && copy.seq === state.last?.seq);
        el.title = `${this.name}'s own copy of ${v}`;
      },
    );
  }

  renderHandles(state) {
    const items = pipeEndsOf(state, this.name).map(({ end, closed }) => ({
      key: `end:${end}`,
      text: end,
      kind: "end",
      note: closed ? "closed" : "pipe end",
    }));
    for (const manager of Object.values(state.managers)) {
      if (manager.proxies.includes(this.name) && manager.server !== this.name) {
        items.push({ key: `proxy:${manager.name}`, text: manager.name, kind: "proxy", note: "proxy" });
      }
    }
    keyed(
      this.handles,
      items,
      (item) => item.key,
      (item) =>
        h(
          "li",
          { class: `handle ${item.kind}`, dataset: { handle: item.text } },
          h("code", {}, item.text),
          " ",
          h("span", { class: "note" }),
        ),
      (el, item) => {
        setText(el.querySelector(".note"), item.note);
        toggle(el, "is-closed", item.note === "closed");
      },
    );
  }

  // Each read → write pair of a shared Value this process made, newest last; a write
  // computed from a value another process had already changed is struck through.
  renderWrites(state) {
    const pairs = [];
    for (const box of Object.values(state.values)) {
      if (!box.users.includes(this.name) || box.writes.length === 0) continue;
      const mine = [];
      for (let i = box.writes.length - 1; i >= 0 && mine.length < WRITES_SHOWN; i -= 1) {
        const w = box.writes.at(i);
        if (w.proc === this.name) mine.push({ ...w, obj: box.name });
        if (box.writes.length - i > 64) break; // look back a little, not through the whole run
      }
      pairs.push(...mine.reverse());
    }
    keyed(
      this.writes,
      pairs,
      (w) => w.seq,
      (w) => {
        // A write made without reading first (x.value = 30) is a write alone.
        const read = w.read ? `read ${pyrepr(w.read.value)} → ` : "";
        const wrote = h("span", { class: "wrote" }, `wrote ${shownValue(w)}`);
        return h(
          "li",
          { class: `pair${w.stale ? " stale" : ""}`, title: w.stale ? "this write overwrote another process's update" : "" },
          h("code", {}, `${w.obj}: `),
          read,
          w.stale ? h("s", {}, wrote) : wrote,
          w.stale ? h("span", { class: "lost" }, " overwrote an update") : null,
        );
      },
      (el, w) => toggle(el, "lit", w.seq === state.last?.seq),
    );
  }

  renderReceived(state) {
    const got = state.received[this.name];
    const items = got ? got.slice(-RECEIVED_SHOWN) : [];
    keyed(
      this.received,
      items,
      (item) => item.seq,
      (item) =>
        h(
          "li",
          {
            class: `token got ${procClass(state, item.from)}`,
            dataset: { token: item.msg ?? `seq${item.seq}` },
            title: `${shownValue(item)}: ${item.from ? `a copy, from ${item.from} through ${item.via}` : `a copy, through ${item.via}`}`,
          },
          h("span", { class: "val" }, tokenText(item)),
          // Mixed bytes that happened to unpickle: a value nobody sent.
          item.corrupt ? h("span", { class: "corrupt" }, "not as sent") : null,
          // The sender's name, as on a queue's items: the colour is never the only cue.
          item.from ? h("span", { class: "who" }, item.from) : null,
          h("span", { class: "via" }, item.kind === "manager.result" ? `← ${item.via}` : `from ${item.via}`),
        ),
    );
  }
}
