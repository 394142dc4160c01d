// The run, its processes (started, waiting for a child, ended), what they print and the
// variables watched in their own memory.

import { Log } from "../log.js";
import { ensureProc, put, shown, updateProc } from "../state.js";
import { waitOn } from "./common.js";

export const PROCESSES = {
  "run.start"(state, ev) {
    const { scenario, params, pace_ms, start_method, python } = ev;
    const run = { ...state.run, status: "running", scenario, params, pace_ms, start_method, python };
    return { ...state, run };
  },
  "run.end"(state, ev) {
    return {
      ...state,
      run: { ...state.run, status: ev.status, exitcode: ev.exitcode ?? null, error: ev.error ?? null },
    };
  },
  "proc.spawn"(state, ev) {
    state = ensureProc(state, ev.child, ev.child_pid);
    return updateProc(state, ev.child, {
      pid: ev.child_pid,
      role: ev.role ?? "worker",
      parent: ev.proc,
      target: ev.target ?? null,
    });
  },
  "proc.start"(state, ev) {
    return updateProc(state, ev.proc, {
      role: ev.role ?? "worker",
      parent: ev.parent ?? null,
      target: ev.target ?? null,
    });
  },
  "proc.exit"(state, ev) {
    return updateProc(state, ev.proc, {
      status: "exited",
      wait: null,
      line: null,
      exitcode: ev.exitcode ?? null,
      reason: ev.reason ?? "returned",
    });
  },
  "proc.wait"(state, ev) {
    return waitOn(state, ev, { on: ev.child, what: `${ev.child}.join()` });
  },
  "proc.join"(state) {
    return state; // the parent runs again: touchProc has already said so
  },
  stdout(state, ev) {
    const lines = state.consoles[ev.proc] ?? new Log();
    const line = { seq: ev.seq, text: ev.text, stream: ev.kind };
    return { ...state, consoles: put(state.consoles, ev.proc, lines.push(line, ev)) };
  },
  stderr(state, ev) {
    return PROCESSES.stdout(state, ev);
  },
  var(state, ev) {
    const copies = state.vars[ev.obj] ?? {};
    const copy = { ...shown(ev), seq: ev.seq, scope: ev.scope ?? null };
    return { ...state, vars: put(state.vars, ev.obj, put(copies, ev.proc, copy)) };
  },
};
