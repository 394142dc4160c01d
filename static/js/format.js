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
