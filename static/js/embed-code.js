// The snippets that put mpscope in a course page: an iframe, and a script that fits each
// iframe to its content (an embed posts its height to the page around it). Pure functions:
// the Embed dialog shows what they write, and the tests serve it in a page.

export const SIZE_MESSAGE = "mpscope:size";
// The embed's display options and their defaults (app/web/options.py reads them).
export const EMBED_DEFAULTS = Object.freeze({
  autoplay: false,
  controls: true,
  source: false,
  theme: "auto",
});

// A query value that stays readable: JSON's brackets, commas and colons need no escaping.
function queryValue(text) {
  return encodeURIComponent(text).replace(/%(5B|5D|2C|3A)/g, (m) => decodeURIComponent(m));
}

const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);

/**
 * The embed's address. `target` is a run ({runId}) or a set-up ({scenario, params, defaults,
 * pace_ms, start_method, schedule?}); parameters equal to the scenario's defaults are left out, and so
 * are options left at their defaults.
 */
export function embedUrl(origin, target, options = {}) {
  const query = [];
  let path;
  if (target.runId) {
    path = `/embed/runs/${encodeURIComponent(target.runId)}`;
  } else {
    path = `/embed/${encodeURIComponent(target.scenario)}`;
    for (const [name, value] of Object.entries(target.params ?? {})) {
      if (!same(value, target.defaults?.[name])) query.push([name, JSON.stringify(value)]);
    }
    const { pace_ms: pace, start_method: method } = target;
    if (pace !== null && pace !== undefined) query.push(["pace_ms", String(pace)]);
    if (method && method !== "fork") query.push(["start_method", method]);
    // A run of this set-up that replays the interleaving on screen (step mode, a replay).
    if (target.schedule?.length) query.push(["schedule", target.schedule.join(",")]);
  }
  for (const [name, fallback] of Object.entries(EMBED_DEFAULTS)) {
    const value = options[name];
    if (value === undefined || value === fallback) continue;
    query.push([name, typeof value === "boolean" ? String(Number(value)) : String(value)]);
  }
  const text = query.map(([name, value]) => `${encodeURIComponent(name)}=${queryValue(value)}`).join("&");
  return `${origin}${path}${text ? `?${text}` : ""}`;
}

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);

/** The iframe for a course page. Without the size script it keeps `height` and scrolls. */
export function iframeSnippet(url, title, height = 600) {
  return (
    `<iframe src="${escapeHtml(url)}" title="${escapeHtml(title)}" loading="lazy"\n` +
    `        style="width: 100%; height: ${height}px; border: 0"></iframe>`
  );
}

/** The script, once per course page, that sets each embed's height to its content's. */
export function sizeScript(origin) {
  return `<script>
  // mpscope embeds: fit each iframe to its content.
  addEventListener("message", (event) => {
    if (event.origin !== ${JSON.stringify(origin)} || event.data?.type !== "${SIZE_MESSAGE}") return;
    for (const frame of document.querySelectorAll("iframe")) {
      if (frame.contentWindow === event.source) frame.style.height = event.data.height + "px";
    }
  });
</script>`;
}
