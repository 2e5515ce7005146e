// One run: its settings, its server session and stream, and the views that show it, all bound
// to one root element (the toolbar and the three columns). The page makes one (main.js); a
// lesson panel or a second run drives a run through applySettings(), play(), step().

import { ActivationCurves } from "./activation-curves.js";
import { ApiError, Connection, StreamClient, api } from "./api.js";
import { ArchitectureField } from "./architecture.js";
import { Controls, optimizerNote } from "./controls.js";
import { CustomMode } from "./custom-mode.js";
import { within } from "./dom.js";
import { lazy, setLanguage } from "./i18n.js";
import { BOUNDS, FEATURES, META, datasetInfo, optimizerInfo, speedInfo } from "./meta.js";
import { ModelFiles } from "./model-io.js";
import { NetworkView } from "./network.js";
import { OutputView } from "./output.js";
import { FramePainter } from "./painter.js";
import { DatasetPreviews } from "./previews.js";
import { ruleRefusal } from "./room-rules.js";
import { RunData } from "./run-data.js";
import { SERVER_FIELDS, problemOf, settingNames } from "./state.js";
import { StatusLine } from "./status.js";
import { SweepView } from "./sweep-view.js";
import { StepInspector } from "./step-inspector.js";

const THUMBNAIL_RESOLUTION = 32;
const STREAM = {
  fps: META.stream.fps.max,
  resolution: META.stream.default_resolution,
  thumbnail_resolution: Math.min(THUMBNAIL_RESOLUTION, META.stream.thumbnail_resolution.max),
};
// A first hidden layer gets enough neurons to learn the XOR-like sets (2 stick at 75 %);
// a further one repeats the size of the layer before it.
const FIRST_LAYER_SIZE = 4;

/** The settings `config` changes from `previous` (both server configs). */
function changedSettings(previous, config) {
  return SERVER_FIELDS.filter((f) => JSON.stringify(previous?.[f]) !== JSON.stringify(config[f]));
}

export class Run {
  /**
   * root: the element holding the run's markup (templates/index.html's `.run`)
   * options: state (a UrlState), connection (the masthead's badge), sessionLink (the footer's
   *   link to the session's JSON), memory ({take(), keep(id)}: where the session's id is
   *   kept for a reload, or null), onLanguage(lang) (the page's language changed),
   *   onLesson(progress) (the server's word on the lesson's steps: {id, steps: [{id, passed}]},
   *   or null outside a lesson), onPreset(session) (a room's teacher changed the session:
   *   {config, state, lesson, challenge}; the run shows it already)
   */
  constructor(root, { state, connection, sessionLink = null, memory = null, onLanguage = () => {}, onLesson = () => {}, onPreset = () => {} }) {
    const $ = within(root);
    this.root = root;
    this.state = state;
    this.memory = memory;
    this.sessionLink = sessionLink;
    this.onLanguage = onLanguage;
    this.onLesson = onLesson;
    this.onPreset = onPreset;
    this.datasets = META.datasets.filter((d) => d.name !== "custom");
    this.refusal = null; // why the link's settings were not all used, shown once the run is live
    this.arrival = null; // how the session in use came to be, said once its stream is open
    this.playingWhenLost = null; // whether training played when the stream went (null: it is live)
    this.status = new StatusLine($("status"), connection, $("plot-overlay"));
    this.output = new OutputView(root);
    this.curves = new ActivationCurves($("activation-curves"));
    this.network = this.#makeNetwork($("network"));
    this.inspector = new StepInspector($("step-inspector"), $("network"), {
      features: () => state.get("features"),
      step: (weight) => this.step("iteration", weight),
    });
    this.controls = this.#makeControls(root);
    this.architecture = new ArchitectureField(root, {
      sizes: () => state.get("hidden_layers"),
      limit: () => this.#layerLimit(),
      apply: (sizes) => this.applySettings({ hidden_layers: sizes }),
      flash: (kind, text) => this.status.flash(kind, text),
    });
    this.custom = this.#makeCustom(root);
    this.painter = new FramePainter(
      { state, controls: this.controls, status: this.status, network: this.network, output: this.output },
      () => this.custom.masked,
    );
    this.previews = new DatasetPreviews(this.controls);
    this.data = new RunData({
      output: this.output,
      controls: this.controls,
      custom: this.custom,
      dataset: () => state.get("dataset"),
      showTest: () => state.get("show_test"),
      flash: (kind, text) => this.status.flash(kind, text),
      send: (message) => this.stream.send(message),
    });
    this.#makeModelFiles(root);
    this.sweep = new SweepView(root, {
      config: () => this.custom.sessionConfig(state.serverConfig()),
      flash: (kind, text) => this.status.flash(kind, text),
    });
    this.stream = this.#makeStream();
  }

