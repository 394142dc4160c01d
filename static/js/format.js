// Numbers for people: 40,000 rather than 40000. Written out by hand because the first
// toLocaleString() of a page loads the locale data, about 10 ms in one frame.

/** An integer with a comma between each group of three digits. */
export function thousands(n) {
  const digits = String(Math.trunc(Math.abs(n)));
  const grouped = digits.replace(/\B(?=(\d{3})+$)/g, ",");
  return n < 0 ? `-${grouped}` : grouped;
}
