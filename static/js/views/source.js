// The program's source, exactly as it ran, with each process's current line marked (its
// name right after the line's code) and the line of the current event highlighted.

import { h, procClass, toggle } from "../dom.js";

export class SourceView {
  constructor(root) {
    this.root = root;
    this.code = h("ol", { class: "source-lines" });
    root.append(this.code);
    this.lines = [];
    this.marked = new Set();
    this.current = null;
    // The panel's height and scroll position are tracked, not read while drawing.
    this.height = 0;
    this.scroll = 0;
    new ResizeObserver(([entry]) => {
      this.height = entry.contentRect.height;
    }).observe(root);
    // Each line's top in the panel. Read when the lines' layout changes (a new program, a new
    // width), in a ResizeObserver callback, where layout is already done: never forced in
    // the middle of drawing a frame.
    this.tops = null;
    this.pending = null; // a line to reveal once the tops are known
    this.observer = new ResizeObserver(() => {
      const last = this.lines.at(-1);
      this.tops = last ? [...this.lines.map((el) => el.offsetTop), last.offsetTop + last.offsetHeight] : null;
      if (this.pending !== null) this.reveal(this.pending);
    });
    this.observer.observe(this.code);
    root.addEventListener("scroll", () => {
      this.scroll = root.scrollTop;
    });
  }

  /** Show a program: its text split into lines (line n is lines[n - 1]). */
  setSource(text) {
    if (text === this.text) return;
    this.text = text;
    const lines = (text ?? "").replace(/\n$/, "").split("\n");
    this.lines = lines.map((line, i) => {
      const el = h(
        "li",
        { class: "src-line", dataset: { line: i + 1 } },
        h("span", { class: "text" }, code(line), h("span", { class: "marks" })),
      );
      // A long line wraps; its continuation hangs under the line's own code, deeper than
      // its indentation, so a wrapped line never reads as a less-indented statement.
      el.style.setProperty("--indent", indentation(line));
      return el;
    });
    this.code.replaceChildren(...this.lines);
    // Observing afresh reports the new lines once laid out, even at an unchanged size.
    this.tops = null;
    this.observer.unobserve(this.code);
    this.observer.observe(this.code);
    this.marked.clear();
    this.current = null;
    this.markKey = null;
  }

  render(state) {
    const marks = state.order
      .map((name) => state.procs[name])
      .filter((p) => p.line !== null && p.status !== "exited");
    const currentLine = state.last?.line ?? null;
    const key = `${marks.map((p) => `${p.name}@${p.line}`).join(",")}|${currentLine}|${state.order.length}`;
    if (key === this.markKey) return;
    this.markKey = key;

    for (const el of this.marked) el.querySelector(".marks").replaceChildren();
    this.marked.clear();
    for (const proc of marks) {
      const el = this.lines[proc.line - 1];
      if (!el) continue;
      el.querySelector(".marks").append(
        h("span", { class: `chip ${procClass(state, proc.name)}`, title: `${proc.name} is here` }, proc.name),
      );
      this.marked.add(el);
    }
    const next = currentLine ? (this.lines[currentLine - 1] ?? null) : null;
    if (next !== this.current) {
      if (this.current) toggle(this.current, "current", false);
      if (next) {
        toggle(next, "current", true);
        this.reveal(currentLine);
      }
      this.current = next;
    }
  }

  // Scroll the source panel (never the page) so the current line is in view. Long lines
  // wrap, so lines differ in height: their tops come from the observer above.
  reveal(line) {
    if (!this.lines[line - 1]) return;
    this.pending = this.tops ? null : line;
    if (!this.tops) return;
    const top = this.tops[line - 1];
    const height = this.tops[line] - top;
    if (top < this.scroll || top + height > this.scroll + this.height) {
      this.scroll = Math.max(0, top - this.height / 3);
      this.root.scrollTop = this.scroll;
    }
  }
}

// A line's code, its leading white space apart: the indentation never wraps (a first word
// longer than the rest of the row would otherwise leave a row of spaces and start the
// line's code on its continuation, hanging where a deeper line's code would be).
function code(line) {
  const lead = line.match(/^[ \t]*/)[0];
  if (!lead || lead === line) return h("code", {}, line || " ");
  return h("code", {}, h("span", { class: "indent" }, lead), line.slice(lead.length));
}

// How many columns a line's leading white space takes: a tab reaches the next multiple of
// 8, as CSS's default tab-size draws it.
function indentation(line) {
  let columns = 0;
  for (const ch of line) {
    if (ch === " ") columns += 1;
    else if (ch === "\t") columns += 8 - (columns % 8);
    else break;
  }
  return columns;
}