  /** Numbers for anyone tuning the page (frames received and painted, time per part). */
  get stats() {
    return this.painter.stats;
  }

  get playing() {
    return this.painter.playing;
  }

  /** The server session's id (null until there is one). */
  get sessionId() {
    return this.stream.sessionId;
  }

  /** Show a session the server changed through REST ({config, lesson}): settings, points, frame. */
  adopt(session) {
    this.#adoptConfig(session.config);
    this.data.noteConfig(session.id, session.config);
    if ("lesson" in session) this.onLesson(session.lesson);
    this.stream.send({ type: "frame" });
  }

  /** Show the settings, then connect: to the session kept for a reload if there is one. */
  async start() {
    const { state, controls, custom } = this;
    if (state.rejected.length) {
      this.status.flash("notice", lazy("status.invalid_link", { fields: settingNames(state.rejected) }));
    }
    custom.start(this.#isCustom());
    controls.sync();
    this.output.discretize = state.get("discretize");
    this.data.show();
    this.previews.version = META.version;
    controls.setDatasets(this.datasets);
    controls.drawPreview("custom", custom.points, custom.points.problem);
    this.#reshape();
    await this.resume();
    this.previews.load(this.datasets);
  }

  /** Connect to the session kept for a reload if the server still has it, else a new one. */
  async resume() {
    await this.stream.start(this.memory?.take() ?? null);
  }

  /** The page goes away: close the stream, and keep the session for a reload to resume. */
  leave() {
    if (this.memory && this.stream.sessionId) this.memory.keep(this.stream.sessionId);
    this.stream.stop({ keepSession: this.memory !== null });
  }

  /** The one place where settings change: URL first, then the drawing, then the server. */
  applySettings(changes) {
    const { state, custom } = this;
    const previous = state.get("dataset");
    const changed = state.set(changes);
    if (!changed.length) return changed;
    if (changed.includes("dataset") && this.#isCustom()) custom.enter(this.data.points, problemOf(previous));
    if (changed.includes("dataset")) {
      custom.render();
      this.data.show();
    }
    this.controls.sync();
    this.#reshape();
    const update = {};
    for (const name of changed) if (SERVER_FIELDS.includes(name)) update[name] = state.get(name);
    if (Object.keys(update).length) this.#sendUpdate(update);
    if (changed.includes("speed")) this.stream.send(this.#speedMessage());
    if (changed.includes("show_test")) this.data.show();
    if (changed.includes("discretize")) {
      this.output.discretize = state.get("discretize");
      this.painter.repaint();
    }
    if (changed.includes("lang")) this.#showLanguage();
    return changed;
  }

  togglePlay() {
    if (!this.painter.playing && this.#blockedByCustom()) return;
    this.#send({ type: this.painter.playing ? "pause" : "play" });
  }

  /**
   * A step while training plays pauses it first: the person wants to see that one step. An
   * iteration with a weight picked in the step inspector (or `weight`) reports on it.
   */
  step(unit, weight = this.inspector.selection) {
    if (this.#blockedByCustom()) return;
    if (this.painter.playing) this.#send({ type: "pause" });
    if (unit === "iteration" && weight) this.#send({ type: "inspect_step", ...weight });
    else this.#send({ type: "step", unit });
  }

  #isCustom() {
    return this.state.get("dataset") === "custom";
  }

  #outputUnits() {
    const { state } = this;
    if (this.#isCustom()) return this.custom.outputUnits;
    const info = datasetInfo(state.get("dataset"));
    if (!info || info.problem === "regression" || !info.classes) {
      return state.get("dataset") === "blobs" ? state.get("n_classes") : 1;
    }
    return info.classes > 2 ? info.classes : 1;
  }

  /** The most hidden layers the chosen optimizer trains (the perceptron: none), and why. */
  #layerLimit() {
    const optimizer = optimizerInfo(this.state.get("optimizer"));
    const most = Math.min(BOUNDS.hidden_layers.max, optimizer?.max_hidden_layers ?? Infinity);
    return { most, why: optimizerNote(this.state.get("optimizer")) };
  }

  #reshape() {
    const { state } = this;
    this.network.setLayerLimit(this.#layerLimit());
    this.network.setShape(state.get("features"), state.get("hidden_layers"), this.#outputUnits());
    this.curves.show(state.get("hidden_layers").length ? state.get("activation") : null);
    this.output.decisionLine.setFeatures(state.get("features"));
    this.architecture.sync();
  }

  #makeNetwork(element) {
    const { state } = this;
    return new NetworkView(element, {
      onToggleFeature: (name) => {
        const active = new Set(state.get("features"));
        if (active.has(name) && active.size === 1) {
          this.status.flash("notice", lazy("network.needs_feature"));
          return;
        }
        if (active.has(name)) active.delete(name);
        else active.add(name);
        this.applySettings({ features: FEATURES.filter((f) => active.has(f)) });
      },
      onLayers: (delta) => {
        const hidden = state.get("hidden_layers");
        if (delta > 0 && hidden.length < BOUNDS.hidden_layers.max) {
          const { min, max } = BOUNDS.neurons;
          hidden.push(Math.max(min, Math.min(max, hidden.at(-1) ?? FIRST_LAYER_SIZE)));
        }
        if (delta < 0 && hidden.length > 0) hidden.pop();
        this.applySettings({ hidden_layers: hidden });
      },
      onNeurons: (layer, delta) => {
        const hidden = state.get("hidden_layers");
        const { min, max } = BOUNDS.neurons;
        hidden[layer] = Math.max(min, Math.min(max, hidden[layer] + delta));
        this.applySettings({ hidden_layers: hidden });
      },
      onSetWeight: (layer, from, to, value) => this.#send({ type: "set_weight", layer, from, to, value }),
      onSetBias: (layer, neuron, value) => this.#send({ type: "set_bias", layer, neuron, value }),
      onHover: (target) => {
        this.output.setHover(target);
        this.painter.repaint();
      },
    });
  }

  #makeControls(root) {
    return new Controls(root, this.state, {
      onSettings: (changes) => this.applySettings(changes),
      onPlayToggle: () => this.togglePlay(),
      onStep: (unit) => this.step(unit),
      onReset: () => this.#send({ type: "reset" }),
      onRegenerate: () => {
        const [seed] = crypto.getRandomValues(new Uint32Array(1));
        this.applySettings({ data_seed: seed });
      },
      onProblem: (problem) => {
        if (this.#isCustom()) {
          this.custom.setProblem(problem);
          this.controls.sync();
          return;
        }
        const first = this.datasets.find((d) => d.problem === problem);
        if (first) this.applySettings({ dataset: first.name });
      },
    });
  }

  #makeCustom(root) {
    return new CustomMode(root, this.output.heatmap, {
      active: () => this.#isCustom(),
      send: (update) => this.stream.send({ type: "update", config: update }),
      changed: () => {
        this.data.show();
        this.#reshape();
        this.controls.sync();
        this.controls.drawPreview("custom", this.custom.points, this.custom.points.problem);
      },
      status: (context) => this.status.setContext(context),
      isPlaying: () => this.painter.playing,
      pause: () => this.#send({ type: "pause" }),
      flash: (kind, text) => this.status.flash(kind, text),
    });
  }

  #makeModelFiles(root) {
    new ModelFiles(root, {
      sessionId: () => this.stream.sessionId,
      epoch: () => this.painter.latest?.header.state.epoch ?? 0,
      unavailable: () => (this.custom.masked ? lazy("model.draw_first") : null),
      adopt: ({ id, config }) => {
        if (config.dataset === "custom" && config.points) this.custom.adopt(config.points, config.problem);
        const skipped = this.#adoptConfig(config);
        this.data.noteConfig(id, config);
        this.stream.send({ type: "frame" });
        return skipped;
      },
      flash: (kind, text) => this.status.flash(kind, text),
    });
  }

