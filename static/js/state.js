// The shapes of the stage's state, and the small pure helpers that build new versions of
// them: the reducer (reducer.js) folds events with these, and castState draws a program's
// processes and objects before it has run. Nothing here is changed in place.

import { Log } from "./log.js";

export function initialState() {
  return {
    count: 0, // events applied
    last: null, // the event applied last: what the narration and highlights describe
    run: { status: "waiting", scenario: null, params: null, pace_ms: null, start_method: null },
    order: [], // process names, in order of appearance
    procs: {}, // name → process
    objects: [], // [{type, name}] in order of appearance, for the stage's layout
    queues: {},
    pipes: {},
    ends: {}, // pipe end name → the pipe's name (its first end)
    values: {},
    arrays: {},
    managers: {},
    vars: {}, // variable name → { proc → {value, repr, seq} }
    consoles: {}, // proc → Log of {seq, text, stream}
    // proc → Log of what it received, a copy now in its own memory:
    // {msg, value, repr, from, via: object name, kind, seq}
    received: {},
    // A traced program's other files (its imported helpers): path → text, in the order
    // their run.file events came. The main file is the run's source, not in here.
    files: {},
    // The file the last event with a line (or a run.file) was in, null for the main file:
    // the one the program pane follows.
    lastFile: null,
  };
}

export const put = (obj, key, value) => ({ ...obj, [key]: value });
export const omit = (obj, key) => {
  if (!(key in obj)) return obj;
  const { [key]: _gone, ...rest } = obj;
  return rest;
};
export const addName = (list, name) => (name == null || list.includes(name) ? list : [...list, name]);

export function shown(ev) {
  return { value: ev.value ?? null, repr: ev.repr ?? null };
}

// --- processes -------------------------------------------------------------------------

export function ensureProc(state, name, pid) {
  if (state.procs[name]) return state;
  const proc = {
    name,
    pid: pid ?? null,
    role: name === "main" ? "main" : "worker",
    parent: null,
    target: null,
    status: "starting",
    wait: null, // {on, what}: the object or child the process is blocked on
    exitcode: null,
    reason: null,
    line: null,
    file: null, // the file its line is in, null for the program's main file
  };
  return { ...state, procs: put(state.procs, name, proc), order: [...state.order, name] };
}

export function updateProc(state, name, changes) {
  return { ...state, procs: put(state.procs, name, { ...state.procs[name], ...changes }) };
}

// --- objects ---------------------------------------------------------------------------

export function addObject(state, type, name) {
  if (state.objects.some((o) => o.type === type && o.name === name)) return state;
  return { ...state, objects: [...state.objects, { type, name }] };
}

// Where each type of object keeps its state (state[store][name]). A family of primitives
// adds its types here; withObject and stored work for every type.
export const STORES = {
  queue: "queues",
  pipe: "pipes",
  value: "values",
  array: "arrays",
  manager: "managers",
  lock: "locks",
  semaphore: "semaphores",
  event: "events",
  condition: "conditions",
  barrier: "barriers",
  pool: "pools",
  shm: "blocks",
  other: "others", // an object only events of kinds the page does not know name (reduce/others.js)
};

export function stored(state, type, name) {
  return state[STORES[type]]?.[name];
}

export function withObject(state, type, name, value) {
  const store = STORES[type];
  return addObject({ ...state, [store]: put(state[store] ?? {}, name, value) }, type, name);
}

export function queueOf(state, name) {
  return (
    state.queues[name] ?? {
      name,
      maxsize: 0,
      items: new Log(), // in the queue now, oldest first: {msg, value, repr, from, seq}
      taken: new Log(), // left the queue: the same plus {by, takenSeq}
      producers: [],
      consumers: [],
      empty: null, // the last q.empty() answer: {proc, value, seq}
      error: null, // the last failed get: {proc, error, seq}
    }
  );
}

export function withQueue(state, name, queue) {
  return addObject({ ...state, queues: put(state.queues, name, queue) }, "queue", name);
}

export function pipeName(state, end) {
  return state.ends[end] ?? end;
}

export function pipeOf(state, name) {
  return (
    state.pipes[name] ?? {
      name,
      ends: [name, null],
      duplex: true,
      users: {}, // end → [proc names that used it]
      inFlight: new Log(), // sent, not yet received: {msg, value, repr, from, fromEnd, toEnd, seq}
      delivered: new Log(), // received: the same plus {by, toEnd, recvSeq}
      corrupted: new Log(), // reads of mixed bytes: {proc, value, repr, error, seq}
      polled: null, // the last poll() answer: {proc, end, value, seq}
      closed: {}, // end → proc that closed it
      error: null,
    }
  );
}

