// The teacher's board (templates/board.html): one WebSocket for the whole room
// (/api/rooms/{code}/board, app/api/routes/board.py), one tile per student.
//
// The teacher key is asked once, or read from the fragment #key=… (a fragment never reaches
// the server), and kept in sessionStorage for this tab; it travels only in the socket's first
// message.

import { drawThumbnail } from "./board-thumbnail.js";
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
  "board-sort-epoch": "board.sort_epoch",
  "board-sort-loss": "board.sort_loss",
  "board-sort-joined": "board.sort_joined",
  "board-empty": "board.empty",
  "spotlight-close": "board.close",
};
const CONNECTION = { connecting: "board.connecting", open: "board.live", lost: "board.lost" };
// How the tiles are ordered: most epochs first, lowest test loss first, or as they joined.
const ORDERS = {
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
    this.sort = sort;
    for (const button of document.querySelectorAll(".board-tools [data-sort]")) {
      button.setAttribute("aria-pressed", String(button.dataset.sort === sort));
    }
    if (this.document) this.show(this.document);
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
    head.append(canvas, title);
    button.append(head, stats);
    item.appendChild(button);
    button.addEventListener("click", () => this.spotlight(studentId));
    const tile = { item, canvas, ...parts };
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
  return [
    ["board.network", shapeOf(student.config)],
    ["board.dataset", student.config?.dataset ?? MISSING],
    ["board.epoch", state.epoch == null ? MISSING : formatInteger(state.epoch)],
    ["board.test_loss", state.test_loss == null ? MISSING : formatNumber(state.test_loss)],
    ["board.test_accuracy", state.test_accuracy == null ? MISSING : formatPercent(state.test_accuracy)],
  ];
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
  drawThumbnail(tile.canvas, student.thumbnail);
}

new BoardPage().start();
