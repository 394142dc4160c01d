// The set-up panel: pick a scenario, edit its parameters, choose pace and start method,
// Run and Cancel. The address bar always holds the set-up (and the run on screen), so a
// copied link opens the same thing: /?scenario=queue&pace_ms=0&mylist=[1,2,3,4]&run=…
// (`mode=step`: the learner chooses who runs next; `schedule=main,p1,…`: a link to an
// interleaving, which starts a run replaying it).
// Once a run is on screen the panel folds into one line (what runs, Edit set-up, Cancel),
// so the stage has the screen.

import { api } from "./api.js";
import { fill, h, setText } from "./dom.js";
import { ParamsForm } from "./form.js";

const RESERVED = new Set(["scenario", "pace_ms", "start_method", "run", "mode", "schedule"]);
export const START_METHODS = Object.freeze(["fork", "spawn", "forkserver"]);
const DEFAULT_PACE = 300; // when the scenario list gives no default_pace_ms
const ESTIMATE_DELAY_MS = 250; // after the last edit: one estimate per pause, not per key
const SHORT_VALUE = 32; // characters of a parameter's value in the folded line

/** What the address bar asks for: {scenario, params, pace_ms, start_method, run, mode, schedule, raw}. */
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
  const schedule = query.get("schedule");
  return {
    scenario: query.get("scenario"),
    params,
    pace_ms: pace === null || pace === "" ? null : Number(pace),
    start_method: query.get("start_method"),
    run: query.get("run"),
    mode: query.get("mode") === "step" ? "step" : "free",
    // Process names have no commas; an empty item (a trailing comma) is no process.
    schedule: schedule === null ? null : schedule.split(",").filter((name) => name !== ""),
    raw: Object.fromEntries(query), // as written, for saying which values were replaced
  };
}

const defaultPace = (scenario) =>
  Number.isInteger(scenario?.default_pace_ms) ? scenario.default_pace_ms : DEFAULT_PACE;
const short = (text) => (text.length > SHORT_VALUE ? `${text.slice(0, SHORT_VALUE - 1)}…` : text);
const under = (path, prefix) => path === prefix || path.startsWith(`${prefix}.`);
const inPageOrder = (a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1);

/** "9 s", "2 min 10 s", "11 h 7 min". */
export function duration(seconds) {
  const total = Math.max(1, Math.round(seconds));
  const [h, min, s] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60];
  if (h) return min ? `${h} h ${min} min` : `${h} h`;
  if (min === 0) return `${s} s`;
  return s ? `${min} min ${s} s` : `${min} min`;
}

