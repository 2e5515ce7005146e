// The one owner of the URL state.
//
// Every setting and both seeds live in the query string, driven by the PROPERTIES table:
// reload restores the page, a copied link reproduces the run. Nothing else reads or writes
// `location.search`.

export const DATASETS = [
  "circles", "xor", "gaussian", "spiral", "moons", "and", "or", "xor_gate", "spiral3", "blobs",
  "plane", "multi_gaussian", "custom",
];
export const REGRESSION_DATASETS = new Set(["plane", "multi_gaussian"]);
export const FEATURES = ["x1", "x2", "x1_sq", "x2_sq", "x1_x2", "sin_x1", "sin_x2"];
export const ACTIVATIONS = ["relu", "leaky_relu", "tanh", "sigmoid", "linear"];
export const OPTIMIZERS = ["sgd", "momentum", "adam"];
export const REGULARIZATIONS = ["none", "l1", "l2"];
export const LEARNING_RATES = [0.00001, 0.0001, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
export const REGULARIZATION_RATES = [0, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10];
// Iterations trained per frame; 0 = as many as fit in the frame's time budget.
export const SPEEDS = [1, 2, 5, 10, 25, 50, 100, 250, 1000, 0];
export const MAX_HIDDEN_LAYERS = 8;
export const MAX_NEURONS = 8;
export const MAX_SEED = 2 ** 32 - 1;

// Property kinds: parse(text) → value or undefined when invalid; format(value) → text.
const integer = (min, max) => ({
  parse: (s) => {
    const v = s.trim() === "" ? NaN : Number(s);
    return Number.isInteger(v) && v >= min && v <= max ? v : undefined;
  },
  format: String,
});
const real = (min, max, { exclusiveMin = false } = {}) => ({
  parse: (s) => {
    const v = s.trim() === "" ? NaN : Number(s);
    const aboveMin = exclusiveMin ? v > min : v >= min;
    return Number.isFinite(v) && aboveMin && v <= max ? v : undefined;
  },
  format: (v) => String(Number(v.toPrecision(12))),
});
const oneOf = (values) => ({
  parse: (s) => (values.includes(s) ? s : undefined),
  format: String,
});
const boolean = {
  parse: (s) => ({ 1: true, true: true, 0: false, false: false })[s],
  format: (v) => (v ? "1" : "0"),
};
const listOf = (item, minLength, maxLength, { distinct = false } = {}) => ({
  parse: (s) => {
    const parts = s === "" ? [] : s.split(",");
    const values = parts.map((p) => item.parse(p));
    if (values.some((v) => v === undefined)) return undefined;
    if (values.length < minLength || values.length > maxLength) return undefined;
    if (distinct && new Set(values).size !== values.length) return undefined;
    return values;
  },
  format: (v) => v.map(item.format).join(","),
});

// `server: true` marks session config fields (sent to the API under the same name).
export const PROPERTIES = [
  { name: "dataset", kind: oneOf(DATASETS), initial: "circles", server: true },
  { name: "n_samples", kind: integer(4, 2000), initial: 500, server: true },
  { name: "noise", kind: real(0, 0.5), initial: 0, server: true },
  { name: "train_ratio", kind: real(0.1, 0.9), initial: 0.5, server: true },
  { name: "batch_size", kind: integer(1, 2000), initial: 10, server: true },
  { name: "n_classes", kind: integer(3, 6), initial: 4, server: true },
  { name: "seed", kind: integer(0, MAX_SEED), initial: 0, server: true },
  { name: "data_seed", kind: integer(0, MAX_SEED), initial: 0, server: true },
  {
    name: "features",
    kind: listOf(oneOf(FEATURES), 1, FEATURES.length, { distinct: true }),
    initial: ["x1", "x2"],
    server: true,
  },
  {
    name: "hidden_layers",
    kind: listOf(integer(1, MAX_NEURONS), 0, MAX_HIDDEN_LAYERS),
    initial: [4, 2],
    server: true,
  },
  { name: "activation", kind: oneOf(ACTIVATIONS), initial: "tanh", server: true },
  {
    name: "learning_rate",
    kind: real(0, 10, { exclusiveMin: true }),
    initial: 0.03,
    server: true,
  },
  { name: "optimizer", kind: oneOf(OPTIMIZERS), initial: "sgd", server: true },
  { name: "regularization", kind: oneOf(REGULARIZATIONS), initial: "none", server: true },
  { name: "regularization_rate", kind: real(0, 10), initial: 0, server: true },
  { name: "speed", kind: oneOf(SPEEDS.map(String)), initial: "10", server: false },
  { name: "show_test", kind: boolean, initial: false, server: false },
  { name: "discretize", kind: boolean, initial: false, server: false },
];

const BY_NAME = new Map(PROPERTIES.map((p) => [p.name, p]));
export const SERVER_FIELDS = PROPERTIES.filter((p) => p.server).map((p) => p.name);

function copy(value) {
  return Array.isArray(value) ? [...value] : value;
}

function same(a, b) {
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => v === b[i]);
  }
  return a === b;
}

