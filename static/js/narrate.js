// One sentence per event, formatted by the same rules as app/events/narration.py so the
// page and the terminal say the same thing. The templates themselves come from the
// generated kinds.js; only the formatting rules live here (and are tested against Python).

import { TEMPLATES } from "./kinds.js";

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

// Python's repr of a string: single quotes unless the text has one and no double quote;
// backslashes, the quote and unprintable characters escaped as Python escapes them.
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]/u;
const NAMED_ESCAPES = { "\t": "\\t", "\n": "\\n", "\r": "\\r", "\\": "\\\\" };

const PLAIN = /^[ -~]*$/; // printable ASCII: only backslashes and the quote need escaping

function pyString(text) {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  if (PLAIN.test(text)) {
    return `${quote}${text.replaceAll("\\", "\\\\").replaceAll(quote, `\\${quote}`)}${quote}`;
  }
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0);
    if (Object.hasOwn(NAMED_ESCAPES, ch)) out += NAMED_ESCAPES[ch];
    else if (ch === quote) out += `\\${ch}`;
    else if (ch !== " " && UNPRINTABLE.test(ch)) {
      const [prefix, width] = code < 0x100 ? ["x", 2] : code < 0x10000 ? ["u", 4] : ["U", 8];
      out += `\\${prefix}${code.toString(16).padStart(width, "0")}`;
    } else out += ch;
  }
  return `${quote}${out}${quote}`;
}

/** A JSON value spelled the way Python would print it (narration.pyrepr). */
export function pyrepr(value) {
  if (value === null || value === undefined) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "string") return pyString(value);
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

function show(event, name, index) {
  if (index !== undefined) {
    const items = event[name];
    const i = Number(index);
    return Array.isArray(items) && i < items.length ? pyrepr(items[i]) : null;
  }
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

const GUARD = /^\[([^\]]*)\] /;
const PLACEHOLDER = /\{(\w+)(?:\[(\d+)\])?\}/g;

// A template's guard (field → the spellings it accepts) and its text (narration.parse).
function parse(template) {
  const match = GUARD.exec(template);
  if (match === null) return { guard: [], text: template };
  const guard = match[1].split(";").map((condition) => {
    const [name, ...rest] = condition.trim().split("=");
    return [name, rest.join("=").split("|")];
  });
  return { guard, text: template.slice(match[0].length) };
}

const PARSED = new Map(Object.entries(TEMPLATES).map(([kind, list]) => [kind, list.map(parse)]));

function fill(event, { guard, text }) {
  for (const [name, alternatives] of guard) {
    if (!alternatives.includes(show(event, name))) return null;
  }
  const parts = {};
  for (const [whole, name, index] of text.matchAll(PLACEHOLDER)) {
    const shown = show(event, name, index);
    if (shown === null) return null;
    parts[whole] = shown;
  }
  return text.replace(PLACEHOLDER, (whole) => parts[whole]);
}

/** The sentence for one event: the first template that applies and whose placeholders
 * all have a value. */
export function narrate(event) {
  const kind = pystr(event.kind);
  for (const template of PARSED.get(kind) ?? []) {
    const sentence = fill(event, template);
    if (sentence !== null) return sentence;
  }
  return `${pystr(event.proc)} ${kind}`;
}
