// One lane per process: its name, pid, role, state (starting, running, waiting on what,
// exited with which code), the source line it is at, and its own console.

import { h, keyed, procClass, setText, toggle } from "../dom.js";
import { ConsoleView } from "./console.js";

function statusText(proc) {
  switch (proc.status) {
    case "waiting":
      return proc.wait ? `waiting on ${proc.wait.what}` : "waiting";
    case "exited":
      if (proc.reason === "killed") return "killed";
      return proc.exitcode === null ? "exited" : `exited (exit code ${proc.exitcode})`;
    default:
      return proc.status;
  }
}

function roleText(proc) {
  const roles = { main: "main process", manager: "manager's server process" };
  const parts = [roles[proc.role] ?? proc.role];
  if (proc.target) parts.push(`${proc.target}()`);
  if (proc.parent) parts.push(`child of ${proc.parent}`);
  return parts.join(" · ");
}

export class LanesView {
  constructor(root) {
    this.root = root;
    this.consoles = new Map();
  }

  render(state) {
    keyed(
      this.root,
      state.order.map((name) => state.procs[name]),
      (proc) => proc.name,
      (proc) => this.create(proc),
      (el, proc) => this.update(el, proc, state),
    );
  }

  create(proc) {
    const label = `output of ${proc.name}`;
    const consoleEl = h("div", { class: "console scrolls", tabindex: 0, "aria-label": label });
    this.consoles.set(proc.name, new ConsoleView(consoleEl));
    return h(
      "article",
      { class: "lane", dataset: { proc: proc.name }, "aria-label": `process ${proc.name}` },
      h(
        "header",
        { class: "lane-head" },
        h("span", { class: "chip proc-name" }, proc.name),
        h("span", { class: "pid" }),
      ),
      h("p", { class: "role" }),
      h("p", { class: "status" }),
      h("p", { class: "where" }),
      consoleEl,
    );
  }

  update(el, proc, state) {
    el.className = `lane ${procClass(state, proc.name)} is-${proc.status}`;
    setText(el.querySelector(".pid"), proc.pid === null ? "pid …" : `pid ${proc.pid}`);
    setText(el.querySelector(".role"), roleText(proc));
    const status = el.querySelector(".status");
    setText(status, statusText(proc));
    status.dataset.status = proc.status;
    setText(el.querySelector(".where"), proc.line === null ? "" : `at line ${proc.line}`);
    toggle(el, "is-current", state.last?.proc === proc.name);
    this.consoles.get(proc.name).render(state.consoles[proc.name] ?? [], state.last?.seq);
  }
}