  #makeStream() {
    const { state } = this;
    return new StreamClient({
      sessionConfig: () => {
        const config = this.custom.sessionConfig(state.serverConfig());
        return state.get("lesson") ? { ...config, lesson: state.get("lesson") } : config;
      },
      onSession: (session, origin) => {
        this.#showSessionLink(session.id);
        this.data.forget();
        this.data.noteConfig(session.id, session.config);
        // A seat the join page just made is no run coming back: nothing to say about it.
        const joined = origin === "resumed" && this.memory?.joined;
        if (this.memory) this.memory.joined = false;
        this.arrival = origin === "new" || joined ? null : { origin, epoch: session.state.epoch };
      },
      onOpen: ({ interrupted }) => {
        this.stream.send({ ...this.#speedMessage(), ...STREAM });
        // A new socket starts paused: a run that played before the stream went plays on.
        if (interrupted && this.playingWhenLost) this.stream.send({ type: "play" });
      },
      onMessage: (message) => this.#receive(message),
      onFrame: (header, bytes) => {
        this.painter.receive(header, bytes);
        this.data.noteFrame(header);
        this.inspector.noteFrame(header);
        if ("lesson" in header) this.onLesson(header.lesson);
      },
      onConnection: (kind, detail) => {
        const refused = detail.error instanceof ApiError && detail.error.status === 422;
        if (kind === Connection.LOST && refused && this.stream.sessionId === null) this.#dropRefusedSettings(detail.error);
        if (kind === Connection.LOST && this.playingWhenLost === null) {
          this.playingWhenLost = this.painter.latest?.header.playing ?? false;
        }
        this.status.connectionChanged(kind, detail, kind === Connection.OPEN ? this.arrival : null);
        if (kind === Connection.OPEN && this.refusal) {
          this.status.flash("notice", this.refusal);
          this.refusal = null;
        }
        if (kind === Connection.OPEN) {
          this.arrival = null;
          this.playingWhenLost = null;
          this.previews.load(this.datasets);
        }
      },
    });
  }

  #receive(message) {
    const { state } = this;
    if (message.type === "hello") {
      const missed = state.differences(message.config);
      if (Object.keys(missed).length) this.#sendUpdate(missed);
      this.data.noteConfig(message.id, message.config);
      if ("lesson" in message) this.onLesson(message.lesson);
    } else if (message.type === "config") {
      const changed = changedSettings(this.data.config, message.config);
      // A custom edit restarts the network every time; the status line already says so.
      if (message.rebuilt && changed.length) {
        const forPoints = this.#isCustom() && changed.join() === "dataset";
        const text = forPoints ? lazy("status.rebuilt_custom") : lazy("status.rebuilt", { fields: settingNames(changed) });
        this.status.flash("notice", text);
      }
      this.data.noteConfig(this.stream.sessionId, message.config);
    } else if (message.type === "preset") {
      // The room's teacher set a new task on this session: the page follows, and says so.
      this.adopt(message);
      this.status.flash("notice", lazy("room.task_changed"));
      this.onPreset(message);
    } else if (message.type === "inspection") {
      this.inspector.show(message);
    } else if (message.type === "error" && ruleRefusal(message)) {
      // The teacher's pause or lock (class_rules.py), worded here: the server's is English.
      this.status.flash("notice", ruleRefusal(message));
      if (message.rule === "locked") this.#resyncFromServer();
    } else if (message.type === "error") {
      this.status.flash("error", lazy("status.server_error", { reason: message.message }));
      const field = (message.field || "").replace(/^config\./, "").split(/[.[]/)[0];
      if (SERVER_FIELDS.includes(field)) this.#resyncFromServer();
    }
  }

  #showSessionLink(id) {
    const link = this.sessionLink;
    if (!link) return;
    link.href = `/api/sessions/${id}`;
    link.textContent = `GET /api/sessions/${id.slice(0, 8)}…`;
    link.dataset.sessionId = id;
  }

