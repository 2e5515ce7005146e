// Wires the page together: URL state → controls, session and stream → drawings.

import { ApiError, Connection, StreamClient, api } from "./api.js";
import { Controls, optimizerNote } from "./controls.js";
import { CustomMode } from "./custom-mode.js";
import { lazy, setLanguage } from "./i18n.js";
import { BOUNDS, FEATURES, META, datasetInfo, optimizerInfo, speedInfo } from "./meta.js";
import { ModelFiles } from "./model-io.js";
import { NetworkView } from "./network.js";
import { OutputView } from "./output.js";
import { FramePainter } from "./painter.js";
import { DatasetPreviews } from "./previews.js";
import { bindShortcuts } from "./shortcuts.js";
import { SERVER_FIELDS, UrlState, problemOf, settingNames } from "./state.js";
import { StatusLine } from "./status.js";

const THUMBNAIL_RESOLUTION = 32;
const STREAM = {
  fps: META.stream.fps.max,
  resolution: META.stream.default_resolution,
  thumbnail_resolution: Math.min(THUMBNAIL_RESOLUTION, META.stream.thumbnail_resolution.max),
};
// A first hidden layer gets enough neurons to learn the XOR-like sets (2 stick at 75 %);
// a further one repeats the size of the layer before it.
const FIRST_LAYER_SIZE = 4;
const DATA_FIELDS = ["dataset", "n_samples", "noise", "train_ratio", "data_seed", "n_classes", "points"];

const $ = (id) => document.getElementById(id);
const state = new UrlState();
state.writeUrl();
setLanguage(state.get("lang")); // before anything below words a text
const status = new StatusLine($("status"), $("connection"), $("plot-overlay"));
const output = new OutputView();
const datasets = META.datasets.filter((d) => d.name !== "custom");
let dataKey = null;
let dataRequest = 0;
let serverData = null; // the session's points as the server last sent them
let serverDataKey = null; // the data fields those points were made from
let epochShape = null; // {ipe, batch, key}: iterations per epoch in the latest frame, and what for
let refusal = null; // why the link's settings were not all used, shown once the page is live

const dataKeyOf = (config) => JSON.stringify(DATA_FIELDS.map((f) => config[f]));
const isCustom = () => state.get("dataset") === "custom";

function outputUnits() {
  if (isCustom()) return custom.outputUnits;
  const info = datasetInfo(state.get("dataset"));
  if (!info || info.problem === "regression" || !info.classes) {
    return state.get("dataset") === "blobs" ? state.get("n_classes") : 1;
  }
  return info.classes > 2 ? info.classes : 1;
}

/** The most hidden layers the chosen optimizer trains (the perceptron: none), and why. */
function layerLimit() {
  const optimizer = optimizerInfo(state.get("optimizer"));
  const most = Math.min(BOUNDS.hidden_layers.max, optimizer?.max_hidden_layers ?? Infinity);
  return { most, why: optimizerNote(state.get("optimizer")) };
}

function reshape() {
  network.setLayerLimit(layerLimit());
  network.setShape(state.get("features"), state.get("hidden_layers"), outputUnits());
}

const network = new NetworkView($("network"), {
  onToggleFeature(name) {
    const active = new Set(state.get("features"));
    if (active.has(name) && active.size === 1) {
      status.flash("notice", lazy("network.needs_feature"));
      return;
    }
    if (active.has(name)) active.delete(name);
    else active.add(name);
    applySettings({ features: FEATURES.filter((f) => active.has(f)) });
  },
  onLayers(delta) {
    const hidden = state.get("hidden_layers");
    if (delta > 0 && hidden.length < BOUNDS.hidden_layers.max) {
      const { min, max } = BOUNDS.neurons;
      hidden.push(Math.max(min, Math.min(max, hidden.at(-1) ?? FIRST_LAYER_SIZE)));
    }
    if (delta < 0 && hidden.length > 0) hidden.pop();
    applySettings({ hidden_layers: hidden });
  },
  onNeurons(layer, delta) {
    const hidden = state.get("hidden_layers");
    const { min, max } = BOUNDS.neurons;
    hidden[layer] = Math.max(min, Math.min(max, hidden[layer] + delta));
    applySettings({ hidden_layers: hidden });
  },
  onSetWeight: (layer, from, to, value) => send({ type: "set_weight", layer, from, to, value }),
  onSetBias: (layer, neuron, value) => send({ type: "set_bias", layer, neuron, value }),
  onHover(target) {
    output.setHover(target);
    painter.repaint();
  },
});

const controls = new Controls(state, {
  onSettings: applySettings,
  onPlayToggle: togglePlay,
  onStep: step,
  onReset: () => send({ type: "reset" }),
  onRegenerate() {
    const [seed] = crypto.getRandomValues(new Uint32Array(1));
    applySettings({ data_seed: seed });
  },
  onProblem(problem) {
    if (isCustom()) {
      custom.setProblem(problem);
      controls.sync();
      return;
    }
    const first = datasets.find((d) => d.problem === problem && d.name !== "custom");
    if (first) applySettings({ dataset: first.name });
  },
});

