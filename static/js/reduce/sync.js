// Locks, semaphores, events, conditions and barriers: who holds them, who waits at them
// (in the order they began to wait), and what let the waiters go on.
//
// A Condition's own lock reports its acquires and releases under the condition's name,
// so lock.* events on a name that is a condition update that condition's holder.

import { addName, stored, withObject } from "../state.js";
import { waitOn } from "./common.js";

const without = (list, name) => (list.includes(name) ? list.filter((p) => p !== name) : list);

// The fields every lock-like object has: a lock, an RLock, a condition's lock.
const lockFields = () => ({ holder: null, depth: 0, waiters: [], failed: null, error: null, users: [] });

export function lockOf(state, name) {
  return stored(state, "lock", name) ?? { name, recursive: false, of: null, ...lockFields() };
}

export function semaphoreOf(state, name) {
  return (
    stored(state, "semaphore", name) ?? {
      name,
      initial: null,
      bounded: false,
      count: null,
      holders: [], // one entry per slot held, in the order they were taken
      waiters: [],
      failed: null,
      error: null,
      users: [],
    }
  );
}

export function eventOf(state, name) {
  return (
    stored(state, "event", name) ?? {
      name,
      flag: false,
      setBy: null, // {proc, seq} of the last set()
      clearedBy: null,
      waiters: [],
      woke: [], // who went on since the last set, in order
      timedOut: null, // {proc, seq} of the last wait() that returned False
      users: [],
    }
  );
}

export function conditionOf(state, name) {
  return (
    stored(state, "condition", name) ?? {
      name,
      lock: name, // the lock it waits with: its own carries its name
      ...lockFields(),
      sleepers: [], // waiting for a notify, in order
      notified: null, // the last notify: {proc, n, all, waiting, seq}
      timedOut: null,
    }
  );
}

export function barrierOf(state, name) {
  return (
    stored(state, "barrier", name) ?? {
      name,
      parties: null,
      arrived: [], // waiting at it now, in the order they came
      through: [], // the last party that passed, in order of arrival
      passes: 0,
      broken: false,
      abortedBy: null,
      brokenFor: [], // whose wait() raised BrokenBarrierError
      users: [],
    }
  );
}

// lock.* events land on the lock, or on the condition whose own lock it is.
function lockish(state, name) {
  const cond = stored(state, "condition", name);
  return cond ? ["condition", cond] : ["lock", lockOf(state, name)];
}

function withUser(obj, proc) {
  const users = addName(obj.users, proc);
  return users === obj.users ? obj : { ...obj, users };
}

function update(state, type, obj, ev, changes) {
  return withObject(state, type, obj.name, withUser({ ...obj, ...changes }, ev.proc));
}

function failure(ev) {
  return { proc: ev.proc, seq: ev.seq, blocking: ev.blocking ?? true, timeout: ev.timeout ?? null };
}

// A blank object of each type, for the picture before a run (castState).
export const BLANKS = { lock: lockOf, semaphore: semaphoreOf, event: eventOf, condition: conditionOf, barrier: barrierOf };

