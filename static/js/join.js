// The join page (/r/CODE): a student types a display name, the server seats them in the room
// and starts their session under the room's preset, and the page hands that session to the
// playground. The playground resumes a session kept in sessionStorage for the address it was
// kept at (main.js), so the address written here is the one the playground itself would write
// for the session's settings; its settings then agree with the session's, and nothing of the
// room's preset is overwritten when the stream opens.

import { ApiError, api } from "./api.js";
import { fill, setLanguage, t } from "./i18n.js";
import { ROOM_KEY } from "./room-banner.js";
import { UrlState } from "./state.js";

const SESSION_KEY = "nn-playground.session"; // main.js's
const ROOM = JSON.parse(document.getElementById("room").textContent);

const form = document.getElementById("join-form");
const nameInput = document.getElementById("join-name");
const submit = document.getElementById("join-submit");
const errorLine = document.getElementById("join-error");
const roomLine = document.getElementById("join-room");
const state = new UrlState(window.location.search, { writes: false });
// The page's own words, said again in the other language on a switch.
const WORDS = [
  ["join-heading", "join.heading"],
  ["join-name-label", "join.name_label"],
  ["join-submit", "join.submit"],
  ["join-back", "join.back"],
];
let shownError = null; // {key, params} of the error shown, said again when the language changes

function showRoom() {
  if (!ROOM.found) {
    roomLine.textContent = "";
    return;
  }
  const code = Object.assign(document.createElement("span"), { className: "join-code", textContent: ROOM.code });
  const title = Object.assign(document.createElement("strong"), { textContent: ROOM.title });
  fill(roomLine, ROOM.title ? "join.room" : "join.room_untitled", { title, code });
}

function showWords() {
  document.title = t("join.page_title");
  for (const [id, key] of WORDS) document.getElementById(id).textContent = t(key);
  nameInput.placeholder = t("join.name_placeholder");
}

function showError(key, params = {}) {
  shownError = key ? { key, params } : null;
  errorLine.textContent = key ? t(key, params) : "";
}

function showLanguage(lang) {
  state.set({ lang });
  setLanguage(lang);
  showWords();
  for (const button of document.querySelectorAll("[data-lang]")) button.setAttribute("aria-pressed", String(button.dataset.lang === lang));
  const url = new URL(window.location.href);
  url.searchParams.set("lang", lang);
  window.history.replaceState(null, "", url);
  showRoom();
  if (shownError) showError(shownError.key, shownError.params);
}

/** The refusal in the page's words: {key, params} for the join's answer `status` and `detail`. */
function refusal(status, detail, retryAfter, name) {
  const reason = typeof detail === "string" ? detail : "";
  if (status === 404) return { key: "join.error.not_found", params: { code: ROOM.code } };
  if (status === 409 && / is full/.test(reason)) return { key: "join.error.full", params: {} };
  if (status === 409 && /already taken/.test(reason)) return { key: "join.error.name_taken", params: { name } };
  if (status === 429) return { key: "join.error.rate_limited", params: { seconds: Number(retryAfter) || 5 } };
  if (status === 422) return { key: "join.error.name_invalid", params: { reason: new ApiError(status, detail).message } };
  if (status === 503) return { key: "join.error.busy", params: {} };
  return { key: "join.error.other", params: { reason: new ApiError(status, detail).message } };
}

/** The playground's address for `session`: its settings, its lesson, this page's language. */
function playgroundSearch(session) {
  const target = new UrlState("", { writes: false });
  target.adoptServerConfig(session.config);
  target.set({ lang: state.get("lang"), lesson: session.lesson?.id ?? "" });
  return target.toQuery();
}

function remember(joined, search) {
  try {
    sessionStorage.setItem(SESSION_KEY, JSON.stringify({ id: joined.session_id, search, joined: true }));
    sessionStorage.setItem(
      ROOM_KEY,
      JSON.stringify({ code: joined.code, title: joined.title, name: joined.name, session_id: joined.session_id }),
    );
    return true;
  } catch {
    return false; // storage refused: the playground could not take the session up
  }
}

async function join(name) {
  let response;
  try {
    response = await fetch(`/api/rooms/${encodeURIComponent(ROOM.code)}/students`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name }),
    });
  } catch {
    showError("join.error.unreachable");
    return;
  }
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const { key, params } = refusal(response.status, body.detail, response.headers.get("retry-after"), name);
    showError(key, params);
    return;
  }
  const session = await api.getSession(body.session_id);
  const search = playgroundSearch(session);
  if (!remember(body, search)) {
    showError("join.error.storage");
    return;
  }
  window.location.assign(`/${search}`);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const name = nameInput.value.trim();
  if (!name) {
    showError("join.error.name_empty");
    nameInput.focus();
    return;
  }
  submit.disabled = true;
  showError(null);
  try {
    await join(name);
  } catch (error) {
    showError("join.error.other", { reason: error.message });
  } finally {
    submit.disabled = false;
  }
});
for (const button of document.querySelectorAll("[data-lang]")) {
  button.addEventListener("click", () => showLanguage(button.dataset.lang));
}

setLanguage(state.get("lang"));
showWords();
showRoom();
if (!ROOM.found) showError("join.error.not_found", { code: ROOM.code });
else nameInput.focus();
