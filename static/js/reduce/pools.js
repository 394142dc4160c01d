// Pools of workers: tasks waiting in the pool's task pipe, the task each worker is running,
// results on their way back, results the owner has received (a copy lands in the
// receiving process's memory, as with a queue). The same token (the task's message id)
// moves from "waiting" into its worker; the result's token from "on the way back" into
// "returned".

import { addName, shown, stored, withObject } from "../state.js";
import { receive, waitOn } from "./common.js";

const RETURNED_KEPT = 12; // the most recent results shown; older ones are counted

export function poolOf(state, name) {
  return (
    stored(state, "pool", name) ?? {
      name,
      owner: null, // the process that made the pool and submits to it
      processes: null,
      status: "running", // running | closed | terminated | joined
      users: [], // owner and the workers that took a task: the band spans them
      jobs: {}, // job → {job, method, func, seq}
      waiting: [], // sent, not taken yet: {msg, job, index, func, size, value, repr, from, seq}
      running: {}, // worker → the task it took
      back: [], // results sent back, not received yet: {msg, job, index, value, repr, raised, from, seq}
      returned: [], // the latest results received by the owner: the same plus {by, seq}
      returnedCount: 0,
      dropped: 0, // tasks still waiting when the pool was terminated
      got: null, // the caller's last collected result: {proc, job, value, repr, raised, error, seq}
      callback: null, // {job, func, seq}
      error: null, // {proc, error, seq}: work refused, join() refused
    }
  );
}

const withPool = (state, name, pool) => withObject(state, "pool", name, pool);
const task = (ev) => ({
  msg: ev.msg,
  job: ev.job,
  index: ev.index,
  func: ev.func ?? null,
  size: ev.size ?? null,
  ...shown(ev),
  from: ev.proc,
  seq: ev.seq,
});
const outcome = (ev) => ({ msg: ev.msg, job: ev.job, index: ev.index, ...shown(ev), raised: ev.raised ?? null });

// A blank pool, for the picture before a run (castState).
export const BLANKS = { pool: poolOf };

export const POOLS = {
  "pool.new"(state, ev) {
    const pool = poolOf(state, ev.obj);
    return withPool(state, ev.obj, { ...pool, owner: ev.proc, processes: ev.processes, users: addName(pool.users, ev.proc) });
  },
  "pool.submit"(state, ev) {
    const pool = poolOf(state, ev.obj);
    if (ev.error != null) return withPool(state, ev.obj, { ...pool, error: { proc: ev.proc, error: ev.error, seq: ev.seq } });
    const job = { job: ev.job, method: ev.method, func: ev.func ?? null, seq: ev.seq };
    return withPool(state, ev.obj, { ...pool, jobs: { ...pool.jobs, [ev.job]: job }, users: addName(pool.users, ev.proc), error: null });
  },
  "pool.task"(state, ev) {
    const pool = poolOf(state, ev.obj);
    return withPool(state, ev.obj, { ...pool, waiting: [...pool.waiting, task(ev)] });
  },
  "pool.take"(state, ev) {
    if (ev.stop) return state; // the stop signal: the worker's exit follows
    const pool = poolOf(state, ev.obj);
    const item = pool.waiting.find((t) => t.msg === ev.msg) ?? { ...task(ev), from: pool.owner };
    state = withPool(state, ev.obj, {
      ...pool,
      waiting: pool.waiting.filter((t) => t.msg !== ev.msg),
      running: { ...pool.running, [ev.proc]: { ...item, by: ev.proc, takenSeq: ev.seq } },
      users: addName(pool.users, ev.proc),
    });
    return receive(state, ev, item);
  },
  "pool.done"(state, ev) {
    const pool = poolOf(state, ev.obj);
    const { [ev.proc]: _finished, ...running } = pool.running;
    return withPool(state, ev.obj, { ...pool, running, back: [...pool.back, { ...outcome(ev), from: ev.proc, seq: ev.seq }] });
  },
  "pool.result"(state, ev) {
    const pool = poolOf(state, ev.obj);
    const item = pool.back.find((r) => r.msg === ev.msg) ?? { ...outcome(ev), from: null, seq: null };
    const entry = { ...item, ...outcome(ev), by: ev.proc, receivedSeq: ev.seq };
    state = withPool(state, ev.obj, {
      ...pool,
      back: pool.back.filter((r) => r.msg !== ev.msg),
      returned: [...pool.returned, entry].slice(-RETURNED_KEPT),
      returnedCount: pool.returnedCount + 1,
    });
    return receive(state, ev, item);
  },
  "pool.callback"(state, ev) {
    const pool = poolOf(state, ev.obj);
    return withPool(state, ev.obj, { ...pool, callback: { job: ev.job, func: ev.func ?? null, seq: ev.seq } });
  },
  "pool.wait"(state, ev) {
    const what = { task: `a task from ${ev.obj}`, join: `${ev.obj}.join()`, get: `job ${ev.job} of ${ev.obj}` }[ev.op];
    return waitOn(state, ev, { on: ev.obj, what, op: ev.op });
  },
  "pool.get"(state, ev) {
    const pool = poolOf(state, ev.obj);
    const got = { proc: ev.proc, job: ev.job, ...shown(ev), raised: ev.raised ?? null, error: ev.error ?? null, seq: ev.seq };
    return withPool(state, ev.obj, { ...pool, got });
  },
  "pool.close"(state, ev) {
    return withPool(state, ev.obj, { ...poolOf(state, ev.obj), status: "closed" });
  },
  "pool.terminate"(state, ev) {
    const pool = poolOf(state, ev.obj);
    if (pool.status === "joined") return state; // a with block's end after join(): nothing left to stop
    return withPool(state, ev.obj, { ...pool, status: "terminated", dropped: pool.dropped + pool.waiting.length, waiting: [] });
  },
  "pool.join"(state, ev) {
    const pool = poolOf(state, ev.obj);
    if (ev.error != null) return withPool(state, ev.obj, { ...pool, error: { proc: ev.proc, error: ev.error, seq: ev.seq } });
    return withPool(state, ev.obj, { ...pool, status: "joined", running: {} });
  },
};
