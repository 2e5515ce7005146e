// The lesson panel: the primer's lessons beside the playground. A lesson starts the run from
// its preset and lists its steps; the server checks each step on the run's real state and the
// panel ticks it the moment the server says so (frames carry the progress). Hints and the
// "why" of a passed step open on demand; the steps ever passed are remembered in the browser.

import { ApiError, api } from "./api.js";
import { element, within } from "./dom.js";
import { language, lazy, t } from "./i18n.js";
import { ruleRefusal } from "./room-rules.js";

const MEMORY_KEY = "nn-playground.lessons";

/** The steps ever passed, per lesson, in this browser: {lesson id: [step ids]}. */
class LessonMemory {
  constructor(storage = window.localStorage) {
    this.storage = storage;
    try {
      const kept = JSON.parse(storage.getItem(MEMORY_KEY) ?? "{}");
      this.passed = kept && typeof kept === "object" && !Array.isArray(kept) ? kept : {};
    } catch {
      this.passed = {};
    }
  }

  count(lessonId) {
    return Array.isArray(this.passed[lessonId]) ? this.passed[lessonId].length : 0;
  }

  note(progress) {
    const passed = new Set(this.passed[progress.id] ?? []);
    const before = passed.size;
    for (const step of progress.steps) if (step.passed) passed.add(step.id);
    if (passed.size === before) return;
    this.passed[progress.id] = [...passed];
    try {
      this.storage.setItem(MEMORY_KEY, JSON.stringify(this.passed));
    } catch {
      // storage refused: the progress lives as long as the page
    }
  }
}

const text = (texts) => texts[language()] ?? texts.en;