export const SYNC = {
  "lock.new"(state, ev) {
    const [type, lock] = lockish(state, ev.obj);
    // A Value's lock is announced by each process that asks for it: keep what is known.
    return update(state, type, lock, ev, type === "lock" ? { recursive: ev.recursive ?? false, of: ev.of ?? null } : {});
  },
  "lock.wait"(state, ev) {
    const [type, lock] = lockish(state, ev.obj);
    state = update(state, type, lock, ev, { waiters: addName(lock.waiters, ev.proc) });
    return waitOn(state, ev, { on: ev.obj, what: `${ev.obj}.acquire()`, timeout: ev.timeout ?? null, holder: ev.holder ?? null });
  },
  "lock.acquire"(state, ev) {
    const [type, lock] = lockish(state, ev.obj);
    const waiters = without(lock.waiters, ev.proc);
    if (ev.acquired === false) return update(state, type, lock, ev, { waiters, failed: failure(ev) });
    return update(state, type, lock, ev, { holder: ev.proc, depth: ev.depth ?? 1, waiters, failed: null, error: null });
  },
  "lock.release"(state, ev) {
    const [type, lock] = lockish(state, ev.obj);
    if (ev.error != null) return update(state, type, lock, ev, { error: { proc: ev.proc, error: ev.error, seq: ev.seq } });
    if (ev.depth) return update(state, type, lock, ev, { depth: ev.depth });
    return update(state, type, lock, ev, { holder: null, depth: 0 });
  },

  "semaphore.new"(state, ev) {
    const sem = semaphoreOf(state, ev.obj);
    return update(state, "semaphore", sem, ev, { initial: ev.count, count: ev.count, bounded: ev.bounded ?? false });
  },
  "semaphore.wait"(state, ev) {
    const sem = semaphoreOf(state, ev.obj);
    state = update(state, "semaphore", sem, ev, { waiters: addName(sem.waiters, ev.proc) });
    return waitOn(state, ev, { on: ev.obj, what: `a slot of ${ev.obj}`, timeout: ev.timeout ?? null });
  },
  "semaphore.acquire"(state, ev) {
    const sem = semaphoreOf(state, ev.obj);
    const waiters = without(sem.waiters, ev.proc);
    if (ev.acquired === false) return update(state, "semaphore", sem, ev, { waiters, failed: failure(ev), count: ev.count });
    return update(state, "semaphore", sem, ev, { holders: [...sem.holders, ev.proc], waiters, count: ev.count, failed: null });
  },
  "semaphore.release"(state, ev) {
    const sem = semaphoreOf(state, ev.obj);
    if (ev.error != null) return update(state, "semaphore", sem, ev, { error: { proc: ev.proc, error: ev.error, seq: ev.seq } });
    // Any process may release a semaphore; the slot given back is its own if it holds one.
    const at = sem.holders.indexOf(ev.proc);
    const holders = at < 0 ? sem.holders : [...sem.holders.slice(0, at), ...sem.holders.slice(at + 1)];
    return update(state, "semaphore", sem, ev, { holders, count: ev.count ?? sem.count, error: null });
  },

  "event.new"(state, ev) {
    return update(state, "event", eventOf(state, ev.obj), ev, {});
  },
  "event.set"(state, ev) {
    return update(state, "event", eventOf(state, ev.obj), ev, { flag: true, setBy: { proc: ev.proc, seq: ev.seq }, woke: [] });
  },
  "event.clear"(state, ev) {
    return update(state, "event", eventOf(state, ev.obj), ev, { flag: false, clearedBy: { proc: ev.proc, seq: ev.seq } });
  },
  "event.wait"(state, ev) {
    const event = eventOf(state, ev.obj);
    state = update(state, "event", event, ev, { waiters: addName(event.waiters, ev.proc) });
    return waitOn(state, ev, { on: ev.obj, what: `${ev.obj} to be set`, timeout: ev.timeout ?? null });
  },
  "event.wake"(state, ev) {
    const event = eventOf(state, ev.obj);
    const waiters = without(event.waiters, ev.proc);
    if (!ev.value) return update(state, "event", event, ev, { waiters, timedOut: { proc: ev.proc, seq: ev.seq, timeout: ev.timeout ?? null } });
    return update(state, "event", event, ev, { waiters, flag: true, woke: addName(event.woke, ev.proc) });
  },

  "condition.new"(state, ev) {
    return update(state, "condition", conditionOf(state, ev.obj), ev, { lock: ev.lock ?? null });
  },
  "condition.wait"(state, ev) {
    const cond = conditionOf(state, ev.obj);
    state = update(state, "condition", cond, ev, { sleepers: addName(cond.sleepers, ev.proc) });
    return waitOn(state, ev, { on: ev.obj, what: `a notify on ${ev.obj}`, timeout: ev.timeout ?? null });
  },
  "condition.wake"(state, ev) {
    const cond = conditionOf(state, ev.obj);
    const sleepers = without(cond.sleepers, ev.proc);
    const timedOut = ev.value ? cond.timedOut : { proc: ev.proc, seq: ev.seq, timeout: ev.timeout ?? null };
    return update(state, "condition", cond, ev, { sleepers, timedOut });
  },
  "condition.notify"(state, ev) {
    const notified = { proc: ev.proc, n: ev.n ?? null, all: ev.all ?? false, waiting: ev.waiting, seq: ev.seq };
    return update(state, "condition", conditionOf(state, ev.obj), ev, { notified });
  },

  "barrier.new"(state, ev) {
    return update(state, "barrier", barrierOf(state, ev.obj), ev, { parties: ev.parties });
  },
  "barrier.wait"(state, ev) {
    const barrier = barrierOf(state, ev.obj);
    state = update(state, "barrier", barrier, ev, { arrived: addName(barrier.arrived, ev.proc), parties: ev.parties });
    return waitOn(state, ev, { on: ev.obj, what: `the rest at ${ev.obj} (${ev.n} of ${ev.parties} there)`, timeout: ev.timeout ?? null });
  },
  "barrier.pass"(state, ev) {
    const barrier = barrierOf(state, ev.obj);
    if (ev.last) {
      const through = [...without(barrier.arrived, ev.proc), ev.proc];
      return update(state, "barrier", barrier, ev, { arrived: [], through, passes: barrier.passes + 1, parties: ev.parties });
    }
    return update(state, "barrier", barrier, ev, { arrived: without(barrier.arrived, ev.proc) });
  },
  "barrier.abort"(state, ev) {
    return update(state, "barrier", barrierOf(state, ev.obj), ev, { broken: true, abortedBy: { proc: ev.proc, seq: ev.seq } });
  },
  "barrier.broken"(state, ev) {
    const barrier = barrierOf(state, ev.obj);
    const changes = { broken: true, arrived: without(barrier.arrived, ev.proc), brokenFor: addName(barrier.brokenFor, ev.proc) };
    return update(state, "barrier", barrier, ev, changes);
  },
};
