// The diagram's pictures on one canvas: the links, under the (transparent) SVG hit paths, and
// the neurons' thumbnail heatmaps, inside their (transparent) node boxes. One canvas costs far
// less per frame than a few hundred SVG paths whose attributes change (style recalculation,
// per-element paint) plus a canvas per neuron (a compositor layer each, copied every frame).
// It is drawn again only when a link's drawn colour (integer RGB) or width (quarter pixel),
// or a thumbnail's pixels, changed.

import { css, diverging } from "./colors.js";

const MAX_LINK_WIDTH = 7;
const LINK_ALPHA = 0.85;

/** Width in px a weight is drawn with: 0.6 to 7.6, saturating at |w| = 4, in 1/4 px steps. */
export function linkWidth(w) {
  return Math.round(4 * (0.6 + (MAX_LINK_WIDTH * Math.min(Math.abs(w), 4)) / 4)) / 4;
}

export class LinkCanvas {
  constructor() {
    this.canvas = document.createElement("canvas");
    this.canvas.className = "net-links-canvas";
    this.canvas.setAttribute("aria-hidden", "true");
    this.canvas.style.cssText = "position:absolute;left:0;top:0;pointer-events:none";
    this.context = this.canvas.getContext("2d");
    this.curves = [];
    this.tiles = [];
  }

  /** Size the canvas (CSS px) and forget the curves; returns the canvas to insert. */
  reset(width, height) {
    const ratio = window.devicePixelRatio || 1;
    this.ratio = ratio;
    this.width = width;
    this.height = height;
    this.canvas.width = Math.round(width * ratio);
    this.canvas.height = Math.round(height * ratio);
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    this.curves = [];
    this.tiles = [];
    this.dirty = true;
    return this.canvas;
  }

  /** Add a curve from (a, y1) to (b, y2), bending at the middle; returns its index. */
  add(a, y1, b, y2) {
    this.curves.push({ a, y1, b, y2, stroke: null, width: 0 });
    return this.curves.length - 1;
  }

  /** Add a thumbnail shown in the square (x, y, size); returns its index. */
  addTile(x, y, size) {
    this.tiles.push({ x, y, size, canvas: document.createElement("canvas"), image: null, pixels: null });
    return this.tiles.length - 1;
  }

  /**
   * Write thumbnail `index` (rows × cols) through `colourAt(i)` (packed RGBA of pixel i);
   * it is drawn again only if a pixel changed.
   */
  setTile(index, rows, cols, colourAt) {
    const tile = this.tiles[index];
    let changed = false;
    if (!tile.image || tile.canvas.width !== cols || tile.canvas.height !== rows) {
      tile.canvas.width = cols;
      tile.canvas.height = rows;
      tile.image = tile.canvas.getContext("2d").createImageData(cols, rows);
      tile.pixels = new Uint32Array(tile.image.data.buffer);
      changed = true;
    }
    const pixels = tile.pixels;
    for (let i = 0, n = rows * cols; i < n; i++) {
      const colour = colourAt(i);
      if (pixels[i] !== colour) {
        pixels[i] = colour;
        changed = true;
      }
    }
    if (changed) {
      tile.canvas.getContext("2d").putImageData(tile.image, 0, 0);
      tile.drawn = true;
      this.dirty = true;
    }
  }

  /** Set curve `index` to show weight `w`. */
  set(index, w) {
    const curve = this.curves[index];
    const stroke = css(diverging(w));
    const width = linkWidth(w);
    if (curve.stroke !== stroke || curve.width !== width) {
      curve.stroke = stroke;
      curve.width = width;
      this.dirty = true;
    }
  }

  /** Draw the curves if any changed since the last draw (in the order they were added). */
  paint() {
    if (!this.dirty) return;
    this.dirty = false;
    const context = this.context;
    context.setTransform(this.ratio, 0, 0, this.ratio, 0, 0);
    context.clearRect(0, 0, this.width, this.height);
    context.globalAlpha = LINK_ALPHA;
    context.lineCap = "butt";
    for (const { a, y1, b, y2, stroke, width } of this.curves) {
      if (stroke === null) continue;
      const middle = (a + b) / 2;
      context.strokeStyle = stroke;
      context.lineWidth = width;
      context.beginPath();
      context.moveTo(a, y1);
      context.bezierCurveTo(middle, y1, middle, y2, b, y2);
      context.stroke();
    }
    context.globalAlpha = 1;
    for (const { x, y, size, canvas, drawn } of this.tiles) {
      if (drawn) context.drawImage(canvas, x, y, size, size);
    }
  }
}
