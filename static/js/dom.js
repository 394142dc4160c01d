// Small DOM helpers the views share: build elements, and keep a list of children in step
// with a list of items by key, so an item keeps its element (and an element is created,
// and animated in, only when its item is new).

import { shortName } from "./format.js";

/** Create an element: h("li", {class: "x", dataset: {seq: 3}}, "text", child…). */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "text") el.textContent = value;
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replace an element's children; null, undefined and false are skipped (as in h()). */
export function fill(el, ...children) {
  el.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false));
}

/** Set text only when it changed (writing the same text still costs a layout). */
export function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

export function toggle(el, name, on) {
  if (el.classList.contains(name) !== Boolean(on)) el.classList.toggle(name, Boolean(on));
}

/**
 * Make `container`'s children match `items`, one element per key, in order.
 * `create(item)` builds a new element; `update(el, item)` refreshes an existing one
 * (and a new one right after creation).
 */
export function keyed(container, items, keyOf, create, update) {
  const old = new Map();
  for (const child of container.children) old.set(child.dataset.key, child);
  let cursor = container.firstElementChild;
  for (const item of items) {
    const key = String(keyOf(item));
    let el = old.get(key);
    if (el) old.delete(key);
    else {
      el = create(item);
      el.dataset.key = key;
    }
    // Insert before updating: an update may measure or scroll the element.
    if (el !== cursor) container.insertBefore(el, cursor);
    else cursor = cursor.nextElementSibling;
    update?.(el, item);
  }
  for (const el of old.values()) el.remove();
}

/** The CSS class that gives a process its colour, the same in every view. */
export function procClass(state, name) {
  const index = state.order.indexOf(name);
  return index < 0 ? "proc-x" : `proc-${index % 8}`;
}

/** An object's name in its heading: shortened when long, all of it in the title. */
export function nameCode(name) {
  const shown = shortName(name);
  return h("code", { class: "obj-name", title: shown === String(name) ? null : String(name) }, shown);
}

/** A small label naming a process, in its colour. */
export function procChip(state, name, extra = "") {
  return h("span", { class: `chip ${procClass(state, name)} ${extra}`.trim() }, name);
}

/**
 * A canvas `width`×`height` CSS pixels (and its `track`, which holds it, as tall), sharp on
 * this screen; resized only when that changed (`canvas.dataset.size` remembers). Returns a
 * cleared 2D context drawing in CSS pixels.
 */
export function fitCanvas(canvas, track, width, height) {
  const ratio = window.devicePixelRatio || 1;
  const size = `${width}x${height}@${ratio}`;
  if (canvas.dataset.size !== size) {
    canvas.dataset.size = size;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    canvas.style.height = `${height}px`;
    track.style.height = `${height}px`;
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return ctx;
}
