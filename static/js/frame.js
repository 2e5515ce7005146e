// Reading one stream frame: where each grid lives in the binary message, and which colour
// lookup table paints each layer's neurons (docs/protocol.md, "Binary message layout").

import { classLut, divergingLut } from "./colors.js";
import { t } from "./i18n.js";

export function findGrid(header, name) {
  return header.grids.find((grid) => grid.name === name) || null;
}

/** Index of the first unit of layer `layerIndex` (0 = input features) in the neurons grid. */
export function firstUnit(layerSizes, layerIndex) {
  let start = 0;
  for (let l = 0; l < layerIndex; l++) start += layerSizes[l];
  return start;
}

/** Byte offset of one unit's thumbnail inside the binary message. */
export function unitOffset(header, layerIndex, unit) {
  const grid = findGrid(header, "neurons");
  const [, rows, cols] = grid.shape;
  return grid.offset + (firstUnit(header.layer_sizes, layerIndex) + unit) * rows * cols;
}

/**
 * [lo, hi] of one layer's thumbnails: each layer of the neurons grid is quantised over its
 * own range, symmetric around 0 (hi = the layer's largest |value|), so a byte q of layer l
 * stands for lo + (hi - lo) * q / 255 with that layer's lo and hi.
 */
export function layerRange(header, layerIndex) {
  return findGrid(header, "neurons").layer_ranges[layerIndex];
}

/**
 * Colour tables for every unit of one frame.
 *
 * Hidden units: the diverging scale over [-s, s] with s = max(1, the layer's largest |output|):
 * bounded activations (tanh, sigmoid) keep TF Playground's fixed [-1, 1] scale, while ReLU
 * layers are scaled to their own range instead of saturating. Output units use the boundary's
 * scale: p(class 1) for binary, class colour by probability for multi-class, value for regression.
 */
export class FrameScales {
  // The grids' bytes are not needed: each layer's range travels in the header.
  constructor(header, _bytes, { regressionRange }) {
    this.header = header;
    this.problem = header.problem;
    this.regressionRange = regressionRange;
    this.layers = header.layer_sizes.length;
    this.cache = new Map();
  }

  isOutput(layerIndex) {
    return layerIndex === this.layers - 1;
  }

  /** Scale s for a hidden layer (values are divided by it before colouring). */
  hiddenScale(layerIndex) {
    const [lo, hi] = layerRange(this.header, layerIndex);
    return Math.max(1, Math.abs(lo), Math.abs(hi));
  }

  lut(layerIndex, unit) {
    const key = this.isOutput(layerIndex) && this.problem === "multiclass" ? `c${unit}` : `l${layerIndex}`;
    if (this.cache.has(key)) return this.cache.get(key);
    const [lo, hi] = layerRange(this.header, layerIndex);
    let lut;
    if (!this.isOutput(layerIndex)) {
      const scale = this.hiddenScale(layerIndex);
      lut = divergingLut(lo, hi, (v) => v / scale);
    } else if (this.problem === "multiclass") {
      lut = classLut(unit, lo, hi, 0);
    } else if (this.problem === "binary") {
      lut = divergingLut(lo, hi, (p) => 2 * p - 1);
    } else {
      lut = divergingLut(lo, hi, (v) => v / this.regressionRange);
    }
    this.cache.set(key, lut);
    return lut;
  }

  /** Legend description for the main plot while it shows this unit. */
  legend(layerIndex, unit, name) {
    if (this.isOutput(layerIndex)) {
      if (this.problem === "binary") return { kind: "binary" };
      if (this.problem === "regression") return { kind: "regression", range: this.regressionRange };
      return { kind: "class", k: unit, label: t("legend.class_probability", { name, k: unit }) };
    }
    return { kind: "neuron", range: this.hiddenScale(layerIndex), label: t("legend.neuron", { name }) };
  }
}
