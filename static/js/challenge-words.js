// A challenge's words, for the board (board-challenge.js) and a student's banner
// (room-challenge.js): its texts in the page's language, and why a run does not count.

import { formatInteger } from "./format.js";
import { language, list, t } from "./i18n.js";

export const inLanguage = (texts) => texts?.[language()] ?? texts?.en ?? "";

function shown(value) {
  if (Array.isArray(value)) return value.join(", ");
  return typeof value === "number" ? String(value) : String(value ?? "");
}

/** One broken rule, as app/challenges/model.py reports it ({rule, field, expected, got}). */
export function breachText(breach) {
  return t(`challenge.rule.${breach.rule}`, {
    field: breach.field ?? "",
    expected: shown(breach.expected),
    got: shown(breach.got),
  });
}

export const breachesText = (breaches) => list(breaches.map(breachText));

/** "epoch 12, 2 hidden neurons": where the best reach came. */
export function bestText(best) {
  return t("challenge.best", { epoch: formatInteger(best.epoch), neurons: formatInteger(best.hidden_neurons) });
}
