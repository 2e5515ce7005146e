// The board's challenge panel (templates/board.html): the room's challenge and how many
// reached it, a built-in one to start (GET /api/challenges) or one the teacher writes, and
// whether students see the top of the ranking. Starting one is PUT /api/rooms/{code}/preset,
// ending it (no one's run restarts) DELETE /api/rooms/{code}/challenge, the flag
// PATCH /api/rooms/{code}, all with the teacher key as a Bearer token. Once ended, the panel
// shows where everyone stood until the next preset (the board's `ended`).

import { bestText, inLanguage } from "./challenge-words.js";
import { language, t } from "./i18n.js";

export const TOP_COUNT = 5; // as app/rooms/service.py's TOP_COUNT
const XY = ["x1", "x2"];
// Elements whose words the panel fills (again on a language switch): id → message key.
const WORDS = {
  "board-challenge-heading": "board.challenge",
  "challenge-pick-label": "board.challenge_pick",
  "challenge-start": "board.challenge_start",
  "challenge-end": "board.challenge_end",
  "challenge-own-summary": "board.challenge_own",
  "challenge-own-title-label": "board.challenge_own_title",
  "challenge-own-dataset-label": "board.challenge_own_dataset",
  "challenge-own-noise-label": "board.challenge_own_noise",
  "challenge-own-accuracy-label": "board.challenge_own_accuracy",
  "challenge-own-neurons-label": "board.challenge_own_neurons",
  "challenge-own-epochs-label": "board.challenge_own_epochs",
  "challenge-own-inputs-label": "board.challenge_own_inputs",
  "challenge-own-start": "board.challenge_own_start",
};

const $ = (id) => document.getElementById(id);

export class ChallengePanel {
  /** code: the room's; key(): the teacher key kept for this tab. */
  constructor(code, key) {
    this.code = code;
    this.key = key;
    this.builtins = [];
    this.datasets = [];
    this.board = null;
    this.message = null; // [key, params] of the last word said
    this.showTopSent = null; // the flag asked for, until a board document carries it
  }

