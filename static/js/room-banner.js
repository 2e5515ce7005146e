// The room banner: when the playground runs a room student's session, a line under the
// masthead says which room (its title and code), under which name, and the room's current
// task when the teacher's preset is a lesson; once the teacher has set a new task while the
// page was open, when they did (main.js calls taskChanged on the stream's `preset` message). The join page (join.js) keeps the room under
// ROOM_KEY in this tab's sessionStorage; the banner shows only while the run's session is
// the one the room seated.

import { ApiError, api } from "./api.js";
import { fill, language, t } from "./i18n.js";
import { ChallengeStanding } from "./room-challenge.js";
import { RoomRules } from "./room-rules.js";

export const ROOM_KEY = "nn-playground.room";

function kept() {
  try {
    const room = JSON.parse(sessionStorage.getItem(ROOM_KEY) ?? "null");
    return room && typeof room.code === "string" && typeof room.session_id === "string" ? room : null;
  } catch {
    return null;
  }
}

const inLanguage = (texts) => texts?.[language()] ?? texts?.en ?? "";

function strong(text, className = "") {
  return Object.assign(document.createElement("strong"), { textContent: text, className });
}

export class RoomBanner {
  /** masthead: the element the banner goes after; run: the page's Run (its sessionId). */
  constructor(masthead, run) {
    this.masthead = masthead;
    this.run = run;
    this.room = null; // {code, title, name, session_id} while the run is the room's session
    this.lesson = null; // the room's lesson (GET /api/lessons/{id}), or null
    this.element = null;
    this.standing = null; // the student's standing in the room's challenge (room-challenge.js)
    this.rules = null; // the room's pause and locks on this page (room-rules.js)
    this.changedAt = null; // when the teacher last set a new task while the page was open
  }

  /** Once the run has its session: show the banner if it is the room's, with the room's task. */
  async start() {
    const room = kept();
    if (!room || room.session_id !== this.run.sessionId) return;
    this.room = room;
    this.render();
    const line = Object.assign(document.createElement("div"), { className: "room-challenge", id: "room-challenge" });
    line.hidden = true;
    const rulesLine = Object.assign(document.createElement("div"), { className: "room-rules", id: "room-rules" });
    rulesLine.hidden = true;
    this.rules = new RoomRules(rulesLine, this.run.root);
    this.standing = new ChallengeStanding(line, room.session_id, (standing) => this.rules.follow(standing));
    this.standing.start();
    this.render();
    try {
      const current = await fetchPublic(room.code);
      this.room = { ...room, title: current.title };
      this.lesson = current.lesson ? await api.lesson(current.lesson) : null;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error; // the room is gone or unreadable: say what we know
    }
    this.render();
  }

  /** The teacher set a new task (lesson `lessonId`, or none): say so and when, and read the
   * standing again at once (the challenge may have come or gone). */
  async taskChanged(lessonId) {
    if (!this.room) return;
    this.changedAt = new Date();
    this.render();
    this.standing?.poll();
    try {
      this.lesson = lessonId ? await api.lesson(lessonId) : null;
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.lesson = null;
    }
    this.render();
  }

  /** Say it again (in the page's language, which may have changed). */
  render() {
    const { room } = this;
    if (!room) return;
    if (!this.element) {
      const style = Object.assign(document.createElement("link"), { rel: "stylesheet", href: "/static/css/room.css" });
      document.head.append(style);
      this.element = document.createElement("div");
      this.element.className = "room-banner";
      this.element.id = "room-banner";
      this.element.setAttribute("role", "note");
      this.masthead.after(this.element);
    }
    const code = strong(room.code, "room-code");
    const name = strong(room.name);
    const line = Object.assign(document.createElement("span"), { className: "room-who" });
    if (room.title) fill(line, "room.banner", { title: strong(room.title), code, name });
    else fill(line, "room.banner_untitled", { code, name });
    const parts = [line];
    if (this.lesson) {
      const task = Object.assign(document.createElement("span"), { className: "room-task" });
      fill(task, "room.task", { lesson: strong(inLanguage(this.lesson.title)) });
      parts.push(task);
    }
    if (this.changedAt) {
      const time = this.changedAt.toLocaleTimeString(language(), { hour: "numeric", minute: "2-digit" });
      parts.push(Object.assign(document.createElement("span"), { className: "room-changed", textContent: t("room.task_changed_at", { time }) }));
    }
    if (this.rules) {
      this.rules.render();
      parts.push(this.rules.element);
    }
    if (this.standing) {
      this.standing.render();
      parts.push(this.standing.element);
    }
    this.element.replaceChildren(...parts);
  }
}

async function fetchPublic(code) {
  const response = await fetch(`/api/rooms/${encodeURIComponent(code)}/public`);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, body.detail);
  return body;
}
