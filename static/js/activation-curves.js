// The activation functions, as the engine computes them: f(z) solid and its derivative f′(z)
// dashed for every activation the server offers, on one canvas. The run's activation is drawn
// strong and the others faint; with no hidden layer no activation is used, and a note says so.
// Every number comes from META.activation_curves (the engine's own functions sampled on a
// grid of z): this module draws, it computes no activation.

import { fitCanvas } from "./charts.js";
import { formatNumber } from "./format.js";
import { t } from "./i18n.js";
import { META } from "./meta.js";

const HEIGHT = 170;
const PAD = { left: 30, right: 12, top: 16, bottom: 16 };
// The values shown: every derivative, tanh and the sigmoid whole; the rectifiers and linear
// leave through the top, which keeps the bends near 0 large enough to see.
const Y_LOW = -1.5;
const Y_HIGH = 1.5;
const X_STEP = 2.5; // a tick on z every 2.5 (−5, −2.5, 0, 2.5, 5)
const Y_STEP = 1;
const FAINT = 0.28; // the opacity of the activations the run does not use
// One colour per activation in the server's order (Okabe-Ito: apart in every colour vision).
const PALETTE = ["#d55e00", "#cc79a7", "#0072b2", "#009e73", "#222222", "#e69f00", "#56b4e9"];
const DASH = [4, 3];
const GRID = "#e6e8eb";
const AXIS = "#b9bec4";
const TEXT = "#5f656d";
const FONT = "10px system-ui, sans-serif";

/** Multiples of `step` from `low` to `high`, both included when they are multiples. */
function ticks(low, high, step) {
  const values = [];
  for (let i = Math.ceil(low / step - 1e-9); i * step <= high + 1e-9; i++) values.push(i * step);
  return values;
}

export class ActivationCurves {
  /** panel: the element holding #activation-chart, #activation-legend and #activation-note. */
  constructor(panel) {
    this.panel = panel;
    this.canvas = panel.querySelector("#activation-chart");
    this.legend = panel.querySelector("#activation-legend");
    this.note = panel.querySelector("#activation-note");
    this.context = this.canvas.getContext("2d");
    this.z = META.activation_curves.z;
    // In the menu's order (an object's keys may come sorted).
    this.curves = META.activations.map((name, i) => ({
      name,
      ...META.activation_curves.curves[name],
      color: PALETTE[i % PALETTE.length],
    }));
    this.chosen = undefined; // not shown yet
    this.layoutWidth = null;
    new ResizeObserver(() => {
      const width = this.canvas.clientWidth;
      if (width === this.layoutWidth) return;
      this.layoutWidth = width;
      if (this.chosen !== undefined) this.#draw();
    }).observe(this.canvas);
  }

  /** Highlight the activation `name` in use, or none (null: the network has no hidden layer). */
  show(name) {
    if (name === this.chosen) return;
    this.chosen = name;
    this.panel.dataset.highlighted = name ?? "";
    this.relabel();
  }

  /** Word the legend and the note again (the page's language changed), and redraw. */
  relabel() {
    this.#fillLegend();
    this.note.hidden = this.chosen !== null;
    this.note.textContent = this.chosen === null ? t("curves.unused") : "";
    this.#draw();
  }

  #fillLegend() {
    const items = this.curves.map(({ name, color }) => {
      const item = document.createElement("li");
      item.dataset.activation = name;
      if (name === this.chosen) item.setAttribute("aria-current", "true");
      const swatch = document.createElement("i");
      swatch.style.background = color;
      const label = document.createElement("span");
      label.textContent = t(`label.${name}`);
      item.append(swatch, label);
      return item;
    });
    const styles = [
      ["solid", t("curves.value")],
      ["dashed", t("curves.derivative")],
    ].map(([style, text]) => {
      const item = document.createElement("li");
      item.className = `curves-style curves-${style}`;
      const swatch = document.createElement("i");
      const label = document.createElement("span");
      label.textContent = text;
      item.append(swatch, label);
      return item;
    });
    this.legend.replaceChildren(...items, ...styles);
  }

  #draw() {
    fitCanvas(this, HEIGHT);
    const { context, width, z } = this;
    context.setTransform(this.ratio, 0, 0, this.ratio, 0, 0);
    context.clearRect(0, 0, width, HEIGHT);
    if (context.font !== FONT) context.font = FONT;
    const zLow = z[0];
    const zHigh = z[z.length - 1];
    const left = PAD.left;
    const right = width - PAD.right;
    const top = PAD.top;
    const bottom = HEIGHT - PAD.bottom;
    const toX = (v) => left + ((right - left) * (v - zLow)) / (zHigh - zLow);
    const toY = (v) => top + ((bottom - top) * (Y_HIGH - v)) / (Y_HIGH - Y_LOW);
    this.#axes(toX, toY, { zLow, zHigh, left, right, top, bottom });
    context.save();
    context.beginPath();
    context.rect(left, top, right - left, bottom - top);
    context.clip();
    // The faint ones first, so that the run's activation lies on top of them.
    const order = [...this.curves].sort((a, b) => (a.name === this.chosen) - (b.name === this.chosen));
    for (const curve of order) {
      const strong = curve.name === this.chosen;
      context.globalAlpha = strong ? 1 : FAINT;
      context.strokeStyle = curve.color;
      context.lineWidth = strong ? 2.25 : 1.25;
      for (const [values, dash] of [
        [curve.value, []],
        [curve.derivative, DASH],
      ]) {
        context.setLineDash(dash);
        context.beginPath();
        values.forEach((v, i) => {
          // beyond the plot's top or bottom by a little: the clip cuts it, the line stays straight
          const y = toY(Math.max(Y_LOW - 1, Math.min(Y_HIGH + 1, v)));
          if (i === 0) context.moveTo(toX(z[i]), y);
          else context.lineTo(toX(z[i]), y);
        });
        context.stroke();
      }
    }
    context.restore();
    context.setLineDash([]);
    context.globalAlpha = 1;
  }

  #axes(toX, toY, { zLow, zHigh, left, right, top, bottom }) {
    const { context } = this;
    context.lineWidth = 1;
    context.fillStyle = TEXT;
    // a grid line at the value `v` (the axis itself at 0), from (x0, y0) to (x1, y1)
    const line = (v, x0, y0, x1, y1) => {
      context.strokeStyle = v === 0 ? AXIS : GRID;
      context.beginPath();
      context.moveTo(x0, y0);
      context.lineTo(x1, y1);
      context.stroke();
    };
    context.textAlign = "right";
    context.textBaseline = "middle";
    for (const v of ticks(Y_LOW, Y_HIGH, Y_STEP)) {
      const y = Math.round(toY(v)) + 0.5;
      line(v, left, y, right, y);
      context.fillText(formatNumber(v), left - 5, y);
    }
    context.textAlign = "center";
    context.textBaseline = "top";
    for (const v of ticks(zLow, zHigh, X_STEP)) {
      const x = Math.round(toX(v)) + 0.5;
      line(v, x, top, x, bottom);
      context.fillText(formatNumber(v), x, bottom + 3);
    }
    // As a blackboard has them: z at the end of the horizontal axis, f beside the vertical one.
    context.textAlign = "right";
    context.textBaseline = "bottom";
    context.fillText(t("curves.axis_x"), right - 2, toY(0) - 2);
    context.textAlign = "left";
    context.fillText(t("curves.axis_y"), toX(0) + 4, top - 3);
  }
}
