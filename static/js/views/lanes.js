// Which processes share a lane on the stage, as a pure function of the state.
//
// A run of a few processes draws each in a lane of its own, in order of appearance. A
// program that starts many (a Pool of 8, ten workers, a tree of them) would be a wall of
// boxes, so past COMPACT_AFTER processes the stage is compact: processes of one kind share
// a lane, under a header that names them as a set ("pool workers (8)"), with main first.
// A kind is the process's role (worker, manager), who started it and its name without
// the number that sets it apart from its siblings: pool-worker-3 is one of the pool
// workers, worker-2@boss-1 one of boss-1's workers (app/tracing names them so).

export const COMPACT_AFTER = 6;

/** Whether a run of `count` processes is drawn compact. */
export const isCompact = (count) => count > COMPACT_AFTER;

// `base@owner#2`: the tracer appends the process that made the object (outside main) and
// a count when one process made two of the same name; `worker-3`: one of a numbered set.
const DEDUP = /#\d+$/;
const NUMBER = /[-_]?\d+$/;

/** A process's name without what numbers it among its siblings: {base, owner}. */
export function stemOf(name) {
  const plain = String(name).replace(DEDUP, "");
  const at = plain.indexOf("@");
  const base = at < 0 ? plain : plain.slice(0, at);
  const owner = at < 0 ? null : plain.slice(at + 1);
  // A name that is only a number (or a number after a dash) keeps it: nothing else is left.
  const stem = base.replace(NUMBER, "");
  return { base: stem || base, owner };
}

// Nouns a set of processes is often named for, and how to say several of them.
const PLURALS = { process: "processes", child: "children", proc: "processes", worker: "workers" };

function plural(base) {
  const words = base.split(/[-_\s]+/).filter(Boolean);
  const last = words.at(-1)?.toLowerCase() ?? "";
  if (Object.hasOwn(PLURALS, last)) return [...words.slice(0, -1), PLURALS[last]].join(" ");
  if (/(er|or|ant|ent|ist)$/.test(last)) return `${words.join(" ")}s`;
  return `${base} processes`;
}

function kindOf(proc) {
  const role = proc.role ?? "worker";
  if (role === "main") return { key: "main", noun: null };
  if (role === "manager") return { key: `manager|${proc.parent ?? ""}`, noun: "manager servers" };
  const { base } = stemOf(proc.name);
  return { key: `${role}|${proc.parent ?? ""}|${base}`, noun: plural(base) };
}

// What every member of a group has in common, said once in its header.
function shared(state, procs) {
  const first = state.procs[procs[0]];
  const target = procs.every((p) => state.procs[p].target === first.target) ? first.target : null;
  const parent = procs.every((p) => state.procs[p].parent === first.parent) ? first.parent : null;
  const parts = [];
  if (first.role === "manager") parts.push("each serves a manager's objects");
  else if (target && !target.startsWith("_")) parts.push(`each runs ${target}()`);
  if (parent) parts.push(`started by ${parent}`);
  return { detail: parts.join(", "), sameRole: first.role !== "manager" && target !== null };
}

/**
 * The lanes of the stage, in order: [{key, procs: [name], label, detail, sameRole}].
 * `label` is null for a lane of one process (its box says who it is). `compact` groups
 * processes of one kind together, main first; otherwise each process has its own lane.
 */
export function lanes(state, compact = isCompact(state.order.length)) {
  if (!compact) {
    return state.order.map((name) => ({ key: `proc:${name}`, procs: [name], label: null, detail: "", sameRole: false }));
  }
  const groups = new Map();
  const ordered = [...state.order.filter((p) => state.procs[p]?.role === "main"), ...state.order];
  for (const name of ordered) {
    const proc = state.procs[name];
    if (!proc) continue;
    const { key, noun } = kindOf(proc);
    if (!groups.has(key)) groups.set(key, { key, noun, procs: [] });
    const group = groups.get(key);
    if (!group.procs.includes(name)) group.procs.push(name);
  }
  return [...groups.values()].map(({ key, noun, procs }) => {
    if (procs.length === 1 || noun === null) {
      return { key: `proc:${procs[0]}`, procs, label: null, detail: "", sameRole: false };
    }
    const owner = stemOf(procs[0]).owner;
    const label = `${noun}${owner && procs.every((p) => stemOf(p).owner === owner) ? ` of ${owner}` : ""} (${procs.length})`;
    return { key: `group:${key}`, procs, label, ...shared(state, procs) };
  });
}

/** Every process, lane by lane: the order the timeline lists them in. */
export function laneOrder(state, compact) {
  return lanes(state, compact).flatMap((lane) => lane.procs);
}
