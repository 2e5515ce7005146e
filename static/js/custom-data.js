// The person's own data set ("custom"): the points, their problem type, an undo history,
// and the JSON files they come from and go to. No DOM here beyond localStorage.
//
// The URL only says `dataset=custom`; thousands of points do not fit in a link, so they are
// kept in this browser's localStorage under STORAGE_KEY. The bounds are the server's.

import { CATEGORICAL } from "./colors.js";
import { lazy } from "./i18n.js";
import { BOUNDS } from "./meta.js";

const STORAGE_KEY = "nnp-custom-points-v1";
const { coordinate: COORDINATE, target: TARGET } = BOUNDS;
export const MAX_POINTS = BOUNDS.custom_points.max;
// The server takes BOUNDS.custom_classes.max classes; the page draws as many as it has
// distinct colours for (class labels 0..MAX_CLASSES - 1).
export const MAX_CLASSES = Math.min(BOUNDS.custom_classes.max, CATEGORICAL.length);
const UNDO_DEPTH = 100;

const round = (v, digits) => Number(v.toFixed(digits));

export class ImportError extends Error {
  /** What is wrong, as catalogue key and parameters (i18n.js): `text` is worded when shown. */
  constructor(key, params = {}) {
    const text = lazy(key, params);
    super(String(text));
    this.text = text;
  }
}

// The shape a part of a data document has, as JSON writes it.
const PART_SHAPE = '{"x": [[x1, x2], …], "y": […]}';

/**
 * Read points from a parsed JSON document: `{train: {x, y}, test: {x, y}}` (what
 * GET /api/sessions/{id}/data returns, or what export writes) or `{x, y}`.
 * Returns {x, y, problem}; throws ImportError naming the first bad entry.
 */
export function parsePoints(document, fallbackProblem = null) {
  if (document === null || typeof document !== "object" || Array.isArray(document)) {
    throw new ImportError("import.not_object");
  }
  const parts = [];
  if ("train" in document || "test" in document) {
    for (const name of ["train", "test"]) {
      if (document[name] !== undefined) parts.push([name, document[name]]);
    }
  } else {
    parts.push(["", document]);
  }
  const x = [];
  const y = [];
  for (const [name, part] of parts) {
    const where = (field, i) => `${name ? `${name}.` : ""}${field}${i === undefined ? "" : `[${i}]`}`;
    if (part === null || typeof part !== "object" || !Array.isArray(part.x) || !Array.isArray(part.y)) {
      throw new ImportError("import.not_part", { part: name || lazy("import.document"), shape: PART_SHAPE });
    }
    if (part.x.length !== part.y.length) {
      throw new ImportError("import.labels", { where: where("y"), expected: part.x.length, got: part.y.length });
    }
    part.x.forEach((point, i) => {
      const ok = Array.isArray(point) && point.length === 2 &&
        point.every((c) => typeof c === "number" && Number.isFinite(c) && c >= COORDINATE.min && c <= COORDINATE.max);
      if (!ok) {
        const inside = `[${COORDINATE.min}, ${COORDINATE.max}]`;
        throw new ImportError("import.point", { where: where("x", i), range: inside, got: JSON.stringify(point) });
      }
      x.push([point[0], point[1]]);
    });
    part.y.forEach((label, i) => {
      if (typeof label !== "number" || !Number.isFinite(label) || label < TARGET.min || label > TARGET.max) {
        throw new ImportError("import.label", { where: where("y", i), got: JSON.stringify(label) });
      }
      y.push(label);
    });
  }
  if (x.length > MAX_POINTS) {
    throw new ImportError("import.too_many", { max: MAX_POINTS, got: x.length });
  }
  let problem = document.problem;
  if (problem !== "classification" && problem !== "regression") {
    // As the server guesses: integer labels mean classes.
    if (y.length === 0) problem = fallbackProblem ?? "classification";
    else problem = y.every((v) => Number.isInteger(v)) ? "classification" : "regression";
  }
  if (problem === "classification") {
    const bad = y.findIndex((v) => !Number.isInteger(v) || v < 0 || v >= MAX_CLASSES);
    if (bad >= 0) {
      throw new ImportError("import.class_label", { where: `y[${bad}]`, max: MAX_CLASSES - 1, got: String(y[bad]) });
    }
  }
  return { x, y, problem };
}

export class CustomPoints {
  constructor(storage = window.localStorage) {
    this.storage = storage;
    this.x = [];
    this.y = [];
    this.problem = "classification";
    this.history = [];
    this.version = 0; // bumps on every change
    this.stored = this.#load();
  }

