// The teacher's board (templates/board.html): one WebSocket for the whole room
// (/api/rooms/{code}/board, app/api/routes/board.py), one tile per student.
//
// The teacher key is asked once, or read from the fragment #key=… (a fragment never reaches
// the server), and kept in sessionStorage for this tab; it travels only in the socket's first
// message.

import { ChallengePanel } from "./board-challenge.js";
import { RulesPanel } from "./board-rules.js";
import { drawThumbnail } from "./board-thumbnail.js";
import { bestText, breachesText } from "./challenge-words.js";
import { MISSING, formatInteger, formatNumber, formatPercent } from "./format.js";
import { LANGUAGES, t } from "./i18n.js";

const CODE = document.body.dataset.code;
const STORAGE_KEY = `board-key:${CODE}`;
const RECONNECT_MS = 1500;
const REFUSED = new Set([4401, 4403]);
// Elements whose words the page fills (again on a language switch): id → message key.
const WORDS = {
  "board-heading": "board.title",
  "board-code-label": "board.code",
  "board-join-label": "board.join",
  "board-key-label": "board.key",
  "board-key-open": "board.open",
  "board-sort-label": "board.sort",
  "board-sort-rank": "board.sort_rank",
  "board-sort-epoch": "board.sort_epoch",
  "board-sort-loss": "board.sort_loss",
  "board-sort-joined": "board.sort_joined",
  "board-empty": "board.empty",
  "spotlight-close": "board.close",
};
const CONNECTION = { connecting: "board.connecting", open: "board.live", lost: "board.lost" };
// How the tiles are ordered: by the challenge's rank (those who reached it first, the rest
// as they joined), most epochs first, lowest test loss first, or as they joined.
const ORDERS = {
  rank: (a, b) => (a.challenge?.rank ?? Infinity) - (b.challenge?.rank ?? Infinity) || a.index - b.index,
  epoch: (a, b) => (b.state?.epoch ?? -1) - (a.state?.epoch ?? -1) || a.index - b.index,
  loss: (a, b) => (a.state?.test_loss ?? Infinity) - (b.state?.test_loss ?? Infinity) || a.index - b.index,
  joined: (a, b) => a.index - b.index,
};

const $ = (id) => document.getElementById(id);

class BoardPage {
  constructor() {
    this.document = null;
    this.sort = "epoch";
    this.tiles = new Map(); // student_id → {item, canvas, name, shape, epoch, loss, accuracy}
    this.spotlit = null;
    this.connection = "connecting";
    this.socket = null;
    this.challengeId = null; // the room's challenge as last shown: a new one sorts by rank
    const key = () => sessionStorage.getItem(STORAGE_KEY) ?? "";
    this.challenge = new ChallengePanel(CODE, key);
    this.rules = new RulesPanel(CODE, key);
  }

  start() {
    $("board-join").textContent = `${location.origin}/r/${CODE}`;
    const fragment = new URLSearchParams(location.hash.slice(1)).get("key");
    if (fragment) {
      sessionStorage.setItem(STORAGE_KEY, fragment);
      history.replaceState(null, "", location.pathname + location.search);
    }
    $("board-key-form").addEventListener("submit", (event) => {
      event.preventDefault();
      sessionStorage.setItem(STORAGE_KEY, $("board-key").value.trim());
      $("board-key-form").hidden = true;
      this.connect();
    });
    for (const button of document.querySelectorAll(".board-tools [data-sort]")) {
      button.addEventListener("click", () => this.setSort(button.dataset.sort));
    }
    for (const button of document.querySelectorAll("#board-languages [data-lang]")) {
      button.addEventListener("click", () => this.setLanguage(button.dataset.lang));
    }
    $("spotlight-close").addEventListener("click", () => $("board-spotlight").close());
    $("board-spotlight").addEventListener("close", () => {
      this.spotlit = null;
      this.tell({ type: "spotlight", student_id: null });
    });
    this.showWords();
    this.challenge.start();
    this.rules.start();
    if (sessionStorage.getItem(STORAGE_KEY)) this.connect();
    else this.askKey("");
  }

  askKey(message) {
    $("board-key-error").textContent = message;
    $("board-key-form").hidden = false;
    $("board-key").focus();
  }

