// The diagram's pictures on two canvases: the links, under the (transparent) SVG hit paths, and
// above the (transparent) node boxes the neurons' thumbnail heatmaps and the bias marks (the
// bias buttons stay transparent, as focus, hover and click targets only: a button whose colour
// changes every frame costs a style recalculation and a repaint). One canvas costs far
// less per frame than a few hundred SVG paths whose attributes change (style recalculation,
// per-element paint) plus a canvas per neuron (a compositor layer each, copied every frame).
// It is drawn again only when a link's drawn colour (integer RGB) or width (quarter pixel),
// or a thumbnail's pixels, changed.
// Both canvases are handed to a worker (network-links-worker.js) that draws them: a few
// hundred anti-aliased curves, and fifty-odd thumbnails scaled up smoothly, take a software
// rasteriser milliseconds, which the page's main thread then spends on its frames instead.
// Where a canvas cannot be handed over, they are drawn here, by the same functions.

import { css, packDiverging } from "./colors.js";

const MAX_LINK_WIDTH = 7;
const LINK_ALPHA = 0.85;
// While training plays, the links (the costliest picture: a few hundred anti-aliased curves)
// are drawn at most this often, and not in a frame the page marks busy (the one that draws its
// charts and numbers, painter.js), so that the two costliest parts of a frame fall in different
// frames; the thumbnails and bias marks every frame (on a change). A paused frame draws
// everything, and a skipped change is drawn by a later frame, or by a timer if none comes.
const PLAYING_LINK_INTERVAL_MS = 30;
// Thumbnail buffers kept for reuse at most (one is in the worker's hands, one on its way).
const MAX_SPARES = 2;
const MARK_BORDER = "#5d656d";
const MARK_EMPTY = "#ddd";

function layerCanvas() {
  const canvas = document.createElement("canvas");
  canvas.setAttribute("aria-hidden", "true");
  canvas.style.cssText = "position:absolute;left:0;top:0;pointer-events:none";
  return canvas;
}

/** Width in px a weight is drawn with: 0.6 to 7.6, saturating at |w| = 4, in 1/4 px steps. */
export function linkWidth(w) {
  return Math.round(4 * (0.6 + (MAX_LINK_WIDTH * Math.min(Math.abs(w), 4)) / 4)) / 4;
}

/** The CSS colour of an RGB triple packed as colors.js packs it. */
function cssOf(packed) {
  return css([packed & 255, (packed >>> 8) & 255, (packed >>> 16) & 255]);
}

/**
 * Draw links on `context` (a canvas of `width` × `height` CSS px at `ratio` device px each), in
 * order: link k runs from (a, y1) to (b, y2) = geometry[4k…4k+3], bending at the middle, in
 * colour colours[k] (packed RGB as colors.js packs it; 0: not drawn) and widths[k] px.
 */
export function drawLinks(context, { geometry, colours, widths }, ratio, width, height) {
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  context.globalAlpha = LINK_ALPHA;
  context.lineCap = "butt";
  for (let k = 0; k < colours.length; k++) {
    const colour = colours[k];
    if (colour === 0) continue;
    const [a, y1, b, y2] = [geometry[4 * k], geometry[4 * k + 1], geometry[4 * k + 2], geometry[4 * k + 3]];
    const middle = (a + b) / 2;
    context.strokeStyle = cssOf(colour);
    context.lineWidth = widths[k];
    context.beginPath();
    context.moveTo(a, y1);
    context.bezierCurveTo(middle, y1, middle, y2, b, y2);
    context.stroke();
  }
}

/**
 * Where thumbnail k's rows start in the atlas of `rows`-row thumbnails that tiles.pixels holds
 * (in pixel rows): one above another, each between copies of its first and last row, so that
 * scaling one smoothly never blends in its neighbour's edge.
 */
export const atlasRow = (k, rows) => k * (rows + 2) + 1;

/**
 * Draw thumbnails and bias marks on `context` (as drawLinks): thumbnail k, rows × cols packed
 * RGBA pixels from atlas row atlasRow(k, rows) of pixels (cols wide), scaled smoothly into the
 * square rects[3k…3k+2] = (x, y, size) if drawn[k]; above them bias mark k, the square
 * marks[3k…3k+2] filled with fills[k] (packed RGB; 0: none yet) inside a border. `atlas` is a
 * canvas kept from one call to the next.
 */
