// The run, its processes (started, waiting for a child, ended), what they print, the
// variables watched in their own memory and the program's files their lines are in.

import { Log } from "../log.js";
import { ensureProc, put, shown, updateProc } from "../state.js";
import { waitOn } from "./common.js";

export const PROCESSES = {
  "run.start"(state, ev) {
    const { scenario, params, pace_ms, start_method, python } = ev;
    const run = { ...state.run, status: "running", scenario, params, pace_ms, start_method, python };
    return { ...state, run };
  },
  // A file of the program's other than its main one, the first time a process runs its
  // code. Several processes send the same file; its text is the same, so the first stays.
  "run.file"(state, ev) {
    const { path, text } = ev;
    if (typeof path !== "string" || typeof text !== "string") return state;
    const files = Object.hasOwn(state.files, path) ? state.files : put(state.files, path, text);
    return { ...state, files, lastFile: path };
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
      file: null,
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

/** An event with a line: its process is at that line of its file (null: the main file),
 * and the page follows that file. touchProc (common.js) has already set the line. */
export function atFile(state, ev) {
  if (ev.line == null) return state;
  const file = typeof ev.file === "string" ? ev.file : null;
  const proc = ev.proc != null ? state.procs[ev.proc] : undefined;
  if (proc && proc.file !== file) state = updateProc(state, ev.proc, { file });
  return state.lastFile === file ? state : { ...state, lastFile: file };
}
