// Custom mode: the person draws the data. Clicking the output plot adds a point of the chosen
// class (or regression value), shift-click or right-click removes the nearest one (the data
// column's panel, custom-panel.js, picks the class and imports and exports). Edits show at
// once and reach the server as one debounced `update` {dataset: "custom", points, problem}.

import { CustomPoints, MAX_POINTS, pointKey } from "./custom-data.js";
import { CustomPanel } from "./custom-panel.js";
import { lazy } from "./i18n.js";
import { BOUNDS } from "./meta.js";
import { setCustomProblem } from "./state.js";
import { within } from "./dom.js";

const SEND_DELAY_MS = 250;
const REMOVE_RADIUS_PX = 12;
const EMPTY_SPLIT = { x: [], y: [] };

export class CustomMode {
  /**
   * @param {Heatmap} heatmap  the output plot (clicked to edit)
   * @param {object} hooks  active(): custom mode is on; send(update): send a config update,
   *   false when offline; changed(): the points changed (redraw); status(context): what the
   *   status line should say ({blocked} or {idle, playing}, null outside custom mode);
   *   isPlaying(); pause(); flash(kind, text)
   */
  constructor(root, heatmap, hooks) {
    this.$ = within(root);
    this.heatmap = heatmap;
    this.hooks = hooks;
    this.points = new CustomPoints();
    this.missing = false; // a custom link opened where no points are stored
    this.testKeys = new Set();
    this.serverVersion = null; // the points version the server holds (null: not custom there)
    this.sentVersion = null;
    this.timer = null;
    setCustomProblem(this.points.problem);
    this.panel = new CustomPanel(root, this.points, {
      changed: () => this.#changed(),
      render: () => this.render(),
      flash: hooks.flash,
      exportDocument: () => this.points.toDocument(this.testKeys),
    });
    this.#bindPlot(heatmap.canvas);
  }

  /** Called once at start with the URL's dataset: note a link whose points are not here. */
  start(active) {
    this.missing = active && !this.points.stored;
    this.render();
  }

  /** Entering custom mode from another data set: start from its points (undo brings back the old). */
  enter(data, problem) {
    if (data) {
      const x = [...data.train.x, ...data.test.x];
      const y = [...data.train.y, ...data.test.y];
      this.points.seed({ x, y, problem });
    }
    this.missing = false;
    this.#changed();
  }

  get trainable() {
    return this.points.trainable;
  }

  /** Number of output units the points call for. */
  get outputUnits() {
    const classes = this.points.classes;
    return this.points.problem === "classification" && classes > 2 ? classes : 1;
  }

  /** True while the numbers on screen would not be about the person's points. */
  get masked() {
    return this.hooks.active() && (!this.trainable || this.serverVersion === null);
  }

  /** The session config for a new session: the points, or (none to train on) a stand-in. */
  sessionConfig(config) {
    if (config.dataset !== "custom") return config;
    if (this.trainable) {
      this.sentVersion = this.points.version;
      return { ...config, ...this.points.toConfig() };
    }
    // The server needs data to build a session; the page hides its numbers until points come.
    return { ...config, dataset: this.points.problem === "regression" ? "plane" : "circles" };
  }

  /** Fill in (or hold back) a config update that names the custom data set. */
  prepareUpdate(update) {
    if (update.dataset !== "custom") return update;
    const rest = { ...update };
    delete rest.dataset;
    if (!this.trainable) return Object.keys(rest).length ? rest : null;
    clearTimeout(this.timer); // the points go now
    this.timer = null;
    this.sentVersion = this.points.version;
    return { ...rest, ...this.points.toConfig() };
  }

