// With no hidden layer, a two-class network on x1 and x2 is a single layer: its boundary, where
// the output p is 0.5 (the logit z = w1·x1 + w2·x2 + b is 0), is one straight line. Drawn over
// the plot and written out under it, with the weights of the frame on screen.

import { formatNumber } from "./format.js";
import { t } from "./i18n.js";
import { PlotOverlay, SVG } from "./plot-overlay.js";
import { FEATURE_LABELS } from "./units.js";

const FAR = 1000; // the line's ends, far outside the plane (the plot clips them)
const LINEAR_FEATURES = ["x1", "x2"];

/** The line's weights and bias from a frame ({w1, w2, b}), or null when there is no such line. */
export function singleLayerLine(header, features) {
  if (header.problem !== "binary" || header.layer_sizes.length !== 2) return null;
  if (!features.every((name) => LINEAR_FEATURES.includes(name))) return null;
  const weightOf = (name) => {
    const row = features.indexOf(name);
    return row < 0 ? 0 : header.weights[0][row][0];
  };
  const line = { w1: weightOf("x1"), w2: weightOf("x2"), b: header.biases[0][0] };
  const finite = Object.values(line).every(Number.isFinite);
  return finite && (line.w1 !== 0 || line.w2 !== 0) ? line : null;
}

/** "0.52·X₁ − 1.3·X₂ + 0.1" in the page's language (terms with a zero weight left out). */
function equation({ w1, w2, b }) {
  const terms = [
    [w1, `·${FEATURE_LABELS.x1}`],
    [w2, `·${FEATURE_LABELS.x2}`],
    [b, ""],
  ].filter(([value], index) => value !== 0 || index === 2);
  return terms
    .map(([value, name], index) => {
      const size = `${formatNumber(Math.abs(value))}${name}`;
      if (index === 0) return value < 0 ? `−${size}` : size;
      return `${value < 0 ? "−" : "+"} ${size}`;
    })
    .join(" ");
}

export class DecisionLine {
  /** plotBox: the box the plot's canvas fills; note: where the equation is written */
  constructor(plotBox, note) {
    this.note = note;
    this.features = [];
    this.line = null;
    this.overlay = new PlotOverlay(plotBox, "decision-line");
    this.path = document.createElementNS(SVG, "line");
    this.overlay.svg.append(this.path);
  }

  setFeatures(features) {
    this.features = [...features];
  }

  /** Follow the frame on screen (`size`: the plot's side in CSS px). */
  update(header, size) {
    this.line = singleLayerLine(header, this.features);
    this.overlay.show(this.line !== null);
    if (this.note.hidden !== (this.line === null)) this.note.hidden = this.line === null;
    if (!this.line) return;
    this.overlay.fit(size);
    const { w1, w2, b } = this.line;
    // Two points of w1·x + w2·y + b = 0, far apart.
    const [x1, y1, x2, y2] =
      Math.abs(w2) >= Math.abs(w1)
        ? [-FAR, (w1 * FAR - b) / w2, FAR, (-w1 * FAR - b) / w2]
        : [(w2 * FAR - b) / w1, -FAR, (-w2 * FAR - b) / w1, FAR];
    this.path.setAttribute("x1", String(x1));
    this.path.setAttribute("y1", String(-y1));
    this.path.setAttribute("x2", String(x2));
    this.path.setAttribute("y2", String(-y2));
    this.relabel();
  }

  relabel() {
    if (!this.line) return;
    const text = t("output.decision_line", { equation: equation(this.line) });
    if (this.note.textContent !== text) this.note.textContent = text;
  }
}
