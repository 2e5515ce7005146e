// The output column and the gradient-flow panel: the main heatmap (decision boundary, or the
// neuron / feature under the pointer), its legend, the data points, and the charts' history.

import { LAYER_COLORS, LineChart } from "./charts.js";
import { categorical, classLut, css, diverging, divergingLut } from "./colors.js";
import { findGrid, unitOffset } from "./frame.js";
import { Heatmap, renderLegend } from "./heatmap.js";
import { FEATURE_FUNCTIONS, FEATURE_LABELS, unitName } from "./network.js";

const PLOT_SIZE = 300;
const FEATURE_RESOLUTION = 100;
const TRAIN = "#1f2a33";
const TEST = "#1f2a33";

/** "in→h1", "h1→h2", …, "h2→out" for weight layer l of `count`. */
function layerLabel(l, count) {
  const name = (k) => (k === 0 ? "in" : k === count ? "out" : `h${k}`);
  return `${name(l)}→${name(l + 1)}`;
}

export class OutputView {
  constructor() {
    this.heatmap = new Heatmap(document.getElementById("heatmap"), { size: PLOT_SIZE });
    this.legend = document.getElementById("legend");
    this.caption = document.getElementById("plot-caption");
    this.legendKey = null;
    this.hover = null;
    this.discretize = false;
    this.regressionRange = 1;
    this.problem = null;
    this.loss = new LineChart(document.getElementById("loss-chart"), {
      height: 84,
      series: [
        { key: "train", label: "train loss", color: "#8a9099" },
        { key: "test", label: "test loss", color: TRAIN, width: 2 },
      ],
    });
    this.accuracy = new LineChart(document.getElementById("accuracy-chart"), {
      height: 84,
      yMin: 0,
      yMax: 1,
      format: (v) => `${(100 * v).toFixed(0)}%`,
      series: [
        { key: "train", label: "train accuracy", color: "#8a9099" },
        { key: "test", label: "test accuracy", color: TEST, width: 2 },
      ],
    });
    this.gradients = new LineChart(document.getElementById("gradient-chart"), {
      height: 120,
      log: true,
      empty: "Gradient norms appear after the first training step.",
      format: (v) => v.toExponential(2),
      series: [],
    });
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

  setShowTest(show) {
    this.heatmap.setShowTest(show);
    this.heatmap.render();
  }

  /** Record a frame's numbers in the charts (every frame, even ones never painted). */
  record(header) {
    const s = header.state;
    this.loss.push(s.iteration, s.epoch, { train: s.train_loss, test: s.test_loss });
    this.accuracy.push(s.iteration, s.epoch, { train: s.train_accuracy, test: s.test_accuracy });
    const norms = header.gradient_norms;
    if (this.gradients.series.length !== norms.length) {
      this.gradients.setSeries(
        norms.map((_, l) => ({
          key: `g${l}`,
          label: layerLabel(l, norms.length),
          color: LAYER_COLORS[Math.round((l * (LAYER_COLORS.length - 1)) / Math.max(1, norms.length - 1))],
        })),
      );
    }
    this.gradients.push(s.iteration, s.epoch, Object.fromEntries(norms.map((v, l) => [`g${l}`, v])));
  }

  drawCharts() {
    const regression = this.problem === "regression";
    document.getElementById("accuracy-chart").hidden = regression;
    for (const chart of [this.loss, this.accuracy, this.gradients]) {
      if (chart.dirty && !chart.canvas.hidden) chart.draw();
    }
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
      this.#legend({ kind: "neuron", range: scale, label: `Feature ${FEATURE_LABELS[hover.name]}` });
      this.#caption(`Showing feature ${FEATURE_LABELS[hover.name]}`);
    } else if (hover && hover.kind === "unit" && hover.layerIndex < header.layer_sizes.length &&
               hover.unit < header.layer_sizes[hover.layerIndex]) {
      const { layerIndex, unit } = hover;
      const grid = findGrid(header, "neurons");
      const name = unitName(header.layer_sizes, layerIndex, unit);
      this.heatmap.paint(bytes, unitOffset(header, layerIndex, unit), grid.shape[2], scales.lut(layerIndex, unit));
      this.#legend(scales.legend(layerIndex, unit, name));
      this.#caption(`Showing ${name}; move away for the output`);
    } else {
      this.#paintBoundary(header, bytes);
      this.#caption("");
    }
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
    if (this.caption.textContent !== text) this.caption.textContent = text;
  }
}
