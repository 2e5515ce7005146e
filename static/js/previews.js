// The data-set picker's thumbnails: each set's points, fetched once from a throw-away
// session and cached in localStorage (keyed by the server's version).

import { api } from "./api.js";
import { BOUNDS } from "./meta.js";

const CACHE = "nnp-preview-v1";
const PREVIEW_SAMPLES = 200;

export class DatasetPreviews {
  constructor(controls) {
    this.controls = controls;
    this.version = "0";
    this.drawn = new Set();
    this.running = false;
  }

  /** Draw every preview not drawn yet; if the server goes away, the next call finishes. */
  async load(datasets) {
    if (this.running) return;
    this.running = true;
    try {
      for (const d of datasets) {
        if (this.drawn.has(d.name)) continue;
        const data = this.#cached(d.name) ?? (await this.#fetch(d.name));
        this.controls.drawPreview(d.name, data, d.problem);
        this.drawn.add(d.name);
      }
    } catch {
      // The server went away mid-way; the next reconnect calls load() again.
    } finally {
      this.running = false;
    }
  }

  #key(name) {
    return `${CACHE}:${this.version}:${name}`;
  }

  #cached(name) {
    try {
      return JSON.parse(localStorage.getItem(this.#key(name)));
    } catch {
      return null;
    }
  }

  async #fetch(name) {
    const n_samples = Math.min(PREVIEW_SAMPLES, BOUNDS.n_samples.max);
    const config = { dataset: name, n_samples, hidden_layers: [] };
    const session = await api.createSession(config);
    const { train } = await api.data(session.id);
    await api.deleteSession(session.id);
    const data = { x: train.x.map(([a, b]) => [+a.toFixed(2), +b.toFixed(2)]), y: train.y };
    try {
      localStorage.setItem(this.#key(name), JSON.stringify(data));
    } catch {
      // Storage full or disabled: the preview is simply fetched again next time.
    }
    return data;
  }
}
