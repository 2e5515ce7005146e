// The page's form controls: the top bar (run buttons, counters, hyperparameter selects) and
// the data column (data-set picker with previews, sliders, regenerate, seeds). Controls only
// report what the person asked for; main.js decides what that means for the URL and server.

import { categorical, css, diverging } from "./colors.js";
import {
  ACTIVATIONS, LEARNING_RATES, MAX_SEED, OPTIMIZERS, REGULARIZATION_RATES, REGULARIZATIONS,
  SPEEDS, problemOf,
} from "./state.js";
import { formatInteger, formatNumber, formatPercent } from "./format.js";

const LABELS = {
  relu: "ReLU", leaky_relu: "Leaky ReLU", tanh: "Tanh", sigmoid: "Sigmoid", linear: "Linear",
  sgd: "SGD", momentum: "Momentum", adam: "Adam", none: "None", l1: "L1", l2: "L2",
  classification: "Classification", regression: "Regression",
};
const PREVIEW_SIZE = 44;
const CUSTOM_DESCRIPTION =
  "Your own points: click the plot to add one, shift-click or right-click to remove. " +
  "Kept in this browser (the link only says “custom”).";

const $ = (id) => document.getElementById(id);

function fillSelect(select, values, label = (v) => LABELS[v] ?? String(v)) {
  select.replaceChildren(
    ...values.map((v) => {
      const option = document.createElement("option");
      option.value = String(v);
      option.textContent = label(v);
      return option;
    }),
  );
}

/** Select `value`, adding it as an option if a URL brought a value the list lacks. */
function choose(select, value) {
  const text = String(value);
  if (![...select.options].some((o) => o.value === text)) {
    const option = document.createElement("option");
    option.value = text;
    option.textContent = text;
    select.append(option);
  }
  select.value = text;
}

function percent(fraction) {
  return Math.round(fraction * 100);
}

export class Controls {
  /**
   * hooks: onSettings(changes), onPlayToggle(), onStep(), onReset(), onRegenerate(),
   *        onProblem(problem)
   */
  constructor(state, hooks) {
    this.state = state;
    this.hooks = hooks;
    this.datasets = [];
    fillSelect($("learning_rate"), LEARNING_RATES);
    fillSelect($("activation"), ACTIVATIONS);
    fillSelect($("optimizer"), OPTIMIZERS);
    fillSelect($("regularization"), REGULARIZATIONS);
    fillSelect($("regularization_rate"), REGULARIZATION_RATES);
    fillSelect($("problem"), ["classification", "regression"]);
    fillSelect($("speed"), SPEEDS.map(String), (v) =>
      v === "0" ? "max / frame" : `${v} / frame`,
    );

    for (const name of ["learning_rate", "regularization_rate"]) {
      $(name).addEventListener("change", (e) => hooks.onSettings({ [name]: Number(e.target.value) }));
    }
    for (const name of ["activation", "optimizer", "regularization", "speed"]) {
      $(name).addEventListener("change", (e) => hooks.onSettings({ [name]: e.target.value }));
    }
    $("problem").addEventListener("change", (e) => hooks.onProblem(e.target.value));
    this.#slider("train_ratio", (v) => v / 100, (v) => `${v}%`);
    this.#slider("noise", (v) => v / 100, (v) => `${v}%`);
    this.#slider("batch_size", (v) => v, String);
    this.#slider("n_classes", (v) => v, String);
    for (const name of ["seed", "data_seed"]) {
      $(name).max = String(MAX_SEED);
      $(name).addEventListener("change", (e) => {
        const v = Number(e.target.value);
        if (Number.isInteger(v) && v >= 0 && v <= MAX_SEED) hooks.onSettings({ [name]: v });
        else e.target.value = String(state.get(name));
      });
    }
    for (const name of ["show_test", "discretize"]) {
      $(name).addEventListener("change", (e) => hooks.onSettings({ [name]: e.target.checked }));
    }
    $("play").addEventListener("click", () => hooks.onPlayToggle());
    $("step").addEventListener("click", () => hooks.onStep());
    $("reset").addEventListener("click", () => hooks.onReset());
    $("regenerate").addEventListener("click", () => hooks.onRegenerate());
    $("datasets").addEventListener("keydown", (event) => this.#arrowThroughDatasets(event));
  }

  /** Arrow keys move the choice within the data-set radio group (and do not step training). */
  #arrowThroughDatasets(event) {
    const moves = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    event.stopPropagation();
    const visible = [...$("datasets").children].filter((b) => !b.hidden);
    const current = visible.findIndex((b) => b.getAttribute("aria-checked") === "true");
    const next = visible[(current + moves[event.key] + visible.length) % visible.length];
    this.hooks.onSettings({ dataset: next.dataset.name });
    next.focus();
  }