export function withPipe(state, pipe) {
  const ends = { ...state.ends };
  for (const end of pipe.ends) if (end != null) ends[end] = pipe.name;
  return addObject({ ...state, pipes: put(state.pipes, pipe.name, pipe), ends }, "pipe", pipe.name);
}

export function usePipeEnd(pipe, end, proc) {
  const users = pipe.users[end] ?? [];
  return users.includes(proc) ? pipe : { ...pipe, users: put(pipe.users, end, [...users, proc]) };
}

export function valueOf(state, name) {
  return (
    state.values[name] ?? {
      name,
      typecode: null,
      value: null,
      repr: null,
      version: 0,
      writer: null, // {proc, seq} of the last write
      read: null, // {proc, seq, version} of the last read
      readBy: {}, // proc -> the version that process last read
      readValue: {}, // proc -> the value that process last read
      stale: 0, // writes made on a stale read: each overwrote another process's update
      lastStale: null, // {proc, seq, read, wrote} of the latest such write
      // Each write with the read it was computed from, the process's read→write pair:
      // {proc, seq, read: {value, version} | null, value, repr, version, stale}
      writes: new Log(),
      initial: null, // the value it was created with
      increments: 0, // writes that wrote exactly what their process read, plus one
      users: [],
    }
  );
}

export function withValue(state, name, box) {
  return addObject({ ...state, values: put(state.values, name, box) }, "value", name);
}

export function arrayOf(state, name) {
  return (
    state.arrays[name] ?? {
      name,
      typecode: null,
      cells: [], // {value, writer, seq, version}
      version: 0,
      read: null, // {proc, seq, start, stop}
      write: null, // {proc, seq, start, stop}
      users: [],
    }
  );
}

export function withArray(state, name, array) {
  return addObject({ ...state, arrays: put(state.arrays, name, array) }, "array", name);
}

// An index is a cell (n) or a slice ([start, stop]); either way, a range of cells.
export function span(index) {
  return Array.isArray(index) ? [index[0], index[1]] : [index, index + 1];
}

export function managerOf(state, name) {
  return (
    state.managers[name] ?? {
      name,
      server: null, // the process that serves the calls
      state: null, // the real object in the server, after the last call it served
      calls: [], // {msg, proc, method, args, phase: sent|served|returned, value, repr, error, seq}
      proxies: [], // processes that called through a proxy
    }
  );
}

export function withManager(state, name, manager) {
  return addObject({ ...state, managers: put(state.managers, name, manager) }, "manager", name);
}

export function updateCall(manager, msg, make) {
  const index = msg == null ? -1 : manager.calls.findIndex((c) => c.msg === msg);
  if (index < 0) return { ...manager, calls: [...manager.calls, make(null)] };
  const calls = manager.calls.slice();
  calls[index] = make(calls[index]);
  return { ...manager, calls };
}

/**
 * The picture before a run: the processes and objects a program is known to have (a
 * scenario's `cast`, checked against real runs by the scenario tests), none started yet.
 * Only what the cast lists is filled in; every event of a real run starts from
 * initialState(), never from this.
 */
export function castState(cast, blanks = {}) {
  let state = initialState();
  for (const name of cast?.processes ?? []) {
    state = updateProc(ensureProc(state, name, null), name, { status: "planned" });
  }
  for (const o of cast?.objects ?? []) {
    switch (o.type) {
      case "queue":
        state = withQueue(state, o.name, { ...queueOf(state, o.name), producers: o.from ?? [], consumers: o.to ?? [] });
        break;
      case "pipe":
        state = withPipe(state, { ...pipeOf(state, o.name), ends: o.ends ?? [o.name, null], users: o.users ?? {} });
        break;
      case "value":
        state = withValue(state, o.name, { ...valueOf(state, o.name), users: o.users ?? [] });
        break;
      case "array":
        state = withArray(state, o.name, { ...arrayOf(state, o.name), users: o.users ?? [] });
        break;
      case "manager":
        state = withManager(state, o.name, { ...managerOf(state, o.name), server: o.server ?? null, proxies: o.proxies ?? [] });
        break;
      case "var":
        state = { ...state, vars: put(state.vars, o.name, {}), varUsers: put(state.varUsers ?? {}, o.name, o.users ?? []) };
        break;
      default:
        // A family's own type (a lock, a pool…): its blank object, with who uses it.
        if (Object.hasOwn(blanks, o.type)) {
          state = withObject(state, o.type, o.name, { ...blanks[o.type](state, o.name), users: o.users ?? [] });
        } else if (o.name != null) {
          // A type the page does not know: drawn by the generic view, with its kind.
          const other = { name: o.name, kind: String(o.type ?? "object"), users: o.users ?? [], count: 0, last: null };
          state = withObject(state, "other", o.name, other);
        }
        break;
    }
  }
  return state;
}
