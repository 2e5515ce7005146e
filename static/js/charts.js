// Line charts on one canvas each: loss and accuracy (train and test) and the gradient-flow
// panel (one line per weight layer, log scale). Hovering shows the values under the pointer.

import { MISSING, formatNumber, powerOfTen } from "./format.js";
import { t } from "./i18n.js";

const PAD = { left: 40, right: 10, top: 20, bottom: 14 }; // left grows to fit wider y labels
const LABEL_GAP = 6;
const MAX_POINTS = 1200; // beyond this the history is thinned to every other point
// While training plays, a chart is drawn at most once every this many ms per point of each of
// its lines: one more point changes a long history less, and costs more to draw (thick, noisy
// lines rasterise slowly: the gradient chart's 7 lines of 1200 points take 20-30 ms here).
const PLAYING_MS_PER_POINT = 0.05;
const GRID = "#e6e8eb";
const TEXT = "#5f656d";
const FONT = "10px system-ui, sans-serif";
const LEGEND_ROW = 13;
const LONE_POINT = 2.5; // half the width of the dash that marks a point without neighbours
const LINEAR_INTERVALS = 3; // about this many steps between a linear axis's ticks
const LOG_TICKS = 6; // at most about this many ticks on a log axis
// Powers of ten a double can hold: diverging runs reach 1e300, vanishing gradients 1e-300.
const MIN_DECADE = -323;
const MAX_DECADE = 308;

/** Axis and hover text: ~3 significant digits, "10⁻⁴" for a bare power of ten. */
const axisNumber = (v) => formatNumber(v, { shortPowers: true });

/** 1, 2 or 5 times a power of ten: the nice step nearest above `span / intervals`. */
export function niceStep(span, intervals) {
  const raw = span / intervals;
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power;
}

/** Ticks at multiples of a nice step from `low` up to the first one at or above `high`. */
export function linearTicks(low, high, intervals = LINEAR_INTERVALS) {
  const step = niceStep(high - low, intervals);
  const ticks = [];
  for (let i = Math.floor(low / step); ; i++) {
    const tick = i * step;
    if (!Number.isFinite(tick) || tick > Number.MAX_VALUE) {
      ticks.push(high); // a step past the largest double: the data's top is the last tick
      break;
    }
    ticks.push(tick);
    if (tick >= high) break;
  }
  return ticks;
}

/**
 * Ticks of a log axis from 10^first to 10^last (integers): 1-2-5 within one decade, every
 * decade up to LOG_TICKS of them, then every 2nd, 3rd (10⁻³, 10⁻⁶, …), 5th, 10th, … decade.
 */
export function logTicks(first, last) {
  const decades = last - first;
  if (decades <= 1) return [1, 2, 5, 10].map((m) => m * 10 ** first);
  const steps = [1, 2, 3, 5, 10, 20, 30, 50, 100, 200, 300];
  const step = steps.find((s) => decades / s < LOG_TICKS) ?? steps[steps.length - 1];
  const ticks = [];
  for (let e = Math.ceil(first / step) * step; e <= last; e += step) ticks.push(10 ** e);
  return ticks;
}

/**
 * Give `chart.canvas` the width the layout gave it (`chart.layoutWidth`, read now if not yet
 * known) and `height` CSS px, in device pixels; `chart.width` and `chart.ratio` note the size
 * drawn for, so that nothing is reallocated while it holds.
 */
