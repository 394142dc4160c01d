// The Embed button's dialog: the snippets for a course page, for what is on screen (this
// run, replayed, or a new run of this set-up on every visit), with the embed's options.

import { h, setText } from "./dom.js";
import { EMBED_DEFAULTS, embedUrl, iframeSnippet, sizeScript } from "./embed-code.js";

function snippetBox(id, label, rows) {
  const text = h("textarea", { id, class: "snippet", rows, readonly: true, spellcheck: "false" });
  const copy = h("button", { type: "button", class: "copy", "aria-label": `Copy the ${label}` }, "Copy");
  const said = h("span", { class: "copied", role: "status" });
  copy.addEventListener("click", async () => {
    text.select();
    try {
      await navigator.clipboard.writeText(text.value);
      setText(said, "Copied.");
    } catch {
      setText(said, "Selected: copy it with Ctrl+C (⌘C).");
    }
  });
  const box = h(
    "div",
    { class: "snippet-box" },
    h("label", { for: id }, label),
    text,
    h("p", {}, copy, said),
  );
  return { box, text, said };
}

export class EmbedDialog {
  /**
   * @param {{button: HTMLButtonElement, target: () => object}} options
   *   `target()` says what is on screen: {title, scenario, params, defaults, pace_ms,
   *   start_method, schedule?, runId}; runId is null while no run is.
   */
  constructor({ button, target }) {
    this.target = target;
    const radio = (value, text) =>
      h("label", {}, h("input", { type: "radio", name: "embed-what", value }), ` ${text}`);
    const check = (name, text) =>
      h("label", {}, h("input", { type: "checkbox", name, checked: EMBED_DEFAULTS[name] }), ` ${text}`);
    this.theme = h(
      "select",
      { name: "theme" },
      ...["auto", "light", "dark"].map((t) => h("option", { value: t }, t)),
    );
    this.iframe = snippetBox("embed-iframe", "iframe", 3);
    const scriptLabel = "script that fits each iframe to its content (once per page)";
    this.script = snippetBox("embed-script", scriptLabel, 9);
    const previewAttrs = { id: "embed-preview", target: "_blank", rel: "noopener" };
    this.preview = h("a", previewAttrs, "Preview the embed ↗");
    this.form = h(
      "form",
      { method: "dialog" },
      h("h2", { id: "embed-heading" }, "Embed in a course page"),
      h(
        "fieldset",
        { class: "embed-what" },
        h("legend", {}, "What it shows"),
        radio("run", "this run, replayed"),
        radio("scenario", "a new run of this set-up, started by the reader"),
      ),
      h(
        "fieldset",
        { class: "embed-options" },
        h("legend", {}, "Options"),
        check("autoplay", "autoplay (once scrolled into view)"),
        check("controls", "replay controls and timeline"),
        check("source", "the program"),
        h("label", {}, "theme ", this.theme),
      ),
      this.iframe.box,
      this.script.box,
      h("p", { class: "dialog-foot" }, this.preview, h("button", { value: "close" }, "Close")),
    );
    this.dialog = h(
      "dialog",
      { id: "embed-dialog", class: "embed-dialog", "aria-labelledby": "embed-heading" },
      this.form,
    );
    document.body.append(this.dialog);
    this.form.addEventListener("change", () => this.refresh());
    button.addEventListener("click", () => this.open());
  }

  open() {
    const { runId, schedule } = this.target();
    const run = this.form.querySelector("input[value='run']");
    // A run of this set-up replays the interleaving on screen, when there is one.
    const fresh = this.form.querySelector("input[value='scenario']").nextSibling;
    const steps = schedule?.length ?? 0;
    fresh.textContent = steps
      ? ` a new run of this set-up that replays this interleaving (${steps} steps), started by the reader`
      : " a new run of this set-up, started by the reader";
    run.disabled = !runId;
    run.closest("label").hidden = !runId;
    this.form.querySelector(`input[value='${runId ? "run" : "scenario"}']`).checked = true;
    this.refresh();
    this.dialog.showModal();
  }

  refresh() {
    const target = this.target();
    const what = this.form.elements["embed-what"].value;
    const options = { theme: this.theme.value };
    for (const name of ["autoplay", "controls", "source"]) options[name] = this.form.elements[name].checked;
    const shown = what === "run" ? { runId: target.runId } : { ...target, runId: null };
    const url = embedUrl(location.origin, shown, options);
    this.iframe.text.value = iframeSnippet(url, `mpscope: ${target.title}`);
    this.script.text.value = sizeScript(location.origin);
    this.preview.href = url;
    setText(this.iframe.said, "");
    setText(this.script.said, "");
  }
}
