// A form generated from a scenario's JSON Schema (pydantic's), covering what parameters
// use: integers, strings, lists of them, and fixed-length tuples ("prefixItems"). The
// server validates; its 422 messages are shown next to the field they name.

import { h } from "./dom.js";

let uid = 0;
const nextId = (prefix) => `${prefix}-${(uid += 1)}`;

function resolve(schema, root) {
  let s = schema ?? {};
  for (let guard = 0; s.$ref && guard < 8; guard += 1) {
    const name = s.$ref.split("/").pop();
    s = { ...(root.$defs?.[name] ?? {}), ...s, $ref: undefined };
  }
  if (s.anyOf && !s.type) s = { ...s, ...(s.anyOf.find((x) => x.type !== "null") ?? {}) };
  return s;
}

function blank(schema, root) {
  const s = resolve(schema, root);
  if (s.default !== undefined) return structuredClone(s.default);
  if (s.type === "integer" || s.type === "number") return 0;
  if (s.type === "string") return "";
  if (s.type === "boolean") return false;
  if (s.prefixItems) return s.prefixItems.map((item) => blank(item, root));
  if (s.type === "array") return [];
  return null;
}

/** One editor per schema node: {el, get()}; inputs carry data-path ("mylist.0"). */
function editor(schema, root, path, value, label, onChange) {
  const s = resolve(schema, root);
  const key = path.join(".");
  if (s.prefixItems) return tupleEditor(s, root, path, value, label, onChange);
  if (s.type === "array") return listEditor(s, root, path, value, label, onChange);
  const id = nextId("f");
  const attrs = { id, dataset: { path: key }, "aria-label": label, "aria-describedby": `${id}-err` };
  let input;
  let get;
  if (s.type === "integer" || s.type === "number") {
    input = h("input", {
      ...attrs,
      type: "number",
      inputmode: s.type === "integer" ? "numeric" : "decimal",
      step: s.type === "integer" ? 1 : "any",
      min: s.minimum,
      max: s.maximum,
      value: value ?? "",
    });
    // An empty or unreadable number goes to the server as null: its message says why.
    get = () => (input.value === "" ? null : Number(input.value));
  } else if (s.type === "boolean") {
    input = h("input", { ...attrs, type: "checkbox", checked: Boolean(value) });
    get = () => input.checked;
  } else if (s.type === "string") {
    const limits = { maxlength: s.maxLength, spellcheck: "false" };
    input = h("input", { ...attrs, ...limits, type: "text", value: value ?? "" });
    get = () => input.value;
  } else {
    // Anything else is edited as JSON text; text that is not JSON is caught before sending.
    const text = JSON.stringify(value ?? null);
    input = h("input", { ...attrs, type: "text", value: text, dataset: { path: key, json: "" } });
    get = () => {
      try {
        return JSON.parse(input.value);
      } catch {
        return input.value;
      }
    };
  }
  // What the input is described by when nothing is wrong (an error may add its message's id).
  input.dataset.describedby = input.getAttribute("aria-describedby");
  input.addEventListener("input", onChange);
  const error = h("span", { class: "field-error", id: `${id}-err`, dataset: { for: key } });
  const el = h("span", { class: "field" }, input, error);
  return { el, get };
}

function tupleEditor(s, root, path, value, label, onChange) {
  const parts = s.prefixItems.map((item, i) => {
    const itemLabel = `${label}, ${resolve(item, root).title ?? (i === 0 ? "first" : `item ${i + 1}`)}`;
    return editor(item, root, [...path, i], value?.[i] ?? blank(item, root), itemLabel, onChange);
  });
  const key = path.join(".");
  const el = h(
    "span",
    { class: "tuple", dataset: { path: key } },
    ...parts.map((p) => p.el),
    h("span", { class: "field-error", id: nextId("err"), dataset: { for: key } }),
  );
  return { el, get: () => parts.map((p) => p.get()) };
}

function listEditor(s, root, path, value, label, onChange) {
  const key = path.join(".");
  const rows = h("ol", { class: "list-rows", start: 0 });
  const editors = [];
  const add = h("button", { type: "button", class: "add" }, "Add");
  // Row positions are part of each input's path, so the rows are rebuilt on every change.
  const build = (values) => {
    editors.length = 0;
    rows.replaceChildren(
      ...values.map((v, i) => {
        const ed = editor(s.items ?? {}, root, [...path, i], v, `${label} item ${i}`, onChange);
        editors.push(ed);
        const remove = h(
          "button",
          { type: "button", class: "remove", "aria-label": `remove ${label} item ${i}`, title: "Remove" },
          "×",
        );
        remove.addEventListener("click", () => {
          const current = editors.map((e) => e.get());
          current.splice(i, 1);
          build(current);
          onChange();
          (rows.querySelectorAll(".remove")[Math.min(i, current.length - 1)] ?? add).focus();
        });
        return h("li", { class: "list-row" }, ed.el, remove);
      }),
    );
    add.disabled = s.maxItems !== undefined && values.length >= s.maxItems;
  };
  add.addEventListener("click", () => {
    const values = editors.map((e) => e.get());
    values.push(blank(s.items ?? {}, root));
    build(values);
    onChange();
    rows.lastElementChild?.querySelector("input")?.focus();
  });
  build(Array.isArray(value) ? value : []);
  const el = h(
    "div",
    { class: "list", dataset: { path: key } },
    rows,
    add,
    h("span", { class: "field-error", id: nextId("err"), dataset: { for: key } }),
  );
  return { el, get: () => editors.map((e) => e.get()) };
}

// pydantic's default title is the name prettified ("new_record" → "New Record").
const words = (text) => text.toLowerCase().replace(/[^a-z0-9]/g, "");
const sameWords = (a, b) => words(a) === words(b);

