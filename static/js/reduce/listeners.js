// Listeners and clients (multiprocessing.connection): each connection a listener accepts is
// drawn as a pipe between the client's end and the accepted end, so its messages travel
// like a pipe's (their pipe.* events find the pipe through state.ends).
//
// The client's end appears first (its connect), the accepted end joins it when the
// listener's accept names both (`peer` is the client's end): the accept always comes after
// the connect it answers, and a message the client sent before then is already in flight.
// The listeners themselves are kept in state.listeners for what the connections say, and
// not drawn as objects of their own: what the stage shows of them is their connections.

import { pipeName, pipeOf, put, usePipeEnd, withPipe } from "../state.js";
import { waitOn } from "./common.js";

function listenerOf(state, name) {
  return (
    state.listeners?.[name] ?? {
      name,
      address: null,
      authkey: false,
      owner: null,
      accepted: [], // {conn, peer, client, seq}
      refused: [], // {proc, peer, error, seq}
      closed: false,
    }
  );
}

function withListener(state, listener) {
  return { ...state, listeners: put(state.listeners ?? {}, listener.name, listener) };
}

function listenerAt(state, address) {
  return Object.values(state.listeners ?? {}).find((l) => l.address === address)?.name ?? null;
}

export const LISTENERS = {
  "listener.new"(state, ev) {
    const listener = { ...listenerOf(state, ev.obj), address: ev.address, authkey: ev.authkey, owner: ev.proc };
    return withListener(state, listener);
  },
  "listener.wait"(state, ev) {
    const what = ev.op === "connect" ? `Client(${ev.address})` : `${ev.obj}.accept()`;
    return waitOn(state, ev, { on: ev.obj, what });
  },
  "listener.connect"(state, ev) {
    const pipe = { ...pipeOf(state, pipeName(state, ev.obj)), listener: listenerAt(state, ev.address) };
    return withPipe(state, usePipeEnd(pipe, ev.obj, ev.proc));
  },
  "listener.accept"(state, ev) {
    const first = ev.peer ?? ev.conn;
    let pipe = pipeOf(state, pipeName(state, first));
    const ends = [first, ev.peer == null ? null : ev.conn];
    pipe = usePipeEnd({ ...pipe, ends, listener: ev.obj }, ev.conn, ev.proc);
    const listener = listenerOf(state, ev.obj);
    const accepted = { conn: ev.conn, peer: ev.peer ?? null, client: ev.client ?? null, seq: ev.seq };
    state = withListener(state, { ...listener, accepted: [...listener.accepted, accepted] });
    return withPipe(state, pipe);
  },
  "listener.refuse"(state, ev) {
    if (ev.side === "client") {
      // The client's end goes nowhere: its pipe, if it got as far as connecting, says why.
      const name = state.ends[ev.obj];
      if (name == null) return state;
      return withPipe(state, { ...state.pipes[name], error: { proc: ev.proc, error: ev.error, seq: ev.seq } });
    }
    const listener = listenerOf(state, ev.obj);
    const refused = { proc: ev.proc, peer: ev.peer ?? null, error: ev.error, seq: ev.seq };
    return withListener(state, { ...listener, refused: [...listener.refused, refused] });
  },
  "listener.close"(state, ev) {
    return withListener(state, { ...listenerOf(state, ev.obj), closed: true });
  },
};