export function fitCanvas(chart, height) {
  const { canvas } = chart;
  const ratio = window.devicePixelRatio || 1;
  if (chart.layoutWidth === null) chart.layoutWidth = canvas.clientWidth;
  const width = chart.layoutWidth || 300;
  if (chart.width !== width || chart.ratio !== ratio) {
    chart.width = width;
    chart.ratio = ratio;
    canvas.style.height = `${height}px`;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
}

export class LineChart {
  /**
   * @param {HTMLCanvasElement} canvas
   * @param {object} options  series: [{key, label, short?, color, dash?, width?}] (`short`
   *                          names the series in the hover), height, log, yMin, yMax,
   *                          format(value) for axis and hover text, legend: false when the
   *                          page shows the series' names itself
   */
  constructor(canvas, { series, height, log = false, yMin = null, yMax = null, format, legend = true }) {
    this.legend = legend;
    this.canvas = canvas;
    this.context = canvas.getContext("2d");
    this.height = height;
    this.log = log;
    this.yMin = yMin;
    this.yMax = yMax;
    this.format = format || axisNumber;
    this.hoverX = null;
    this.setSeries(series);
    // The width comes from the observer (read when layout is already done), not from
    // clientWidth in draw(), which would force a layout in the middle of painting a frame.
    this.layoutWidth = null;
    new ResizeObserver(() => {
      const width = canvas.clientWidth;
      if (width === this.layoutWidth) return;
      this.layoutWidth = width;
      if (this.width !== undefined && !canvas.hidden) this.draw();
    }).observe(canvas);
    // Whether any of the chart is inside the viewport: while training plays, a chart out of
    // sight is not drawn (a thick line of a few hundred points costs milliseconds to rasterise).
    this.onScreen = true;
    this.drawnAt = -Infinity;
    new IntersectionObserver(([entry]) => {
      this.onScreen = entry.isIntersecting;
    }).observe(canvas);
    const show = (x) => {
      this.hoverX = x;
      this.draw();
    };
    canvas.addEventListener("pointermove", (event) => show(event.clientX - canvas.getBoundingClientRect().left));
    // A finger has no hover: a tap shows the values under it until the next tap elsewhere.
    canvas.addEventListener("pointerdown", (event) => {
      if (event.pointerType === "touch") show(event.clientX - canvas.getBoundingClientRect().left);
    });
    canvas.addEventListener("pointerleave", (event) => {
      if (event.pointerType !== "touch") show(null);
    });
    document.addEventListener("click", (event) => {
      if (this.hoverX !== null && event.target !== canvas) show(null);
    });
  }

  setSeries(series) {
    this.series = series;
    this.clear();
  }

  clear() {
    this.xs = [];
    this.epochs = [];
    this.values = Object.fromEntries(this.series.map((s) => [s.key, []]));
    this.dirty = true;
  }

  /**
   * Add a point at iteration `x` (a repeated x replaces the last point; a smaller x restarts).
   * A value that is not a finite number is kept as a gap (null); on a log axis 0 and
   * negative values are kept (the hover shows them) but not drawn.
   */
  push(x, epoch, values) {
    const n = this.xs.length;
    if (n && x < this.xs[n - 1]) this.clear();
    const replace = this.xs.length && x === this.xs[this.xs.length - 1];
    for (const s of this.series) {
      const v = values[s.key];
      const clean = typeof v === "number" && Number.isFinite(v) ? v : null;
      if (replace) this.values[s.key][this.xs.length - 1] = clean;
      else this.values[s.key].push(clean);
    }
    if (!replace) {
      this.xs.push(x);
      this.epochs.push(epoch);
    }
    if (this.xs.length > MAX_POINTS) this.#thin();
    this.dirty = true;
  }

  #thin() {
    const keep = (array) => array.filter((_, i) => i % 2 === 0 || i === array.length - 1);
    this.xs = keep(this.xs);
    this.epochs = keep(this.epochs);
    for (const s of this.series) this.values[s.key] = keep(this.values[s.key]);
  }

  #resize() {
    fitCanvas(this, this.height);
  }

  #yRange() {
    let low = Infinity;
    let high = -Infinity;
    for (const s of this.series) {
      for (const v of this.values[s.key]) {
        if (!this.#drawable(v)) continue;
        if (v < low) low = v;
        if (v > high) high = v;
      }
    }
    if (this.log) {
      if (!Number.isFinite(low)) return [-4, 0];
      const first = Math.max(MIN_DECADE, Math.floor(Math.log10(low)));
      let last = Math.min(MAX_DECADE, Math.ceil(Math.log10(high)));
      if (last <= first) last = first + 1;
      return [first, last]; // decades: the axis runs from 10^first to 10^last
    }
    const min = this.yMin ?? (Number.isFinite(low) ? Math.min(0, low) : 0);
    const max = this.yMax ?? (Number.isFinite(high) && high > min ? high : min + 1);
    return [min, max];
  }

  /** Whether `v` has a place on the axis (a log axis has none for 0 or below). */
  #drawable(v) {
    return v !== null && (!this.log || v > 0);
  }

  /** Whether, while training plays, the chart has waited long enough (PLAYING_MS_PER_POINT). */
  due(now = performance.now()) {
    return now >= this.drawnAt + PLAYING_MS_PER_POINT * this.xs.length * this.series.length;
  }

  draw() {
    this.#resize();
    this.dirty = false;
    this.drawnAt = performance.now();
    const context = this.context;
    const width = this.width;
    const height = this.height;
    context.setTransform(this.ratio, 0, 0, this.ratio, 0, 0);
    context.clearRect(0, 0, width, height);
    // Setting a canvas font resolves it against the page's style (a style recalculation
    // while the frame's DOM writes are pending): only when it is not already set.
    if (context.font !== FONT) context.font = FONT;
    const [rangeLow, rangeHigh] = this.#yRange();
    const ticks = this.log ? logTicks(rangeLow, rangeHigh) : linearTicks(rangeLow, rangeHigh);
    // A log axis spans whole decades; a linear one ends at its outer ticks.
    const yLow = this.log ? 10 ** rangeLow : Math.min(rangeLow, ticks[0]);
    const yHigh = this.log ? 10 ** rangeHigh : ticks[ticks.length - 1];
    // Decades are labelled 10ⁿ alike (not "0.01" beside "10⁻⁴"), 1-2-5 ticks as numbers.
    const labels =
      this.log && rangeHigh - rangeLow > 1
        ? ticks.map((t) => powerOfTen(Math.round(Math.log10(t))))
        : ticks.map((t) => this.format(t));
    // The axis takes the room its widest label needs (a diverging loss reaches 1e302).
    const left = Math.max(PAD.left, Math.ceil(Math.max(...labels.map((l) => context.measureText(l).width))) + 2 * LABEL_GAP);
    this.left = left;
    const legendRows = this.legend ? this.#legend() : 0;
    const top = legendRows ? PAD.top + (legendRows - 1) * LEGEND_ROW : LEGEND_ROW / 2;
    const plotW = width - left - PAD.right;
    const plotH = height - top - PAD.bottom;
    const toY = this.log
      ? (v) => top + plotH * (1 - (Math.log10(v) - rangeLow) / (rangeHigh - rangeLow))
      : (v) => top + plotH * (1 - (v - yLow) / (yHigh - yLow));
    const n = this.xs.length;
    const x0 = n ? this.xs[0] : 0;
    const span = n > 1 ? this.xs[n - 1] - x0 : 1;
    const toX = (x) => left + (plotW * (x - x0)) / span;

    context.lineWidth = 1;
    context.strokeStyle = GRID;
    context.fillStyle = TEXT;
    context.textAlign = "right";
    context.textBaseline = "middle";
    ticks.forEach((tick, i) => {
      const y = Math.round(toY(tick)) + 0.5;
      context.beginPath();
      context.moveTo(left, y);
      context.lineTo(width - PAD.right, y);
      context.stroke();
      context.fillText(labels[i], left - LABEL_GAP, y);
    });
    if (n === 0) return;

    for (const s of this.series) {
      const values = this.values[s.key];
      context.strokeStyle = s.color;
      context.lineWidth = s.width || 1.5;
      context.setLineDash(s.dash || []);
      context.beginPath();
      this.#trace(values, n, toX, (v) => toY(Math.min(Math.max(v, yLow), yHigh)));
      context.stroke();
    }
    context.setLineDash([]);
    context.textAlign = "right";
    context.textBaseline = "bottom";
    context.fillStyle = TEXT;
    context.fillText(t("chart.epoch", { epoch: this.epochs[n - 1] }), width - PAD.right, height);
    if (this.hoverX !== null && this.hoverX >= left) this.#drawHover(toX, n, top);
  }

  /**
   * One series' path. Points that fall in the same device-pixel column are drawn as that
   * column's first, lowest, highest and last value: the same picture as every segment, at a
   * cost bounded by the chart's width rather than the history's length. A point alone between
   * gaps (or the only one yet) is drawn as a short dash, so that it shows.
   */
  #trace(values, n, toX, toY) {
    const context = this.context;
    const ratio = this.ratio;
    let pen = false;
    let column = NaN;
    let columnX = 0;
    let low = 0;
    let high = 0;
    let last = 0;
    let extra = false;
    let alone = false; // the segment so far is one point
    const flush = () => {
      if (extra) {
        context.lineTo(columnX, low);
        context.lineTo(columnX, high);
        context.lineTo(columnX, last);
        alone = false;
      }
      extra = false;
    };
    const end = () => {
      flush();
      if (pen && alone) {
        context.moveTo(columnX - LONE_POINT, last);
        context.lineTo(columnX + LONE_POINT, last);
      }
      pen = false;
    };
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (!this.#drawable(v)) {
        end();
        continue;
      }
      const x = toX(this.xs[i]);
      const y = toY(v);
      const c = Math.floor(x * ratio);
      if (pen && c === column) {
        if (y < low) low = y;
        if (y > high) high = y;
        last = y;
        extra = true;
        continue;
      }
      flush();
      if (pen) context.lineTo(x, y);
      else context.moveTo(x, y);
      alone = !pen;
      pen = true;
      column = c;
      columnX = x;
      low = high = last = y;
    }
    end();
  }

  /** Series names across the top, wrapping onto more rows if needed; returns the row count. */
  #legend() {
    const context = this.context;
    let x = this.left;
    let y = 8;
    context.textAlign = "left";
    context.textBaseline = "middle";
    for (const s of this.series) {
      const w = 24 + context.measureText(s.label).width;
      if (x > this.left && x + w > this.width - PAD.right) {
        x = this.left;
        y += LEGEND_ROW;
      }
      context.strokeStyle = s.color;
      context.lineWidth = 2;
      context.setLineDash(s.dash || []);
      context.beginPath();
      context.moveTo(x, y);
      context.lineTo(x + 14, y);
      context.stroke();
      context.setLineDash([]);
      context.fillStyle = TEXT;
      context.fillText(s.label, x + 18, y);
      x += w;
    }
    return 1 + Math.round((y - 8) / LEGEND_ROW);
  }

  #drawHover(toX, n, top) {
    // The sample nearest to the pointer.
    let best = 0;
    for (let i = 1; i < n; i++) {
      if (Math.abs(toX(this.xs[i]) - this.hoverX) < Math.abs(toX(this.xs[best]) - this.hoverX)) best = i;
    }
    const context = this.context;
    const x = Math.round(toX(this.xs[best])) + 0.5;
    context.strokeStyle = "rgba(40,44,52,0.5)";
    context.lineWidth = 1;
    context.beginPath();
    context.moveTo(x, top);
    context.lineTo(x, this.height - PAD.bottom);
    context.stroke();
    const lines = [t("chart.point", { epoch: this.epochs[best], iteration: this.xs[best] })];
    for (const s of this.series) {
      const v = this.values[s.key][best];
      lines.push(`${s.short ?? s.label}: ${v === null ? MISSING : this.format(v)}`);
    }
    if (context.font !== FONT) context.font = FONT;
    const boxW = Math.max(...lines.map((l) => context.measureText(l).width)) + 12;
    const boxH = lines.length * 13 + 6;
    const left = x + boxW + 8 > this.width ? x - boxW - 6 : x + 6;
    context.fillStyle = "rgba(255,255,255,0.94)";
    context.strokeStyle = "#c9cdd2";
    context.fillRect(left, top, boxW, boxH);
    context.strokeRect(left + 0.5, top + 0.5, boxW - 1, boxH - 1);
    context.textAlign = "left";
    context.textBaseline = "top";
    lines.forEach((line, i) => {
      context.fillStyle = i === 0 ? TEXT : this.series[i - 1].color;
      context.fillText(line, left + 6, top + 4 + i * 13);
    });
  }
}
