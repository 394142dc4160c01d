// The set-up panel: pick a scenario, edit its parameters, choose pace and start method,
// Run and Cancel. The address bar always holds the set-up (and the run on screen), so a
// copied link opens the same thing: /?scenario=queue&pace_ms=0&mylist=[1,2,3,4]&run=…

import { fill, h, setText } from "./dom.js";
import { ParamsForm } from "./form.js";

const RESERVED = new Set(["scenario", "pace_ms", "start_method", "run"]);
export const START_METHODS = Object.freeze(["fork", "spawn", "forkserver"]);
const DEFAULT_PACE = 300;

/** What the address bar asks for: {scenario, params, pace_ms, start_method, run}. */
export function readUrl(search = location.search) {
  const query = new URLSearchParams(search);
  const params = {};
  for (const [key, raw] of query) {
    if (RESERVED.has(key)) continue;
    try {
      params[key] = JSON.parse(raw);
    } catch {
      params[key] = raw; // plain text, like the CLI's --param
    }
  }
  const pace = query.get("pace_ms");
  return {
    scenario: query.get("scenario"),
    params,
    pace_ms: pace === null || pace === "" ? null : Number(pace),
    start_method: query.get("start_method"),
    run: query.get("run"),
  };
}

export class Setup {
  /**
   * @param {{form: HTMLFormElement, scenarios: object[], onPick: Function, onRun: Function,
   *          onCancel: Function}} options
   */
  constructor({ form, scenarios, onPick, onRun, onCancel }) {
    this.form = form;
    this.scenarios = new Map(scenarios.map((s) => [s.id, s]));
    this.onPick = onPick;
    this.picker = form.querySelector("#scenario-picker");
    this.summary = form.querySelector("#scenario-summary");
    this.pace = form.querySelector("#pace");
    this.method = form.querySelector("#start-method");
    this.runButton = form.querySelector("#run");
    this.cancelButton = form.querySelector("#cancel");
    this.message = form.querySelector("#form-message");
    this.params = new ParamsForm(form.querySelector("#params"), () => this.changed());
    this.runId = null;

    this.picker.append(
      ...scenarios.map((s) =>
        h(
          "label",
          { class: "pick" },
          h("input", { type: "radio", name: "scenario", value: s.id }),
          h("span", { class: "pick-title" }, s.title),
          h("code", { class: "pick-id" }, s.id),
        ),
      ),
    );
    this.picker.addEventListener("change", () => this.pick(this.current(), null));
    this.pace.addEventListener("input", () => this.changed());
    this.method.addEventListener("change", () => this.changed());
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      if (!this.runButton.disabled) onRun(this.request());
    });
    this.cancelButton.addEventListener("click", () => onCancel());
  }

  current() {
    return this.picker.querySelector("input:checked")?.value ?? null;
  }

  /** Show scenario `id` with `params` (null: its defaults). */
  pick(id, params, { pace_ms = null, start_method = null, runId = null } = {}) {
    const scenario = this.scenarios.get(id) ?? [...this.scenarios.values()][0];
    for (const input of this.picker.querySelectorAll("input")) input.checked = input.value === scenario.id;
    fill(
      this.summary,
      h("h2", { id: "scenario-title" }, scenario.title),
      h("p", {}, scenario.summary),
      scenario.concepts?.length
        ? h("p", { class: "concepts" }, ...scenario.concepts.map((c) => h("code", {}, c)))
        : null,
    );
    this.params.show(scenario.params, { ...scenario.defaults, ...(params ?? {}) });
    if (pace_ms !== null && Number.isFinite(pace_ms)) this.pace.value = String(pace_ms);
    else if (this.pace.value === "") this.pace.value = String(DEFAULT_PACE);
    if (start_method && START_METHODS.includes(start_method)) this.method.value = start_method;
    this.clearMessages();
    this.runId = runId;
    this.writeUrl();
    this.onPick(scenario, runId);
  }

  changed() {
    this.runId = null; // the address names a set-up now, not the run on screen
    this.writeUrl();
  }

  request() {
    const request = { scenario: this.current(), params: this.params.values(), start_method: this.method.value };
    // An empty pace means the server's default; anything else goes as typed, to be checked there.
    if (this.pace.value !== "") request.pace_ms = Number(this.pace.value);
    return request;
  }

  writeUrl() {
    const req = this.request();
    const query = new URLSearchParams({ scenario: req.scenario });
    query.set("pace_ms", this.pace.value);
    query.set("start_method", req.start_method);
    for (const [name, value] of Object.entries(req.params)) query.set(name, JSON.stringify(value));
    if (this.runId) query.set("run", this.runId);
    const url = `${location.pathname}?${query}`;
    if (url !== `${location.pathname}${location.search}`) history.replaceState(null, "", url);
  }

  setRun(runId) {
    this.runId = runId;
    this.writeUrl();
  }

  /** Run is offered unless a run is going; Cancel only while one is. */
  setBusy(busy) {
    this.runButton.disabled = busy;
    this.cancelButton.disabled = !busy;
  }

  clearMessages() {
    this.params.clearErrors();
    this.pace.removeAttribute("aria-invalid");
    setText(this.form.querySelector("#pace-error"), "");
    setText(this.message, "");
    this.message.dataset.kind = "";
  }

  /** Show an ApiError: field messages by their fields, the rest in the message line. */
  showError(error) {
    this.clearMessages();
    const params = error.fields.filter((f) => f.inParams);
    const other = error.fields.filter((f) => !f.inParams);
    const unplaced = this.params.showErrors(params);
    for (const f of other) {
      if (f.path[0] === "pace_ms") {
        this.pace.setAttribute("aria-invalid", "true");
        setText(this.form.querySelector("#pace-error"), f.message);
      } else unplaced.push(`${f.path.join(".")}: ${f.message}`);
    }
    let text = error.message;
    if (error.status === 429 && error.retryAfter) text += ` Try again in ${error.retryAfter} s.`;
    if (unplaced.length) text += ` ${unplaced.join("; ")}`;
    this.say(text, "error");
  }

  say(text, kind = "info") {
    setText(this.message, text);
    this.message.dataset.kind = kind;
  }
}
