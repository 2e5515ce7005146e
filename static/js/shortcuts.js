// Page-wide keyboard shortcuts: space plays or pauses, → steps one iteration (shift+→ one
// epoch). They are the page's everywhere but in a field one types into:
// - a menu (select) never keeps them: a closed menu neither opens on space nor changes on →
//   (↑/↓ still change it, Alt+↓ opens it, and an open menu's keys are its own);
// - a control that took the focus from a click or a tap (a data set, a slider, a checkbox,
//   the network diagram) does not keep them either;
// - a control reached from the keyboard (Tab, or its own arrow keys) keeps its keys: a
//   checkbox toggles on space, a radio group or the diagram moves on its arrows.

// Fields that take typed text (a number too): every key there is typing.
const TEXT_ENTRY =
  "textarea, [contenteditable], input:not([type=range], [type=checkbox], [type=radio], " +
  "[type=button], [type=submit], [type=reset], [type=file], [type=color], [type=image])";

function typing(target) {
  return target instanceof HTMLElement && target.closest("input, select, textarea, [contenteditable]");
}

function textEntry(target) {
  return target instanceof Element && target.closest(TEXT_ENTRY) !== null;
}

function isShortcut(event) {
  if (event.altKey || event.ctrlKey || event.metaKey) return false;
  return event.key === " " || event.key === "ArrowRight";
}

/** actions: togglePlay(), step(unit) */
export function bindShortcuts({ togglePlay, step }) {
  let pointerPressed = false; // the latest input was a pointer press, not a key
  let pointerFocused = null; // the element that a click or a tap focused
  const run = (event) => {
    event.preventDefault();
    if (event.key === " ") togglePlay();
    else step(event.shiftKey ? "epoch" : "iteration");
  };
  document.addEventListener("pointerdown", () => {
    pointerPressed = true;
  }, true);
  document.addEventListener("focusin", (event) => {
    pointerFocused = pointerPressed ? event.target : null;
  }, true);
  // Capture phase: before the menu or the control (and its own arrow-key handler) sees the key.
  document.addEventListener(
    "keydown",
    (event) => {
      pointerPressed = false;
      if (!isShortcut(event) || textEntry(event.target)) return;
      if (event.target instanceof HTMLSelectElement || event.target === pointerFocused) {
        event.stopPropagation();
        run(event);
      }
    },
    true,
  );
  // Bubble phase: what no control took (widgets that use arrows stop them first).
  document.addEventListener("keydown", (event) => {
    if (isShortcut(event) && !typing(event.target)) run(event);
  });
}
