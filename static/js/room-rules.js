// A room's rules on a student's page: while the teacher has paused the class, play and step
// are out of reach and the banner says so; each control the teacher locked is greyed and out
// of reach (inert), and the banner names them. The server refuses the same things whatever
// the page does (app/services/class_rules.py); this only keeps the page honest about it.
// The rules come with the student's standing (room-challenge.js polls it). ruleRefusal words
// what the server refused by these rules in the reader's language.

import { lazy, t } from "./i18n.js";
import { settingNames } from "./state.js";

// control (the server's names, app/services/class_rules.py's LOCKABLE) → what the page
// shows for it; an input's whole row (.field or .slider) goes with it.
const PARTS = {
  dataset: ["#datasets", "#custom-panel", "#n_classes", "#problem"],
  noise: ["#noise"],
  features: [".node.feature"],
  hidden_layers: [".layers-control", ".layer-control", ".architecture"],
  activation: ["#activation"],
  learning_rate: ["#learning_rate"],
  optimizer: ["#optimizer"],
  regularization: ["#regularization", "#regularization_rate"],
  batch_size: ["#batch_size"],
  train_ratio: ["#train_ratio", "#n_samples"],
};
const PLAY_PARTS = ["#play", "#step", "#inspector-step"];

export class RoomRules {
  /** element: the banner's line for the rules; root: the run's element. */
  constructor(element, root) {
    this.element = element;
    this.root = root;
    this.rules = { paused: false, locked: [] };
    this.held = new Set(); // the elements made inert here
  }

  get paused() {
    return this.rules.paused;
  }

  /** Follow `rules` ({paused, locked}), and say them. */
  follow(rules) {
    this.rules = { paused: Boolean(rules?.paused), locked: rules?.locked ?? [] };
    const selectors = this.rules.locked.flatMap((control) => PARTS[control] ?? []);
    if (this.rules.paused) selectors.push(...PLAY_PARTS);
    const now = new Set();
    for (const selector of selectors) {
      for (const node of this.root.querySelectorAll(selector)) now.add(node.closest(".field, .slider") ?? node);
    }
    for (const node of this.held) if (!now.has(node)) hold(node, false);
    for (const node of now) hold(node, true);
    this.held = now;
    this.root.dataset.roomPaused = String(this.rules.paused);
    this.render();
  }

  render() {
    const { paused, locked } = this.rules;
    const parts = [];
    if (paused) parts.push(Object.assign(document.createElement("span"), { className: "room-paused", textContent: t("room.paused") }));
    if (locked.length) {
      const names = locked.map((control) => t(`room.control.${control}`)).join(", ");
      parts.push(Object.assign(document.createElement("span"), { className: "room-locked-note", textContent: t("room.locked", { controls: names }) }));
    }
    this.element.hidden = parts.length === 0;
    this.element.replaceChildren(...parts);
  }
}

/**
 * What the teacher's rules refused, in the reader's language (the server's words are
 * English): `refusal` is a stream's error ({field, rule}) or an ApiError (403: a locked field;
 * 409 "paused: …"), the field named first in either. Null if the rules did not refuse it.
 */
export function ruleRefusal(refusal) {
  const detail = typeof refusal.detail === "string" ? refusal.detail : "";
  let rule = refusal.rule ?? null;
  if (rule === null && refusal.status === 403) rule = "locked";
  if (rule === null && refusal.status === 409 && detail.startsWith("paused:")) rule = "paused";
  if (rule === "paused") return lazy("room.paused");
  if (rule !== "locked") return null;
  const field = (refusal.field ?? detail).replace(/^config\./, "").split(/[.:[]/)[0];
  return lazy("room.refused_locked", { setting: settingNames([field]) });
}

function hold(node, held) {
  node.inert = held;
  node.classList.toggle("room-locked", held);
}