export function drawTiles(context, { rows, cols, pixels, rects, drawn, marks, fills }, atlas, ratio, width, height) {
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, height);
  if (drawn.some(Boolean)) {
    // One image for every thumbnail: a canvas (and its snapshot) per thumbnail costs twice as much.
    const atlasRows = pixels.length / cols;
    if (atlas.width !== cols || atlas.height !== atlasRows) [atlas.width, atlas.height] = [cols, atlasRows];
    atlas.getContext("2d").putImageData(new ImageData(new Uint8ClampedArray(pixels.buffer), cols, atlasRows), 0, 0);
  }
  for (let k = 0; k < drawn.length; k++) {
    if (!drawn[k]) continue;
    const [x, y, size] = [rects[3 * k], rects[3 * k + 1], rects[3 * k + 2]];
    context.drawImage(atlas, 0, atlasRow(k, rows), cols, rows, x, y, size, size);
  }
  context.lineWidth = 1;
  context.strokeStyle = MARK_BORDER;
  for (let k = 0; k < fills.length; k++) {
    const [x, y, size] = [marks[3 * k], marks[3 * k + 1], marks[3 * k + 2]];
    context.fillStyle = fills[k] ? cssOf(fills[k]) : MARK_EMPTY;
    context.fillRect(x, y, size, size);
    context.strokeRect(x + 0.5, y + 0.5, size - 1, size - 1);
  }
}

export class LinkCanvas {
  constructor() {
    this.canvas = layerCanvas(); // links
    this.tileCanvas = layerCanvas(); // thumbnails, above the links
    if (typeof this.canvas.transferControlToOffscreen === "function") {
      this.worker = new Worker(new URL("./network-links-worker.js", import.meta.url), { type: "module" });
      const links = this.canvas.transferControlToOffscreen();
      const tiles = this.tileCanvas.transferControlToOffscreen();
      this.worker.postMessage({ canvases: { links, tiles } }, [links, tiles]);
      // Thumbnail buffers the worker has drawn, handed back to be filled again: a new 200 kB
      // buffer a frame costs more than copying into an old one.
      this.spares = [];
      this.worker.onmessage = ({ data }) => {
        if (data.spare && this.spares.length < MAX_SPARES) this.spares.push(data.spare);
      };
    } else {
      this.context = this.canvas.getContext("2d");
      this.tileContext = this.tileCanvas.getContext("2d");
      this.atlas = document.createElement("canvas"); // for drawTiles
    }
    this.linksPaintedAt = -Infinity;
    this.curves = [];
    this.tiles = [];
    this.marks = [];
  }

  /**
   * Size the canvases (CSS px) and forget curves, tiles and marks; returns the canvases to
   * insert: the links' under the hit paths, the thumbnails' above the node boxes.
   */
  reset(width, height) {
    const ratio = window.devicePixelRatio || 1;
    this.ratio = ratio;
    this.width = width;
    this.height = height;
    this.size = [Math.round(width * ratio), Math.round(height * ratio)];
    for (const canvas of [this.canvas, this.tileCanvas]) {
      // The worker's canvases are sized by the worker, when it next draws (or clears) them.
      if (!this.worker) [canvas.width, canvas.height] = this.size;
      canvas.style.width = `${width}px`;
      canvas.style.height = `${height}px`;
    }
    this.geometry = null; // the curves' ends, for drawLinks: made when they are first drawn
    this.tilePixels = null; // every thumbnail's pixels, one above another (setTile, atlasRow)
    this.tileGeometry = null; // the thumbnails' and marks' squares, for drawTiles
    if (this.worker) {
      // A canvas is sized and drawn in one message when it is drawn before this task ends (no
      // frame of a cleared canvas in between); otherwise cleared now, as a resized canvas is.
      this.sent = { links: false, tiles: false };
      queueMicrotask(() => {
        const { links, tiles } = this.sent;
        if (!links || !tiles) this.#post({ links: links ? undefined : null, tiles: tiles ? undefined : null });
      });
    }
    this.curves = [];
    this.tiles = [];
    this.marks = [];
    this.dirty = true;
    this.tilesDirty = true;
    return [this.canvas, this.tileCanvas];
  }

  /** Add a curve from (a, y1) to (b, y2), bending at the middle; returns its index. */
  add(a, y1, b, y2) {
    this.curves.push({ a, y1, b, y2, colour: 0, width: 0 });
    return this.curves.length - 1;
  }

  /** Add a thumbnail shown in the square (x, y, size); returns its index. */
  addTile(x, y, size) {
    this.tiles.push({ x, y, size, drawn: false });
    return this.tiles.length - 1;
  }

  /** Add a bias mark: a square (x, y, size) with a border, filled by setMark; returns its index. */
  addMark(x, y, size) {
    this.marks.push({ x, y, size, fill: 0 });
    return this.marks.length - 1;
  }

  /** Fill mark `index` with the colour of value `v`; drawn with the thumbnails, on a change. */
  setMark(index, v) {
    const mark = this.marks[index];
    const fill = packDiverging(v);
    if (mark.fill !== fill) {
      mark.fill = fill;
      this.tilesDirty = true;
    }
  }

