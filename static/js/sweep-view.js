// "Compare learning rates": the run's configuration trained by the server from the same start
// at several rates (POST /api/sweeps), drawn as the final training loss against the rate
// (both log axes) and each rate's loss curve. Too large a rate overshoots, too small crawls.

import { ApiError, api } from "./api.js";
import { LAYER_COLORS } from "./colors.js";
import { within } from "./dom.js";
import { formatNumber } from "./format.js";
import { t } from "./i18n.js";
import { META } from "./meta.js";

// The rates compared: the learning-rate menu's, from 0.0001 up (one colour each).
const RATES = META.learning_rates.filter((rate) => rate >= 1e-4).slice(-LAYER_COLORS.length);
const EPOCH_CHOICES = [20, 50, 100];
const HEIGHT = 150;
const PAD = { left: 44, right: 10, top: 10, bottom: 28 };
const FONT = "10px system-ui, sans-serif";
const GRID = "#e6e8eb";
const TEXT = "#5f656d";

// How a rate's run ended, when not settled (catalogue keys).
const STATUS_TEXT = { unstable: "sweep.status_unstable", diverged: "sweep.status_diverged" };
const log10 = Math.log10;
const axisNumber = (v) => formatNumber(v, { shortPowers: true });

/** Powers of ten from below `low` to above `high` (at least two). */
function decades(low, high) {
  const ticks = [];
  for (let d = Math.floor(log10(low)); d <= Math.ceil(log10(high)); d++) ticks.push(10 ** d);
  return ticks.length > 1 ? ticks : [ticks[0], ticks[0] * 10];
}

/** A canvas sized to its box, with a log-y plot area; returns helpers to draw in it. */
function plotArea(canvas, xRange, yRange, { logX }) {
  const ratio = window.devicePixelRatio || 1;
  const width = Math.max(200, canvas.parentElement.clientWidth);
  canvas.style.width = `${width}px`;
  canvas.style.height = `${HEIGHT}px`;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(HEIGHT * ratio);
  const context = canvas.getContext("2d");
  context.setTransform(ratio, 0, 0, ratio, 0, 0);
  context.clearRect(0, 0, width, HEIGHT);
  context.font = FONT;
  const inner = { w: width - PAD.left - PAD.right, h: HEIGHT - PAD.top - PAD.bottom };
  const fx = logX ? log10 : (v) => v;
  const [x0, x1] = xRange.map(fx);
  const [y0, y1] = yRange.map(log10);
  const x = (v) => PAD.left + ((fx(v) - x0) / (x1 - x0 || 1)) * inner.w;
  const y = (v) => PAD.top + (1 - (log10(v) - y0) / (y1 - y0 || 1)) * inner.h;
  context.strokeStyle = GRID;
  context.fillStyle = TEXT;
  context.textAlign = "right";
  context.textBaseline = "middle";
  for (const tick of decades(...yRange)) {
    if (tick < yRange[0] || tick > yRange[1]) continue;
    context.beginPath();
    context.moveTo(PAD.left, y(tick));
    context.lineTo(PAD.left + inner.w, y(tick));
    context.stroke();
    context.fillText(axisNumber(tick), PAD.left - 4, y(tick));
  }
  return { context, x, y, inner };
}

export class SweepView {
  /** root: the run's root; config(): the run's session config; flash(kind, text) */
  constructor(root, { config, flash }) {
    const $ = within(root);
    this.config = config;
    this.flash = flash;
    this.results = null;
    this.button = $("sweep-run");
    this.epochs = $("sweep-epochs");
    this.finalChart = $("sweep-final");
    this.curveChart = $("sweep-curves");
    this.legend = $("sweep-legend");
    this.note = $("sweep-note");
    this.epochs.replaceChildren(...EPOCH_CHOICES.map((n) => new Option(String(n), String(n))));
    this.epochs.value = "50";
    this.button.addEventListener("click", () => this.run());
    this.relabel();
  }

  async run() {
    this.button.disabled = true;
    this.note.textContent = t("sweep.running", { count: RATES.length });
    try {
      const body = { config: this.config(), learning_rates: RATES, epochs: Number(this.epochs.value) };
      const { results } = await api.sweep(body);
      this.results = results;
      this.draw();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      this.note.textContent = "";
      this.flash("error", t("sweep.failed", { reason: error.message }));
    } finally {
      this.button.disabled = false;
    }
  }

