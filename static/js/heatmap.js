// One heatmap owning one canvas: a uint8 grid painted straight into ImageData pixels (one
// pixel per grid cell, scaled up smoothly by drawImage), the data points on top, axis ticks
// on the right and bottom like TF Playground.

import { categorical, css, divergingGradient, packDiverging } from "./colors.js";
import { formatNumber, pageLocale } from "./format.js";
import { t } from "./i18n.js";
import { BOUNDS } from "./meta.js";

// The plane the server's data and grids cover.
const DOMAIN = [BOUNDS.coordinate.min, BOUNDS.coordinate.max];
const TICKS = [-6, -4, -2, 0, 2, 4, 6];
const AXIS_RIGHT = 26; // px reserved for the y tick labels
const AXIS_BOTTOM = 18; // px reserved for the x tick labels
const AXIS_FONT = "10px system-ui, sans-serif";
const POINT_RADIUS = 3;
// Room left of and above the plot (the axes give the right and bottom), so that a point on the
// plot's edge is drawn whole: the largest mark (2 × POINT_RADIUS − 1) and half its outline.
const EDGE = 2 * POINT_RADIUS;
const TRAIN_STROKE = "rgba(255,255,255,0.95)";
const TEST_STROKE = "rgba(20,20,20,0.9)";
const VEIL = "rgba(245,246,247,0.72)";
// The background is drawn paler than the points (as in TF Playground) so both stay legible.
const BACKGROUND_ALPHA = 0.72;

export class Heatmap {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {{size: number, axes?: boolean}} options  size = plot side in CSS pixels
   */
  constructor(canvas, { size, axes = true }) {
    this.canvas = canvas;
    this.context = canvas.getContext("2d");
    this.size = size;
    this.axes = axes;
    this.inset = EDGE; // CSS px from the canvas's top left corner to the plot's
    this.grid = document.createElement("canvas");
    this.gridContext = this.grid.getContext("2d");
    this.image = null;
    this.pixels = null;
    this.pointsLayer = document.createElement("canvas");
    // The axes, drawn once for a size and a language (their text costs more than the rest of
    // a frame's plot but the heatmap itself) and laid over each frame's picture.
    this.axesLayer = document.createElement("canvas");
    this.axesKey = null;
    this.points = { train: null, test: null, colorOf: null };
    this.showTest = false;
    this.veiled = false;
    this.hasGrid = false;
    this.resize();
  }

  /** Make the plot `size` CSS pixels a side (it follows its box's width). */
  setSize(size) {
    if (size === this.size) return;
    this.size = size;
    this.resize();
  }

  resize() {
    this.ratio = window.devicePixelRatio || 1;
    const inset = this.inset;
    const width = inset + this.size + (this.axes ? AXIS_RIGHT : inset);
    const height = inset + this.size + (this.axes ? AXIS_BOTTOM : inset);
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    // The edge room lies outside the plot's box, so that the plot stays where its box is.
    this.canvas.style.margin = `${-inset}px 0 0 ${-inset}px`;
    this.canvas.width = Math.round(width * this.ratio);
    this.canvas.height = Math.round(height * this.ratio);
    this.pointsLayer.width = Math.round((this.size + 2 * inset) * this.ratio);
    this.pointsLayer.height = this.pointsLayer.width;
    [this.axesLayer.width, this.axesLayer.height] = [this.canvas.width, this.canvas.height];
    this.axesKey = null;
    this.#drawPoints();
    this.render();
  }