  /**
   * Write thumbnail `index` (rows × cols) through `colourAt(i)` (packed RGBA of pixel i);
   * it is drawn again only if a pixel changed.
   */
  setTile(index, rows, cols, colourAt) {
    const tile = this.tiles[index];
    if (!this.tilePixels || this.tileRows !== rows || this.tileCols !== cols) {
      this.tilePixels = new Uint32Array(this.tiles.length * (rows + 2) * cols);
      [this.tileRows, this.tileCols] = [rows, cols];
      for (const other of this.tiles) other.drawn = false;
    }
    const pixels = this.tilePixels;
    const start = atlasRow(index, rows) * cols;
    let changed = !tile.drawn;
    for (let i = 0, p = start, count = rows * cols; i < count; i++, p++) {
      const colour = colourAt(i);
      if (pixels[p] !== colour) {
        pixels[p] = colour;
        changed = true;
      }
    }
    if (changed) {
      // The rows above and below: copies of the first and the last.
      pixels.copyWithin(start - cols, start, start + cols);
      pixels.copyWithin(start + rows * cols, start + (rows - 1) * cols, start + rows * cols);
      tile.drawn = true;
      this.tilesDirty = true;
    }
  }

  /** Set curve `index` to show weight `w`. */
  set(index, w) {
    const curve = this.curves[index];
    const colour = packDiverging(w);
    const width = linkWidth(w);
    if (curve.colour !== colour || curve.width !== width) {
      curve.colour = colour;
      curve.width = width;
      this.dirty = true;
    }
  }

  /**
   * Draw what changed since the last draw: the curves (in the order they were added; while
   * `playing`, at most every PLAYING_LINK_INTERVAL_MS, and not while `busy` unless they are an
   * interval late) and the thumbnails.
   */
  paint(playing = false, busy = false) {
    const now = performance.now();
    const due = playing ? this.linksPaintedAt + PLAYING_LINK_INTERVAL_MS : now;
    const late = now >= due + PLAYING_LINK_INTERVAL_MS;
    clearTimeout(this.trailing);
    const parts = {};
    if (this.dirty && now >= due && (!busy || late)) parts.links = this.#links();
    else if (this.dirty) {
      this.trailing = setTimeout(() => {
        if (this.dirty) this.#draw({ links: this.#links() });
      }, due - now + PLAYING_LINK_INTERVAL_MS);
    }
    if (this.tilesDirty) {
      this.tilesDirty = false;
      parts.tiles = this.#tiles();
    }
    if (parts.links || parts.tiles) this.#draw(parts);
  }

  /** Draw `parts` ({links, tiles}, either may be missing): in the worker, in one message. */
  #draw(parts) {
    const { links, tiles } = parts;
    if (this.worker) {
      const transfer = [];
      if (links) transfer.push(links.colours.buffer, links.widths.buffer);
      if (tiles) transfer.push(tiles.pixels.buffer);
      this.#post(parts, transfer);
      return;
    }
    if (links) drawLinks(this.context, links, this.ratio, this.width, this.height);
    if (tiles) drawTiles(this.tileContext, tiles, this.atlas, this.ratio, this.width, this.height);
  }

  /** What drawTiles draws, as it stands. */
  #tiles() {
    this.tileGeometry ??= {
      rects: new Float64Array(this.tiles.flatMap(({ x, y, size }) => [x, y, size])),
      marks: new Float64Array(this.marks.flatMap(({ x, y, size }) => [x, y, size])),
    };
    return {
      rows: this.tileRows,
      cols: this.tileCols,
      pixels: this.#pixelsToSend(),
      ...this.tileGeometry,
      drawn: Uint8Array.from(this.tiles, ({ drawn }) => drawn),
      fills: Uint32Array.from(this.marks, ({ fill }) => fill),
    };
  }

  /** A copy of the thumbnails' pixels, for the worker to keep (in a buffer it handed back). */
  #pixelsToSend() {
    if (!this.tilePixels) return new Uint32Array(0);
    if (!this.worker) return this.tilePixels;
    const length = this.tilePixels.length;
    let spare = this.spares.pop();
    while (spare && spare.byteLength !== 4 * length) spare = this.spares.pop(); // an old shape's
    const copy = spare ? new Uint32Array(spare) : new Uint32Array(length);
    copy.set(this.tilePixels);
    return copy;
  }

  /** What drawLinks draws, as it stands; the curves count as drawn from now. */
  #links() {
    this.dirty = false;
    this.linksPaintedAt = performance.now();
    const count = this.curves.length;
    this.geometry ??= new Float64Array(this.curves.flatMap(({ a, y1, b, y2 }) => [a, y1, b, y2]));
    const links = { geometry: this.geometry, colours: new Uint32Array(count), widths: new Float32Array(count) };
    this.curves.forEach(({ colour, width }, k) => {
      links.colours[k] = colour;
      links.widths[k] = width;
    });
    return links;
  }

  /**
   * Size the worker's canvases and draw what `parts` carries: `links` and `tiles`, each what
   * drawLinks or drawTiles draws, or null to clear that canvas (undefined: leave it be).
   */
  #post(parts, transfer = []) {
    for (const [key, part] of Object.entries(parts)) if (part !== undefined) this.sent[key] = true;
    this.worker.postMessage({ size: this.size, ratio: this.ratio, width: this.width, height: this.height, ...parts }, transfer);
  }
}