export class Setup {
  /**
   * @param {{form: HTMLFormElement, scenarios: object[], onPick: Function, onRun: Function,
   *          onCancel: Function}} options
   */
  constructor({ form, scenarios, onPick, onRun, onCancel, onCast = () => {} }) {
    const $ = (selector) => form.querySelector(selector);
    this.form = form;
    this.onCast = onCast; // the estimate also says what the run will have: its picture before Run
    // A course's program that cannot run is listed with its error, never picked.
    const runnable = scenarios.filter((s) => !s.error);
    this.scenarios = new Map(runnable.map((s) => [s.id, s]));
    this.broken = new Map(scenarios.filter((s) => s.error).map((s) => [s.id, s]));
    this.onPick = onPick;
    this.onRun = onRun;
    this.picker = $("#scenario-picker");
    this.summary = $("#scenario-summary");
    this.pace = $("#pace");
    this.method = $("#start-method");
    this.stepMode = $("#step-mode");
    this.runButton = $("#run");
    this.cancelButton = $("#cancel");
    this.message = $("#form-message");
    this.linkNotice = $("#link-notice");
    this.line = $("#setup-line");
    this.lineText = $("#setup-line-text");
    this.lineButtons = $("#setup-line-buttons");
    this.runButtons = $("#run-buttons");
    this.body = $("#setup-body");
    this.editButton = $("#edit-setup");
    this.permalink = $("#permalink");
    this.permalinkHome = this.permalink.parentElement;
    // The fields whose messages the server names by their own name (not under "params").
    this.ownFields = {
      pace_ms: [this.pace, $("#pace-error")],
      start_method: [this.method, $("#start-method-error")],
    };
    this.params = new ParamsForm($("#params"), () => this.changed());
    this.runId = null;
    this.folded = false;
    this.paceTyped = false; // a pace the person typed stays when they pick another scenario
    this.checking = false;
    this.estimate = { timer: null, ticket: 0, warning: $("#pace-warning"), quiet: $("#pace-estimate") };

    const pick = (s) =>
      h(
        "label",
        { class: "pick" },
        h("input", { type: "radio", name: "scenario", value: s.id }),
        h("span", { class: "pick-title" }, s.title),
        h("code", { class: "pick-id" }, s.id),
      );
    const unrunnable = (s) =>
      h(
        "div",
        { class: "pick pick-broken", dataset: { scenario: s.id } },
        h("span", { class: "pick-title" }, s.title),
        h("code", { class: "pick-id" }, s.id),
        h("p", { class: "pick-error" }, s.error),
      );
    const course = scenarios.filter((s) => s.origin === "course");
    this.picker.append(...scenarios.filter((s) => s.origin !== "course").map(pick));
    if (course.length) {
      this.picker.append(
        h("h3", { class: "pick-group" }, "This course's programs"),
        ...course.map((s) => (s.error ? unrunnable(s) : pick(s))),
      );
    }
    this.picker.addEventListener("change", () => {
      setText(this.linkNotice, "");
      this.pick(this.current(), null);
    });
    this.pace.addEventListener("input", () => {
      this.paceTyped = true;
      this.changed();
    });
    this.method.addEventListener("change", () => this.changed());
    this.stepMode.addEventListener("change", () => this.changed());
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      this.submit();
    });
    this.cancelButton.addEventListener("click", () => onCancel());
    this.editButton.addEventListener("click", () => this.unfold({ focus: true }));
    form.addEventListener("keydown", (e) => {
      if (e.key === "Escape" && this.folded) {
        e.preventDefault();
        this.unfold({ focus: true });
      }
    });
  }

  current() {
    return this.picker.querySelector("input:checked")?.value ?? null;
  }

  /**
   * Open the set-up a link asks for. What the form cannot take (an unknown scenario or
   * parameter, a value of the wrong type or out of range) falls back to the default, and
   * the status line says which values were replaced and by what.
   */
  openLink(want) {
    const notes = [];
    const first = [...this.scenarios.values()][0];
    let scenario = this.scenarios.get(want.scenario);
    if (!scenario) {
      const broken = this.broken.get(want.scenario);
      if (broken) {
        notes.push(`scenario=${want.scenario} cannot be run (${broken.error}); showing ${first.id}.`);
      } else if (want.scenario !== null) {
        notes.push(`scenario=${want.scenario} is not a scenario here; showing ${first.id}.`);
      }
      scenario = first;
    }
    const params = { ...want.params };
    for (const bad of this.params.rejections(scenario.params, params)) {
      delete params[bad.name];
      const given = `${bad.name}=${want.raw[bad.name]}`;
      if (bad.reason === null) {
        notes.push(`${given}: ${scenario.id} has no parameter ${bad.name}; left out.`);
        continue;
      }
      const where = bad.where.length ? `: ${bad.name}${bad.where.map((i) => `[${i}]`).join("")}` : "";
      notes.push(`${given}${where} ${bad.reason}; using ${JSON.stringify(scenario.defaults?.[bad.name])}.`);
    }
    let pace = want.pace_ms;
    const [low, high] = [Number(this.pace.min), Number(this.pace.max)];
    if (pace !== null && !(Number.isInteger(pace) && pace >= low && pace <= high)) {
      const reason = Number.isInteger(pace) ? `is out of range (${low}–${high})` : "is not a whole number";
      notes.push(`pace_ms=${want.raw.pace_ms} ${reason}; using ${defaultPace(scenario)}.`);
      pace = null;
    }
    let method = want.start_method;
    if (method !== null && !START_METHODS.includes(method)) {
      notes.push(`start_method=${method} is not one of ${START_METHODS.join(", ")}; using ${this.method.value}.`);
      method = null;
    }
    if (want.raw.mode !== undefined && want.raw.mode !== "step" && want.raw.mode !== "free") {
      notes.push(`mode=${want.raw.mode} is not step or free; using free.`);
    }
    this.pick(scenario.id, params, { pace_ms: pace, start_method: method, mode: want.mode });
    setText(this.linkNotice, notes.length ? `From the link: ${notes.join(" ")}` : "");
  }

  /** Show scenario `id` with `params` (null: its defaults). */
  pick(id, params, { pace_ms = null, start_method = null, runId = null, mode = null } = {}) {
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
    else if (!this.paceTyped || this.pace.value === "") this.pace.value = String(defaultPace(scenario));
    if (start_method && START_METHODS.includes(start_method)) this.method.value = start_method;
    if (mode !== null) this.stepMode.checked = mode === "step";
    this.clearMessages();
    this.runId = runId;
    this.writeUrl();
    this.writeLine();
    this.scheduleEstimate();
    this.onPick(scenario, runId);
  }

  changed() {
    this.runId = null; // the address names a set-up now, not the run on screen
    this.writeUrl();
    this.writeLine();
    this.scheduleEstimate();
  }

  request() {
    const request = { scenario: this.current(), params: this.params.values(), start_method: this.method.value };
    // An empty pace means the server's default; anything else goes as typed, to be checked there.
    if (this.pace.value !== "") request.pace_ms = Number(this.pace.value);
    if (this.stepMode.checked) request.mode = "step";
    return request;
  }

  writeUrl() {
    const req = this.request();
    const query = new URLSearchParams({ scenario: req.scenario });
    query.set("pace_ms", this.pace.value);
    query.set("start_method", req.start_method);
    if (req.mode === "step") query.set("mode", "step");
    for (const [name, value] of Object.entries(req.params)) query.set(name, JSON.stringify(value));
    if (this.runId) query.set("run", this.runId);
    const url = `${location.pathname}?${query}`;
    if (url !== `${location.pathname}${location.search}`) history.replaceState(null, "", url);
  }

  setRun(runId) {
    this.runId = runId;
    this.writeUrl();
  }

  /** Run is offered unless a run is going; Cancel only while one is (and, folded, shown only then). */
  setBusy(busy) {
    this.runButton.disabled = busy;
    this.cancelButton.disabled = !busy;
    this.cancelButton.hidden = this.folded && !busy;
  }

  // --- folding ----------------------------------------------------------------------

  /** Fold into the one-line summary; the run's link comes along, and Cancel while it is live. */
  fold() {
    this.writeLine();
    if (this.folded) return;
    this.folded = true;
    this.form.classList.add("folded");
    this.lineButtons.before(this.permalink);
    this.lineButtons.append(this.cancelButton);
    this.cancelButton.hidden = this.cancelButton.disabled;
    this.line.hidden = false;
    this.body.hidden = true;
    this.editButton.setAttribute("aria-expanded", "false");
  }

  unfold({ focus = false } = {}) {
    if (!this.folded) return;
    this.folded = false;
    this.form.classList.remove("folded");
    this.permalinkHome.append(this.permalink);
    this.runButtons.append(this.cancelButton);
    this.cancelButton.hidden = false;
    this.body.hidden = false;
    this.line.hidden = true;
    this.editButton.setAttribute("aria-expanded", "true");
    // The Edit button is gone: focus goes to where editing starts.
    if (focus) (this.picker.querySelector("input:checked") ?? this.runButton).focus();
  }

  /** The folded line: the scenario, its parameters in short, the pace and the start method. */
  writeLine() {
    const req = this.request();
    const scenario = this.scenarios.get(req.scenario);
    const params = Object.entries(req.params).map(([name, value]) => `${name}=${short(JSON.stringify(value))}`);
    const pace = req.pace_ms === undefined ? "server's default pace" : `${req.pace_ms} ms per step`;
    fill(
      this.lineText,
      h("strong", {}, scenario?.title ?? req.scenario),
      params.length ? ` · ${params.join(", ")}` : null,
      ` · ${pace} · ${req.start_method}`,
      req.mode === "step" ? " · you choose who runs next" : null,
    );
  }

  // --- checking and messages --------------------------------------------------------

  /** What the page itself can tell is wrong, every field at once: [{path, inParams, message}]. */
  check() {
    const problems = this.params.check().map((p) => ({ ...p, inParams: true }));
    const pace = this.paceProblem();
    if (pace) problems.push({ path: ["pace_ms"], inParams: false, message: pace });
    return problems;
  }

  // Worded as the server words the same checks, so a message reads the same from either.
  paceProblem() {
    const input = this.pace;
    if (input.validity.badInput) return "Input should be a valid integer";
    if (input.value === "") return null;
    const pace = Number(input.value);
    if (!Number.isInteger(pace)) return "Input should be a valid integer, got a number with a fractional part";
    if (pace < Number(input.min)) return `Input should be greater than or equal to ${input.min}`;
    if (pace > Number(input.max)) return `Input should be less than or equal to ${input.max}`;
    return null;
  }

  async submit() {
    if (this.runButton.disabled || this.checking) return;
    this.clearMessages();
    const problems = this.check();
    if (!problems.length) {
      this.onRun(this.request());
      return;
    }
    // The server checks the rest without starting anything, so every field is reported
    // now rather than one round at a time.
    this.checking = true;
    try {
      problems.push(...(await this.serverProblems(problems)));
    } finally {
      this.checking = false;
    }
    this.showFields(problems);
  }

  /** The server's 422 messages for the set-up, minus those on fields the page already flagged. */
  async serverProblems(known) {
    const request = this.request();
    if (known.some((p) => p.path[0] === "pace_ms" && !p.inParams)) delete request.pace_ms;
    try {
      await api.estimate(request);
      return [];
    } catch (error) {
      if (error.status !== 422) return []; // no answer: the page's own messages stand alone
      const flagged = known.filter((p) => p.inParams).map((p) => p.path.join("."));
      return error.fields.filter((f) => !(f.inParams && flagged.some((k) => under(f.path.join("."), k))));
    }
  }

  clearMessages() {
    this.params.clearErrors();
    for (const [input, slot] of Object.values(this.ownFields)) {
      input.removeAttribute("aria-invalid");
      setText(slot, "");
    }
    setText(this.message, "");
    this.message.dataset.kind = "";
  }

  /** Field messages by their fields, all at once; focus goes to the first field in the form. */
  showFields(fields) {
    this.unfold();
    const { marked, unplaced } = this.params.showErrors(fields.filter((f) => f.inParams));
    for (const f of fields.filter((x) => !x.inParams)) {
      const own = Object.hasOwn(this.ownFields, f.path[0]) ? this.ownFields[f.path[0]] : null;
      if (!own) {
        unplaced.push(f.path.length ? `${f.path.join(".")}: ${f.message}` : f.message);
        continue;
      }
      const [input, slot] = own;
      input.setAttribute("aria-invalid", "true");
      setText(slot, slot.textContent ? `${slot.textContent}; ${f.message}` : f.message);
      marked.push(input);
    }
    const n = fields.length;
    let text = n === 1 ? "One value is not accepted" : `${n} values are not accepted`;
    text += marked.length ? `; see the message${n === 1 ? "" : "s"} next to ${n === 1 ? "it" : "them"}.` : ".";
    if (unplaced.length) text += ` ${unplaced.join("; ")}`;
    this.say(text, "error");
    const first = [...new Set(marked)].sort(inPageOrder)[0];
    (first ?? this.runButton).focus();
  }

  /** Show an ApiError: a 422's messages by their fields, anything else in the message line. */
  showError(error) {
    this.clearMessages();
    if (error.status === 422 && error.fields.length) {
      this.showFields(error.fields);
      return;
    }
    let text = error.message;
    if (error.status === 429 && error.retryAfter) text += ` Try again in ${error.retryAfter} s.`;
    this.say(text, "error");
  }

  say(text, kind = "info") {
    if (kind === "error") this.unfold(); // a problem is never folded away
    setText(this.message, text);
    this.message.dataset.kind = kind;
  }

  // --- the pace against the run timeout ---------------------------------------------

  /** Ask the server how long the set-up would run, once edits pause; only the last answer counts. */
  scheduleEstimate() {
    const est = this.estimate;
    clearTimeout(est.timer);
    est.ticket += 1;
    if (this.check().length) {
      this.showEstimate(null);
      return;
    }
    const ticket = est.ticket;
    est.timer = setTimeout(async () => {
      const request = this.request();
      let answer = null;
      try {
        answer = await api.estimate(request);
      } catch {
        answer = null; // unreachable, or a 422 that Run will show by its fields: say nothing
      }
      if (ticket === est.ticket) {
        this.showEstimate(answer, request.pace_ms ?? 0);
        if (answer?.cast) this.onCast(answer.cast);
      }
    }, ESTIMATE_DELAY_MS);
  }

  showEstimate(answer, pace) {
    const { warning, quiet } = this.estimate;
    if (!answer || typeof answer.seconds !== "number") {
      setText(warning, "");
      setText(quiet, "");
      return;
    }
    if (answer.fits) {
      setText(warning, "");
      setText(quiet, answer.seconds < 1 ? "under 1 s" : `about ${duration(answer.seconds)}`);
      return;
    }
    let advice = "A smaller run would fit.";
    if (answer.max_pace_ms > 0 && answer.max_pace_ms < pace) advice = `Choose ${answer.max_pace_ms} ms or less.`;
    else if (answer.max_pace_ms === 0 && pace > 0) advice = "Choose 0 ms (no pause), or a smaller run.";
    setText(quiet, "");
    setText(
      warning,
      `At ${pace} ms per step this run takes about ${duration(answer.seconds)}, ` +
        `past the ${duration(answer.timeout_s)} limit: it would be stopped. ${advice}`,
    );
  }
}
