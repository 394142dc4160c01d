// The program's source, exactly as it ran, with each process's current line marked (its
// name right after the line's code) and the line of the current event highlighted.
//
// A traced program may have other files (a helpers.py it imports): their text comes in
// run.file events (state.files) and a process's line may be in one of them (proc.file).
// Then a row of tabs picks the file shown, each tab naming the processes in its file; the
// pane follows the file of the current event until the reader picks one, and "Follow the
// run" goes back to following. A run of one file shows no tabs.

import { h, keyed, procClass, toggle } from "../dom.js";

const MAIN = null; // the program's main file, as the reducer names it (proc.file, lastFile)
const CHIPS_ON_A_TAB = 3; // more processes in one file are counted, not each named

export class SourceView {
  /** `root`: the scrolling pane; `switcher`: the element that holds the file tabs, if any. */
  constructor(root, switcher = null) {
    this.root = root;
    this.code = h("ol", { class: "source-lines" });
    root.append(this.code);
    this.mainText = undefined;
    this.built = new Map(); // file → its lines' elements, built once per program
    this.scrollOf = new Map(); // file → where the pane was scrolled to in it
    this.shown = undefined; // the file whose lines are in the pane
    this.picked = undefined; // the file the reader picked; undefined while following
    this.drawn = null; // [state, tail] drawn last, to draw again when the reader picks
    this.tabs = switcher
      ? new FileTabs(switcher, {
          pick: (file) => this.pick(file),
          follow: () => this.pick(this.picked === undefined ? this.shown : undefined),
        })
      : null;
    this.lines = [];
    this.marked = new Set();
    this.current = null;
    // The panel's height and scroll position are tracked, not read while drawing.
    this.height = 0;
    this.scroll = 0;
    this.restore = false; // set scrollTop to this.scroll once the new file's lines are laid out
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
      if (this.restore) {
        this.restore = false;
        root.scrollTop = this.scroll;
      }
      if (this.pending !== null) this.reveal(this.pending);
    });
    this.observer.observe(this.code);
    root.addEventListener("scroll", () => {
      this.scroll = root.scrollTop;
    });
  }

  /** Show a program: its main file's text split into lines (line n is lines[n - 1]). */
  setSource(text) {
    if (text === this.mainText) return;
    this.mainText = text;
    this.built.clear();
    this.scrollOf.clear();
    this.shown = undefined;
    this.forgetFiles();
  }

  /** A new run: its other files are not known yet, and the pane follows it again. */
  forgetFiles() {
    for (const file of [...this.built.keys()]) if (file !== MAIN) this.built.delete(file);
    for (const file of [...this.scrollOf.keys()]) if (file !== MAIN) this.scrollOf.delete(file);
    this.picked = undefined;
    this.drawn = null;
    this.tabs?.hide();
    if (this.shown !== MAIN && this.mainText !== undefined) this.show(MAIN);
  }

  // The reader picked a file (undefined: follow the run again).
  pick(file) {
    this.picked = file;
    if (this.drawn) this.render(...this.drawn);
  }

  // Put `file`'s lines in the pane (built the first time), where it was last scrolled to.
  show(file, files = {}) {
    if (file === this.shown || (file === MAIN && this.mainText === undefined)) return;
    for (const el of this.marked) el.querySelector(".marks").replaceChildren();
    this.marked.clear();
    if (this.current) toggle(this.current, "current", false);
    this.current = null;
    this.markKey = null;
    // From one of the program's files to another (not a new program): back where it was.
    const switching = this.shown !== undefined;
    if (switching) this.scrollOf.set(this.shown, this.scroll);
    let lines = this.built.get(file);
    if (!lines) {
      lines = buildLines(file === MAIN ? this.mainText : files[file]);
      this.built.set(file, lines);
    }
    this.shown = file;
    this.lines = lines;
    this.code.replaceChildren(...lines);
    if (switching) {
      this.scroll = this.scrollOf.get(file) ?? 0;
      this.restore = true;
    }
    // Observing afresh reports the new lines once laid out, even at an unchanged size.
    this.tops = null;
    this.pending = null;
    this.observer.unobserve(this.code);
    this.observer.observe(this.code);
  }

  /** Draw `state` (the event on screen); `tail` is the run so far, whose files the tabs list. */
  render(state, tail = state) {
    this.drawn = [state, tail];
    const files = tail.files ?? {};
    const want = this.picked !== undefined ? this.picked : (state.lastFile ?? MAIN);
    const file = want !== MAIN && Object.hasOwn(files, want) ? want : MAIN;
    this.show(file, files);

    const alive = state.order
      .map((name) => state.procs[name])
      .filter((p) => p.line !== null && p.status !== "exited");
    const following = this.picked === undefined;
    this.tabs?.render({ files, file, following, alive, state, main: tail.run?.scenario });
    const marks = alive.filter((p) => (p.file ?? MAIN) === file);
    const last = state.last;
    const currentLine = last && (last.file ?? MAIN) === file ? (last.line ?? null) : null;
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

// The tabs that pick the file shown, and the "Follow the run" toggle: the WAI-ARIA tabs
// pattern (one tab in the Tab order, the arrow keys, Home and End move between them and
// show the file), the pane their panel.
class FileTabs {
  constructor(root, { pick, follow }) {
    this.root = root;
    this.list = root.querySelector("[role=tablist]");
    this.followButton = root.querySelector(".follow-run");
    this.panel = document.getElementById(root.dataset.panel);
    this.panelLabel = this.panel?.getAttribute("aria-label") ?? "";
    this.pick = pick;
    this.key = null;
    this.list.addEventListener("click", (e) => {
      const tab = e.target.closest("[role=tab]");
      if (tab) pick(fileOf(tab));
    });
    this.list.addEventListener("keydown", (e) => this.keydown(e));
    this.followButton.addEventListener("click", follow);
  }

  hide() {
    if (this.root.hidden) return;
    this.root.hidden = true;
    this.key = null;
    this.panel?.setAttribute("role", "region");
    this.panel?.setAttribute("aria-label", this.panelLabel);
  }

  render({ files, file, following, alive, state, main }) {
    const paths = Object.keys(files);
    if (paths.length === 0) {
      this.hide();
      return;
    }
    const here = new Map();
    for (const p of alive) here.set(p.file ?? MAIN, [...(here.get(p.file ?? MAIN) ?? []), p]);
    const where = [...here].map(([f, ps]) => `${f}:${ps.map((p) => `${p.name}/${procClass(state, p.name)}`)}`);
    const key = `${paths.join("\n")}|${file}|${following}|${main}|${where.join(";")}`;
    if (key === this.key) return;
    this.key = key;
    const tabs = [MAIN, ...paths].map((f) => ({
      file: f,
      label: f === MAIN ? mainLabel(main) : f,
      procs: here.get(f) ?? [],
    }));
    keyed(
      this.list,
      tabs,
      (t) => (t.file === MAIN ? "" : `f:${t.file}`),
      () => h("button", { type: "button", role: "tab", class: "file-tab", "aria-controls": this.panel?.id }),
      (el, t) => drawTab(el, t, t.file === file, state),
    );
    this.followButton.setAttribute("aria-pressed", String(following));
    this.root.hidden = false;
    // The pane is the selected tab's panel, named by its file.
    const label = file === MAIN ? mainLabel(main) : file;
    this.panel?.setAttribute("role", "tabpanel");
    this.panel?.setAttribute("aria-label", `${label}: ${this.panelLabel}`);
  }

  keydown(e) {
    const tabs = [...this.list.querySelectorAll("[role=tab]")];
    const at = tabs.indexOf(e.target.closest("[role=tab]"));
    if (at < 0) return;
    const to = { ArrowLeft: at - 1, ArrowRight: at + 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (to === undefined) return;
    e.preventDefault(); // the replay's own arrow keys (controls.js) leave it alone
    const tab = tabs[(to + tabs.length) % tabs.length];
    tab.focus();
    this.pick(fileOf(tab));
  }
}

function drawTab(el, { file, label, procs }, selected, state) {
  el.dataset.file = file ?? "";
  el.setAttribute("aria-selected", String(selected));
  el.tabIndex = selected ? 0 : -1;
  const names = procs.map((p) => p.name);
  const chips = procs.slice(0, procs.length > CHIPS_ON_A_TAB ? CHIPS_ON_A_TAB - 1 : CHIPS_ON_A_TAB);
  const more = procs.length - chips.length;
  const who = `${names.join(", ")} ${names.length === 1 ? "is" : "are"} here`;
  // The chips are a picture; a screen reader hears the words, in the tab's name.
  const said = names.length <= CHIPS_ON_A_TAB ? who : `${names.length} processes are here`;
  el.replaceChildren(
    h("span", { class: "file-name" }, label),
    procs.length
      ? h(
          "span",
          { class: "file-procs", "aria-hidden": "true", title: who },
          chips.map((p) => h("span", { class: `chip ${procClass(state, p.name)}` }, p.name)),
          more > 0 ? h("span", { class: "chip proc-x" }, `+${more}`) : null,
        )
      : null,
    procs.length ? h("span", { class: "visually-hidden" }, ` (${said})`) : null,
  );
}

function fileOf(tab) {
  return tab.dataset.file === "" ? MAIN : tab.dataset.file;
}

// The main file's name, from the program's (run.start's `scenario`: a traced program's
// file name, or a module's dotted name for `-m`).
function mainLabel(name) {
  if (!name) return "program";
  return name.includes(".") ? name : `${name}.py`;
}

function buildLines(text) {
  const lines = (text ?? "").replace(/\n$/, "").split("\n");
  return lines.map((line, i) => {
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
