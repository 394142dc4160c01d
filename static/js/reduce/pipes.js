// Pipes: messages in flight between two ends, delivered, waiting, closed ends.

import { pipeName, pipeOf, put, shown, usePipeEnd, withPipe } from "../state.js";
import { receive, waitOn } from "./common.js";

export const PIPES = {
  "pipe.new"(state, ev) {
    const pipe = { ...pipeOf(state, ev.obj), ends: [ev.obj, ev.peer ?? null], duplex: ev.duplex ?? true };
    return withPipe(state, pipe);
  },
  "pipe.send"(state, ev) {
    let pipe = pipeOf(state, pipeName(state, ev.obj));
    const toEnd = ev.peer ?? pipe.ends.find((end) => end !== ev.obj) ?? null;
    if (!pipe.ends.includes(ev.obj)) pipe = { ...pipe, ends: [ev.obj, toEnd] };
    const message = { msg: ev.msg, ...shown(ev), size: ev.size ?? null, from: ev.proc, fromEnd: ev.obj, toEnd, seq: ev.seq };
    pipe = usePipeEnd({ ...pipe, inFlight: pipe.inFlight.push(message, ev) }, ev.obj, ev.proc);
    return withPipe(state, pipe);
  },
  "pipe.recv"(state, ev) {
    let pipe = usePipeEnd(pipeOf(state, pipeName(state, ev.obj)), ev.obj, ev.proc);
    if (ev.corrupt) {
      // Bytes of mixed messages: no message anyone sent. Which sends they came from cannot
      // be told, so the messages stay in flight (they never arrive whole).
      const read = { proc: ev.proc, ...shown(ev), error: ev.error ?? null, seq: ev.seq };
      state = withPipe(state, { ...pipe, corrupted: pipe.corrupted.push(read, ev) });
      return ev.error == null ? receive(state, ev, { msg: null, from: null, corrupt: true }) : state;
    }
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
    return waitOn(withPipe(state, pipe), ev, { on: ev.obj, what: `${ev.obj}.${ev.op ?? "recv"}()` });
  },
  "pipe.poll"(state, ev) {
    const pipe = usePipeEnd(pipeOf(state, pipeName(state, ev.obj)), ev.obj, ev.proc);
    return withPipe(state, { ...pipe, polled: { proc: ev.proc, end: ev.obj, value: ev.value, seq: ev.seq } });
  },
  "pipe.close"(state, ev) {
    let pipe = usePipeEnd(pipeOf(state, pipeName(state, ev.obj)), ev.obj, ev.proc);
    pipe = { ...pipe, closed: put(pipe.closed, ev.obj, ev.proc) };
    return withPipe(state, pipe);
  },
};
