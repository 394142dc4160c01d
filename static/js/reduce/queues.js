// Queues (Queue, JoinableQueue, SimpleQueue): items in, items out (a copy lands in the
// taker's memory), waiting, empty(), and a JoinableQueue's tasks marked done and joined.

import { addName, queueOf as baseQueueOf, shown, withQueue } from "../state.js";
import { receive, waitOn } from "./common.js";

// A queue's state (state.js) with what only JoinableQueues and SimpleQueues add.
function queueOf(state, name) {
  const q = baseQueueOf(state, name);
  if (q.type !== undefined) return q;
  return {
    ...q,
    type: "Queue", // or JoinableQueue, SimpleQueue
    unfinished: 0, // a JoinableQueue's items put in and not yet marked done
    done: 0, // task_done() calls
    lastDone: null, // {proc, seq} of the last task_done()
    joined: null, // {proc, seq} of the last join() that returned
  };
}

// What a process blocked on a queue waits for, as its box says it: "waiting for q.get()".
const WAITS_FOR = {
  get: (obj) => `${obj}.get()`,
  put: (obj) => `${obj}.put()`,
  join: (obj) => `${obj}.join()`,
  flush: (obj) => `${obj} to flush`,
};

export const QUEUES = {
  "queue.new"(state, ev) {
    return withQueue(state, ev.obj, { ...queueOf(state, ev.obj), maxsize: ev.maxsize ?? 0, type: ev.type ?? "Queue" });
  },
  "queue.put"(state, ev) {
    const q = queueOf(state, ev.obj);
    const item = { msg: ev.msg, ...shown(ev), from: ev.proc, seq: ev.seq };
    return withQueue(state, ev.obj, {
      ...q,
      items: q.items.push(item, ev),
      producers: addName(q.producers, ev.proc),
      // Every item put in a JoinableQueue is a task until a task_done() marks it done.
      unfinished: q.type === "JoinableQueue" ? q.unfinished + 1 : q.unfinished,
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
    const what = (WAITS_FOR[ev.op] ?? WAITS_FOR.get)(ev.obj);
    return waitOn(state, ev, { on: ev.obj, what, op: ev.op, timeout: ev.timeout ?? null });
  },
  "queue.empty"(state, ev) {
    const q = queueOf(state, ev.obj);
    return withQueue(state, ev.obj, { ...q, empty: { proc: ev.proc, value: ev.value, seq: ev.seq } });
  },
  "queue.task_done"(state, ev) {
    const q = queueOf(state, ev.obj);
    if (ev.error != null) {
      return withQueue(state, ev.obj, { ...q, error: { proc: ev.proc, error: ev.error, seq: ev.seq } });
    }
    // Counted from the events themselves, so the count at event k is that of events 0..k
    // (the event's own `unfinished` is the real count at that instant, which may include a
    // put whose event comes later).
    return withQueue(state, ev.obj, {
      ...q,
      unfinished: Math.max(0, q.unfinished - 1),
      done: q.done + 1,
      lastDone: { proc: ev.proc, seq: ev.seq },
    });
  },
  "queue.join"(state, ev) {
    const q = queueOf(state, ev.obj);
    return withQueue(state, ev.obj, { ...q, joined: { proc: ev.proc, seq: ev.seq } });
  },
};
