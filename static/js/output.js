// The output column and the gradient-flow panel: the main heatmap (decision boundary, or the
// neuron / feature under the pointer), its legend, the data points, and the charts' history.

import { LineChart } from "./charts.js";
import { LAYER_COLORS, categorical, classLut, css, diverging, divergingLut } from "./colors.js";
import { MISSING, formatNumber, formatPercent } from "./format.js";
import { findGrid, unitOffset } from "./frame.js";
import { Heatmap, renderLegend } from "./heatmap.js";
import { lazy, t } from "./i18n.js";
import { FEATURE_FUNCTIONS, FEATURE_LABELS, unitName } from "./network.js";
import { DecisionLine } from "./decision-line.js";
import { BatchView } from "./batch-view.js";
import { setAttribute, setText, within } from "./dom.js";

const PLOT_SIZE = 300;
const FEATURE_RESOLUTION = 100;
const TRAIN = "#1f2a33";
const TEST = "#1f2a33";

// What the gradient panel says (catalogue keys in i18n/*.json).
const GRADIENT_TEXT = {
  // The plot's caption for a neuron that a tap shows (until the next tap).
  pinnedUnit: (name) => t("output.showing_pinned", { name }),
  side: (k, count) => (k === 0 ? t("gradient.input") : k === count ? t("gradient.output") : t("gradient.hidden", { index: k })),
};

/** "W2" and "W2 (hidden 1 → hidden 2)" for weight layer l (from 0) of `count`. */
export function layerNames(l, count) {
  const short = `W${l + 1}`;
  return [short, t("gradient.layer", { short, from: GRADIENT_TEXT.side(l, count), to: GRADIENT_TEXT.side(l + 1, count) })];
}

/**
 * The gradient-flow panel: ‖∂L/∂W‖ of every weight layer over time on a log axis, a legend
 * naming each line (W1 on the input side first) with its latest value, and a note: before
 * the first step, that there is nothing yet; after it, which norms the chart cannot draw
 * (not finite, or 0).
 */
class GradientPanel {
  constructor(canvas, legend, note) {
    this.legend = legend;
    this.note = note;
    this.values = []; // the legend's value cells
    this.names = []; // the legend's name cells
    this.header = null; // the frame header last shown
    this.chart = new LineChart(canvas, { height: 130, log: true, legend: false, series: [] });
    // The legend and the note while they are in the viewport (null until the observer says):
    // while training plays, text out of sight is not rewritten, since any change of the page's
    // text costs a layout and a repaint.
    this.visible = null;
    const observer = new IntersectionObserver((entries) => {
      this.visible ??= new Set();
      for (const entry of entries) {
        if (entry.isIntersecting) this.visible.add(entry.target);
        else this.visible.delete(entry.target);
      }
    });
    observer.observe(legend);
    observer.observe(note);
  }

  /** Record one frame's norms (every frame, even ones never painted). */
  record(state, norms) {
    const chart = this.chart;
    if (chart.series.length !== norms.length) this.#setLayers(norms.length);
    chart.push(state.iteration, state.epoch, Object.fromEntries(norms.map((v, l) => [`g${l}`, v])));
  }

