// Managers: each call's journey (sent, served on the real object, returned), and a call
// held in the server (a get from an empty Queue, an acquire of a held Lock) as its
// caller's wait.

import { addName, managerOf, shown, updateCall, withManager } from "../state.js";
import { receive, waitOn } from "./common.js";

// What a caller held in the server waits for, in a few words.
function heldFor(ev) {
  switch (ev.reason) {
    case "empty":
      return `an item in ${ev.obj} (in the manager)`;
    case "full":
      return `room in ${ev.obj} (in the manager)`;
    case "held":
      return ev.holder ? `${ev.obj}, held by ${ev.holder} (in the manager)` : `${ev.obj} (in the manager)`;
    case "unset":
      return `${ev.obj} to be set (in the manager)`;
    default:
      return `${ev.obj}.${ev.method}() in the manager`;
  }
}

export const MANAGERS = {
  "manager.call"(state, ev) {
    let manager = managerOf(state, ev.obj);
    manager = updateCall(manager, ev.msg, () => ({
      msg: ev.msg,
      proc: ev.proc,
      method: ev.method,
      args: ev.args ?? [],
      phase: "sent",
      value: null,
      repr: null,
      error: null,
      seq: ev.seq,
    }));
    manager = { ...manager, proxies: addName(manager.proxies, ev.proc), type: manager.type ?? ev.type ?? null };
    state = withManager(state, ev.obj, manager);
    return waitOn(state, ev, { on: ev.obj, what: `${ev.obj}.${ev.method}() in the manager` });
  },
  "manager.wait"(state, ev) {
    let manager = managerOf(state, ev.obj);
    manager = updateCall(manager, ev.msg, (call) => ({
      ...(call ?? { msg: ev.msg, proc: ev.proc, method: ev.method, args: [], seq: ev.seq }),
      phase: "held",
      reason: ev.reason,
      holder: ev.holder ?? null,
      heldSeq: ev.seq,
    }));
    state = withManager(state, ev.obj, manager);
    return waitOn(state, ev, { on: ev.obj, what: heldFor(ev), timeout: ev.timeout ?? null, held: true });
  },
  "manager.serve"(state, ev) {
    let manager = managerOf(state, ev.obj);
    manager = updateCall(manager, ev.msg, (call) => ({
      ...(call ?? { msg: ev.msg ?? null, proc: ev.caller ?? null, method: ev.method, args: ev.args ?? [], seq: ev.seq }),
      phase: "served",
      ...shown(ev),
      error: ev.error ?? null,
      servedSeq: ev.seq,
    }));
    manager = { ...manager, server: ev.proc, state: ev.state ?? null, type: manager.type ?? ev.type ?? null };
    return withManager(state, ev.obj, manager);
  },
  "manager.result"(state, ev) {
    let manager = managerOf(state, ev.obj);
    manager = updateCall(manager, ev.msg, (call) => ({
      ...(call ?? { msg: ev.msg, proc: ev.proc, method: ev.method, args: [], seq: ev.seq }),
      phase: "returned",
      ...shown(ev),
      error: ev.error ?? null,
      returnedSeq: ev.seq,
    }));
    state = withManager(state, ev.obj, manager);
    return ev.error == null ? receive(state, ev, { msg: ev.msg, from: manager.server }) : state;
  },
};
