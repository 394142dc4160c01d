// Where a run's events come from. A run that has ended (a stored one too) is read with one
// bounded request, /api/runs/{id}/events?format=ndjson, parsed as it arrives; only a live
// run gets the event stream (sse-client.js), which closes at run.end. A browser gives a site
// six HTTP/1.1 connections, and a course page with several embeds must not hold them.

import { isLive } from "./run-status.js";
import { RunStream } from "./sse-client.js";

const PARSE_SLICE = 2000; // lines of NDJSON parsed in one go

/**
 * Start receiving `run`'s events; returns an object whose close() stops it.
 * @param {{id: string, status: string}} run
 * @param {{onEvents: (events: object[]) => void, onProblem?: (message: string) => void}} handlers
 */
export function openFeed(run, handlers) {
  return isLive(run.status) ? new RunStream(run.id, handlers) : new RunDownload(run.id, handlers);
}

/** All events of an ended run, in one NDJSON response, handed on in batches as they arrive. */
export class RunDownload {
  constructor(runId, handlers) {
    this.handlers = handlers;
    this.controller = new AbortController();
    this.url = `/api/runs/${encodeURIComponent(runId)}/events?format=ndjson`;
    this.load().catch((error) => {
      if (this.controller.signal.aborted) return;
      handlers.onProblem?.(`Could not load the run's events: ${error.message}.`);
    });
  }

  async load() {
    const response = await fetch(this.url, {
      signal: this.controller.signal,
      headers: { Accept: "application/x-ndjson" },
    });
    if (response.status === 204) return; // nothing recorded
    if (!response.ok) throw new Error(`the server answered ${response.status}`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let rest = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      rest += value;
      const cut = rest.lastIndexOf("\n");
      if (cut < 0) continue;
      await this.deliver(rest.slice(0, cut));
      rest = rest.slice(cut + 1);
    }
    await this.deliver(rest);
  }

  // A chunk of the response can hold ten thousand lines: they are parsed a slice at a
  // time, with a pause between slices, so parsing never holds the page for long.
  async deliver(text) {
    const lines = text.split("\n");
    for (let start = 0; start < lines.length; start += PARSE_SLICE) {
      if (start > 0) await new Promise((resolve) => setTimeout(resolve, 0));
      if (this.controller.signal.aborted) return;
      const events = [];
      for (const line of lines.slice(start, start + PARSE_SLICE)) {
        if (line.trim() !== "") events.push(JSON.parse(line));
      }
      if (events.length) this.handlers.onEvents(events);
    }
  }

  close() {
    this.controller.abort();
  }
}
