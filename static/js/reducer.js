// The stage as a pure function of the events: reduce(state, event) → new state.
//
// Live view, replay, step-back and the tests all go through this one function, so what
// the page shows at event k is exactly the fold of events 0..k. It never mutates its
// inputs: untouched parts of the state are shared with the previous state, which lets
// views skip work by comparing references, and lets the history keep old states cheaply.
// Lists that grow with the run are Logs (./log.js): immutable, with O(1) push and shift.

import { Log } from "./log.js";
import {
  addName,
  arrayOf,
  ensureProc,
  initialState,
  managerOf,
  omit,
  pipeName,
  pipeOf,
  put,
  queueOf,
  shown,
  span,
  updateCall,
  updateProc,
  usePipeEnd,
  valueOf,
  withArray,
  withManager,
  withPipe,
  withQueue,
  withValue,
} from "./state.js";

export { castState, initialState } from "./state.js";

// --- processes -------------------------------------------------------------------------

// What an event from `ev.proc` says about that process: it is running (any event), on
// this line, blocked (a *.wait or a manager call waiting for its reply) or gone.
function touchProc(state, ev) {
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

function receive(state, ev, item) {
  const got = state.received[ev.proc] ?? new Log();
  const entry = { msg: item.msg ?? null, ...shown(ev), from: item.from ?? null, via: ev.obj, kind: ev.kind, seq: ev.seq };
  return { ...state, received: put(state.received, ev.proc, got.push(entry, ev)) };
}

function waitOn(state, ev, wait) {
  return updateProc(state, ev.proc, { status: "waiting", wait });
}

// --- the reducer ---------------------------------------------------------------------

const HANDLERS = {
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
    return HANDLERS.stdout(state, ev);
  },
  var(state, ev) {
    const copies = state.vars[ev.obj] ?? {};
    const copy = { ...shown(ev), seq: ev.seq, scope: ev.scope ?? null };
    return { ...state, vars: put(state.vars, ev.obj, put(copies, ev.proc, copy)) };
  },
  "queue.new"(state, ev) {
    return withQueue(state, ev.obj, { ...queueOf(state, ev.obj), maxsize: ev.maxsize ?? 0 });
  },
  "queue.put"(state, ev) {
    const q = queueOf(state, ev.obj);
    const item = { msg: ev.msg, ...shown(ev), from: ev.proc, seq: ev.seq };
    return withQueue(state, ev.obj, {
      ...q,
      items: q.items.push(item, ev),
      producers: addName(q.producers, ev.proc),
    });
  },
  "queue.get"(state, ev) {
    const q = queueOf(state, ev.obj);
    if (ev.error != null) {
      return withQueue(state, ev.obj, { ...q, error: { proc: ev.proc, error: ev.error, seq: ev.seq } });
    }
    const index = q.items.findIndex((item) => item.msg === ev.msg);
    const item = index >= 0 ? q.items.at(index) : { msg: ev.msg ?? null, from: null, seq: null };
    const taken = { ...item, ...shown(ev), by: ev.proc, takenSeq: ev.seq };
    state = withQueue(state, ev.obj, {
      ...q,
      items: index >= 0 ? q.items.remove(index) : q.items,
      taken: q.taken.push(taken, ev),
      consumers: addName(q.consumers, ev.proc),
      error: null,
    });
    return receive(state, ev, item);
  },
  "queue.wait"(state, ev) {
    return waitOn(state, ev, { on: ev.obj, what: `${ev.obj}.${ev.op}()` });
  },
  "queue.empty"(state, ev) {
    const q = queueOf(state, ev.obj);
    return withQueue(state, ev.obj, { ...q, empty: { proc: ev.proc, value: ev.value, seq: ev.seq } });
  },
  "pipe.new"(state, ev) {
    const pipe = { ...pipeOf(state, ev.obj), ends: [ev.obj, ev.peer ?? null], duplex: ev.duplex ?? true };
    return withPipe(state, pipe);
  },
  "pipe.send"(state, ev) {
    let pipe = pipeOf(state, pipeName(state, ev.obj));
    const toEnd = ev.peer ?? pipe.ends.find((end) => end !== ev.obj) ?? null;
    if (!pipe.ends.includes(ev.obj)) pipe = { ...pipe, ends: [ev.obj, toEnd] };
    const message = { msg: ev.msg, ...shown(ev), from: ev.proc, fromEnd: ev.obj, toEnd, seq: ev.seq };
    pipe = usePipeEnd({ ...pipe, inFlight: pipe.inFlight.push(message, ev) }, ev.obj, ev.proc);
    return withPipe(state, pipe);
  },
  "pipe.recv"(state, ev) {
    let pipe = usePipeEnd(pipeOf(state, pipeName(state, ev.obj)), ev.obj, ev.proc);
    if (ev.error != null) {
      return withPipe(state, { ...pipe, error: { proc: ev.proc, error: ev.error, seq: ev.seq } });
    }
    const index = pipe.inFlight.findIndex((m) => m.msg === ev.msg);
    const message =
      index >= 0 ? pipe.inFlight.at(index) : { msg: ev.msg ?? null, from: null, fromEnd: null, seq: null };
    const received = { ...message, ...shown(ev), toEnd: ev.obj, by: ev.proc, recvSeq: ev.seq };
    pipe = {
      ...pipe,
      inFlight: index >= 0 ? pipe.inFlight.remove(index) : pipe.inFlight,
      delivered: pipe.delivered.push(received, ev),
    };
    return receive(withPipe(state, pipe), ev, message);
  },
  "pipe.wait"(state, ev) {
    const pipe = usePipeEnd(pipeOf(state, pipeName(state, ev.obj)), ev.obj, ev.proc);
    return waitOn(withPipe(state, pipe), ev, { on: ev.obj, what: `${ev.obj}.recv()` });
  },
  "pipe.close"(state, ev) {
    let pipe = usePipeEnd(pipeOf(state, pipeName(state, ev.obj)), ev.obj, ev.proc);
    pipe = { ...pipe, closed: put(pipe.closed, ev.obj, ev.proc) };
    return withPipe(state, pipe);
  },
  "value.new"(state, ev) {
    const box = valueOf(state, ev.obj);
    return withValue(state, ev.obj, {
      ...box,
      ...shown(ev),
      initial: ev.value ?? null,
      typecode: ev.typecode ?? null,
      users: addName(box.users, ev.proc),
    });
  },
  "value.get"(state, ev) {
    const box = valueOf(state, ev.obj);
    return withValue(state, ev.obj, {
      ...box,
      read: { proc: ev.proc, seq: ev.seq, version: ev.version, ...shown(ev) },
      readBy: { ...box.readBy, [ev.proc]: ev.version },
      readValue: { ...box.readValue, [ev.proc]: ev.value ?? null },
      users: addName(box.users, ev.proc),
    });
  },
  "value.set"(state, ev) {
    const box = valueOf(state, ev.obj);
    // A write more than one version after this process's own read was computed from a
    // value another process had already changed: that change is overwritten (lost).
    const read = box.readBy[ev.proc];
    const stale = read !== undefined && ev.version > read + 1;
    const readValue = read === undefined ? undefined : box.readValue[ev.proc];
    const write = {
      proc: ev.proc,
      seq: ev.seq,
      read: read === undefined ? null : { value: readValue, version: read },
      ...shown(ev),
      version: ev.version,
      stale,
    };
    const increment = typeof readValue === "number" && ev.value === readValue + 1;
    return withValue(state, ev.obj, {
      ...box,
      ...shown(ev),
      version: ev.version,
      writer: { proc: ev.proc, seq: ev.seq },
      readBy: omit(box.readBy, ev.proc),
      readValue: omit(box.readValue, ev.proc),
      writes: box.writes.push(write, ev),
      increments: box.increments + (increment ? 1 : 0),
      stale: box.stale + (stale ? 1 : 0),
      lastStale: stale ? { proc: ev.proc, seq: ev.seq, read, wrote: ev.version } : box.lastStale,
      users: addName(box.users, ev.proc),
    });
  },
  "array.new"(state, ev) {
    const array = arrayOf(state, ev.obj);
    const values = Array.isArray(ev.value) ? ev.value : Array.from({ length: ev.size ?? 0 }, () => 0);
    const cells = values.map((value) => ({ value, writer: null, seq: null, version: 0 }));
    const users = addName(array.users, ev.proc);
    return withArray(state, ev.obj, { ...array, typecode: ev.typecode ?? null, cells, users });
  },
  "array.get"(state, ev) {
    const array = arrayOf(state, ev.obj);
    const [start, stop] = span(ev.index);
    return withArray(state, ev.obj, {
      ...array,
      read: { proc: ev.proc, seq: ev.seq, start, stop, version: ev.version },
      users: addName(array.users, ev.proc),
    });
  },
  "array.set"(state, ev) {
    const array = arrayOf(state, ev.obj);
    const [start, stop] = span(ev.index);
    const cells = array.cells.slice();
    const values = Array.isArray(ev.index) ? ev.value ?? [] : [ev.value];
    for (let i = start; i < stop; i += 1) {
      cells[i] = { value: values[i - start] ?? null, writer: ev.proc, seq: ev.seq, version: ev.version };
    }
    return withArray(state, ev.obj, {
      ...array,
      cells,
      version: ev.version,
      write: { proc: ev.proc, seq: ev.seq, start, stop },
      users: addName(array.users, ev.proc),
    });
  },
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
/** The kinds the reducer has a handler for (a test checks they are all the schema's kinds). */
export const HANDLED_KINDS = Object.freeze(Object.keys(HANDLERS));

/** The state after `event`. Pure: neither argument is changed. */
export function reduce(state, event) {
  let next = { ...state, count: state.count + 1, last: event };
  if (event.proc != null && event.kind !== "run.start" && event.kind !== "run.end") {
    next = touchProc(next, event);
  }
  const handler = Object.hasOwn(HANDLERS, event.kind) ? HANDLERS[event.kind] : null;
  return handler ? handler(next, event) : next;
}

/** The state after all of `events`, from `state` (the initial state by default). */
export function reduceAll(events, state = initialState()) {
  let out = state;
  for (const event of events) out = reduce(out, event);
  return out;
}
