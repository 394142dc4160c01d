// Events of a kind the page has no handler for: a newer tracer's, or an operation on an
// object of the program's own the schema does not describe. The object such an event
// names still appears on the stage, drawn by the generic view (views/generic.js) with
// its kind (the event's family: `gadget` for `gadget.turn`), who used it and what was
// done to it last. An object the page already draws with its own view stays as it is.

import { addName, stored, withObject } from "../state.js";

const familyOf = (kind) => (kind.includes(".") ? kind.slice(0, kind.indexOf(".")) : kind);

export function unknownEvent(state, ev) {
  if (ev.obj == null || typeof ev.kind !== "string") return state;
  const name = String(ev.obj);
  if (state.objects.some((o) => o.name === name && o.type !== "other")) return state;
  const before = stored(state, "other", name) ?? { name, kind: familyOf(ev.kind), users: [], count: 0, last: null };
  return withObject(state, "other", name, {
    ...before,
    users: addName(before.users, ev.proc),
    count: before.count + 1,
    last: { kind: ev.kind, proc: ev.proc ?? null, seq: ev.seq ?? null },
  });
}