  #setLayers(count) {
    const series = [];
    const items = [];
    this.values = [];
    this.names = [];
    for (let l = 0; l < count; l++) {
      const [short, label] = layerNames(l, count);
      const color = LAYER_COLORS[l % LAYER_COLORS.length];
      series.push({ key: `g${l}`, short, label, color, width: 2 });
      const item = document.createElement("li");
      const swatch = document.createElement("i");
      swatch.style.background = color;
      const name = document.createElement("span");
      name.textContent = label;
      const value = document.createElement("output");
      value.textContent = MISSING;
      item.append(swatch, name, value);
      items.push(item);
      this.values.push(value);
      this.names.push(name);
    }
    this.chart.setSeries(series);
    this.legend.replaceChildren(...items);
  }

  /** The legend's names and the note in the page's (new) language. */
  relabel() {
    const count = this.names.length;
    this.names.forEach((name, l) => {
      name.textContent = layerNames(l, count)[1];
    });
    this.show(this.header);
  }

  /**
   * The latest values and the note, from a painted frame's header (null: nothing to say);
   * while `playing`, only if they are on screen.
   */
  show(header, playing = false) {
    this.header = header;
    if (playing && this.visible?.size === 0) return;
    const trained = header !== null && header.state.iteration > 0;
    const norms = trained ? header.gradient_norms : [];
    const notFinite = [];
    const zero = [];
    this.values.forEach((cell, l) => {
      const v = norms[l];
      let text = MISSING;
      if (trained && (v === null || v === undefined)) {
        text = t("gradient.not_finite");
        notFinite.push(`W${l + 1}`);
      } else if (trained) {
        text = formatNumber(v);
        if (v === 0) zero.push(`W${l + 1}`);
      }
      setText(cell, text);
    });
    const notes = [];
    if (notFinite.length) notes.push(t("gradient.not_finite_note", { layers: notFinite.join(", ") }));
    if (zero.length) notes.push(t("gradient.zero_note", { layers: zero.join(", ") }));
    const text = trained ? notes.join(" ") : t("gradient.before");
    setText(this.note, text);
    setAttribute(this.note, "data-tone", trained ? "warning" : "quiet");
    if (this.note.hidden !== !text) this.note.hidden = !text;
  }
}

export class OutputView {
  constructor(root) {
    const $ = within(root);
    this.$ = $;
    this.heatmap = new Heatmap($("heatmap"), { size: PLOT_SIZE });
    // The plot is as wide as its box (style.css .plot: PLOT_SIZE beside the other columns,
    // wider or narrower when the columns stack).
    const plotBox = this.heatmap.canvas.parentElement;
    new ResizeObserver(() => {
      const width = Math.floor(plotBox.clientWidth);
      if (width > 0) this.heatmap.setSize(width);
    }).observe(plotBox);
    this.decisionLine = new DecisionLine(plotBox, $("decision-line"));
    this.batch = new BatchView(plotBox, $("batch-note"));
    this.legend = $("legend");
    this.caption = $("plot-caption");
    this.legendKey = null;
    this.hover = null;
    this.discretize = false;
    this.regressionRange = 1;
    this.problem = null;
    this.loss = new LineChart($("loss-chart"), {
      height: 84,
      series: [
        { key: "train", label: lazy("chart.train_loss"), color: "#8a9099" },
        { key: "test", label: lazy("chart.test_loss"), color: TRAIN, width: 2 },
      ],
    });
    this.accuracy = new LineChart($("accuracy-chart"), {
      height: 84,
      yMin: 0,
      yMax: 1,
      format: (v) => formatPercent(v, { decimals: 0 }),
      series: [
        { key: "train", label: lazy("chart.train_accuracy"), color: "#8a9099" },
        { key: "test", label: lazy("chart.test_accuracy"), color: TEST, width: 2 },
      ],
    });
    this.gradients = new GradientPanel(
      $("gradient-chart"),
      $("gradient-legend"),
      $("gradient-note"),
    );
  }

  /** Training and test points from GET /api/sessions/{id}/data. */
  setData(data, problem) {
    const labels = [...data.train.y, ...data.test.y];
    this.regressionRange = problem === "regression" ? Math.max(1e-9, ...labels.map(Math.abs)) : 1;
    const range = this.regressionRange;
    const colorOf =
      problem === "regression"
        ? (y) => css(diverging(y / range))
        : (y) => css(categorical(Math.round(y)));
    this.heatmap.setPoints(data.train, data.test, colorOf);
    this.heatmap.render();
  }

  /** The session's points in the server's order (a frame's batch indexes its training points). */
  setServerPoints(data) {
    this.batch.setTrain(data.train);
  }

  setShowTest(show) {
    this.heatmap.setShowTest(show);
    this.heatmap.render();
  }

  /** Record a frame's numbers in the charts (every frame, even ones never painted). */
  record(header) {
    const s = header.state;
    this.loss.push(s.iteration, s.epoch, { train: s.train_loss, test: s.test_loss });
    this.accuracy.push(s.iteration, s.epoch, { train: s.train_accuracy, test: s.test_accuracy });
    this.gradients.record(s, header.gradient_norms);
  }

