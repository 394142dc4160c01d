// What a held process will do when it is released, in words: "p2 will read counter.value".
// The narration's templates (kinds.js) say what happened, in the past tense, from fields
// only the finished operation has (what a get got, the version a read saw); a held
// operation has its kind, object, line, and where known before, its value or child. So
// the future has its own short phrases, one per kind a gate holds before.

import { shownValue } from "./format.js";

const valueOf = (op) => (op.value === undefined || op.value === null ? null : shownValue(op));
const valued = (op, text, fallback) => (valueOf(op) === null ? fallback : text.replace("{v}", valueOf(op)));

const PHRASES = {
  "proc.spawn": (op) => `start ${op.child ?? "a process"}`,
  "proc.join": (op) => `join ${op.child ?? "a child"} (wait for it to finish)`,
  "value.get": (op) => `read ${op.obj}.value`,
  "value.set": (op) => valued(op, `set ${op.obj}.value to {v}`, `set ${op.obj}.value`),
  "array.get": (op) => `read an item of ${op.obj}`,
  "array.set": (op) => valued(op, `set an item of ${op.obj} to {v}`, `set an item of ${op.obj}`),
  "queue.put": (op) => valued(op, `put {v} on queue ${op.obj}`, `put an item on queue ${op.obj}`),
  "queue.get": (op) => `get from queue ${op.obj}`,
  "queue.empty": (op) => `ask whether ${op.obj} is empty`,
  "queue.task_done": (op) => `mark a task of ${op.obj} done`,
  "queue.join": (op) => `wait in ${op.obj}.join()`,
  "pipe.send": (op) => valued(op, `send {v} into ${op.obj}`, `send into ${op.obj}`),
  "pipe.recv": (op) => `receive from ${op.obj}`,
  "pipe.poll": (op) => `ask whether ${op.obj} has something to read`,
  "pipe.close": (op) => `close ${op.obj}`,
  "lock.acquire": (op) => `acquire ${op.obj}`,
  "lock.release": (op) => `release ${op.obj}`,
  "semaphore.acquire": (op) => `take a slot of ${op.obj}`,
  "semaphore.release": (op) => `give back a slot of ${op.obj}`,
  "event.set": (op) => `set ${op.obj}`,
  "event.clear": (op) => `clear ${op.obj}`,
  "event.wake": (op) => `wait for ${op.obj} to be set`,
  "condition.wait": (op) => `wait on ${op.obj} for a notify`,
  "condition.notify": (op) => `notify ${op.obj}`,
  "barrier.pass": (op) => `arrive at ${op.obj}`,
  "barrier.abort": (op) => `abort ${op.obj}`,
  "manager.call": (op) => `ask the manager about ${op.obj}`,
  "manager.connect": () => "connect to a manager",
  "pool.submit": (op) => `give work to ${op.obj}`,
  "pool.take": (op) => `take a task from ${op.obj}`,
  "pool.done": (op) => `send back a result to ${op.obj}`,
  "pool.get": (op) => `get a result from ${op.obj}`,
  "pool.close": (op) => `close ${op.obj}`,
  "pool.terminate": (op) => `terminate ${op.obj}`,
  "pool.join": (op) => `join ${op.obj}`,
  "shm.read": (op) => `read from ${op.obj}`,
  "shm.write": (op) => valued(op, `write {v} into ${op.obj}`, `write into ${op.obj}`),
  "shm.get": (op) => `read an item of ${op.obj}`,
  "shm.set": (op) => valued(op, `set an item of ${op.obj} to {v}`, `set an item of ${op.obj}`),
  "shm.close": (op) => `close ${op.obj}`,
  "shm.unlink": (op) => `unlink ${op.obj}`,
  "listener.accept": (op) => `accept a connection on ${op.obj}`,
  "listener.connect": (op) => `connect ${op.obj}`,
  "listener.close": (op) => `close ${op.obj}`,
};

/** What `op` (a ready entry: {proc, kind, obj, value?, child?}) will do, without its process. */
export function willDo(op) {
  if (Object.hasOwn(PHRASES, op.kind)) return PHRASES[op.kind](op);
  // A kind this list does not know yet still says something true.
  return op.obj ? `do ${op.kind} on ${op.obj}` : `do ${op.kind}`;
}

/** The whole sentence: "p2 will read counter.value". */
export const nextOpText = (op) => `${op.proc} will ${willDo(op)}`;

/** A process blocked inside an operation: "p2 waits for the lock counter.lock to be released". */
export const waitsText = (op) => `${op.proc} waits for ${op.waits_for}`;