  async start() {
    $("challenge-start").addEventListener("click", () => this.setPicked());
    $("challenge-end").addEventListener("click", () => this.end());
    $("challenge-own-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.setOwn();
    });
    $("challenge-show-top").addEventListener("change", (event) => this.setShowTop(event.target.checked));
    const [builtins, datasets] = await Promise.all([
      fetch("/api/challenges").then((r) => r.json()),
      fetch("/api/datasets").then((r) => r.json()),
    ]);
    this.builtins = builtins;
    this.datasets = datasets.filter((d) => d.problem === "classification" && d.name !== "custom");
    this.showWords();
  }

  showWords() {
    for (const [id, key] of Object.entries(WORDS)) $(id).textContent = t(key);
    $("challenge-show-top-label").textContent = t("board.show_top", { count: TOP_COUNT });
    fillOptions($("challenge-pick"), this.builtins.map((c) => [c.id, inLanguage(c.title)]));
    fillOptions($("challenge-own-dataset"), this.datasets.map((d) => [d.name, t(`dataset.${d.name}.name`)]));
    if (this.message) $("challenge-message").textContent = t(...this.message);
    if (this.board) this.show(this.board);
  }

  /** The board document as it comes (app/rooms/board.py). */
  show(board) {
    this.board = board;
    const challenge = board.preset.challenge;
    if (this.showTopSent === null) $("challenge-show-top").checked = Boolean(board.show_top);
    else if (board.show_top === this.showTopSent) this.showTopSent = null;
    const current = $("challenge-current");
    current.dataset.active = String(Boolean(challenge));
    $("challenge-end").hidden = !challenge;
    if (!challenge) {
      current.replaceChildren(...(board.ended ? endedParts(board.ended) : [paragraph(t("board.challenge_none"), "challenge-none")]));
      return;
    }
    const reached = board.students.filter((s) => s.challenge?.rank != null).length;
    const parts = [
      Object.assign(document.createElement("h3"), { id: "challenge-title", textContent: inLanguage(challenge.title) }),
      paragraph(t("board.challenge_reached", { count: reached, students: board.students.length }), "challenge-count"),
      paragraph(inLanguage(challenge.text), "challenge-text"),
    ];
    if (!challenge.reachable) parts.push(paragraph(t("challenge.unreachable"), "challenge-unreachable"));
    current.replaceChildren(...parts);
  }

  setPicked() {
    return this.put({ challenge: $("challenge-pick").value });
  }

  setOwn() {
    const number = (id) => ($(id).value.trim() === "" ? null : Number($(id).value));
    const neurons = number("challenge-own-neurons");
    const challenge = {
      title: $("challenge-own-title").value.trim(),
      target: { metric: "test_accuracy", gte: (number("challenge-own-accuracy") ?? 0) / 100 },
      dataset: $("challenge-own-dataset").value,
      noise: number("challenge-own-noise") ?? 0,
      max_hidden_neurons: neurons,
      max_epochs: number("challenge-own-epochs"),
      // every student starts from a network that keeps the rules
      config: { hidden_layers: neurons === 0 ? [] : [Math.min(4, neurons ?? 4)] },
    };
    if ($("challenge-own-inputs").checked) {
      challenge.features = XY;
      challenge.config.features = XY;
    }
    return this.put({ challenge });
  }

  async put(body) {
    if (this.board?.students.length && !window.confirm(t("board.challenge_restart"))) return;
    const response = await this.send("PUT", `/api/rooms/${this.code}/preset`, body);
    if (response.ok) this.say(["board.challenge_started"]);
    else this.say(["board.challenge_refused", { detail: await detailOf(response) }]);
  }

  /** End the challenge; the runs go on as they are. */
  async end() {
    const response = await this.send("DELETE", `/api/rooms/${this.code}/challenge`);
    if (response.ok) this.say(["board.challenge_ended"]);
    else this.say(["board.challenge_refused", { detail: await detailOf(response) }]);
  }

  async setShowTop(shown) {
    this.showTopSent = shown;
    const response = await this.send("PATCH", `/api/rooms/${this.code}`, { show_top: shown });
    if (!response.ok) {
      this.showTopSent = null;
      this.say(["board.challenge_refused", { detail: await detailOf(response) }]);
    }
  }

  send(method, url, body) {
    return fetch(url, {
      method,
      headers: { "content-type": "application/json", authorization: `Bearer ${this.key()}` },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  say(message) {
    this.message = message;
    $("challenge-message").textContent = t(...message);
  }
}

/** The challenge the teacher ended: its title, when, and where everyone stood then. */
function endedParts(ended) {
  const time = new Date(ended.ended_at * 1000).toLocaleTimeString(language(), { hour: "numeric", minute: "2-digit" });
  const list = Object.assign(document.createElement("ol"), { id: "challenge-results", className: "challenge-results" });
  for (const result of ended.results) {
    const item = document.createElement("li");
    item.dataset.reached = String(result.rank != null);
    const place = result.rank != null ? t("challenge.rank", { rank: result.rank }) : "–";
    const how = result.best ? bestText(result.best) : t("challenge.not_reached");
    item.append(Object.assign(document.createElement("strong"), { textContent: `${place} ${result.name}` }), ` · ${how}`);
    list.append(item);
  }
  return [
    Object.assign(document.createElement("h3"), { id: "challenge-title", textContent: t("board.challenge_over", { title: inLanguage(ended.challenge.title) }) }),
    paragraph(t("board.challenge_results", { time }), "challenge-ended-at"),
    list,
  ];
}

function paragraph(text, className) {
  return Object.assign(document.createElement("p"), { textContent: text, className });
}

function fillOptions(select, options) {
  const chosen = select.value;
  select.replaceChildren(
    ...options.map(([value, label]) => Object.assign(document.createElement("option"), { value, textContent: label })),
  );
  if (options.some(([value]) => value === chosen)) select.value = chosen;
}

/** A refusal's words: a 422's first field and message, or the detail. */
async function detailOf(response) {
  const body = await response.json().catch(() => ({}));
  if (Array.isArray(body.detail)) {
    const [first] = body.detail;
    return `${first.loc.filter((part) => part !== "body").join(".")}: ${first.msg}`;
  }
  return body.detail ?? String(response.status);
}