const painter = new FramePainter({ state, controls, status, network, output }, () => custom.masked);
window.nnPlayground = { stats: painter.stats };
const previews = new DatasetPreviews(controls);

const custom = new CustomMode(output.heatmap, {
  active: isCustom,
  send: (update) => stream.send({ type: "update", config: update }),
  changed() {
    showData();
    reshape();
    controls.sync();
    controls.drawPreview("custom", custom.points, custom.points.problem);
  },
  status: (context) => status.setContext(context),
  isPlaying: () => painter.playing,
  pause: () => send({ type: "pause" }),
  flash: (kind, text) => status.flash(kind, text),
});

new ModelFiles({
  sessionId: () => stream.sessionId,
  epoch: () => Number($("epoch").textContent.replace(/,/g, "")) || 0,
  unavailable: () => (custom.masked ? lazy("model.draw_first") : null),
  adopt({ id, config }) {
    if (config.dataset === "custom" && config.points) custom.adopt(config.points, config.problem);
    const skipped = adoptConfig(config);
    noteConfig(id, config);
    stream.send({ type: "frame" });
    return skipped;
  },
  flash: (kind, text) => status.flash(kind, text),
});

function send(message) {
  if (!stream.send(message)) status.flash("error", lazy("status.not_connected"));
}

/** Play and step need data to train on: in custom mode, points the server has. */
function blockedByCustom() {
  if (!isCustom() || custom.trainable) return false;
  status.nudge(); // the status line already says what is missing
  return true;
}

function togglePlay() {
  if (!painter.playing && blockedByCustom()) return;
  send({ type: painter.playing ? "pause" : "play" });
}

/** A step while training plays pauses it first: the person wants to see that one step. */
function step(unit) {
  if (blockedByCustom()) return;
  if (painter.playing) send({ type: "pause" });
  send({ type: "step", unit });
}

/** The stream message that sets the chosen speed (the server's table says what to send). */
function speedMessage() {
  return { type: "stream", ...speedInfo(state.get("speed")).stream };
}

/** Every config update goes through here: custom mode adds its points (or holds it back). */
function sendUpdate(update) {
  const prepared = custom.prepareUpdate(update);
  if (prepared && Object.keys(prepared).length) stream.send({ type: "update", config: prepared });
}

/** One place where settings change: URL first, then the drawing, then the server. */
function applySettings(changes) {
  const previous = state.get("dataset");
  const changed = state.set(changes);
  if (!changed.length) return;
  if (changed.includes("dataset") && isCustom()) custom.enter(serverData, problemOf(previous));
  if (changed.includes("dataset")) {
    custom.render();
    showData();
  }
  controls.sync();
  reshape();
  const update = {};
  for (const name of changed) if (SERVER_FIELDS.includes(name)) update[name] = state.get(name);
  if (Object.keys(update).length) sendUpdate(update);
  if (changed.includes("speed")) stream.send(speedMessage());
  if (changed.includes("show_test")) showData();
  if (changed.includes("discretize")) {
    output.discretize = state.get("discretize");
    painter.repaint();
  }
  if (changed.includes("lang")) showLanguage();
}

/** Word every text again in the chosen language; the run and its stream go on untouched. */
function showLanguage() {
  setLanguage(state.get("lang"));
  controls.relabel();
  reshape();
  network.relabel();
  output.relabel();
  status.relabel();
  custom.render();
  painter.repaint();
}

/** Points on the plot: the server's, or in custom mode the person's (split as the server split them). */
function showData() {
  const dataset = state.get("dataset");
  output.setShowTest(dataset === "custom" || state.get("show_test"));
  if (dataset === "custom") output.setData(custom.display(serverData), custom.points.problem);
  else if (serverData) output.setData(serverData, problemOf(dataset));
}

async function loadData(sessionId, key) {
  const token = ++dataRequest;
  try {
    const data = await api.data(sessionId);
    if (token !== dataRequest) return;
    serverData = data;
    serverDataKey = key;
    showData();
    showSplit();
  } catch (error) {
    if (token === dataRequest) status.flash("error", lazy("status.load_data_failed", { reason: error.message }));
  }
}

function noteConfig(sessionId, config) {
  serverConfig = config;
  const catchUp = custom.noteServerConfig(config);
  if (catchUp) stream.send({ type: "update", config: catchUp });
  const key = dataKeyOf(config);
  if (key !== dataKey) {
    dataKey = key;
    loadData(sessionId, key);
  }
  showSplit();
}

/**
 * Training and test points, batch and iterations per epoch, all as the server has them; the
 * iterations are shown only from a frame made with this batch and data (else "…").
 */
