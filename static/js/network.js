// The network diagram: feature nodes, hidden neurons and output units with thumbnail
// heatmaps, links whose width and colour show the weight (drawn
// on one canvas, network-links.js, under transparent SVG paths that take hover and clicks), +/− controls for layers and neurons. Editing of weights and biases lives in
// network-edit.js; this file owns the layout and paints each frame.

import { LinkCanvas } from "./network-links.js";
import { unitOffset } from "./frame.js";
import { fillFunction } from "./heatmap.js";
import { BOUNDS, FEATURES } from "./meta.js";
import { LinkEditor } from "./network-edit.js";
import { DiagramKeys } from "./network-keys.js";
import { fill, t } from "./i18n.js";
import { FEATURE_FUNCTIONS, FEATURE_LABELS, unitName } from "./units.js";

export { FEATURE_FUNCTIONS, FEATURE_LABELS, unitName };

const SVG = "http://www.w3.org/2000/svg";
// Vertical distance between node centres: ROW_PITCH up to PITCH_ROWS rows; taller layers
// (up to the server's max_neurons) squeeze it, down to MIN_ROW_PITCH, and the nodes with it.
const ROW_PITCH = 50;
const PITCH_ROWS = 8;
const MIN_ROW_PITCH = 24;
const NODE_GAP = 8; // at least this much between two nodes of a column (the bias mark sits in it)
const TOP = 6;
const LABEL_WIDTH = 58; // room for the feature names left of the feature nodes
const FEATURE_THUMBNAIL = 32;
const NODE_BORDER = 1.5; // the node boxes' border width (style.css)
// The bias mark's square (style.css .bias): its size and its offset out of the node box's
// bottom-left padding corner.
const BIAS_SIZE = 9;
const BIAS_OFFSET = 7;

const featureLabel = (name) => FEATURE_LABELS[name] ?? name;

/** A length custom property of `element` (style.css) in CSS px; 0 if it has none. */
function cssPixels(element, name) {
  return parseFloat(getComputedStyle(element).getPropertyValue(name)) || 0;
}

function element(tag, className, attributes = {}) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, value);
  return node;
}

export class NetworkView {
  /**
   * hooks: onToggleFeature(name), onLayers(delta), onNeurons(layer, delta),
   *        onSetWeight(layer, from, to, value), onSetBias(layer, neuron, value),
   *        onHover({kind: "feature", name} | {kind: "unit", layerIndex, unit, pinned?} | null)
   *        (pinned: shown by a tap, until the next one)
   */
  constructor(root, hooks) {
    this.root = root;
    this.hooks = hooks;
    this.shape = null;
    this.header = root.querySelector(".net-header");
    this.columns = root.querySelector(".net-columns");
    this.body = root.querySelector(".net-body");
    this.editor = new LinkEditor(root, this.body, hooks);
    this.keys = new DiagramKeys(this.body, this.editor);
    this.lastWeights = null;
    this.lastBiases = null;
    this.layerLimit = { most: BOUNDS.hidden_layers.max, why: "" };
    this.linkCanvas = new LinkCanvas();
    this.header.querySelector(".layers-add").addEventListener("click", () => hooks.onLayers(+1));
    this.header.querySelector(".layers-remove").addEventListener("click", () => hooks.onLayers(-1));
    // The columns' row is as wide as the diagram's box; the diagram itself may be wider
    // (it then scrolls inside .net-scroll).
    new ResizeObserver(() => this.#relayout()).observe(this.columns);
    this.pinned = null; // the neuron a tap shows large in the output plot
    document.addEventListener("click", (event) => {
      if (this.pinned && !event.target.closest?.(".node.unit")) this.#pin(null);
    }, true);
  }

  /** Features in input order, hidden sizes, number of output units. Rebuilds if changed. */
  setShape(features, hidden, outputs) {
    const shape = { features: [...features], hidden: [...hidden], outputs };
    if (this.shape && JSON.stringify(shape) === JSON.stringify(this.shape)) return;
    this.shape = shape;
    this.layerSizes = [features.length, ...hidden, outputs];
    this.#build();
  }

  /** The most hidden layers the add button allows (`why` says why, when fewer than the server's bound). */
  setLayerLimit(limit) {
    if (limit.most === this.layerLimit.most && limit.why === this.layerLimit.why) return;
    this.layerLimit = limit;
    if (this.shape) this.#buildHeader(this.shape.hidden, this.geometry.columnX);
  }

  /** Word the diagram again in the page's (new) language. */
  relabel() {
    this.keys.relabel();
    this.editor.relabel();
    if (this.shape) this.#build();
  }

  #relayout() {
    const width = this.columns.clientWidth;
    if (this.shape && width > 0 && width !== this.builtWidth) this.#build();
  }

