// "Join a class" in the playground's masthead: a room's code (the input's pattern is the
// server's), and the browser goes to that room's join page, /r/CODE.

import { t } from "./i18n.js";

export function bindJoinClass(form) {
  if (!form) return;
  const input = form.querySelector("input");
  const error = form.querySelector(".join-class-error");
  input.addEventListener("input", () => {
    error.textContent = "";
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    input.value = input.value.trim().toUpperCase();
    if (!input.checkValidity()) {
      error.textContent = t("playground.join_invalid");
      input.focus();
      return;
    }
    window.location.assign(`/r/${encodeURIComponent(input.value)}`);
  });
}
