// The page's form controls: the top bar (run buttons, counters, hyperparameter selects) and
// the data column (data-set picker with previews, sliders, regenerate, seeds). Controls only
// report what the person asked for; main.js decides what that means for the URL and server.
// Every choice and range comes from the server's tables (meta.js).

import { categorical, css, diverging } from "./colors.js";
import { ACTIVATIONS, BOUNDS, META, REGULARIZATIONS, optimizerInfo } from "./meta.js";
import { problemOf } from "./state.js";
import { formatInteger, formatNumber, formatPercent } from "./format.js";
import { has, list, t } from "./i18n.js";
import { setAttribute, setText, within } from "./dom.js";

/** A server name as the menus show it ("relu" → "ReLU"); the name itself if the catalogue lacks it. */
const label = (value) => (has(`label.${value}`) ? t(`label.${value}`) : String(value));
/** A data set's name, description and what its noise does, in the page's language. */
const datasetText = (name, part, fallback) => (has(`dataset.${name}.${part}`) ? t(`dataset.${name}.${part}`) : fallback);
const datasetName = (name) => datasetText(name, "name", name.replace(/_/g, " "));
// The words this module composes (catalogue keys in i18n/*.json).
const TEXT = {
  speed: ({ unit, per_frame: n }) => {
    if (n === 0) return t("speed.max");
    return unit === "epoch" ? t("speed.epochs", { count: n }) : t("speed.iterations", { count: n });
  },
  optimizerRule: (info) => {
    const most = info.max_hidden_layers;
    const layers = most === 0 ? t("optimizer.no_hidden_layers") : t("optimizer.max_hidden_layers", { count: most });
    return t("optimizer.rule", { layers, kinds: list(info.kinds.map((k) => t(`kind.${k}`)), "disjunction") });
  },
  named: (name, rule) => t("optimizer.named", { name: label(name), rule }),
  trainingPoints: (n) => t("split.training", { count: n }),
  batch: (n) => t("split.batch", { count: n }),
  iterations: (n) => t("split.iterations", { count: n }),
  testPoints: (n) => t("split.test", { count: n }),
  noHiddenLayer: () => t("field.activation_no_hidden"),
};
const PREVIEW_SIZE = 44;
// The rungs of a size slider within each power of ten (below 10, every integer).
const RUNGS = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8];

const count = (n) => formatInteger(n);

function fillSelect(select, values, name = label) {
  select.replaceChildren(
    ...values.map((v) => {
      const option = document.createElement("option");
      option.value = String(v);
      option.textContent = name(v);
      return option;
    }),
  );
}

/** Name a select's options again (the language changed), keeping the choice. */
function relabelSelect(select, name = label) {
  for (const option of select.options) option.textContent = name(option.value);
}

const speedName = (value) => TEXT.speed(META.speeds.find((entry) => entry.value === value));

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

/** Whether the server trains `info`'s optimizer on some networks or problems only. */
function restricted(info) {
  const kinds = new Set(META.datasets.map((d) => d.kind).filter(Boolean));
  return info.max_hidden_layers < BOUNDS.hidden_layers.max || info.kinds.length < kinds.size;
}

/** What the server asks of the optimizer's network ("no hidden layers, two classes only"), or "". */
function optimizerRule(name) {
  const info = optimizerInfo(name);
  return info && restricted(info) ? TEXT.optimizerRule(info) : "";
}

/** The same, naming the optimizer ("Perceptron: no hidden layers, …"), or "". */
export function optimizerNote(name) {
  const rule = optimizerRule(name);
  return rule && TEXT.named(name, rule);
}

/**
 * Sizes from `min` to `max` a slider steps through (1, 2, …, 10, 12, 15, 20, 25, …), with the
 * sizes in `also` (a link's batch may be larger than the training set: it stays on the slider).
 */
export function sizeLadder(min, max, also = []) {
  const sizes = new Set([min, max, ...also]);
  for (let decade = 1; decade <= max; decade *= 10) {
    const steps = decade === 1 ? [1, 2, 3, 4, 5, 6, 7, 8, 9] : RUNGS;
    for (const step of steps) {
      const size = Math.round(step * decade);
      if (size >= min && size <= max) sizes.add(size);
    }
  }
  return [...sizes].sort((a, b) => a - b);
}