  /** A mouse or pen over a node shows it large; a finger has no hover, it taps (#tap). */
  #hover(event, target) {
    if (event.pointerType !== "touch") this.hooks.onHover(target ?? this.pinned);
  }

  /** A tap on a neuron shows it large until the next tap: on it again, or anywhere else. */
  #tap(event, target) {
    if (event.pointerType !== "touch") return;
    const same = JSON.stringify(target) === JSON.stringify(this.pinned);
    this.#pin(same ? null : target);
  }

  #pin(target) {
    this.pinned = target;
    this.hooks.onHover(target && { ...target, pinned: true });
  }

  #build() {
    const { features, hidden } = this.shape;
    const sizes = this.layerSizes;
    // A touch screen asks for room between columns for the +/− buttons (style.css
    // --layer-min-spacing); a diagram wider than its box scrolls inside it.
    const available = this.columns.clientWidth;
    const minSpacing = cssPixels(this.root, "--layer-min-spacing");
    const width = Math.max(available, 320, LABEL_WIDTH + 24 + minSpacing * (sizes.length - 1));
    this.builtWidth = available;
    this.body.style.width = width > available ? `${width}px` : "";
    const columnCount = sizes.length; // features, hidden..., output
    const rows = Math.max(FEATURES.length, ...sizes);
    const pitch = Math.max(MIN_ROW_PITCH, Math.min(ROW_PITCH, Math.round((ROW_PITCH * PITCH_ROWS) / rows)));
    const spacing = (width - LABEL_WIDTH - 24) / (columnCount - 1);
    const node = Math.round(Math.min(pitch - NODE_GAP, Math.max(22, Math.min(34, spacing * 0.48))));
    const columnX = (c) => LABEL_WIDTH + node / 2 + c * spacing;
    const rowY = (r) => TOP + node / 2 + r * pitch;
    const height = TOP * 2 + (rows - 1) * pitch + node;
    this.body.style.height = `${height}px`;
    this.geometry = { node, columnX, rowY };

    this.#buildHeader(hidden, columnX);
    this.body.replaceChildren();
    const svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("class", "net-links");
    svg.setAttribute("width", width);
    svg.setAttribute("height", height);
    svg.setAttribute("aria-hidden", "true");
    const hits = document.createElementNS(SVG, "g");
    svg.append(hits);
    // The output column reaches past `width` (the SVG shows it with overflow: visible); the
    // canvases reach as far as its boxes, no further (they would widen the page or the scroll).
    const reach = Math.ceil(columnX(columnCount - 1) + node / 2) + 1;
    const [linkLayer, tileLayer] = this.linkCanvas.reset(Math.max(width, reach), height);
    this.body.append(linkLayer, svg);

    // Where each layer's units sit: features keep their fixed row in the full feature list.
    const position = (layerIndex, unit) => {
      if (layerIndex === 0) return [columnX(0), rowY(FEATURES.indexOf(features[unit]))];
      return [columnX(layerIndex), rowY(unit)];
    };
    this.links = [];
    this.hitPaths = [];
    for (let l = 0; l < sizes.length - 1; l++) {
      const layerLinks = [];
      const layerHits = [];
      for (let i = 0; i < sizes[l]; i++) {
        const row = [];
        const hitRow = [];
        const [x1, y1] = position(l, i);
        for (let j = 0; j < sizes[l + 1]; j++) {
          const [x2, y2] = position(l + 1, j);
          const a = x1 + node / 2;
          const b = x2 - node / 2;
          const middle = (a + b) / 2;
          const d = `M${a},${y1} C${middle},${y1} ${middle},${y2} ${b},${y2}`;
          const curve = this.linkCanvas.add(a, y1, b, y2);
          const hit = document.createElementNS(SVG, "path");
          hit.setAttribute("d", d);
          hit.setAttribute("class", "link-hit");
          hit.dataset.layer = l;
          hit.dataset.from = i;
          hit.dataset.to = j;
          hits.append(hit);
          row.push(curve);
          hitRow.push(hit);
        }
        layerLinks.push(row);
        layerHits.push(hitRow);
      }
      this.links.push(layerLinks);
      this.hitPaths.push(layerHits);
    }
    const describeLink = (l, i, j) => ({
      value: this.lastWeights?.[l]?.[i]?.[j],
      label: `${this.#unitLabel(l, i)} → ${this.#unitLabel(l + 1, j)}`,
    });
    this.editor.attachLinks(hits, describeLink);

    this.#buildFeatureNodes(features, columnX, rowY, node);
    this.thumbnails = [null];
    this.biasMarks = [];
    for (let l = 1; l < sizes.length; l++) {
      const canvases = [];
      const marks = [];
      for (let j = 0; j < sizes[l]; j++) {
        const [x, y] = position(l, j);
        const name = unitName(sizes, l, j);
        const box = element("div", "node unit", { "aria-label": name, role: "img" });
        // The thumbnail is drawn on the diagram's canvas, inside the box's 1.5 px border.
        box.style.cssText = `left:${x - node / 2}px;top:${y - node / 2}px;width:${node}px;height:${node}px;background:transparent`;
        box.dataset.layer = l;
        box.dataset.unit = j;
        const tile = this.linkCanvas.addTile(x - node / 2 + NODE_BORDER, y - node / 2 + NODE_BORDER, node - 2 * NODE_BORDER);
        const unit = { kind: "unit", layerIndex: l, unit: j };
        box.addEventListener("pointerenter", (event) => this.#hover(event, unit));
        box.addEventListener("pointerleave", (event) => this.#hover(event, null));
        box.addEventListener("click", (event) => this.#tap(event, unit));
        // One tab stop for the whole diagram (network-keys.js), not one per bias.
        // The mark is drawn on the canvas; the (transparent) button takes focus, hover and clicks.
        const bias = element("button", "bias", { type: "button", tabindex: "-1", "aria-label": t("network.bias_of", { name }) });
        bias.dataset.layer = l - 1;
        bias.dataset.neuron = j;
        const markX = x - node / 2 + NODE_BORDER - BIAS_OFFSET;
        const markY = y + node / 2 - NODE_BORDER + BIAS_OFFSET - BIAS_SIZE;
        bias.mark = this.linkCanvas.addMark(markX, markY, BIAS_SIZE);
        // Beside the node box, not inside it: a browser steers a finger's tap to the innermost
        // button near it, so a bias inside would take the taps meant for its neuron.
        bias.style.cssText = `left:${markX}px;top:${markY}px`;
        this.body.append(box, bias);
        canvases.push(tile);
        marks.push(bias);
      }
      this.thumbnails.push(canvases);
      this.biasMarks.push(marks);
    }
    this.body.append(tileLayer); // above the node boxes' borders
    const describeBias = (l, j) => ({ value: this.lastBiases?.[l]?.[j], label: unitName(sizes, l + 1, j) });
    this.editor.attachBiases(this.biasMarks, describeBias);
    // Keyboard order: per weight layer, each neuron's incoming links, then its bias.
    this.keys.setColumns(
      this.hitPaths.map((layerHits, l) =>
        this.biasMarks[l].flatMap((mark, j) => [
          ...layerHits.map((hitRow, i) => ({ kind: "weight", describe: describeLink, args: [l, i, j], element: hitRow[j] })),
          { kind: "bias", describe: describeBias, args: [l, j], element: mark },
        ]),
      ),
    );
    if (this.lastFrame) this.update(...this.lastFrame);
  }

  #unitLabel(layerIndex, unit) {
    if (layerIndex === 0) return featureLabel(this.shape.features[unit]);
    return unitName(this.layerSizes, layerIndex, unit);
  }

  #buildHeader(hidden, columnX) {
    const count = element("span", "layer-count");
    count.textContent = String(hidden.length);
    fill(this.header.querySelector("#network-title"), "network.layers", { count: hidden.length, layers: count });
    const add = this.header.querySelector(".layers-add");
    add.disabled = hidden.length >= this.layerLimit.most;
    add.title = add.disabled && this.layerLimit.why ? this.layerLimit.why : "";
    this.header.querySelector(".layers-remove").disabled = hidden.length <= BOUNDS.hidden_layers.min;
    this.columns.replaceChildren();
    const spacing = columnX(1) - columnX(0);
    const narrow = spacing < 62; // too tight for "8 neurons": show the number alone
    hidden.forEach((size, index) => {
      const group = element("div", "layer-control", { role: "group", "aria-label": t("network.layer", { index: index + 1 }) });
      group.style.left = `${columnX(index + 1)}px`;
      const add = element("button", "round small", { type: "button", "aria-label": t("network.add_neuron", { index: index + 1 }) });
      add.textContent = "+";
      add.disabled = size >= BOUNDS.neurons.max;
      add.addEventListener("click", () => this.hooks.onNeurons(index, +1));
      const remove = element("button", "round small", { type: "button", "aria-label": t("network.remove_neuron", { index: index + 1 }) });
      remove.textContent = "−";
      remove.disabled = size <= BOUNDS.neurons.min;
      remove.addEventListener("click", () => this.hooks.onNeurons(index, -1));
      const label = element("span", "layer-size");
      const words = t("network.neurons", { count: size });
      label.textContent = narrow ? String(size) : words;
      label.title = words;
      group.style.width = `${Math.min(cssPixels(this.root, "--layer-control-width") || 64, spacing - 2)}px`;
      group.append(add, remove, label);
      this.columns.append(group);
    });
  }

  #buildFeatureNodes(active, columnX, rowY, node) {
    FEATURES.forEach((name, row) => {
      const on = active.includes(name);
      const x = columnX(0);
      const y = rowY(row);
      const button = element("button", `node feature${on ? " active" : ""}`, {
        type: "button",
        "aria-pressed": String(on),
        "aria-label": t("network.feature", { name: featureLabel(name) }),
        title: t(on ? "network.feature_on" : "network.feature_off"),
      });
      button.dataset.feature = name;
      button.style.cssText = `left:${x - node / 2}px;top:${y - node / 2}px;width:${node}px;height:${node}px`;
      const canvas = element("canvas");
      canvas.width = FEATURE_THUMBNAIL;
      canvas.height = FEATURE_THUMBNAIL;
      const context = canvas.getContext("2d");
      const image = context.createImageData(FEATURE_THUMBNAIL, FEATURE_THUMBNAIL);
      // A feature the server has and this page cannot picture yet is drawn blank.
      const [valueAt, scale] = FEATURE_FUNCTIONS[name] ?? [() => 0, 1];
      fillFunction(new Uint32Array(image.data.buffer), FEATURE_THUMBNAIL, valueAt, scale);
      context.putImageData(image, 0, 0);
      button.append(canvas);
      button.addEventListener("click", () => this.hooks.onToggleFeature(name));
      button.addEventListener("pointerenter", (event) => this.#hover(event, { kind: "feature", name }));
      button.addEventListener("pointerleave", (event) => this.#hover(event, null));
      const label = element("span", `feature-label${on ? " active" : ""}`);
      label.textContent = featureLabel(name);
      label.style.cssText = `top:${y}px;right:calc(100% - ${x - node / 2 - 8}px)`;
      this.body.append(label, button);
    });
  }

  /**
   * Paint one frame: link widths/colours, bias marks, neuron thumbnails (all on canvases).
   * `busy`: the frame draws other costly parts (network-links.js draws the links in another).
   */
  update(header, bytes, scales, busy = false) {
    this.lastFrame = [header, bytes, scales];
    const sizes = header.layer_sizes;
    if (!this.layerSizes || sizes.join() !== this.layerSizes.join()) return false;
    this.lastWeights = header.weights;
    this.lastBiases = header.biases;
    header.weights.forEach((matrix, l) => {
      const layerLinks = this.links[l];
      for (let i = 0; i < matrix.length; i++) {
        for (let j = 0; j < matrix[i].length; j++) this.linkCanvas.set(layerLinks[i][j], matrix[i][j]);
      }
    });
    header.biases.forEach((vector, l) => {
      const marks = this.biasMarks[l];
      for (let j = 0; j < vector.length; j++) this.linkCanvas.setMark(marks[j].mark, vector[j]);
    });
    this.#paintThumbnails(header, bytes, scales);
    this.linkCanvas.paint(header.playing, busy);
    this.editor.refresh();
    return true;
  }

  #paintThumbnails(header, bytes, scales) {
    const grid = header.grids.find((g) => g.name === "neurons");
    if (!grid) return;
    const [, rows, cols] = grid.shape;
    for (let l = 1; l < header.layer_sizes.length; l++) {
      for (let j = 0; j < header.layer_sizes[l]; j++) {
        const lut = scales.lut(l, j);
        const offset = unitOffset(header, l, j);
        this.linkCanvas.setTile(this.thumbnails[l][j], rows, cols, (i) => lut[bytes[offset + i]]);
      }
    }
  }
}
