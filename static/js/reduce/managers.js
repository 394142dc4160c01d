// Managers: each call's journey (sent, served on the real object, returned).

import { addName, managerOf, shown, updateCall, withManager } from "../state.js";
import { receive, waitOn } from "./common.js";

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
    manager = { ...manager, proxies: addName(manager.proxies, ev.proc) };
    state = withManager(state, ev.obj, manager);
    return waitOn(state, ev, { on: ev.obj, what: `${ev.obj}.${ev.method}() in the manager` });
  },
  "manager.serve"(state, ev) {
    let manager = managerOf(state, ev.obj);
    manager = updateCall(manager, ev.msg, (call) => ({
      ...(call ?? { msg: ev.msg ?? null, proc: null, method: ev.method, args: ev.args ?? [], seq: ev.seq }),
      phase: "served",
      ...shown(ev),
      error: ev.error ?? null,
      servedSeq: ev.seq,
    }));
    manager = { ...manager, server: ev.proc, state: ev.state ?? null };
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
