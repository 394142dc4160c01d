// Tokens that travel. A message is drawn as a token (a copy: it was pickled) carrying
// `data-token` = its message id. When a put, send or call has just happened, its token
// flies from the sender's box to where it now is (the queue, the pipe, the manager's
// server); when a get, recv or reply has just happened, it flies from where it was to
// the receiver's box. Views only draw where tokens are; this module moves them, FLIP
// style: measure where the token was, draw, measure where it is, animate the difference.
//
// Only a few tokens per frame fly (a burst at pace 0 is drawn where it ends up), and with
// prefers-reduced-motion nothing flies: the token is highlighted where it lands.

import { KINDS } from "../kinds.js";

const MAX_FLIGHTS = 4;
const reduced = globalThis.matchMedia?.("(prefers-reduced-motion: reduce)");

// Where a token comes from, per kind, as the schema pairs them: a kind that answers another
// (a get answers a put) moves the token on from its own last place; one that starts a
// chain (a put, a send, a call) starts it at the sender's box.
const FROM_TOKEN = new Set(Object.keys(KINDS).filter((k) => KINDS[k].answers));
const ANSWERED = new Set(Object.values(KINDS).map((k) => k.answers).filter(Boolean));
const FROM_SENDER = new Set([...ANSWERED].filter((k) => !FROM_TOKEN.has(k)));

const center = (r) => ({ x: r.left + r.width / 2, y: r.top + r.height / 2 });

export class Motion {
  constructor(root) {
    this.root = root;
    this.duration = 420;
  }

  /** How long a flight takes: shorter when events come faster than it. */
  setInterval(ms) {
    this.duration = Math.max(120, Math.min(420, ms * 0.8));
  }

  token(msg) {
    return this.root.querySelector(`[data-token="${CSS.escape(String(msg))}"]`);
  }

  box(proc) {
    return this.root.querySelector(`.proc-box[data-proc="${CSS.escape(String(proc))}"]`);
  }

  /** Before drawing `events` (the ones just applied): where each moving token starts. */
  before(events) {
    const starts = [];
    for (const ev of events.slice(-MAX_FLIGHTS)) {
      if (ev.msg == null || ev.error != null) continue;
      // A sender's box is measured after drawing (it may be drawn for the first time in
      // the same frame as its first put); a token's old place must be measured now.
      if (FROM_SENDER.has(ev.kind)) starts.push({ msg: ev.msg, sender: ev.proc });
      else if (FROM_TOKEN.has(ev.kind)) {
        const el = this.token(ev.msg);
        if (el) starts.push({ msg: ev.msg, from: center(el.getBoundingClientRect()) });
      }
    }
    return starts;
  }

  senderPoint(proc) {
    const box = this.box(proc);
    const el = box?.querySelector(".box-head") ?? box;
    return el ? center(el.getBoundingClientRect()) : null;
  }

  /** After drawing: fly each token from its start to where it is now. */
  after(starts) {
    for (const start of starts) {
      const el = this.token(start.msg);
      const from = start.from ?? this.senderPoint(start.sender);
      if (!el || !from) continue;
      if (reduced?.matches) {
        el.classList.remove("landed");
        void el.offsetWidth; // restart the highlight
        el.classList.add("landed");
        continue;
      }
      const to = center(el.getBoundingClientRect());
      const dx = from.x - to.x;
      const dy = from.y - to.y;
      if (Math.abs(dx) < 1 && Math.abs(dy) < 1) continue;
      el.getAnimations().forEach((a) => a.cancel());
      el.animate(
        [
          { transform: `translate(${dx}px, ${dy}px) scale(1.1)`, zIndex: 20 },
          { transform: "translate(0, 0) scale(1)", zIndex: 20 },
        ],
        { duration: this.duration, easing: "cubic-bezier(.35,.1,.25,1)" },
      );
    }
  }
}
