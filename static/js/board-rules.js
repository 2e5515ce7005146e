// The board's class panel (templates/board.html): pause every student's run or let them play
// again, and lock the controls students may not change (the controls are the server's: the
// board document's `lockable`). Both are PATCH /api/rooms/{code}/rules with the teacher key
// as a Bearer token; the board document then says what holds.

import { t } from "./i18n.js";

const $ = (id) => document.getElementById(id);

export class RulesPanel {
  /** code: the room's; key(): the teacher key kept for this tab. */
  constructor(code, key) {
    this.code = code;
    this.key = key;
    this.board = null;
    this.boxes = new Map(); // control → its checkbox
    this.message = null; // [key, params] of the last word said
  }

  start() {
    $("rules-pause").addEventListener("click", () => this.send({ paused: !this.board?.paused }));
  }

  showWords() {
    $("board-rules-heading").textContent = t("board.rules");
    $("rules-locked-label").textContent = t("board.rules_lock");
    for (const [control, box] of this.boxes) box.nextElementSibling.textContent = t(`room.control.${control}`);
    if (this.board) this.show(this.board);
    this.say(...(this.message ?? [null]));
  }

  show(board) {
    this.board = board;
    const pause = $("rules-pause");
    pause.textContent = t(board.paused ? "board.rules_resume" : "board.rules_pause");
    pause.setAttribute("aria-pressed", String(board.paused));
    $("board-rules").dataset.paused = String(board.paused);
    if (this.boxes.size !== board.lockable.length) this.makeBoxes(board.lockable);
    for (const [control, box] of this.boxes) box.checked = board.locked.includes(control);
  }

  makeBoxes(controls) {
    const list = $("rules-locked");
    list.replaceChildren();
    this.boxes.clear();
    for (const control of controls) {
      const label = document.createElement("label");
      const box = Object.assign(document.createElement("input"), { type: "checkbox", value: control });
      box.addEventListener("change", () => {
        const locked = [...this.boxes].filter(([, b]) => b.checked).map(([c]) => c);
        this.send({ locked });
      });
      const words = Object.assign(document.createElement("span"), { textContent: t(`room.control.${control}`) });
      label.append(box, " ", words);
      list.append(label);
      this.boxes.set(control, box);
    }
  }

  async send(rules) {
    const response = await fetch(`/api/rooms/${this.code}/rules`, {
      method: "PATCH",
      headers: { "content-type": "application/json", authorization: `Bearer ${this.key()}` },
      body: JSON.stringify(rules),
    }).catch(() => null);
    const body = response ? await response.json().catch(() => ({})) : {};
    if (!response?.ok) {
      const detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail ?? "");
      this.say("board.rules_refused", { detail: response ? detail : t("board.lost") });
      return;
    }
    this.show({ ...this.board, paused: body.paused, locked: body.locked });
    const missed = body.not_reached.length;
    if ("paused" in rules) this.say(body.paused ? "board.rules_paused" : "board.rules_resumed", { count: body.changed });
    else this.say(missed ? "board.rules_locked_missed" : "board.rules_locked", { count: body.locked.length, missed });
  }

  say(key, params = {}) {
    this.message = key ? [key, params] : null;
    $("rules-message").textContent = key ? t(key, params) : "";
  }
}
