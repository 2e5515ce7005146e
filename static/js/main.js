// The playground page: one run bound to the page's markup, the page's language and its
// keyboard, and the session kept across a reload of this tab.

import { api } from "./api.js";
import { setLanguage } from "./i18n.js";
import { bindJoinClass } from "./join-class.js";
import { LessonPanel } from "./lesson-panel.js";
import { RoomBanner } from "./room-banner.js";
import { Run } from "./run.js";
import { bindShortcuts } from "./shortcuts.js";
import { UrlState } from "./state.js";

const SESSION_KEY = "nn-playground.session";

/**
 * Where the tab keeps its run's session while it reloads: the id and the address it was left
 * at. take() hands the id back only to a load of that same address (a reload; another link in
 * the tab starts that link's run), and removes it: a tab duplicated later finds nothing and
 * starts its own run instead of taking this one's. `joined`: the id was the join page's, a
 * room's new seat, not a run this tab is coming back to.
 */
const memory = {
  joined: false,
  take() {
    let kept = null;
    try {
      kept = JSON.parse(sessionStorage.getItem(SESSION_KEY) ?? "null");
      sessionStorage.removeItem(SESSION_KEY);
    } catch {
      return null; // storage refused (a privacy setting) or garbled: a fresh run
    }
    if (!kept || typeof kept.id !== "string") return null;
    if (kept.search === window.location.search) {
      this.joined = kept.joined === true; // handed over by the join page: a first visit
      return kept.id;
    }
    api.dropSession(kept.id); // left for a reload that did not come
    return null;
  },
  keep(id) {
    try {
      sessionStorage.setItem(SESSION_KEY, JSON.stringify({ id, search: window.location.search }));
    } catch {
      // as above: nothing to resume from
    }
  },
};

const state = new UrlState();
state.writeUrl();
setLanguage(state.get("lang")); // before anything below words a text
const languageButtons = [...document.querySelectorAll("[data-lang]")];
const showLanguage = (lang) => {
  for (const button of languageButtons) button.setAttribute("aria-pressed", String(button.dataset.lang === lang));
};

let lessons = null; // the lesson panel, made once the run exists
let banner = null; // the room banner, shown if the run is a room student's session
const run = new Run(document.querySelector(".run"), {
  state,
  connection: document.getElementById("connection"),
  sessionLink: document.getElementById("session-link"),
  memory,
  onLanguage: (lang) => {
    showLanguage(lang);
    lessons.render();
    banner.render();
  },
  onLesson: (progress) => lessons.noteProgress(progress),
  onPreset: (session) => {
    lessons.follow(session.lesson?.id ?? null);
    banner.taskChanged(session.lesson?.id ?? null);
  },
});
lessons = new LessonPanel(document.getElementById("lesson"), document.getElementById("lessons-open"), run);
banner = new RoomBanner(document.querySelector(".masthead"), run);
for (const button of languageButtons) {
  button.addEventListener("click", () => run.applySettings({ lang: button.dataset.lang }));
}
bindJoinClass(document.getElementById("join-class"));
bindShortcuts({ togglePlay: () => run.togglePlay(), step: (unit) => run.step(unit) });
window.addEventListener("pagehide", () => run.leave());
// Back from the browser's page cache: the stream was closed on the way out; take it up again.
window.addEventListener("pageshow", (event) => {
  if (event.persisted) run.resume();
});
window.nnPlayground = { run, lessons, stats: run.stats };
lessons
  .prepare()
  .then(() => run.start())
  .then(() => banner.start());