export class Controls {
  /**
   * hooks: onSettings(changes), onPlayToggle(), onStep(unit), onReset(), onRegenerate(),
   *        onProblem(problem)
   */
  constructor(root, state, hooks) {
    this.root = root;
    this.$ = within(root);
    this.state = state;
    this.hooks = hooks;
    this.datasets = [];
    this.ladders = {};
    fillSelect(this.$("learning_rate"), META.learning_rates);
    fillSelect(this.$("activation"), ACTIVATIONS);
    this.#addActivationNote();
    this.#fillOptimizers();
    fillSelect(this.$("regularization"), REGULARIZATIONS);
    fillSelect(this.$("regularization_rate"), META.regularization_rates);
    fillSelect(this.$("problem"), [...new Set(META.datasets.map((d) => d.problem))]);
    fillSelect(this.$("speed"), META.speeds.map((entry) => entry.value), speedName);
    this.$("speed-field").title = t("field.speed_title", { fps: META.stream.fps.max });

    for (const name of ["learning_rate", "regularization_rate"]) {
      this.$(name).addEventListener("change", (e) => hooks.onSettings({ [name]: Number(e.target.value) }));
    }
    for (const name of ["activation", "optimizer", "regularization", "speed"]) {
      this.$(name).addEventListener("change", (e) => hooks.onSettings({ [name]: e.target.value }));
    }
    this.$("problem").addEventListener("change", (e) => hooks.onProblem(e.target.value));
    this.#percentSlider("train_ratio", BOUNDS.train_ratio, 10);
    this.#percentSlider("noise", BOUNDS.noise, 5);
    this.#ladderSlider("n_samples");
    this.#ladderSlider("batch_size");
    this.$("n_classes").min = String(BOUNDS.n_classes.min);
    this.$("n_classes").max = String(BOUNDS.n_classes.max);
    this.#slider("n_classes", (v) => v, String);
    for (const name of ["seed", "data_seed"]) {
      const { min, max } = BOUNDS.seed;
      this.$(name).min = String(min);
      this.$(name).max = String(max);
      this.$(name).addEventListener("change", (e) => {
        const v = Number(e.target.value);
        if (Number.isInteger(v) && v >= min && v <= max) hooks.onSettings({ [name]: v });
        else e.target.value = String(state.get(name));
      });
    }
    for (const name of ["show_test", "discretize"]) {
      this.$(name).addEventListener("change", (e) => hooks.onSettings({ [name]: e.target.checked }));
    }
    this.$("play").addEventListener("click", () => hooks.onPlayToggle());
    // Shift-click steps an epoch, as shift+→ does.
    this.$("step").addEventListener("click", (event) => hooks.onStep(event.shiftKey ? "epoch" : "iteration"));
    this.$("reset").addEventListener("click", () => hooks.onReset());
    this.$("regenerate").addEventListener("click", () => hooks.onRegenerate());
    this.$("datasets").addEventListener("keydown", (event) => this.#arrowThroughDatasets(event));
  }

  /** Say everything again in the page's (new) language. */
  relabel() {
    for (const name of ["activation", "optimizer", "regularization", "problem"]) relabelSelect(this.$(name));
    relabelSelect(this.$("speed"), speedName);
    for (const option of this.$("optimizer").options) option.title = optimizerNote(option.value);
    this.$("speed-field").title = t("field.speed_title", { fps: META.stream.fps.max });
    for (const button of this.$("datasets").children) this.#labelDataset(button);
    this.sync();
    if (this.split !== undefined) this.setSplit(this.split);
    if (this.playing !== undefined) this.setPlaying(this.playing);
    if (this.counters) this.setCounters(...this.counters);
  }

  #labelDataset(button) {
    const name = button.dataset.name;
    button.setAttribute("aria-label", datasetName(name));
    button.title = t("data.button_title", { name: datasetName(name), noise: this.noiseText(name) });
    button.querySelector("span").textContent = datasetName(name);
  }

