// Calls to the REST API. Failures become ApiError with what a person needs to see:
// the HTTP status, a message, and for 422 the field errors from FastAPI's `detail` list.

export class ApiError extends Error {
  constructor(status, message, { fields = [], retryAfter = null } = {}) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.fields = fields; // [{path: ["mylist", 0], message}]
    this.retryAfter = retryAfter; // seconds, from a 429's Retry-After
  }
}

// FastAPI's loc is ["body", "params", "mylist", 0] for a parameter; the form only needs
// the part after "params". Errors outside params (pace_ms…) keep their own name.
function fieldErrors(detail) {
  if (!Array.isArray(detail)) return [];
  return detail.map((err) => {
    const loc = Array.isArray(err.loc) ? err.loc.slice() : [];
    if (loc[0] === "body") loc.shift();
    const inParams = loc[0] === "params";
    if (inParams) loc.shift();
    return { path: loc, inParams, message: String(err.msg ?? "invalid") };
  });
}

function describe(status, body) {
  if (typeof body?.detail === "string") return body.detail;
  if (status === 422) return "Some values are not accepted; see the messages next to them.";
  return `The server answered ${status}.`;
}

async function request(method, url, body, headers = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiError(0, "Cannot reach the server.");
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const retry = Number(response.headers.get("Retry-After"));
    throw new ApiError(response.status, describe(response.status, data), {
      fields: response.status === 422 ? fieldErrors(data?.detail) : [],
      retryAfter: Number.isFinite(retry) && retry > 0 ? retry : null,
    });
  }
  return data;
}

// This browser's own token, so the server tells apart browsers behind one address (a
// classroom's NAT; docs/CLASSROOM.md). Random, kept in localStorage; the server takes
// 1-64 of [A-Za-z0-9_-]. getRandomValues, not randomUUID: a school's server on plain
// HTTP is no secure context, and randomUUID exists only in one. Without storage
// (blocked, sandboxed) there is no token, and the server counts the address alone.
const CLIENT_KEY = "mpscope-client";
function clientHeaders() {
  try {
    let token = localStorage.getItem(CLIENT_KEY);
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(token ?? "")) {
      const bytes = crypto.getRandomValues(new Uint8Array(16));
      token = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
      localStorage.setItem(CLIENT_KEY, token);
    }
    return { "X-Mpscope-Client": token };
  } catch {
    return {};
  }
}

export const api = {
  scenarios: () => request("GET", "/api/scenarios"),
  scenario: (id) => request("GET", `/api/scenarios/${encodeURIComponent(id)}`),
  run: (id) => request("GET", `/api/runs/${encodeURIComponent(id)}`),
  start: (body) => request("POST", "/api/runs", body, clientHeaders()),
  // How long a POST /api/runs body would run, and whether it fits the run timeout.
  estimate: (body) => request("POST", "/api/estimate", body),
  cancel: (id) => request("DELETE", `/api/runs/${encodeURIComponent(id)}`),
  // Step mode: who may go next once the run has settled, and letting one process go.
  stepState: (id) => request("GET", `/api/runs/${encodeURIComponent(id)}/step`),
  step: (id, proc) => request("POST", `/api/runs/${encodeURIComponent(id)}/step`, { proc }, clientHeaders()),
  explore: (body) => request("POST", "/api/explorations", body, clientHeaders()),
  exploration: (id) => request("GET", `/api/explorations/${encodeURIComponent(id)}`),
  stopExploring: (id) => request("DELETE", `/api/explorations/${encodeURIComponent(id)}`),
};
