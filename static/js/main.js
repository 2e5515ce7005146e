// Wires the page together: URL state → controls, session and stream → drawings.
// Frames are only painted from requestAnimationFrame, and only the latest one: a page that
// cannot keep up skips frames instead of falling behind.

import { ApiError, Connection, StreamClient, api } from "./api.js";
import { Controls } from "./controls.js";
import { FrameScales } from "./frame.js";
import { NetworkView } from "./network.js";
import { OutputView } from "./output.js";
import { DatasetPreviews } from "./previews.js";
import {
  FEATURES, MAX_HIDDEN_LAYERS, MAX_NEURONS, SERVER_FIELDS, UrlState, problemOf,
} from "./state.js";
import { StatusLine } from "./status.js";

const STREAM = { fps: 60, resolution: 100, thumbnail_resolution: 32 };
const NEW_LAYER_SIZE = 2;
const DATA_FIELDS = ["dataset", "n_samples", "noise", "train_ratio", "data_seed", "n_classes"];

const $ = (id) => document.getElementById(id);
const state = new UrlState();
state.writeUrl();
const status = new StatusLine($("status"), $("connection"), $("plot-overlay"));
const output = new OutputView();
let datasets = [];
let latest = null; // newest frame received
let painted = null; // frame on screen
let paintScheduled = false;
let playing = false;
let dataKey = null;
let dataRequest = 0;
// Counters for anyone tuning the page (read `nnPlayground.stats` in the console).
const stats = { framesReceived: 0, framesPainted: 0, paintMs: 0 };
window.nnPlayground = { stats };

const dataKeyOf = (config) => JSON.stringify(DATA_FIELDS.map((f) => config[f]));

function outputUnits() {
  const info = datasets.find((d) => d.name === state.get("dataset"));
  if (!info || info.problem === "regression" || !info.classes) {
    return state.get("dataset") === "blobs" ? state.get("n_classes") : 1;
  }
  return info.classes > 2 ? info.classes : 1;
}

const network = new NetworkView($("network"), {
  onToggleFeature(name) {
    const active = new Set(state.get("features"));
    if (active.has(name) && active.size === 1) {
      status.flash("notice", "The network needs at least one input feature.");
      return;
    }
    if (active.has(name)) active.delete(name);
    else active.add(name);
    applySettings({ features: FEATURES.filter((f) => active.has(f)) });
  },
  onLayers(delta) {
    const hidden = state.get("hidden_layers");
    if (delta > 0 && hidden.length < MAX_HIDDEN_LAYERS) hidden.push(NEW_LAYER_SIZE);
    if (delta < 0 && hidden.length > 0) hidden.pop();
    applySettings({ hidden_layers: hidden });
  },
  onNeurons(layer, delta) {
    const hidden = state.get("hidden_layers");
    hidden[layer] = Math.max(1, Math.min(MAX_NEURONS, hidden[layer] + delta));
    applySettings({ hidden_layers: hidden });
  },
  onSetWeight(layer, from, to, value) {
    send({ type: "set_weight", layer, from, to, value });
  },
  onSetBias(layer, neuron, value) {
    send({ type: "set_bias", layer, neuron, value });
  },
  onHover(target) {
    output.setHover(target);
    if (painted) paintMain(painted);
  },
});

const controls = new Controls(state, {
  onSettings: applySettings,
  onPlayToggle: togglePlay,
  onStep: () => send({ type: "step", unit: "iteration" }),
  onReset: () => send({ type: "reset" }),
  onRegenerate() {
    const [seed] = crypto.getRandomValues(new Uint32Array(1));
    applySettings({ data_seed: seed });
  },
  onProblem(problem) {
    const first = datasets.find((d) => d.problem === problem && d.name !== "custom");
    if (first) applySettings({ dataset: first.name });
  },
});

const previews = new DatasetPreviews(controls);

function send(message) {
  if (!stream.send(message)) status.flash("error", "Not connected: the change will apply once the page reconnects.");
}

function togglePlay() {
  send({ type: playing ? "pause" : "play" });
}

/** One place where settings change: URL first, then the drawing, then the server. */
function applySettings(changes) {
  const changed = state.set(changes);
  if (!changed.length) return;
  controls.sync();
  network.setShape(state.get("features"), state.get("hidden_layers"), outputUnits());
  const update = {};
  for (const name of changed) if (SERVER_FIELDS.includes(name)) update[name] = state.get(name);
  if (Object.keys(update).length) stream.send({ type: "update", config: update });
  if (changed.includes("speed")) stream.send({ type: "stream", speed: Number(state.get("speed")) });
  if (changed.includes("show_test")) output.setShowTest(state.get("show_test"));
  if (changed.includes("discretize")) {
    output.discretize = state.get("discretize");
    if (painted) paintMain(painted);
  }
}

async function loadData(sessionId) {
  const token = ++dataRequest;
  try {
    const data = await api.data(sessionId);
    if (token === dataRequest) output.setData(data, problemOf(state.get("dataset")));
  } catch (error) {
    if (token === dataRequest) status.flash("error", `Could not load the data: ${error.message}`);
  }
}

function noteConfig(sessionId, config) {
  const key = dataKeyOf(config);
  if (key !== dataKey) {
    dataKey = key;
    loadData(sessionId);
  }
}