  #send(message) {
    if (!this.stream.send(message)) this.status.flash("error", lazy("status.not_connected"));
  }

  /** Play and step need data to train on: in custom mode, points the server has. */
  #blockedByCustom() {
    if (!this.#isCustom() || this.custom.trainable) return false;
    this.status.nudge(); // the status line already says what is missing
    return true;
  }

  /** The stream message that sets the chosen speed (the server's table says what to send). */
  #speedMessage() {
    return { type: "stream", ...speedInfo(this.state.get("speed")).stream };
  }

  /** Every config update goes through here: custom mode adds its points (or holds it back). */
  #sendUpdate(update) {
    const prepared = this.custom.prepareUpdate(update);
    if (prepared && Object.keys(prepared).length) this.stream.send({ type: "update", config: prepared });
  }

  /** Word every text again in the chosen language; the run and its stream go on untouched. */
  #showLanguage() {
    setLanguage(this.state.get("lang"));
    this.onLanguage(this.state.get("lang"));
    this.controls.relabel();
    this.architecture.relabel();
    this.curves.relabel();
    this.#reshape();
    this.network.relabel();
    this.output.relabel();
    this.inspector.relabel();
    this.status.relabel();
    this.sweep.relabel();
    this.custom.render();
    this.painter.repaint();
  }

  /**
   * The server refused to start a session from the link's settings (a 422 naming them, e.g. the
   * perceptron with hidden layers): those settings go back to their defaults for the next try,
   * and the server's reason is shown once the run is live.
   */
  #dropRefusedSettings(error) {
    const named = (error.detail ?? []).map((item) => item.loc?.[1]).filter((name) => SERVER_FIELDS.includes(name));
    const fields = [...new Set(named)];
    if (!fields.length) return;
    this.state.restore(fields);
    this.#refresh();
    this.refusal = lazy("status.refused_link", { fields: settingNames(fields), reason: error.message });
  }

  /** Show the state's settings everywhere. */
  #refresh() {
    this.custom.render();
    this.controls.sync();
    this.#reshape();
    this.data.show();
  }

  /** Take a config the server holds as the run's settings; returns the fields it could not show. */
  #adoptConfig(config) {
    this.state.adoptServerConfig(config);
    this.#refresh();
    return Object.keys(this.state.differences(config));
  }

  /** The server refused a change: take its config back so the page shows the truth. */
  async #resyncFromServer() {
    try {
      const session = await api.getSession(this.stream.sessionId);
      // A custom link whose points the server never took keeps its URL; everything else follows.
      if (this.#isCustom() && session.config.dataset !== "custom") delete session.config.dataset;
      this.#adoptConfig(session.config);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
    }
  }
}