  connect() {
    this.setConnection("connecting");
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/api/rooms/${CODE}/board`);
    this.socket = socket;
    socket.addEventListener("open", () => {
      socket.send(JSON.stringify({ type: "auth", key: sessionStorage.getItem(STORAGE_KEY) ?? "" }));
      if (this.spotlit) this.tell({ type: "spotlight", student_id: this.spotlit });
    });
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(event.data);
      if (message.type === "board") {
        this.setConnection("open");
        $("board-key-error").textContent = "";
        this.show(message);
      }
    });
    socket.addEventListener("close", (event) => {
      if (REFUSED.has(event.code)) {
        sessionStorage.removeItem(STORAGE_KEY);
        this.setConnection("lost");
        this.askKey(t("board.wrong_key"));
      } else {
        this.setConnection("lost");
        setTimeout(() => this.connect(), RECONNECT_MS);
      }
    });
  }

  /** Send `message` on the board's socket, if it is open (a reconnect tells the spotlight again). */
  tell(message) {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  setConnection(state) {
    this.connection = state;
    $("board-connection").dataset.state = state;
    $("board-connection").textContent = t(CONNECTION[state]);
  }

  setSort(sort) {
    this.markSort(sort);
    if (this.document) this.show(this.document);
  }

  markSort(sort) {
    this.sort = sort;
    for (const button of document.querySelectorAll(".board-tools [data-sort]")) {
      button.setAttribute("aria-pressed", String(button.dataset.sort === sort));
    }
  }

  setLanguage(lang) {
    if (!LANGUAGES.includes(lang)) return;
    document.documentElement.lang = lang;
    const url = new URL(location.href);
    url.searchParams.set("lang", lang);
    history.replaceState(null, "", url);
    for (const button of document.querySelectorAll("#board-languages [data-lang]")) {
      button.setAttribute("aria-pressed", String(button.dataset.lang === lang));
    }
    this.showWords();
    this.challenge.showWords();
    this.rules.showWords();
    this.setConnection(this.connection);
    if (this.document) this.show(this.document);
  }

  showWords() {
    for (const [id, key] of Object.entries(WORDS)) $(id).textContent = t(key);
    document.title = `${t("board.title")} · ${CODE}`;
    $("board-languages").setAttribute("aria-label", t("lang.label"));
  }

  show(board) {
    this.document = board;
    $("board-room-title").textContent = board.title || t("board.untitled");
    this.challenge.show(board);
    this.rules.show(board);
    const challengeId = board.preset.challenge?.id ?? null;
    $("board-sort-rank").hidden = challengeId === null;
    if (challengeId !== this.challengeId) {
      this.challengeId = challengeId; // a new challenge sorts by rank; none leaves the rank
      this.markSort(challengeId !== null ? "rank" : this.sort === "rank" ? "epoch" : this.sort);
    }
    const students = board.students.map((student, index) => ({ ...student, index }));
    $("board-count").textContent = t("board.students", { count: students.length });
    $("board-empty").hidden = students.length > 0;
    const list = $("board-tiles");
    const seen = new Set();
    for (const student of [...students].sort(ORDERS[this.sort])) {
      seen.add(student.student_id);
      const tile = this.tiles.get(student.student_id) ?? this.makeTile(student.student_id);
      fillTile(tile, student);
      list.appendChild(tile.item); // in the sorted order: moving a node keeps it
    }
    for (const [id, tile] of this.tiles) {
      if (!seen.has(id)) {
        tile.item.remove();
        this.tiles.delete(id);
      }
    }
    const spotlit = students.find((student) => student.student_id === this.spotlit);
    if (spotlit) this.fillSpotlight(spotlit);
  }

  makeTile(studentId) {
    const item = document.createElement("li");
    item.className = "board-tile";
    item.dataset.studentId = studentId;
    const button = document.createElement("button");
    button.type = "button";
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 24;
    const head = document.createElement("span");
    head.className = "tile-head";
    const rank = document.createElement("span");
    rank.className = "tile-rank";
    const verdict = document.createElement("span");
    verdict.className = "tile-challenge";
    const title = document.createElement("span");
    title.className = "tile-title";
    const stats = document.createElement("span");
    stats.className = "tile-stats";
    const parts = {};
    for (const part of ["name", "shape", "epoch", "loss", "accuracy"]) {
      parts[part] = document.createElement("span");
      parts[part].className = `tile-${part}`;
      (part === "name" || part === "shape" ? title : stats).appendChild(parts[part]);
    }
    head.append(canvas, title, rank);
    button.append(head, stats, verdict);
    item.appendChild(button);
    button.addEventListener("click", () => this.spotlight(studentId));
    const tile = { item, canvas, rank, verdict, ...parts };
    this.tiles.set(studentId, tile);
    return tile;
  }

  spotlight(studentId) {
    this.spotlit = studentId;
    this.tell({ type: "spotlight", student_id: studentId });
    const student = this.document.students.find((s) => s.student_id === studentId);
    if (student) this.fillSpotlight(student);
    if (!$("board-spotlight").open) $("board-spotlight").showModal();
  }

  fillSpotlight(student) {
    $("spotlight-name").textContent = student.name;
    // The finer grid once the server sends it; the tile's until then.
    drawThumbnail($("spotlight-canvas"), student.spotlight ?? student.thumbnail);
    const facts = $("spotlight-facts");
    facts.replaceChildren();
    for (const [key, value] of facts_of(student)) {
      const term = document.createElement("dt");
      term.textContent = t(key);
      const detail = document.createElement("dd");
      detail.textContent = value;
      facts.append(term, detail);
    }
  }
}

/** "2-8-8-1 tanh": the layer sizes and the activation. */
function shapeOf(config) {
  return config ? `${config.layers.join("-")} ${config.activation}` : t("board.no_session");
}

function facts_of(student) {
  const state = student.state ?? {};
  const facts = [
    ["board.network", shapeOf(student.config)],
    ["board.dataset", student.config?.dataset ?? MISSING],
    ["board.epoch", state.epoch == null ? MISSING : formatInteger(state.epoch)],
    ["board.test_loss", state.test_loss == null ? MISSING : formatNumber(state.test_loss)],
    ["board.test_accuracy", state.test_accuracy == null ? MISSING : formatPercent(state.test_accuracy)],
  ];
  if (student.challenge) facts.push(["board.challenge_status", verdictOf(student.challenge)]);
  return facts;
}

/** "#1 · epoch 40, 2 hidden neurons", "Not yet", or why the run does not count. */
function verdictOf(challenge) {
  if (challenge.rank != null) return `${t("challenge.rank", { rank: challenge.rank })} · ${bestText(challenge.best)}`;
  if (challenge.breaches.length) return t("challenge.does_not_count", { reasons: breachesText(challenge.breaches) });
  return t("challenge.not_reached");
}

/** The tile's rank badge and its line about the challenge (hidden without one). */
function fillChallenge(tile, challenge) {
  tile.item.dataset.reached = challenge ? String(challenge.rank != null) : "";
  tile.item.dataset.rank = String(challenge?.rank ?? "");
  tile.rank.hidden = tile.verdict.hidden = !challenge;
  if (!challenge) return;
  tile.rank.textContent = challenge.rank != null ? t("challenge.rank", { rank: challenge.rank }) : "–";
  tile.rank.title = t("board.rank");
  const reached = challenge.rank != null;
  tile.verdict.dataset.state = reached ? "reached" : challenge.breaches.length ? "breach" : "open";
  tile.verdict.textContent = reached ? `✓ ${t("challenge.reached")} · ${bestText(challenge.best)}` : verdictOf(challenge);
}

function fillTile(tile, student) {
  const state = student.state ?? {};
  tile.item.dataset.status = state.status ?? "none";
  tile.item.dataset.epoch = String(state.epoch ?? "");
  tile.name.textContent = student.name;
  tile.name.title = student.name;
  tile.shape.textContent = shapeOf(student.config);
  const [, , epoch, loss, accuracy] = facts_of(student);
  for (const [part, [key, value]] of [["epoch", epoch], ["loss", loss], ["accuracy", accuracy]]) {
    const label = document.createElement("span");
    label.textContent = t(key);
    const number = document.createElement("b");
    number.textContent = value;
    tile[part].replaceChildren(label, number);
  }
  fillChallenge(tile, student.challenge);
  drawThumbnail(tile.canvas, student.thumbnail);
}

new BoardPage().start();