  get count() {
    return this.x.length;
  }

  /** Number of classes the labels imply (max label + 1), 0 without points. */
  get classes() {
    return this.y.length ? Math.max(...this.y) + 1 : 0;
  }

  get distinctLabels() {
    return new Set(this.y).size;
  }

  /** Whether the server can train on these points (at least one; two classes to classify). */
  get trainable() {
    if (this.count === 0) return false;
    return this.problem === "regression" || this.distinctLabels >= 2;
  }

  /** What the API's `points` field takes. */
  toConfig() {
    return { dataset: "custom", points: { x: this.x.map((p) => [...p]), y: [...this.y] }, problem: this.problem };
  }

  /** Replace everything (import, a loaded model), exactly as given; undo brings the old set back. */
  replace({ x, y, problem }) {
    this.#remember();
    this.x = x.map(([a, b]) => [a, b]);
    this.y = [...y];
    this.problem = problem;
    this.#changed();
  }

  /** Start from a generated data set's points, rounded (they are only a starting point). */
  seed({ x, y, problem }) {
    const label = problem === "regression" ? (v) => round(v, 4) : (v) => v;
    this.replace({ x: x.map(([a, b]) => [round(a, 3), round(b, 3)]), y: y.map(label), problem });
  }

  add(point, label) {
    if (this.count >= MAX_POINTS) return false;
    this.#remember();
    this.x.push([round(point[0], 3), round(point[1], 3)]);
    this.y.push(label);
    this.#changed();
    return true;
  }

  /** Remove the point nearest to `point` if it lies within `radius`; returns whether one went. */
  removeNear(point, radius) {
    let best = -1;
    let bestDistance = radius * radius;
    this.x.forEach(([a, b], i) => {
      const d = (a - point[0]) ** 2 + (b - point[1]) ** 2;
      if (d <= bestDistance) {
        best = i;
        bestDistance = d;
      }
    });
    if (best < 0) return false;
    this.#remember();
    this.x.splice(best, 1);
    this.y.splice(best, 1);
    this.#changed();
    return true;
  }

  clear() {
    if (this.count === 0) return;
    this.replace({ x: [], y: [], problem: this.problem });
  }

  /** Switch classification ↔ regression, mapping the labels so the colours stay put. */
  setProblem(problem) {
    if (problem === this.problem) return;
    let y;
    if (problem === "regression") {
      const top = Math.max(1, this.classes - 1);
      y = this.y.map((k) => -1 + (2 * k) / top);
    } else {
      y = this.y.map((v) => (v >= 0 ? 1 : 0));
    }
    this.replace({ x: this.x, y, problem });
  }

  get canUndo() {
    return this.history.length > 0;
  }

  undo() {
    const previous = this.history.pop();
    if (!previous) return false;
    Object.assign(this, previous);
    this.#changed();
    return true;
  }

  /** The points split as the server split them (`testKeys` from its data), for export. */
  toDocument(testKeys) {
    const split = { train: { x: [], y: [] }, test: { x: [], y: [] } };
    this.x.forEach((p, i) => {
      const part = testKeys.has(pointKey(p)) ? split.test : split.train;
      part.x.push([...p]);
      part.y.push(this.y[i]);
    });
    return { problem: this.problem, ...split };
  }

  #remember() {
    this.history.push({ x: this.x.map((p) => [...p]), y: [...this.y], problem: this.problem });
    if (this.history.length > UNDO_DEPTH) this.history.shift();
  }

  #changed() {
    this.version++;
    try {
      const text = JSON.stringify({ problem: this.problem, x: this.x, y: this.y });
      this.storage.setItem(STORAGE_KEY, text);
      this.stored = true;
    } catch {
      // Storage full or disabled: the points live until the page closes.
    }
  }

  /** Points from an earlier visit; returns whether there were any. */
  #load() {
    let saved = null;
    try {
      saved = JSON.parse(this.storage.getItem(STORAGE_KEY));
    } catch {
      return false;
    }
    if (!saved) return false;
    try {
      const { x, y, problem } = parsePoints(saved, saved.problem);
      this.x = x;
      this.y = y;
      this.problem = problem;
      return true;
    } catch {
      return false; // unreadable leftovers: start empty
    }
  }
}

/** The identity of a point for matching the server's train/test split. */
export function pointKey([a, b]) {
  return `${a},${b}`;
}
