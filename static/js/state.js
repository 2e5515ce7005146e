// The one owner of the URL state.
//
// Every setting and both seeds live in the query string, driven by the PROPERTIES table:
// reload restores the page, a copied link reproduces the run. Nothing else reads or writes
// `location.search`. Names, bounds and defaults are the server's (meta.js): a value is valid
// here when it is within what the server takes.

import {
  ACTIVATIONS, BOUNDS, DATASET_NAMES, FEATURES, META, OPTIMIZERS, REGULARIZATIONS, datasetInfo,
} from "./meta.js";
import { LANGUAGES, browserLanguage, has, list, t } from "./i18n.js";

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

const lessonId = {
  parse: (s) => (s === "" || /^[a-z][a-z0-9_]{0,39}$/.test(s) ? s : undefined),
  format: String,
};

const integerIn = (range) => integer(range.min, range.max);
const realIn = (range) => real(range.min, range.max, { exclusiveMin: range.min_exclusive });
// A session config field: sent to the API under the same name, starting at the server's default.
const field = (name, kind) => ({ name, kind, initial: META.defaults[name], server: true });

export const PROPERTIES = [
  field("dataset", oneOf(DATASET_NAMES)),
  field("n_samples", integerIn(BOUNDS.n_samples)),
  field("noise", realIn(BOUNDS.noise)),
  field("train_ratio", realIn(BOUNDS.train_ratio)),
  field("batch_size", integerIn(BOUNDS.batch_size)),
  field("n_classes", integerIn(BOUNDS.n_classes)),
  field("seed", integerIn(BOUNDS.seed)),
  field("data_seed", integerIn(BOUNDS.seed)),
  field("features", listOf(oneOf(FEATURES), BOUNDS.features.min, BOUNDS.features.max, { distinct: true })),
  field("hidden_layers", listOf(integerIn(BOUNDS.neurons), BOUNDS.hidden_layers.min, BOUNDS.hidden_layers.max)),
  field("activation", oneOf(ACTIVATIONS)),
  field("learning_rate", realIn(BOUNDS.learning_rate)),
  field("optimizer", oneOf(OPTIMIZERS)),
  field("regularization", oneOf(REGULARIZATIONS)),
  field("regularization_rate", realIn(BOUNDS.regularization_rate)),
  // The page's own settings.
  { name: "speed", kind: oneOf(META.speeds.map((s) => s.value)), initial: META.default_speed, server: false },
  { name: "show_test", kind: boolean, initial: false, server: false },
  { name: "discretize", kind: boolean, initial: false, server: false },
  // The page's language: the reader's choice, else the browser's (i18n.js).
  { name: "lang", kind: oneOf(LANGUAGES), initial: browserLanguage(), server: false },
  // The lesson the run follows ("" for none; lesson-panel.js), in the address only while set.
  { name: "lesson", kind: lessonId, initial: "", server: false, omitWhenInitial: true },
];

const BY_NAME = new Map(PROPERTIES.map((p) => [p.name, p]));

/** Settings named as a sentence lists them ("learning rate and batch size"), worded when shown. */
export function settingNames(names) {
  const name = (setting) => (has(`setting.${setting}`) ? t(`setting.${setting}`) : setting.replace(/_/g, " "));
  return { toString: () => list(names.map(name)) };
}
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
  return datasetInfo(dataset)?.problem ?? "classification";
}

export class UrlState {
  /**
   * Values from `search` (a query string); anything missing or invalid takes its default.
   * `writes`: whether changes rewrite the page's URL (false for a run the link does not describe).
   */
  constructor(search = window.location.search, { writes = true } = {}) {
    this.writes = writes;
    const params = new URLSearchParams(search);
    this.values = {};
    this.rejected = [];
    this.given = new Set(); // the settings the link itself set (the others are defaults)
    for (const p of PROPERTIES) {
      const text = params.get(p.name);
      const parsed = text === null ? undefined : p.kind.parse(text);
      if (text !== null && parsed === undefined) this.rejected.push(p.name);
      if (parsed !== undefined) this.given.add(p.name);
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

  /** Put `names` back to their initial values (settings from a link the server refused). */
  restore(names) {
    const known = names.filter((name) => BY_NAME.has(name));
    return this.set(Object.fromEntries(known.map((name) => [name, copy(BY_NAME.get(name).initial)])));
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
    const written = PROPERTIES.filter((p) => !(p.omitWhenInitial && same(this.values[p.name], p.initial)));
    const parts = written.map((p) => {
      const text = encodeURIComponent(p.kind.format(this.values[p.name])).replace(/%2C/g, ",");
      return `${p.name}=${text}`;
    });
    return `?${parts.join("&")}`;
  }

  writeUrl() {
    if (!this.writes) return;
    const url = `${window.location.pathname}${this.toQuery()}${window.location.hash}`;
    window.history.replaceState(null, "", url);
  }
}
