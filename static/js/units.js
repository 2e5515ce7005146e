// Names and formulas of the network's units: the seven input features (each a function of
// (x1, x2), with the |value| that maps to full colour) and the hidden and output neurons.

import { t } from "./i18n.js";

export const FEATURE_LABELS = {
  x1: "X₁", x2: "X₂", x1_sq: "X₁²", x2_sq: "X₂²", x1_x2: "X₁X₂", sin_x1: "sin(X₁)",
  sin_x2: "sin(X₂)",
};
// Each feature as a function of (x1, x2), with the |value| that maps to full colour.
export const FEATURE_FUNCTIONS = {
  x1: [(x) => x, 6], x2: [(x, y) => y, 6], x1_sq: [(x) => x * x, 36],
  x2_sq: [(x, y) => y * y, 36], x1_x2: [(x, y) => x * y, 36],
  sin_x1: [(x) => Math.sin(x), 1], sin_x2: [(x, y) => Math.sin(y), 1],
};

/** "Neuron 1.3" (layer 1, third neuron), "Output", "Output 2" (of several), in the page's language. */
export function unitName(layerSizes, layerIndex, unit) {
  if (layerIndex === layerSizes.length - 1) {
    return layerSizes[layerIndex] > 1 ? t("unit.output_k", { unit }) : t("unit.output");
  }
  return t("unit.neuron", { layer: layerIndex, index: unit + 1 });
}
