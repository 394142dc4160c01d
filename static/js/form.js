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
    // Anything else is edited as JSON text.
    input = h("input", { ...attrs, type: "text", value: JSON.stringify(value ?? null) });
    get = () => {
      try {
        return JSON.parse(input.value);
      } catch {
        return input.value;
      }
    };
  }
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
    h("span", { class: "field-error", dataset: { for: key } }),
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
    h("span", { class: "field-error", dataset: { for: key } }),
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
      const hintId = nextId("hint");
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

  clearErrors() {
    for (const el of this.root.querySelectorAll(".field-error")) el.textContent = "";
    for (const el of this.root.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  }

  /**
   * Show the server's messages by the field they name ("mylist.0"), or by the nearest
   * enclosing field; returns the messages that fit no field.
   */
  showErrors(errors) {
    const unplaced = [];
    let first = null;
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
      const input = this.root.querySelector(`[data-path="${CSS.escape(path.join("."))}"]`);
      const target = input?.matches("input") ? input : slot.closest(".field, .list")?.querySelector("input");
      target?.setAttribute("aria-invalid", "true");
      first ??= target ?? null;
    }
    first?.focus();
    return unplaced;
  }
}