  relabel() {
    for (const option of this.epochs.options) option.textContent = t("sweep.epochs_option", { count: Number(option.value) });
    if (this.results) this.draw();
  }

  draw() {
    const results = this.results;
    const finals = results.map((r) => r.train_loss.at(-1)).filter((v) => Number.isFinite(v) && v > 0);
    const all = results.flatMap((r) => r.train_loss).filter((v) => Number.isFinite(v) && v > 0);
    if (!all.length) return;
    const yRange = [Math.min(...all), Math.max(...all)];
    this.#drawFinal(results, [Math.min(...finals, yRange[0]), Math.max(...finals, yRange[1])]);
    this.#drawCurves(results, yRange);
    this.legend.replaceChildren(
      ...results.map((result, index) => {
        const item = document.createElement("li");
        item.style.setProperty("--swatch", LAYER_COLORS[index]);
        item.dataset.status = result.status;
        const status = STATUS_TEXT[result.status] ? ` (${t(STATUS_TEXT[result.status])})` : "";
        item.textContent = `${formatNumber(result.learning_rate)}${status}`;
        return item;
      }),
    );
    const best = results.reduce((a, b) => ((a.train_loss.at(-1) ?? Infinity) <= (b.train_loss.at(-1) ?? Infinity) ? a : b));
    this.note.textContent = t("sweep.best", {
      rate: formatNumber(best.learning_rate),
      loss: formatNumber(best.train_loss.at(-1)),
      epochs: best.train_loss.length,
    });
    this.finalChart.dataset.rates = String(results.length);
  }

  #drawFinal(results, yRange) {
    const rates = results.map((r) => r.learning_rate);
    const { context, x, y, inner } = plotArea(this.finalChart, [Math.min(...rates), Math.max(...rates)], yRange, { logX: true });
    context.textAlign = "center";
    context.textBaseline = "top";
    for (const rate of rates) context.fillText(axisNumber(rate), x(rate), PAD.top + inner.h + 4);
    context.fillText(t("sweep.axis_rate"), PAD.left + inner.w / 2, PAD.top + inner.h + 16);
    context.strokeStyle = TEXT;
    context.beginPath();
    let started = false;
    results.forEach((result) => {
      const last = result.train_loss.at(-1);
      if (!(last > 0)) return;
      if (started) context.lineTo(x(result.learning_rate), y(last));
      else context.moveTo(x(result.learning_rate), y(last));
      started = true;
    });
    context.stroke();
    results.forEach((result, index) => {
      const last = result.train_loss.at(-1);
      if (!(last > 0)) return;
      context.fillStyle = LAYER_COLORS[index];
      context.beginPath();
      // A run that did not settle is drawn hollow: its last loss is not where it would stay.
      context.arc(x(result.learning_rate), y(last), 4, 0, 2 * Math.PI);
      if (result.status === "ready") context.fill();
      else {
        context.strokeStyle = LAYER_COLORS[index];
        context.lineWidth = 2;
        context.stroke();
        context.lineWidth = 1;
      }
    });
  }

  #drawCurves(results, yRange) {
    const longest = Math.max(...results.map((r) => r.train_loss.length));
    const { context, x, y, inner } = plotArea(this.curveChart, [1, Math.max(2, longest)], yRange, { logX: false });
    context.textAlign = "center";
    context.textBaseline = "top";
    context.fillText(t("sweep.axis_epoch"), PAD.left + inner.w / 2, PAD.top + inner.h + 16);
    context.fillText("1", x(1), PAD.top + inner.h + 4);
    context.fillText(String(longest), x(longest), PAD.top + inner.h + 4);
    results.forEach((result, index) => {
      context.strokeStyle = LAYER_COLORS[index];
      context.lineWidth = 1.5;
      context.beginPath();
      result.train_loss.forEach((loss, epoch) => {
        if (!(loss > 0)) return;
        if (epoch === 0) context.moveTo(x(1), y(loss));
        else context.lineTo(x(epoch + 1), y(loss));
      });
      context.stroke();
    });
  }
}
