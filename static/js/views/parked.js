// Waiting is a place: the processes blocked on an object are drawn at that object.

import { fill, h, procChip } from "../dom.js";

/** Fill `el` with the processes whose wait matches `test(wait)`, or empty it. */
export function parkedAt(el, state, test) {
  const names = state.order.filter((p) => {
    const proc = state.procs[p];
    return proc.status === "waiting" && proc.wait && test(proc.wait);
  });
  const key = names.join(",");
  if (el.dataset.parked === key) return;
  el.dataset.parked = key;
  if (!names.length) {
    fill(el);
    return;
  }
  const verb = names.length === 1 ? "waits" : "wait";
  fill(el, h("span", { class: "label" }, "parked: "), ...names.map((p) => procChip(state, p, "parked-chip")), ` ${verb} here`);
}
