// One sentence per event, formatted by the same rules as app/events/narration.py so the
// page and the terminal say the same thing. The templates themselves come from the
// generated kinds.js; only the formatting rules live here (and are tested against Python).

import { TEMPLATES } from "./kinds.js";

const PLACEHOLDER = /\{(\w+)\}/g;

// Python's repr of a float, as json.dumps writes it: shortest round-trip digits, with an
// exponent when the decimal exponent is below -4 or at least 16 ("1e-05", "1e+16").
// Integer-valued numbers are spelled as ints: after JSON.parse, 1.0 and 1 are the same
// number, so the page cannot tell them apart (the tracer adds `repr` when it matters).
function pyFloat(x) {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return String(x);
  const [mantissa, expText] = x.toExponential().split("e");
  const exp = Number(expText);
  if (exp < -4 || exp >= 16) {
    const sign = exp < 0 ? "-" : "+";
    return `${mantissa}e${sign}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  const text = String(x); // JS uses fixed notation across this whole range
  return text.includes(".") ? text : `${text}.0`;
}

/** A JSON value spelled the way Python would print it (narration.pyrepr). */
export function pyrepr(value) {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "string") {
    return `'${value.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;
  }
  if (Array.isArray(value)) return `[${value.map(pyrepr).join(", ")}]`;
  if (typeof value === "object") {
    const items = Object.entries(value).map(([k, v]) => `${pyrepr(k)}: ${pyrepr(v)}`);
    return `{${items.join(", ")}}`;
  }
  if (typeof value === "number") return pyFloat(value);
  return String(value);
}

// Python's str(): strings as they are, everything else as its repr.
function pystr(value) {
  return typeof value === "string" ? value : pyrepr(value);
}

function show(event, name) {
  if (name === "value") {
    const rep = event.repr;
    return rep !== undefined && rep !== null ? pystr(rep) : pyrepr(event.value);
  }
  const raw = event[name];
  if (raw === undefined || raw === null) return null;
  if (name === "index" && Array.isArray(raw)) return `${raw[0]}:${raw[1]}`;
  if (name === "args") return raw.map(pyrepr).join(", ");
  if (name === "text") return pyrepr(String(raw).replace(/\n+$/, ""));
  return pystr(raw);
}

/** The sentence for one event: the first template whose placeholders all have a value. */
export function narrate(event) {
  const kind = pystr(event.kind);
  for (const template of Object.hasOwn(TEMPLATES, kind) ? TEMPLATES[kind] : []) {
    const parts = {};
    let complete = true;
    for (const [, name] of template.matchAll(PLACEHOLDER)) {
      const shown = show(event, name);
      if (shown === null) {
        complete = false;
        break;
      }
      parts[name] = shown;
    }
    if (complete) return template.replace(PLACEHOLDER, (_, name) => parts[name]);
  }
  return `${pystr(event.proc)} ${kind}`;
}