// The custom data set's problem follows its points (custom-data.js says which).
let customProblem = "classification";

export function setCustomProblem(problem) {
  customProblem = problem;
}

export function problemOf(dataset) {
  if (dataset === "custom") return customProblem;
  return REGRESSION_DATASETS.has(dataset) ? "regression" : "classification";
}

export class UrlState {
  /** Values from `search` (a query string); anything missing or invalid takes its default. */
  constructor(search = window.location.search) {
    const params = new URLSearchParams(search);
    this.values = {};
    this.rejected = [];
    for (const p of PROPERTIES) {
      const text = params.get(p.name);
      const parsed = text === null ? undefined : p.kind.parse(text);
      if (text !== null && parsed === undefined) this.rejected.push(p.name);
      this.values[p.name] = parsed === undefined ? copy(p.initial) : parsed;
    }
    this.listeners = [];
  }

  get(name) {
    return copy(this.values[name]);
  }

  /** Apply `changes`; returns the names that really changed, and rewrites the URL once. */
  set(changes) {
    const changed = [];
    for (const [name, value] of Object.entries(changes)) {
      const p = BY_NAME.get(name);
      if (!p) throw new Error(`unknown setting ${name}`);
      const valid = p.kind.parse(p.kind.format(value));
      if (valid === undefined) throw new Error(`${name}: invalid value ${value}`);
      if (!same(valid, this.values[name])) {
        this.values[name] = valid;
        changed.push(name);
      }
    }
    if (changed.length) {
      this.writeUrl();
      for (const listener of this.listeners) listener(changed);
    }
    return changed;
  }

  /** Adopt the server's view of the config (fields we know, values we accept). */
  adoptServerConfig(config) {
    const changes = {};
    for (const name of SERVER_FIELDS) {
      if (!(name in config)) continue;
      const p = BY_NAME.get(name);
      const text = Array.isArray(config[name]) ? config[name].join(",") : String(config[name]);
      const value = p.kind.parse(text);
      if (value !== undefined) changes[name] = value;
    }
    return this.set(changes);
  }

  onChange(listener) {
    this.listeners.push(listener);
  }

  /** The session config the API expects, built from the URL. */
  serverConfig() {
    const config = {};
    for (const name of SERVER_FIELDS) config[name] = this.get(name);
    return config;
  }

  /** Fields of `config` (a server config) that differ from ours. */
  differences(config) {
    const diff = {};
    for (const name of SERVER_FIELDS) {
      if (name in config && !same(config[name], this.values[name])) diff[name] = this.get(name);
    }
    return diff;
  }

  toQuery() {
    // Commas stay readable: `features=x1,x2&hidden_layers=4,2`.
    const parts = PROPERTIES.map((p) => {
      const text = encodeURIComponent(p.kind.format(this.values[p.name])).replace(/%2C/g, ",");
      return `${p.name}=${text}`;
    });
    return `?${parts.join("&")}`;
  }

  writeUrl() {
    const url = `${window.location.pathname}${this.toQuery()}${window.location.hash}`;
    window.history.replaceState(null, "", url);
  }
}