function describeChange(previous, config) {
  const changed = SERVER_FIELDS.filter((f) => JSON.stringify(previous?.[f]) !== JSON.stringify(config[f]));
  return changed.length ? changed.join(", ").replace(/_/g, " ") : "settings";
}

let serverConfig = null;
let sessionRecreated = false;
const stream = new StreamClient({
  sessionConfig: () => state.serverConfig(),
  onSession(session, { recreated }) {
    serverConfig = session.config;
    const link = $("session-link");
    link.href = `/api/sessions/${session.id}`;
    link.textContent = `GET /api/sessions/${session.id.slice(0, 8)}…`;
    link.dataset.sessionId = session.id;
    dataKey = null;
    noteConfig(session.id, session.config);
    sessionRecreated = recreated;
  },
  onOpen() {
    stream.send({ type: "stream", ...STREAM, speed: Number(state.get("speed")) });
  },
  onMessage(message) {
    if (message.type === "hello") {
      serverConfig = message.config;
      const missed = state.differences(message.config);
      if (Object.keys(missed).length) stream.send({ type: "update", config: missed });
      noteConfig(message.id, message.config);
    } else if (message.type === "config") {
      if (message.rebuilt) {
        status.flash("notice", `Network rebuilt (${describeChange(serverConfig, message.config)} changed): counters back to 0.`);
      }
      serverConfig = message.config;
      noteConfig(stream.sessionId, message.config);
    } else if (message.type === "error") {
      status.flash("error", message.message);
      if (message.field && SERVER_FIELDS.includes(message.field.split(".")[0])) resyncFromServer();
    }
  },
  onFrame(header, bytes) {
    latest = { header, bytes };
    stats.framesReceived++;
    if (!paintScheduled) {
      paintScheduled = true;
      requestAnimationFrame(paintLatest);
    }
    output.record(header);
  },
  onConnection(kind, detail) {
    if (kind === Connection.OPEN) {
      const wasLost = status.connection !== null;
      status.setConnection("open", "Live");
      if (sessionRecreated) {
        status.flash("notice", "Reconnected. The server had lost this session, so a fresh one was started from the page's settings.");
      } else if (wasLost) {
        status.flash("notice", "Reconnected to the server.");
      }
      sessionRecreated = false;
      previews.load(datasets);
    } else if (kind === Connection.LOST) {
      const seconds = Math.max(1, Math.round(detail.retryInMs / 1000));
      const refused = detail.error instanceof ApiError;
      status.setConnection(
        "lost",
        refused
          ? `The server refused to start a session (${detail.error.message}) — retrying in ${seconds} s…`
          : `Lost the connection to the server — reconnecting in ${seconds} s…`,
      );
    } else if (kind === Connection.CONNECTING) {
      status.setConnection("connecting", "Connecting…");
    }
  },
});

/** The server refused a change: take its config back so the page shows the truth. */
async function resyncFromServer() {
  try {
    const session = await api.getSession(stream.sessionId);
    state.adoptServerConfig(session.config);
    controls.sync();
    network.setShape(state.get("features"), state.get("hidden_layers"), outputUnits());
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
  }
}

function paintMain(frame) {
  const scales = new FrameScales(frame.header, frame.bytes, { regressionRange: output.regressionRange });
  output.paint(frame.header, frame.bytes, scales);
  return scales;
}

function paintLatest() {
  paintScheduled = false;
  const frame = latest;
  if (!frame || frame === painted) return;
  painted = frame;
  const started = performance.now();
  const { header, bytes } = frame;
  playing = header.playing;
  controls.setPlaying(playing);
  controls.setCounters(header.state);
  controls.setMetrics(header.state, header.problem);
  status.setPlaying(playing);
  status.setDiverged(header.state.status === "diverged" ? header.state.diverged_at : null);
  const sizes = header.layer_sizes;
  if (sizes.length - 2 === state.get("hidden_layers").length) {
    network.setShape(state.get("features"), state.get("hidden_layers"), sizes[sizes.length - 1]);
  }
  const scales = paintMain(frame);
  network.update(header, bytes, scales);
  output.drawCharts();
  stats.framesPainted++;
  stats.paintMs += performance.now() - started;
}

function typing(target) {
  return target instanceof HTMLElement && target.closest("input, select, textarea, [contenteditable]");
}

document.addEventListener("keydown", (event) => {
  if (event.altKey || event.ctrlKey || event.metaKey || typing(event.target)) return;
  if (event.key === " ") {
    event.preventDefault();
    togglePlay();
  } else if (event.key === "ArrowRight") {
    event.preventDefault();
    send({ type: "step", unit: event.shiftKey ? "epoch" : "iteration" });
  }
});
window.addEventListener("pagehide", () => stream.stop());

async function start() {
  if (state.rejected.length) {
    status.flash("notice", `Ignored invalid settings in the link: ${state.rejected.join(", ")}.`);
  }
  controls.sync();
  output.setShowTest(state.get("show_test"));
  output.discretize = state.get("discretize");
  try {
    const [all, health] = await Promise.all([api.datasets(), api.health()]);
    previews.version = health.version;
    datasets = all.filter((d) => d.name !== "custom");
    controls.setDatasets(datasets);
  } catch (error) {
    status.flash("error", `Could not reach the server: ${error.message}`);
  }
  network.setShape(state.get("features"), state.get("hidden_layers"), outputUnits());
  await stream.start();
  previews.load(datasets);
}

start();