/** The parameters form for one scenario. */
export class ParamsForm {
  constructor(root, onChange) {
    this.root = root;
    this.onChange = onChange;
    this.fields = new Map();
  }

  /** Build the fields of `schema`, filled with `values` (falling back to the defaults). */
  show(schema, values) {
    this.fields.clear();
    const props = schema?.properties ?? {};
    const groups = Object.entries(props).map(([name, prop]) => {
      const s = resolve(prop, schema);
      const title = s.title ?? name;
      const value = values?.[name] !== undefined ? values[name] : blank(prop, schema);
      const ed = editor(prop, schema, [name], value, name, this.onChange);
      this.fields.set(name, ed);
      const hintId = s.description ? nextId("hint") : null;
      return h(
        "fieldset",
        { class: "param", dataset: { param: name }, "aria-describedby": hintId },
        h("legend", {}, h("code", {}, name), sameWords(title, name) ? null : ` ${title}`),
        s.description ? h("p", { class: "hint", id: hintId }, s.description) : null,
        ed.el,
      );
    });
    this.root.replaceChildren(...groups);
  }

  values() {
    return Object.fromEntries([...this.fields].map(([name, ed]) => [name, ed.get()]));
  }

  /** The client's own checks: JSON text that does not parse, every such field at once. */
  check() {
    const problems = [];
    for (const input of this.root.querySelectorAll("input[data-json]")) {
      try {
        JSON.parse(input.value);
      } catch {
        const message = "Not valid JSON: check its quotes, commas and brackets";
        problems.push({ path: input.dataset.path.split("."), message });
      }
    }
    return problems;
  }

  /** The parameters of `schema` that `params` (from a link) gives badly: [{name, where, reason}]. */
  rejections(schema, params) {
    const props = schema?.properties ?? {};
    const out = [];
    for (const [name, value] of Object.entries(params ?? {})) {
      if (!Object.hasOwn(props, name)) out.push({ name, where: [], reason: null });
      else {
        const bad = rejection(props[name], schema, value, []);
        if (bad) out.push({ name, ...bad });
      }
    }
    return out;
  }

  clearErrors() {
    for (const el of this.root.querySelectorAll(".field-error")) el.textContent = "";
    for (const el of this.root.querySelectorAll("[aria-invalid]")) {
      el.removeAttribute("aria-invalid");
      el.setAttribute("aria-describedby", el.dataset.describedby);
    }
  }

  /**
   * Show messages by the field they name ("mylist.0"), or by the nearest enclosing field.
   * Returns the inputs marked invalid and the messages that fit no field.
   */
  showErrors(errors) {
    const unplaced = [];
    const marked = [];
    for (const err of errors) {
      const path = err.path.map(String);
      let slot = null;
      for (let n = path.length; n > 0 && !slot; n -= 1) {
        slot = this.root.querySelector(`.field-error[data-for="${CSS.escape(path.slice(0, n).join("."))}"]`);
      }
      if (!slot) {
        unplaced.push(err.path.length ? `${err.path.join(".")}: ${err.message}` : err.message);
        continue;
      }
      slot.textContent = slot.textContent ? `${slot.textContent}; ${err.message}` : err.message;
      // The input named, else the first input of the tuple or list the message is about.
      const input = this.root.querySelector(`input[data-path="${CSS.escape(path.join("."))}"]`);
      const target = input ?? slot.parentElement.querySelector("input");
      if (!target) continue;
      target.setAttribute("aria-invalid", "true");
      const ids = new Set(target.getAttribute("aria-describedby").split(" "));
      ids.add(slot.id);
      target.setAttribute("aria-describedby", [...ids].join(" "));
      marked.push(target);
    }
    return { marked, unplaced };
  }
}

// pydantic writes ge/le as minimum/maximum, which is all the parameters use.
const range = (s) => `${s.minimum ?? "…"}–${s.maximum ?? "…"}`;

/**
 * Why `value` does not fit `schema`: {where: path inside the value, reason}, or null when it
 * fits. The schema's own bounds only; the server checks the rest (a pipe's "END") on Run.
 */
function rejection(schema, root, value, where) {
  const s = resolve(schema, root);
  const no = (reason) => ({ where, reason });
  if (s.type === "integer" || s.type === "number") {
    if (typeof value !== "number" || !Number.isFinite(value)) return no("is not a number");
    if (s.type === "integer" && !Number.isInteger(value)) return no("is not a whole number");
    if (value < (s.minimum ?? -Infinity) || value > (s.maximum ?? Infinity)) return no(`is out of range (${range(s)})`);
    return null;
  }
  if (s.type === "string") {
    if (typeof value !== "string") return no("is not text");
    if (s.maxLength !== undefined && value.length > s.maxLength) return no(`is longer than ${s.maxLength} characters`);
    if (s.minLength !== undefined && value.length < s.minLength) return no(`is shorter than ${s.minLength} characters`);
    return null;
  }
  if (s.type === "boolean") return typeof value === "boolean" ? null : no("is not true or false");
  if (s.prefixItems || s.type === "array") {
    if (!Array.isArray(value)) return no("is not a list");
    const items = s.prefixItems;
    if (items && value.length !== items.length) return no(`does not have exactly ${items.length} items`);
    if (s.maxItems !== undefined && value.length > s.maxItems) return no(`has more than ${s.maxItems} items`);
    if (s.minItems !== undefined && value.length < s.minItems) return no(`has fewer than ${s.minItems} items`);
    for (const [i, item] of value.entries()) {
      const bad = rejection(items ? items[i] : (s.items ?? {}), root, item, [...where, i]);
      if (bad) return bad;
    }
  }
  return null;
}
