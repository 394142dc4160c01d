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

async function request(method, url, body) {
  const init = { method, headers: { Accept: "application/json" } };
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

export const api = {
  scenarios: () => request("GET", "/api/scenarios"),
  scenario: (id) => request("GET", `/api/scenarios/${encodeURIComponent(id)}`),
  run: (id) => request("GET", `/api/runs/${encodeURIComponent(id)}`),
  start: (body) => request("POST", "/api/runs", body),
  cancel: (id) => request("DELETE", `/api/runs/${encodeURIComponent(id)}`),
};