  /** Arrow keys move the choice within the data-set radio group (and do not step training). */
  #arrowThroughDatasets(event) {
    const moves = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
    if (!(event.key in moves)) return;
    event.preventDefault();
    event.stopPropagation();
    const visible = [...this.$("datasets").children].filter((b) => !b.hidden);
    const current = visible.findIndex((b) => b.getAttribute("aria-checked") === "true");
    const next = visible[(current + moves[event.key] + visible.length) % visible.length];
    this.hooks.onSettings({ dataset: next.dataset.name });
    next.focus();
  }

  /** Range inputs show their value while dragging and commit on release. */
  #slider(name, toSetting, show) {
    const input = this.$(name);
    const output = this.$(`${name}_value`);
    input.addEventListener("input", () => {
      output.textContent = show(Number(input.value));
      input.setAttribute("aria-valuetext", output.textContent);
    });
    input.addEventListener("change", () => this.hooks.onSettings({ [name]: toSetting(Number(input.value)) }));
  }

  /** A fraction shown in percent, from the server's bounds in steps of `step` percent. */
  #percentSlider(name, range, step) {
    const input = this.$(name);
    input.min = String(percent(range.min));
    input.max = String(percent(range.max));
    input.step = String(step);
    this.#slider(name, (v) => v / 100, (v) => `${v}%`);
  }

  /**
   * A size slider: its positions are the rungs of a ladder of sizes (sizeLadder), so that
   * 1 to 2,000 fits in a short slider and each step is a size worth trying.
   */
  #ladderSlider(name) {
    const input = this.$(name);
    const value = () => this.ladders[name][Number(input.value)];
    this.#slider(name, value, () => count(value()));
  }

  /** Give a ladder slider the sizes from `min` to `max` (and the current `value`), showing `value`. */
  #setLadder(name, min, max, value) {
    const input = this.$(name);
    const sizes = sizeLadder(min, max, [value]);
    if (sizes.join() !== (this.ladders[name] ?? []).join()) {
      this.ladders[name] = sizes;
      input.min = "0";
      input.max = String(sizes.length - 1);
      input.step = "1";
      input.dataset.values = sizes.join(",");
    }
    input.value = String(sizes.indexOf(value));
    return count(value);
  }

  /** A note under the activation menu, as the optimizer's: why the menu is off, when it is. */
  #addActivationNote() {
    const note = document.createElement("small");
    note.id = "activation-rule";
    note.className = "field-note activation-rule";
    note.hidden = true;
    this.$("activation").after(note);
    this.$("activation").setAttribute("aria-describedby", note.id);
    this.$("activation").parentElement.classList.add("has-note");
  }

  /** The optimizer menu; an optimizer the server allows on some networks only says which. */
  #fillOptimizers() {
    const select = this.$("optimizer");
    fillSelect(select, META.optimizers.map((o) => o.name));
    for (const option of select.options) option.title = optimizerNote(option.value);
  }

  /** Build the data-set picker from the server's table (meta.js). */
  setDatasets(datasets) {
    this.datasets = datasets.filter((d) => d.name !== "custom");
    const picker = this.$("datasets");
    picker.replaceChildren();
    this.previews = new Map();
    // The person's own points come last, offered for either problem type.
    const custom = { name: "custom", problem: "any" };
    for (const d of [...this.datasets, custom]) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "dataset";
      button.dataset.name = d.name;
      button.dataset.problem = d.problem;
      button.setAttribute("role", "radio");
      const canvas = document.createElement("canvas");
      canvas.width = PREVIEW_SIZE * (window.devicePixelRatio || 1);
      canvas.height = canvas.width;
      button.append(canvas, document.createElement("span"));
      this.#labelDataset(button);
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
    const { min, max } = BOUNDS.coordinate;
    const scale = size / (max - min);
    for (let i = 0; i < data.x.length; i++) {
      const [x, y] = data.x[i];
      const label = data.y[i];
      const color = problem === "regression" ? diverging(label / range) : categorical(label);
      context.fillStyle = css(color);
      context.beginPath();
      context.arc((x - min) * scale, (max - y) * scale, radius, 0, 2 * Math.PI);
      context.fill();
    }
  }

  /** What a data set is, for a learner (the server's own description if the catalogue lacks one). */
  description(name) {
    return datasetText(name, "description", this.datasets.find((d) => d.name === name)?.description ?? "");
  }

  /** What the noise slider does to a data set (its formula). */
  noiseText(name) {
    return datasetText(name, "noise", this.datasets.find((d) => d.name === name)?.description ?? "");
  }

  /** Show the state's values in every control. */
  sync() {
    const s = this.state;
    choose(this.$("learning_rate"), s.get("learning_rate"));
    choose(this.$("regularization_rate"), s.get("regularization_rate"));
    for (const name of ["activation", "optimizer", "regularization", "speed"]) choose(this.$(name), s.get(name));
    const dataset = s.get("dataset");
    const problem = problemOf(dataset);
    choose(this.$("problem"), problem);
    this.$("regularization_rate").disabled = s.get("regularization") === "none";
    // No hidden layer, no activation to choose: the output layer's function follows the problem.
    const noHidden = s.get("hidden_layers").length === 0;
    this.$("activation").disabled = noHidden;
    this.$("activation").parentElement.title = noHidden ? TEXT.noHiddenLayer() : "";
    this.$("activation-rule").textContent = noHidden ? TEXT.noHiddenLayer() : "";
    this.$("activation-rule").hidden = !noHidden;
    const sliders = {
      train_ratio: [percent(s.get("train_ratio")), (v) => `${v}%`],
      noise: [percent(s.get("noise")), (v) => `${v}%`],
      n_classes: [s.get("n_classes"), String],
    };
    for (const [name, [value, show]] of Object.entries(sliders)) {
      this.$(name).value = String(value);
      this.$(name).setAttribute("aria-valuetext", show(value));
      this.$(`${name}_value`).textContent = show(value);
    }
    // The batch slider reaches the whole training set once its size is known.
    const batchMax = Math.min(BOUNDS.batch_size.max, this.trainingPoints ?? Infinity);
    const ladders = {
      n_samples: [BOUNDS.n_samples.min, BOUNDS.n_samples.max],
      batch_size: [BOUNDS.batch_size.min, Math.max(BOUNDS.batch_size.min, batchMax)],
    };
    for (const [name, [min, max]] of Object.entries(ladders)) {
      const shown = this.#setLadder(name, min, max, s.get(name));
      this.$(name).setAttribute("aria-valuetext", shown);
      this.$(`${name}_value`).textContent = shown;
    }
    const rule = optimizerRule(s.get("optimizer"));
    this.$("optimizer").title = optimizerNote(s.get("optimizer"));
    this.$("optimizer-rule").textContent = rule;
    this.$("optimizer-rule").hidden = !rule;
    this.$("n_classes_row").hidden = dataset !== "blobs";
    this.$("seed").value = String(s.get("seed"));
    this.$("data_seed").value = String(s.get("data_seed"));
    // Custom mode shows every point (test ones outlined dark) so that each can be edited.
    const custom = dataset === "custom";
    this.$("show_test").checked = custom || s.get("show_test");
    this.$("show_test").disabled = custom;
    this.$("show_test").parentElement.title = custom ? t("custom.show_test_title") : "";
    this.$("noise_row").hidden = custom;
    this.$("n_samples_row").hidden = custom; // the points drawn are the samples
    this.$("regenerate").hidden = custom;
    this.$("discretize").checked = s.get("discretize");
    for (const button of this.$("datasets").children) {
      const selected = button.dataset.name === dataset;
      button.setAttribute("aria-checked", String(selected));
      button.tabIndex = selected ? 0 : -1;
      button.hidden = button.dataset.problem !== problem && button.dataset.problem !== "any";
    }
    this.$("dataset-description").textContent = this.description(dataset);
    this.$("dataset-description").title = this.noiseText(dataset);
  }

  /**
   * How the data splits and what an epoch is: {train, test, batch, ipe} as the server has
   * them (ipe null: not known yet), or null to show nothing.
   */
  setSplit(split) {
    this.split = split;
    const line = this.$("split");
    line.hidden = !split;
    if (!split) return;
    const { train, test, batch, ipe } = split;
    this.$("split-train").textContent = TEXT.trainingPoints(train);
    this.$("split-batch").textContent = TEXT.batch(batch);
    this.$("split-ipe").textContent = ipe === null ? "…" : TEXT.iterations(ipe);
    this.$("split-test").textContent = TEXT.testPoints(test);
    if (train !== this.trainingPoints) {
      this.trainingPoints = train;
      this.sync();
    }
  }

  setPlaying(playing) {
    this.playing = playing;
    const button = this.$("play");
    button.classList.toggle("playing", playing);
    setAttribute(button, "aria-label", t(playing ? "run.pause" : "run.play"));
    setAttribute(button, "aria-pressed", String(playing));
    setAttribute(button, "title", t(playing ? "run.pause_title" : "run.play_title"));
  }

  /** Epoch and iteration; `ipe` null hides the iterations per epoch (no data of the person's yet). */
  setCounters(state, ipe = state.iterations_per_epoch) {
    this.counters = [state, ipe];
    setText(this.$("epoch"), formatInteger(state.epoch));
    setText(this.$("iteration"), formatInteger(state.iteration));
    setText(this.$("ipe"), ipe === null ? t("counter.ipe_unknown") : t("counter.ipe", { count: ipe }));
  }

  setMetrics(state, problem) {
    // Any size of loss fits its cell ("0.0123", "7.56 × 10⁹³"; "—" while there is none);
    // data-value keeps the exact number for scripts.
    const show = (id, value, text) => {
      const cell = this.$(id);
      setText(cell, text);
      setAttribute(cell, "data-value", String(value ?? ""));
    };
    show("test_loss", state.test_loss, formatNumber(state.test_loss));
    show("train_loss", state.train_loss, formatNumber(state.train_loss));
    show("test_accuracy", state.test_accuracy, formatPercent(state.test_accuracy));
    show("train_accuracy", state.train_accuracy, formatPercent(state.train_accuracy));
    this.root.querySelector(".metrics").classList.toggle("regression", problem === "regression");
  }
}
