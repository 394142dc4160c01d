// Run statuses as the pages use them. The statuses and their labels are the schema's
// (kinds.js, generated): a status added there needs no change here.

import { FINAL_STATUSES, STATUS_LABELS } from "./kinds.js";

/** Statuses of a run that has not ended yet (queued, running): every one that is not final. */
export const LIVE_STATUSES = Object.freeze(
  Object.keys(STATUS_LABELS).filter((status) => !FINAL_STATUSES.includes(status)),
);

/** Whether a run with this status may still produce events. */
export function isLive(status) {
  return LIVE_STATUSES.includes(status);
}

/** The status as a word in a sentence ("Run timed out."). */
export function statusWord(status) {
  if (!Object.hasOwn(STATUS_LABELS, status)) return status.replace("_", " ");
  return STATUS_LABELS[status].toLowerCase();
}