  /** The gradient panel's text for a painted frame (null: its numbers do not apply). */
  showGradients(header, playing = false) {
    this.gradients.show(header, playing);
  }

  /**
   * Draw the charts that have new points (`playing`: only those on screen that are due, see
   * charts.js; the rest wait).
   */
  drawCharts(playing = false) {
    const regression = this.problem === "regression";
    this.$("accuracy-chart").hidden = regression;
    const now = performance.now();
    for (const chart of [this.loss, this.accuracy, this.gradients.chart]) {
      if (chart.dirty && !chart.canvas.hidden && (!playing || (chart.onScreen && chart.due(now)))) chart.draw();
    }
  }

  /** Word the charts, legends and captions again in the page's (new) language. */
  relabel() {
    this.gradients.relabel();
    this.decisionLine.relabel();
    this.batch.relabel();
    for (const chart of [this.loss, this.accuracy, this.gradients.chart]) chart.dirty = true;
    this.legendKey = null;
    this.drawCharts();
  }

  /** What the pointer is over in the network: {kind: "feature"|"unit", …} or null. */
  setHover(target) {
    this.hover = target;
  }

  /** Paint the main plot from a frame (the boundary, or the hovered unit). */
  paint(header, bytes, scales) {
    this.problem = header.problem;
    const diverged = header.state.status === "diverged";
    this.heatmap.setVeiled(diverged);
    const hover = this.hover;
    if (hover && hover.kind === "feature") {
      const [valueAt, scale] = FEATURE_FUNCTIONS[hover.name];
      this.heatmap.paintFunction(FEATURE_RESOLUTION, valueAt, scale);
      this.#legend({ kind: "neuron", range: scale, label: t("network.feature", { name: FEATURE_LABELS[hover.name] }) });
      this.#caption(t("output.showing_feature", { name: FEATURE_LABELS[hover.name] }));
    } else if (hover && hover.kind === "unit" && hover.layerIndex < header.layer_sizes.length &&
               hover.unit < header.layer_sizes[hover.layerIndex]) {
      const { layerIndex, unit } = hover;
      const grid = findGrid(header, "neurons");
      const name = unitName(header.layer_sizes, layerIndex, unit);
      this.heatmap.paint(bytes, unitOffset(header, layerIndex, unit), grid.shape[2], scales.lut(layerIndex, unit));
      this.#legend(scales.legend(layerIndex, unit, name));
      this.#caption(hover.pinned ? GRADIENT_TEXT.pinnedUnit(name) : t("output.showing_unit", { name }));
    } else {
      this.#paintBoundary(header, bytes);
      this.#caption("");
    }
    this.decisionLine.update(header, this.heatmap.size);
    this.batch.update(header, this.heatmap.size);
    this.heatmap.render();
  }

  #paintBoundary(header, bytes) {
    const grid = findGrid(header, "boundary");
    const resolution = grid.shape[0];
    const { lo, hi } = grid;
    if (header.problem === "multiclass") {
      const classes = findGrid(header, "boundary_class");
      const k = header.layer_sizes[header.layer_sizes.length - 1];
      const luts = [];
      for (let c = 0; c < k; c++) {
        luts.push(this.discretize ? classLut(c, 1, 1, 0) : classLut(c, lo, hi, 1 / k));
      }
      this.heatmap.paintClasses(bytes, grid.offset, bytes, classes.offset, resolution, luts);
      this.#legend({ kind: "multiclass", classes: k });
      return;
    }
    const range = this.regressionRange;
    const toT = header.problem === "binary" ? (p) => 2 * p - 1 : (v) => v / range;
    this.heatmap.paint(bytes, grid.offset, resolution, divergingLut(lo, hi, toT, this.discretize));
    this.#legend(header.problem === "binary" ? { kind: "binary" } : { kind: "regression", range });
  }

  #legend(scale) {
    const key = JSON.stringify(scale);
    if (key === this.legendKey) return;
    this.legendKey = key;
    renderLegend(this.legend, scale);
  }

  #caption(text) {
    setText(this.caption, text);
  }
}
