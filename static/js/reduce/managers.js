// Managers: each call's journey (sent, served on the real object, returned), and a call
// held in the server (a get from an empty Queue, an acquire of a held Lock) as its
// caller's wait. A server on the network is an object of its own, named by its address,
// inside its server's box: who connected to it, and who it turned away.

import { addName, managerOf, omit, shown, updateCall, withManager } from "../state.js";
import { receive, waitOn } from "./common.js";

// A creation's call goes out under the name the caller's variable proposed; when the
// server already knew the object by another name (a registered callable that hands out the
// same object again), the call moves to that object, and the proposed one, if that call
// was all it had, goes.
function renamed(state, ev) {
  const from = ev.proposed;
  if (from == null || from === ev.obj || !state.managers[from]) return state;
  const old = state.managers[from];
  const call = old.calls.find((c) => c.msg === ev.msg);
  if (!call) return state;
  const rest = old.calls.filter((c) => c !== call);
  let target = managerOf(state, ev.obj);
  target = { ...target, calls: [...target.calls, call], proxies: addName(target.proxies, call.proc) };
  state = withManager(state, ev.obj, target);
  if (rest.length) return withManager(state, from, { ...old, calls: rest });
  return {
    ...state,
    managers: omit(state.managers, from),
    objects: state.objects.filter((o) => !(o.type === "manager" && o.name === from)),
  };
}

// The server at `address`: {endpoint: true, address, types, clients: [{proc, error, message, seq}], refused}.
function endpointOf(state, address) {
  const known = state.managers[address];
  if (known) return known;
  return { ...managerOf(state, address), type: "server", endpoint: true, address, types: [], clients: [], refused: 0 };
}

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
    state = renamed(state, ev);
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
    state = renamed(state, ev);
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
  "manager.listen"(state, ev) {
    const endpoint = endpointOf(state, ev.address);
    return withManager(state, ev.address, { ...endpoint, server: ev.proc, types: ev.types ?? [] });
  },
  "manager.connect"(state, ev) {
    const endpoint = endpointOf(state, ev.address);
    const client = { proc: ev.proc, error: ev.error ?? null, message: ev.message ?? null, seq: ev.seq };
    const clients = [...endpoint.clients.filter((c) => c.proc !== ev.proc), client];
    state = withManager(state, ev.address, { ...endpoint, clients });
    if (ev.error == null) return state;
    // What the client got back from the server: a "no" to its key, now in its own memory.
    const answer = { ...ev, obj: ev.address, value: null, repr: `turned away: ${ev.error}` };
    return receive(state, answer, { from: endpoint.server });
  },
  "manager.refuse"(state, ev) {
    const endpoint = endpointOf(state, ev.address);
    return withManager(state, ev.address, { ...endpoint, server: ev.proc, refused: endpoint.refused + 1, refusedSeq: ev.seq });
  },
};