  /** Range inputs show their value while dragging and commit on release. */
  #slider(name, toSetting, show) {
    const input = $(name);
    const output = $(`${name}_value`);
    input.addEventListener("input", () => {
      output.textContent = show(Number(input.value));
      input.setAttribute("aria-valuetext", output.textContent);
    });
    input.addEventListener("change", () => this.hooks.onSettings({ [name]: toSetting(Number(input.value)) }));
  }

  /** Build the data-set picker from GET /api/datasets. */
  setDatasets(datasets) {
    this.datasets = datasets.filter((d) => d.name !== "custom");
    const picker = $("datasets");
    picker.replaceChildren();
    this.previews = new Map();
    // The person's own points come last, offered for either problem type.
    const custom = { name: "custom", problem: "any", description: CUSTOM_DESCRIPTION };
    for (const d of [...this.datasets, custom]) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "dataset";
      button.dataset.name = d.name;
      button.dataset.problem = d.problem;
      button.setAttribute("role", "radio");
      button.setAttribute("aria-label", d.name.replace(/_/g, " "));
      button.title = `${d.name}: ${d.description}`;
      const canvas = document.createElement("canvas");
      canvas.width = PREVIEW_SIZE * (window.devicePixelRatio || 1);
      canvas.height = canvas.width;
      const caption = document.createElement("span");
      caption.textContent = d.name.replace(/_/g, " ");
      button.append(canvas, caption);
      button.addEventListener("click", () => this.hooks.onSettings({ dataset: d.name }));
      picker.append(button);
      this.previews.set(d.name, canvas);
    }
    this.sync();
  }

  /** Draw a data set's preview: its points over a pale background. */
  drawPreview(name, data, problem) {
    const canvas = this.previews?.get(name);
    if (!canvas) return;
    const context = canvas.getContext("2d");
    const size = canvas.width;
    context.fillStyle = "#f4f5f6";
    context.fillRect(0, 0, size, size);
    if (data.x.length === 0) {
      context.fillStyle = "#9aa1a8";
      context.font = `${Math.round(size / 2)}px system-ui, sans-serif`;
      context.textAlign = "center";
      context.textBaseline = "middle";
      context.fillText("+", size / 2, size / 2);
      return;
    }
    const range = problem === "regression" ? Math.max(1e-9, ...data.y.map(Math.abs)) : 1;
    const radius = Math.max(1, size / 40);
    for (let i = 0; i < data.x.length; i++) {
      const [x, y] = data.x[i];
      const label = data.y[i];
      const color = problem === "regression" ? diverging(label / range) : categorical(label);
      context.fillStyle = css(color);
      context.beginPath();
      context.arc(((x + 6) / 12) * size, ((6 - y) / 12) * size, radius, 0, 2 * Math.PI);
      context.fill();
    }
  }

  description(name) {
    if (name === "custom") return CUSTOM_DESCRIPTION;
    return this.datasets.find((d) => d.name === name)?.description ?? "";
  }

  /** Show the state's values in every control. */
  sync() {
    const s = this.state;
    choose($("learning_rate"), s.get("learning_rate"));
    choose($("regularization_rate"), s.get("regularization_rate"));
    for (const name of ["activation", "optimizer", "regularization", "speed"]) choose($(name), s.get(name));
    const dataset = s.get("dataset");
    const problem = problemOf(dataset);
    choose($("problem"), problem);
    $("regularization_rate").disabled = s.get("regularization") === "none";
    const sliders = {
      train_ratio: [percent(s.get("train_ratio")), (v) => `${v}%`],
      noise: [percent(s.get("noise")), (v) => `${v}%`],
      batch_size: [s.get("batch_size"), String],
      n_classes: [s.get("n_classes"), String],
    };
    for (const [name, [value, show]] of Object.entries(sliders)) {
      $(name).value = String(value);
      $(name).setAttribute("aria-valuetext", show(value));
      $(`${name}_value`).textContent = show(value);
    }
    $("n_classes_row").hidden = dataset !== "blobs";
    $("seed").value = String(s.get("seed"));
    $("data_seed").value = String(s.get("data_seed"));
    // Custom mode shows every point (test ones outlined dark) so that each can be edited.
    const custom = dataset === "custom";
    $("show_test").checked = custom || s.get("show_test");
    $("show_test").disabled = custom;
    $("show_test").parentElement.title = custom ? "Custom data: every point is shown, so it can be edited" : "";
    $("noise_row").hidden = custom;
    $("regenerate").hidden = custom;
    $("discretize").checked = s.get("discretize");
    for (const button of $("datasets").children) {
      const selected = button.dataset.name === dataset;
      button.setAttribute("aria-checked", String(selected));
      button.tabIndex = selected ? 0 : -1;
      button.hidden = button.dataset.problem !== problem && button.dataset.problem !== "any";
    }
    $("dataset-description").textContent = this.description(dataset);
  }

  setPlaying(playing) {
    const button = $("play");
    button.classList.toggle("playing", playing);
    button.setAttribute("aria-label", playing ? "Pause" : "Play");
    button.setAttribute("aria-pressed", String(playing));
    button.title = playing ? "Pause (space)" : "Play (space)";
  }

  /** Epoch and iteration; `ipe` null hides the iterations per epoch (no data of the person's yet). */
  setCounters(state, ipe = state.iterations_per_epoch) {
    $("epoch").textContent = formatInteger(state.epoch);
    $("iteration").textContent = formatInteger(state.iteration);
    $("ipe").textContent =
      ipe === null ? "— iterations / epoch" : `${formatInteger(ipe)} iteration${ipe === 1 ? "" : "s"} / epoch`;
  }

  setMetrics(state, problem) {
    // Any size of loss fits its cell ("0.0123", "7.56 × 10⁹³"; "—" while there is none);
    // data-value keeps the exact number for scripts.
    const show = (id, value, text) => {
      $(id).textContent = text;
      $(id).dataset.value = value ?? "";
    };
    show("test_loss", state.test_loss, formatNumber(state.test_loss));
    show("train_loss", state.train_loss, formatNumber(state.train_loss));
    show("test_accuracy", state.test_accuracy, formatPercent(state.test_accuracy));
    show("train_accuracy", state.train_accuracy, formatPercent(state.train_accuracy));
    document.querySelector(".metrics").classList.toggle("regression", problem === "regression");
  }
}
