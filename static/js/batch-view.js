// The mini-batch of the last single-iteration step, ringed on the plot and named under it:
// "Iteration 3 of 50 in epoch 2: these 20 points". The frame after such a step carries
// `batch` (docs/protocol.md): indices into the training points as the server lists them.
// Drawn in an SVG over the plot, as decision-line.js draws its line; gone with the next
// frame without `batch` (an epoch step, playing, a reset).

import { formatInteger } from "./format.js";
import { t } from "./i18n.js";
import { DOMAIN, PlotOverlay, SVG } from "./plot-overlay.js";

const RING_RADIUS = 7; // CSS px: around the largest point mark (heatmap.js) with a gap

export class BatchView {
  /** plotBox: the box the plot's canvas fills; note: where the sentence is written */
  constructor(plotBox, note) {
    this.note = note;
    this.train = null; // the server's training points ({x: [[x1, x2], ...], y})
    this.batch = null; // the frame's `batch`, when its points are known
    this.shown = null; // [header, size] of the frame on screen
    this.overlay = new PlotOverlay(plotBox, "batch-rings");
  }

  /** The training points in the server's order (GET /api/sessions/{id}/data's `train`). */
  setTrain(train) {
    this.train = train;
    this.key = null;
    if (this.shown) this.update(...this.shown); // the frame on screen came first
  }

  /** Follow the frame on screen (`size`: the plot's side in CSS px). */
  update(header, size) {
    this.shown = [header, size];
    const batch = header.batch ?? null;
    const points = this.train?.x ?? [];
    const known = batch !== null && batch.train_indices.every((i) => i < points.length);
    const key = known ? `${size}|${header.seq}` : null;
    if (key === this.key) return;
    this.key = key;
    this.batch = known ? batch : null;
    this.overlay.show(known);
    this.note.hidden = !known;
    if (!known) {
      this.overlay.svg.replaceChildren();
      return;
    }
    this.overlay.fit(size);
    const radius = (RING_RADIUS * (DOMAIN[1] - DOMAIN[0])) / size;
    const rings = batch.train_indices.map((i) => {
      const ring = document.createElementNS(SVG, "circle");
      ring.setAttribute("cx", String(points[i][0]));
      ring.setAttribute("cy", String(-points[i][1]));
      ring.setAttribute("r", String(radius));
      return ring;
    });
    this.overlay.svg.replaceChildren(...rings);
    this.relabel();
  }

  relabel() {
    const batch = this.batch;
    if (!batch) return;
    this.note.textContent = t("output.batch", {
      position: formatInteger(batch.position),
      of: formatInteger(batch.of),
      epoch: formatInteger(batch.epoch),
      count: formatInteger(batch.train_indices.length),
    });
  }
}
