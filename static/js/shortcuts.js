// Page-wide keyboard shortcuts: space plays or pauses, → steps one iteration (shift+→ one
// epoch). Keys typed into a field stay typing; widgets that use arrows stop them first.

function typing(target) {
  return target instanceof HTMLElement && target.closest("input, select, textarea, [contenteditable]");
}

/** actions: togglePlay(), step(unit) */
export function bindShortcuts({ togglePlay, step }) {
  document.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
    if (event.key === " ") {
      event.preventDefault();
      togglePlay();
    } else if (event.key === "ArrowRight") {
      event.preventDefault();
      step(event.shiftKey ? "epoch" : "iteration");
    }
  });
}