  #ensureImage(resolution) {
    if (this.image && this.image.width === resolution) return;
    this.grid.width = resolution;
    this.grid.height = resolution;
    this.image = this.gridContext.createImageData(resolution, resolution);
    this.pixels = new Uint32Array(this.image.data.buffer);
  }

  /** Paint `resolution²` codes from `bytes[offset…]` through `lut` (256 packed colours). */
  paint(bytes, offset, resolution, lut) {
    this.#ensureImage(resolution);
    const pixels = this.pixels;
    for (let i = 0, n = resolution * resolution; i < n; i++) pixels[i] = lut[bytes[offset + i]];
    this.#commit();
  }

  /** Multi-class: `classBytes` picks the class, `luts[class]` maps the confidence code. */
  paintClasses(bytes, offset, classBytes, classOffset, resolution, luts) {
    this.#ensureImage(resolution);
    const pixels = this.pixels;
    const last = luts.length - 1;
    for (let i = 0, n = resolution * resolution; i < n; i++) {
      const k = Math.min(classBytes[classOffset + i], last);
      pixels[i] = luts[k][bytes[offset + i]];
    }
    this.#commit();
  }

  /** Paint from a float function of (x, y) — used for the input features. */
  paintFunction(resolution, valueAt, scale) {
    this.#ensureImage(resolution);
    fillFunction(this.pixels, resolution, valueAt, scale);
    this.#commit();
  }

  #commit() {
    this.gridContext.putImageData(this.image, 0, 0);
    this.hasGrid = true;
  }

  /** Points as `{x: [[x1, x2], …], y: […]}`; `colorOf(label)` gives a CSS colour. */
  setPoints(train, test, colorOf) {
    this.points = { train, test, colorOf };
    this.#drawPoints();
  }

  setShowTest(show) {
    this.showTest = show;
    this.#drawPoints();
  }

  /** Wash the picture out (a diverged run): the last good boundary stays faintly visible. */
  setVeiled(veiled) {
    this.veiled = veiled;
  }

  #drawPoints() {
    const layer = this.pointsLayer;
    const context = layer.getContext("2d");
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, layer.width, layer.height);
    const { train, test, colorOf } = this.points;
    if (!colorOf) return;
    const shift = this.inset * this.ratio; // the layer reaches `inset` past the plot on every side
    context.setTransform(this.ratio, 0, 0, this.ratio, shift, shift);
    context.lineWidth = 1;
    // A handful of points (drawn by hand) get bigger marks than a generated cloud.
    const count = (train?.x.length ?? 0) + (test?.x.length ?? 0);
    const radius = count <= 50 ? 2 * POINT_RADIUS - 1 : count <= 200 ? POINT_RADIUS + 1 : POINT_RADIUS;
    const draw = (split, stroke) => {
      if (!split) return;
      context.strokeStyle = stroke;
      for (let i = 0; i < split.x.length; i++) {
        const [px, py] = this.toPixel(split.x[i][0], split.x[i][1]);
        context.beginPath();
        context.arc(px, py, radius, 0, 2 * Math.PI);
        context.fillStyle = colorOf(split.y[i]);
        context.fill();
        context.stroke();
      }
    };
    draw(train, TRAIN_STROKE);
    if (this.showTest) draw(test, TEST_STROKE);
  }

  toPixel(x, y) {
    const span = DOMAIN[1] - DOMAIN[0];
    return [((x - DOMAIN[0]) / span) * this.size, ((DOMAIN[1] - y) / span) * this.size];
  }

  /** Plot pixel (CSS px from the plot's top left) → data coordinates, clamped to the domain. */
  toData(px, py) {
    const span = DOMAIN[1] - DOMAIN[0];
    const clamp = (v) => Math.max(DOMAIN[0], Math.min(DOMAIN[1], v));
    return [clamp(DOMAIN[0] + (px / this.size) * span), clamp(DOMAIN[1] - (py / this.size) * span)];
  }

  render() {
    const context = this.context;
    const size = this.size;
    const inset = this.inset;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, this.canvas.width, this.canvas.height);
    // From here on, (0, 0) is the plot's top left corner.
    context.setTransform(this.ratio, 0, 0, this.ratio, inset * this.ratio, inset * this.ratio);
    if (this.hasGrid) {
      context.imageSmoothingEnabled = true;
      context.imageSmoothingQuality = "high";
      context.fillStyle = "#fff";
      context.fillRect(0, 0, size, size);
      context.globalAlpha = BACKGROUND_ALPHA;
      context.drawImage(this.grid, 0, 0, size, size);
      context.globalAlpha = 1;
    } else {
      context.fillStyle = css([236, 238, 240]);
      context.fillRect(0, 0, size, size);
    }
    if (this.veiled) {
      context.fillStyle = VEIL;
      context.fillRect(0, 0, size, size);
    }
    context.drawImage(this.pointsLayer, -inset, -inset, size + 2 * inset, size + 2 * inset);
    if (!this.axes) return;
    const key = `${size}|${this.ratio}|${pageLocale()}`;
    if (key !== this.axesKey) {
      this.axesKey = key;
      this.#drawAxes();
    }
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.drawImage(this.axesLayer, 0, 0);
  }

  #drawAxes() {
    const context = this.axesLayer.getContext("2d");
    const size = this.size;
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.clearRect(0, 0, this.axesLayer.width, this.axesLayer.height);
    // (0, 0) is the plot's top left corner, as in render().
    context.setTransform(this.ratio, 0, 0, this.ratio, this.inset * this.ratio, this.inset * this.ratio);
    context.fillStyle = "#6b7178";
    context.strokeStyle = "#b9bec4";
    if (context.font !== AXIS_FONT) context.font = AXIS_FONT; // setting it costs a style pass
    context.lineWidth = 1;
    for (const tick of TICKS) {
      const [px, py] = this.toPixel(tick, tick);
      context.beginPath();
      context.moveTo(size, py + 0.5);
      context.lineTo(size + 4, py + 0.5);
      context.moveTo(px + 0.5, size);
      context.lineTo(px + 0.5, size + 4);
      context.stroke();
      context.textAlign = "left";
      context.textBaseline = "middle";
      const label = formatNumber(tick);
      context.fillText(label, size + 6, Math.min(Math.max(py, 6), size - 4));
      context.textAlign = "center";
      context.textBaseline = "top";
      context.fillText(label, Math.min(Math.max(px, 6), size - 6), size + 6);
    }
  }
}

