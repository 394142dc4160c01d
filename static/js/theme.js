// Light, dark, or whatever the system prefers (the default). The choice is kept in
// localStorage; the CSS reads it from <html data-theme>.

const CHOICES = ["auto", "light", "dark"];
const KEY = "mpscope.theme";

function stored() {
  try {
    const value = localStorage.getItem(KEY);
    return CHOICES.includes(value) ? value : "auto";
  } catch {
    return "auto"; // storage can be off (private windows, embeds)
  }
}

function apply(choice, button) {
  if (choice === "auto") delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = choice;
  button.textContent = `Theme: ${choice}`;
  button.setAttribute("aria-label", `Colour theme: ${choice}. Press to change.`);
}

/** Wire the theme button; `onChange` runs after each change (canvases redraw). */
export function setUpTheme(button, onChange) {
  let choice = stored();
  apply(choice, button);
  button.addEventListener("click", () => {
    choice = CHOICES[(CHOICES.indexOf(choice) + 1) % CHOICES.length];
    try {
      localStorage.setItem(KEY, choice);
    } catch {
      // not kept; still applied for this page
    }
    apply(choice, button);
    onChange();
  });
}