function showSplit() {
  if (custom.masked || !serverData || !serverConfig) {
    controls.setSplit(null);
    return;
  }
  if (serverDataKey !== dataKeyOf(serverConfig)) return; // the new points are on their way
  const batch = serverConfig.batch_size;
  const current = epochShape && epochShape.batch === batch && epochShape.key === serverDataKey;
  controls.setSplit({
    train: serverData.train.x.length,
    test: serverData.test.x.length,
    batch,
    ipe: current ? epochShape.ipe : null,
  });
}

/** A frame says how many iterations make an epoch for the config the server held when it was made. */
function noteFrame(header) {
  if (!serverConfig) return;
  const shape = { ipe: header.state.iterations_per_epoch, batch: serverConfig.batch_size, key: dataKeyOf(serverConfig) };
  if (JSON.stringify(shape) === JSON.stringify(epochShape)) return;
  epochShape = shape;
  showSplit();
}

/**
 * The server refused to start a session from the link's settings (a 422 naming them, e.g. the
 * perceptron with hidden layers): those settings go back to their defaults for the next try,
 * and the server's reason is shown once the page is live.
 */
function dropRefusedSettings(error) {
  const named = (error.detail ?? []).map((item) => item.loc?.[1]).filter((name) => SERVER_FIELDS.includes(name));
  const fields = [...new Set(named)];
  if (!fields.length) return;
  state.restore(fields);
  refresh();
  refusal = lazy("status.refused_link", { fields: settingNames(fields), reason: error.message });
}

/** Show the state's settings everywhere. */
function refresh() {
  custom.render();
  controls.sync();
  reshape();
  showData();
}

/** Take a config the server holds as the page's settings; returns the fields it could not show. */
function adoptConfig(config) {
  state.adoptServerConfig(config);
  refresh();
  return Object.keys(state.differences(config));
}

/** The settings `config` changes from `previous` (both server configs). */
function changedSettings(previous, config) {
  return SERVER_FIELDS.filter((f) => JSON.stringify(previous?.[f]) !== JSON.stringify(config[f]));
}

let serverConfig = null;
let sessionRecreated = false;
const stream = new StreamClient({
  sessionConfig: () => custom.sessionConfig(state.serverConfig()),
  onSession(session, { recreated }) {
    const link = $("session-link");
    link.href = `/api/sessions/${session.id}`;
    link.textContent = `GET /api/sessions/${session.id.slice(0, 8)}…`;
    link.dataset.sessionId = session.id;
    dataKey = null;
    noteConfig(session.id, session.config);
    sessionRecreated = recreated;
  },
  onOpen() {
    stream.send({ ...speedMessage(), ...STREAM });
  },
  onMessage(message) {
    if (message.type === "hello") {
      const missed = state.differences(message.config);
      if (Object.keys(missed).length) sendUpdate(missed);
      noteConfig(message.id, message.config);
    } else if (message.type === "config") {
      const changed = changedSettings(serverConfig, message.config);
      // A custom edit restarts the network every time; the status line already says so.
      if (message.rebuilt && changed.length) {
        const forPoints = isCustom() && changed.join() === "dataset";
        status.flash("notice", forPoints ? lazy("status.rebuilt_custom") : lazy("status.rebuilt", { fields: settingNames(changed) }));
      }
      noteConfig(stream.sessionId, message.config);
    } else if (message.type === "error") {
      status.flash("error", lazy("status.server_error", { reason: message.message }));
      const field = (message.field || "").replace(/^config\./, "").split(/[.[]/)[0];
      if (SERVER_FIELDS.includes(field)) resyncFromServer();
    }
  },
  onFrame(header, bytes) {
    painter.receive(header, bytes);
    noteFrame(header);
  },
  onConnection(kind, detail) {
    const refused = detail.error instanceof ApiError && detail.error.status === 422;
    if (kind === Connection.LOST && refused && stream.sessionId === null) dropRefusedSettings(detail.error);
    status.connectionChanged(kind, detail, sessionRecreated);
    if (kind === Connection.OPEN && refusal) {
      status.flash("notice", refusal);
      refusal = null;
    }
    if (kind === Connection.OPEN) {
      sessionRecreated = false;
      previews.load(datasets);
    }
  },
});

/** The server refused a change: take its config back so the page shows the truth. */
async function resyncFromServer() {
  try {
    const session = await api.getSession(stream.sessionId);
    // A custom link whose points the server never took keeps its URL; everything else follows.
    if (isCustom() && session.config.dataset !== "custom") delete session.config.dataset;
    adoptConfig(session.config);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
  }
}

bindShortcuts({ togglePlay, step });
window.addEventListener("pagehide", () => stream.stop());

async function start() {
  if (state.rejected.length) {
    status.flash("notice", lazy("status.invalid_link", { fields: settingNames(state.rejected) }));
  }
  custom.start(isCustom());
  controls.sync();
  output.discretize = state.get("discretize");
  showData();
  previews.version = META.version;
  controls.setDatasets(datasets);
  controls.drawPreview("custom", custom.points, custom.points.problem);
  reshape();
  await stream.start();
  previews.load(datasets);
}

start();