  /** Points that came with a loaded model: the server holds them already. */
  adopt(points, problem) {
    if (this.#samePoints(points)) return;
    this.points.replace({ x: points.x, y: points.y, problem });
    this.missing = false;
    this.serverVersion = this.points.version;
    setCustomProblem(this.points.problem);
    this.hooks.changed();
    this.render();
  }

  /** A config from the server (hello, config, a new session). Returns a catch-up update or null. */
  noteServerConfig(config) {
    if (config.dataset !== "custom" || !config.points) {
      this.serverVersion = null;
    } else if (this.#samePoints(config.points)) {
      this.serverVersion = this.points.version;
    } else if (this.sentVersion !== null && this.serverVersion === null) {
      this.serverVersion = this.sentVersion; // the server took an earlier edit
    }
    this.render();
    const behind = this.hooks.active() && this.trainable && this.serverVersion !== this.points.version;
    return behind && this.timer === null ? this.points.toConfig() : null;
  }

  /** The server's data: remember its split, hand back what the plot shows. */
  display(serverData) {
    if (serverData && this.serverVersion !== null) {
      this.testKeys = new Set(serverData.test.x.map(pointKey));
    }
    return this.#split();
  }

  #split() {
    const document = this.points.toDocument(this.testKeys);
    return { train: document.train, test: document.test ?? EMPTY_SPLIT };
  }

  #samePoints(points) {
    const { x, y } = this.points;
    if (points.x.length !== x.length) return false;
    return points.x.every((p, i) => p[0] === x[i][0] && p[1] === x[i][1] && points.y[i] === y[i]);
  }

  setProblem(problem) {
    this.points.setProblem(problem);
    this.#changed();
  }

  /** The person changed the points: redraw now, tell the server a moment later. */
  #changed() {
    this.missing = false;
    setCustomProblem(this.points.problem);
    this.panel.clampLabel();
    this.hooks.changed();
    this.render();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.#send(), SEND_DELAY_MS);
    if (!this.trainable && this.hooks.isPlaying()) this.hooks.pause();
  }

  #send() {
    this.timer = null;
    if (!this.hooks.active() || !this.trainable) return;
    const update = this.points.toConfig();
    if (this.hooks.send(update)) this.sentVersion = this.points.version;
  }

  // ---------------------------------------------------------------- the plot
  #bindPlot(canvas) {
    const at = (event) => {
      const box = canvas.getBoundingClientRect();
      const px = event.clientX - box.left - this.heatmap.inset;
      const py = event.clientY - box.top - this.heatmap.inset;
      return px <= this.heatmap.size && py <= this.heatmap.size ? this.heatmap.toData(px, py) : null;
    };
    canvas.addEventListener("click", (event) => {
      const point = this.hooks.active() ? at(event) : null;
      if (!point) return;
      if (event.shiftKey) this.#remove(point);
      else this.#add(point);
    });
    canvas.addEventListener("contextmenu", (event) => {
      const point = this.hooks.active() ? at(event) : null;
      if (!point) return;
      event.preventDefault();
      this.#remove(point);
    });
  }

  #add(point) {
    const label = this.points.problem === "regression" ? this.panel.value : this.panel.label;
    if (!this.points.add(point, label)) {
      this.hooks.flash("notice", lazy("custom.too_many", { count: MAX_POINTS }));
      return;
    }
    this.#changed();
  }

  #remove(point) {
    const { min, max } = BOUNDS.coordinate; // the plot spans the domain on each axis
    const radius = (REMOVE_RADIUS_PX * (max - min)) / this.heatmap.size;
    if (this.points.removeNear(point, radius)) this.#changed();
    else this.hooks.flash("notice", lazy("custom.nothing_near"));
  }

  /** What the status line says in custom mode: {blocked} or {idle, playing}. */
  statusText() {
    return this.panel.statusText(this.missing);
  }

  /** Bring the panel, the plot's cursor and the status line up to date. */
  render() {
    const active = this.hooks.active();
    this.$("custom-panel").hidden = !active;
    this.heatmap.canvas.classList.toggle("editable", active);
    this.hooks.status(active ? this.statusText() : null);
    if (active) this.panel.render(this.missing);
  }
}
