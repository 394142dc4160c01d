// Queues: items in, items out (a copy lands in the taker's memory), waiting, empty().

import { addName, queueOf, shown, withQueue } from "../state.js";
import { receive, waitOn } from "./common.js";

export const QUEUES = {
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
};
