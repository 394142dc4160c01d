// A process's printed output. Lines are appended as they come, not redrawn: a run can
// print thousands of lines and only the new ones should cost anything. Stepping back
// to fewer lines trims from the end, so replay stays cheap too. The box is a reversed
// flex column, so it stays scrolled to the newest line without JS reading its layout.
// An empty box says "no output yet" (the stylesheet's placeholder) while the process may
// still print, and "printed nothing" once it has exited: "yet" would promise more.

const MAX_SHOWN = 2000; // older lines are dropped from the page (still in the run's events)

export class ConsoleView {
  constructor(box) {
    this.el = document.createElement("pre");
    this.el.className = "console-text";
    box.append(this.el);
    this.shown = []; // seq of each line element, in order
    this.lit = null;
    this.none = null; // the "printed nothing" note, not one of the shown lines
  }

  /** `exited`: whether the process has exited (at the event shown), so an empty box is final. */
  render(lines, currentSeq, { exited = false } = {}) {
    if (this.lines === lines && this.currentSeq === currentSeq && this.exited === exited) return;
    this.lines = lines;
    this.currentSeq = currentSeq;
    this.exited = exited;
    this.none?.remove();
    this.none = null;
    const first = Math.max(0, lines.length - MAX_SHOWN);
    // Where the shown lines start in `lines`, and how many of them are still there.
    let start = this.shown.length ? indexOfSeq(lines, this.shown[0]) : first;
    if (start < 0 || start > first) start = first;
    let keep = 0;
    while (
      keep < this.shown.length &&
      start + keep < lines.length &&
      this.shown[keep] === lines.at(start + keep).seq
    ) {
      keep += 1;
    }
    if (keep === 0) {
      this.el.replaceChildren();
      this.shown = [];
      this.lit = null;
    } else {
      while (this.shown.length > keep) {
        this.el.lastElementChild.remove();
        this.shown.pop();
      }
      for (; start < first && this.shown.length; start += 1) {
        this.el.firstElementChild.remove();
        this.shown.shift();
      }
    }
    const fragment = document.createDocumentFragment();
    for (let i = start + this.shown.length; i < lines.length; i += 1) {
      const line = lines.at(i);
      const span = document.createElement("span");
      span.className = line.stream === "stderr" ? "out err" : "out";
      span.textContent = line.text;
      fragment.append(span);
      this.shown.push(line.seq);
    }
    this.el.append(fragment);
    if (exited && this.shown.length === 0) {
      // <em> so that it cannot be read as the program's own output, even unstyled.
      this.none = document.createElement("em");
      this.none.className = "none";
      this.none.textContent = "printed nothing";
      this.el.append(this.none);
    }
    this.light(currentSeq);
  }

  // The line printed by the current event, if any, is marked.
  light(seq) {
    const index = this.shown.lastIndexOf(seq);
    const el = index >= 0 ? this.el.children[index] : null;
    if (el === this.lit) return;
    this.lit?.classList.remove("lit");
    el?.classList.add("lit");
    this.lit = el;
  }
}

// Lines are in event order, so their seqs increase. (`lines` is a Log or an array.)
function indexOfSeq(lines, seq) {
  let lo = 0;
  let hi = lines.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const at = lines.at(mid).seq;
    if (at === seq) return mid;
    if (at < seq) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
