// The SSE client: follows /api/runs/{id}/events over server-sent events.
//
// Each message carries a JSON array of events; its id is the last event's seq, so the
// browser's own reconnect resumes after it (Last-Event-ID). The stream is closed here as
// soon as run.end arrives, so the browser never reconnects to a finished run. If the
// connection is lost for good, the client reopens it with ?after=<last seq> a few times.

const MAX_REOPENS = 5;

export class RunStream {
  /**
   * @param {string} runId
   * @param {{onEvents: (events: object[]) => void, onEnd?: () => void,
   *          onProblem?: (message: string) => void}} handlers
   */
  constructor(runId, handlers) {
    this.runId = runId;
    this.handlers = handlers;
    this.lastSeq = -1;
    this.reopens = 0;
    this.source = null;
    this.done = false;
    this.open();
  }

  open() {
    const base = `/api/runs/${encodeURIComponent(this.runId)}/events`;
    const url = this.lastSeq >= 0 ? `${base}?after=${this.lastSeq}` : base;
    const source = new EventSource(url);
    this.source = source;
    source.onmessage = (message) => this.receive(message);
    source.onerror = () => {
      // CONNECTING: the browser retries by itself. CLOSED: it gave up (an HTTP error).
      if (!this.done && source.readyState === EventSource.CLOSED) this.reopen();
    };
  }

  receive(message) {
    let batch;
    try {
      batch = JSON.parse(message.data);
    } catch {
      this.fail("the server sent a message that is not JSON");
      return;
    }
    const events = (Array.isArray(batch) ? batch : [batch]).filter((ev) => ev.seq > this.lastSeq);
    if (events.length === 0) return;
    this.lastSeq = events[events.length - 1].seq;
    this.reopens = 0;
    this.handlers.onEvents(events);
    if (events[events.length - 1].kind === "run.end") {
      this.close();
      this.handlers.onEnd?.();
    }
  }

  reopen() {
    this.source?.close();
    if (this.reopens >= MAX_REOPENS) {
      this.fail("lost the connection to the server");
      return;
    }
    this.reopens += 1;
    // Back off a little more each time; a finished run answers at once.
    this.timer = setTimeout(() => this.open(), 250 * this.reopens);
  }

  fail(message) {
    this.close();
    this.handlers.onProblem?.(message);
  }

  close() {
    this.done = true;
    clearTimeout(this.timer);
    this.source?.close();
  }
}