export class LessonPanel {
  /**
   * panel: the <aside> the lessons are shown in; opener: the masthead's button that opens the
   * list; run: the Run the lessons drive (applySettings, adopt, sessionId, state)
   */
  constructor(panel, opener, run) {
    const $ = within(panel);
    this.panel = panel;
    this.opener = opener;
    this.run = run;
    this.memory = new LessonMemory();
    this.catalog = []; // GET /api/lessons, in order
    this.lesson = null; // the lesson shown (GET /api/lessons/{id}), or null for the list
    this.progress = null; // the server's {id, steps: [{id, passed}]}
    this.open = new Set(); // "hint:<step>" / "why:<step>" disclosures the person opened
    this.parts = {
      title: $("lesson-title"),
      position: $("lesson-position"),
      summary: $("lesson-summary"),
      steps: $("lesson-steps"),
      list: $("lesson-list"),
      nav: $("lesson-nav"),
      previous: $("lesson-previous"),
      next: $("lesson-next"),
      restart: $("lesson-restart"),
    };
    $("lesson-close").addEventListener("click", () => this.leave());
    this.parts.previous.addEventListener("click", () => this.#neighbour(-1));
    this.parts.next.addEventListener("click", () => this.#neighbour(+1));
    this.parts.restart.addEventListener("click", () => this.#restart());
    opener.addEventListener("click", () => this.showList());
  }

  /**
   * Before the run connects: read the lessons, and if the link names one, take its preset for
   * every setting the link itself did not set (the API's rule: given fields override a preset).
   */
  async prepare() {
    try {
      this.catalog = await api.lessons();
    } catch {
      this.catalog = [];
    }
    const id = this.run.state.get("lesson");
    if (!id) return;
    const lesson = await this.#fetch(id);
    if (!lesson) {
      this.run.state.set({ lesson: "" });
      return;
    }
    const { state } = this.run;
    const preset = Object.fromEntries(Object.entries(lesson.preset).filter(([name]) => !state.given.has(name)));
    this.run.applySettings(preset);
    this.#show(lesson);
  }

  /** The lessons on offer, each with how many of its steps this browser has passed. */
  showList() {
    this.lesson = null;
    this.panel.hidden = false;
    this.#layout();
    this.render();
  }

  /** Start lesson `id` on the run: its preset, every step unpassed. */
  async start(id) {
    const lesson = await this.#fetch(id);
    if (!lesson || !this.run.sessionId) return;
    try {
      const session = await api.updateSession(this.run.sessionId, { lesson: id });
      this.run.applySettings({ lesson: id });
      this.#show(lesson);
      this.run.adopt(session);
    } catch (error) {
      this.#failed(error);
    }
  }

  /** Close the panel and leave lesson mode (the run goes on as it is). */
  async leave() {
    const following = this.run.state.get("lesson");
    this.lesson = null;
    this.progress = null;
    this.panel.hidden = true;
    this.#layout();
    this.run.applySettings({ lesson: "" });
    if (following && this.run.sessionId) {
      try {
        await api.updateSession(this.run.sessionId, { lesson: null });
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
      }
    }
  }

  /** A room's teacher put the run on lesson `id`, or on none (null): the server has done it
   * already; show it. */
  async follow(id) {
    if (!id) {
      this.lesson = null;
      this.progress = null;
      this.panel.hidden = true;
      this.#layout();
      this.run.applySettings({ lesson: "" });
      return;
    }
    const lesson = await this.#fetch(id);
    if (!lesson) return;
    this.run.applySettings({ lesson: id });
    this.#show(lesson);
  }

  /** The server's progress (from a frame, the stream's hello or a REST answer). */
  noteProgress(progress) {
    const previous = this.progress;
    this.progress = progress;
    if (!progress) return;
    this.memory.note(progress);
    // A step that passes while the person watches opens its "why".
    for (const step of progress.steps) {
      const was = previous?.id === progress.id && previous.steps.find((s) => s.id === step.id)?.passed;
      if (step.passed && previous && !was) this.open.add(`why:${step.id}`);
    }
    this.render();
  }

  /** Say everything again (the language changed, or something to show did). */
  render() {
    const { parts } = this;
    if (this.panel.hidden) return;
    const lesson = this.lesson;
    parts.list.hidden = lesson !== null;
    parts.steps.hidden = lesson === null;
    parts.nav.hidden = lesson === null;
    if (!lesson) {
      parts.title.textContent = t("lesson.list_title");
      parts.position.textContent = "";
      parts.summary.textContent = t("lesson.list_summary");
      this.#renderList();
      return;
    }
    const index = this.catalog.findIndex((entry) => entry.id === lesson.id);
    parts.title.textContent = text(lesson.title);
    parts.position.textContent = index >= 0 ? t("lesson.position", { index: index + 1, count: this.catalog.length }) : "";
    parts.summary.textContent = text(lesson.summary);
    parts.previous.disabled = index <= 0;
    parts.next.disabled = index < 0 || index >= this.catalog.length - 1;
    this.#renderSteps(lesson);
  }

  #renderList() {
    const items = this.catalog.map((entry, index) => {
      const item = element("li", "lesson-entry");
      const button = element("button", "lesson-pick");
      button.type = "button";
      button.dataset.lesson = entry.id;
      button.append(element("span", "lesson-number", String(index + 1)), element("span", "lesson-name", text(entry.title)));
      const done = Math.min(this.memory.count(entry.id), entry.steps.length);
      const count = element("span", "lesson-count", t("lesson.steps_done", { done, count: entry.steps.length }));
      if (done === entry.steps.length) count.dataset.complete = "true";
      button.append(count);
      button.addEventListener("click", () => this.start(entry.id));
      item.append(button);
      return item;
    });
    this.parts.list.replaceChildren(...items);
  }

  #renderSteps(lesson) {
    const passed = new Map((this.progress?.id === lesson.id ? this.progress.steps : []).map((s) => [s.id, s.passed]));
    const items = lesson.steps.map((step, index) => {
      const done = passed.get(step.id) === true;
      const item = element("li", "lesson-step");
      item.dataset.step = step.id;
      item.dataset.passed = String(done);
      const tick = element("span", "lesson-tick", done ? "✓" : String(index + 1));
      tick.setAttribute("aria-label", done ? t("lesson.step_passed") : t("lesson.step_open"));
      tick.setAttribute("role", "img");
      const body = element("div", "lesson-step-body");
      body.append(element("p", "lesson-instruction", text(step.instruction)));
      const buttons = element("div", "lesson-step-buttons");
      body.append(buttons);
      this.#disclosure(buttons, body, `hint:${step.id}`, t("lesson.hint"), text(step.hint), true);
      this.#disclosure(buttons, body, `why:${step.id}`, t("lesson.why"), text(step.explanation), done);
      item.append(tick, body);
      return item;
    });
    this.parts.steps.replaceChildren(...items);
  }

  /** A button that shows or hides a paragraph (`enabled`: the why only once the step passed). */
  #disclosure(buttons, body, key, label, content, enabled) {
    const button = element("button", "lesson-toggle", label);
    button.type = "button";
    button.disabled = !enabled;
    if (!enabled) button.title = t("lesson.why_later");
    const shown = enabled && this.open.has(key);
    button.setAttribute("aria-expanded", String(shown));
    const paragraph = element("p", `lesson-${key.split(":")[0]}`, content);
    paragraph.hidden = !shown;
    button.addEventListener("click", () => {
      if (this.open.has(key)) this.open.delete(key);
      else this.open.add(key);
      this.render();
    });
    buttons.append(button);
    body.append(paragraph);
  }

  #show(lesson) {
    if (this.lesson?.id !== lesson.id) this.open.clear();
    this.lesson = lesson;
    this.panel.hidden = false;
    this.#layout();
    this.render();
  }

  /** The run's root lays out the panel beside the columns while it is open. */
  #layout() {
    this.run.root.classList.toggle("with-lesson", !this.panel.hidden);
    this.opener.setAttribute("aria-expanded", String(!this.panel.hidden));
  }

  async #fetch(id) {
    try {
      return await api.lesson(id);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.run.status.flash("notice", lazy("lesson.unknown", { id }));
      return null;
    }
  }

  async #neighbour(offset) {
    const index = this.catalog.findIndex((entry) => entry.id === this.lesson?.id);
    const next = this.catalog[index + offset];
    if (next) await this.start(next.id);
  }

  async #restart() {
    if (!this.lesson || !this.run.sessionId) return;
    try {
      const session = await api.restartLesson(this.run.sessionId);
      this.open.clear();
      this.run.adopt(session);
    } catch (error) {
      this.#failed(error);
    }
  }

  /** Say why the server refused a lesson's start: the teacher's rules in the reader's words. */
  #failed(error) {
    if (!(error instanceof ApiError)) throw error;
    const refused = ruleRefusal(error);
    if (refused) this.run.status.flash("notice", refused);
    else this.run.status.flash("error", lazy("lesson.failed", { reason: error.message }));
  }
}
