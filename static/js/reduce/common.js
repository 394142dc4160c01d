// What many kinds do alike: an event says its process is running (touchProc), a copy of
// a message lands in the receiver's memory (receive), a process blocks on something
// (waitOn).

import { Log } from "../log.js";
import { ensureProc, put, shown, updateProc } from "../state.js";

// What an event from `ev.proc` says about that process: it is running (any event), on
// this line, blocked (a *.wait or a manager call waiting for its reply) or gone.
export function touchProc(state, ev) {
  state = ensureProc(state, ev.proc, ev.pid);
  const proc = state.procs[ev.proc];
  const changes = {};
  if (proc.status !== "exited" && ev.kind !== "proc.exit") {
    if (proc.status !== "running") changes.status = "running";
    if (proc.wait !== null) changes.wait = null;
  }
  if (ev.pid != null && proc.pid !== ev.pid) changes.pid = ev.pid;
  if (ev.line != null && proc.line !== ev.line) changes.line = ev.line;
  return Object.keys(changes).length ? updateProc(state, ev.proc, changes) : state;
}

export function receive(state, ev, item) {
  const got = state.received[ev.proc] ?? new Log();
  const entry = { msg: item.msg ?? null, ...shown(ev), from: item.from ?? null, via: ev.obj, kind: ev.kind, seq: ev.seq };
  if (item.corrupt) entry.corrupt = true; // no message anyone sent: mixed bytes
  return { ...state, received: put(state.received, ev.proc, got.push(entry, ev)) };
}

export function waitOn(state, ev, wait) {
  return updateProc(state, ev.proc, { status: "waiting", wait });
}