/** Fill `pixels` (resolution² packed colours) with valueAt(x, y) / scale on the diverging scale. */
export function fillFunction(pixels, resolution, valueAt, scale) {
  const step = (DOMAIN[1] - DOMAIN[0]) / resolution;
  let i = 0;
  for (let row = 0; row < resolution; row++) {
    const y = DOMAIN[1] - (row + 0.5) * step;
    for (let col = 0; col < resolution; col++) {
      const x = DOMAIN[0] + (col + 0.5) * step;
      pixels[i++] = packDiverging(valueAt(x, y) / scale);
    }
  }
}

/**
 * The legend under the main heatmap. `scale` is {kind: "binary"} | {kind: "regression",
 * range} | {kind: "multiclass", classes} | {kind: "neuron", range, label} | {kind: "class",
 * k, label} (one class's probability).
 */
export function renderLegend(element, scale) {
  element.replaceChildren();
  const caption = document.createElement("div");
  caption.className = "legend-caption";
  if (scale.kind === "multiclass") {
    caption.textContent = t("legend.multiclass");
    const row = document.createElement("div");
    row.className = "legend-swatches";
    for (let k = 0; k < scale.classes; k++) {
      const item = document.createElement("span");
      item.className = "legend-swatch";
      const chip = document.createElement("i");
      chip.style.background = `linear-gradient(to right, ${css(categorical(k, 0.15))}, ${css(
        categorical(k, 1),
      )})`;
      item.append(chip, document.createTextNode(t("legend.class", { k })));
      row.append(item);
    }
    element.append(caption, row);
    return;
  }
  let labels;
  let gradient = divergingGradient();
  if (scale.kind === "class") {
    caption.textContent = scale.label;
    labels = [0, 0.5, 1].map((v) => formatNumber(v));
    gradient = `linear-gradient(to right, ${css(categorical(scale.k, 0))}, ${css(categorical(scale.k, 1))})`;
  } else if (scale.kind === "binary") {
    caption.textContent = t("legend.binary");
    labels = [0, 0.5, 1].map((v) => formatNumber(v));
  } else {
    const m = scale.range; // a ReLU layer's range can be anything up to 1e300
    caption.textContent = scale.kind === "neuron" ? scale.label : t("legend.regression");
    labels = [-m, 0, m].map((v) => formatNumber(v, { digits: 2 }));
  }
  const bar = document.createElement("div");
  bar.className = "legend-bar";
  bar.style.background = gradient;
  const ticks = document.createElement("div");
  ticks.className = "legend-ticks";
  for (const label of labels) {
    const tick = document.createElement("span");
    tick.textContent = label;
    ticks.append(tick);
  }
  element.append(caption, bar, ticks);
}
