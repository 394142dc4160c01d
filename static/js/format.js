import { pyrepr } from "./narrate.js";

// Numbers for people: 40,000 rather than 40000. Written out by hand because the first
// toLocaleString() of a page loads the locale data, about 10 ms in one frame.

/** An integer with a comma between each group of three digits. */
export function thousands(n) {
  const digits = String(Math.trunc(Math.abs(n)));
  const grouped = digits.replace(/\B(?=(\d{3})+$)/g, ",");
  return n < 0 ? `-${grouped}` : grouped;
}

/** A value as Python spells it (`repr` where the tracer sent one). */
export const shownValue = (item) => item.repr ?? pyrepr(item.value);

// A token shows at most this many characters of its value; its title has all the tracer
// sent. A 300,000-character message must not become a token the height of the page.
const TOKEN_CHARS = 44; // a 40-character parameter with its quotes still fits

/** A value as a token shows it. */
export function tokenText(item) {
  const text = shownValue(item);
  return text.length <= TOKEN_CHARS ? text : `${text.slice(0, TOKEN_CHARS - 1)}…`;
}

// An object's name as a heading shows it: whole up to NAME_CHARS, else cut in the middle,
// keeping its end (the number that tells siblings apart) and the process it was made in
// (`@worker-3`, app/tracing/emitter.py), which say most about which one it is.
const NAME_CHARS = 28;

function middle(text, room) {
  if (text.length <= room) return text;
  const tail = Math.min(9, Math.floor((room - 1) / 3));
  return `${text.slice(0, room - 1 - tail)}…${text.slice(text.length - tail)}`;
}

/** A long name shortened for a heading (the full name goes in its title and label). */
export function shortName(name) {
  const text = String(name);
  if (text.length <= NAME_CHARS) return text;
  const at = text.indexOf("@");
  if (at <= 0) return middle(text, NAME_CHARS);
  const owner = middle(text.slice(at), 16);
  return `${middle(text.slice(0, at), NAME_CHARS - owner.length)}${owner}`;
}
