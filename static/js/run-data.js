// A run's points and how they split: the session's training and test points as the server
// sent them, shown on the plot (in custom mode, the person's own), and the line that reads
// "1000 training points ÷ batch 20 = 50 iterations per epoch".

import { api } from "./api.js";
import { lazy } from "./i18n.js";
import { problemOf } from "./state.js";

// The config fields the points depend on: a change to any of them brings new points.
const DATA_FIELDS = ["dataset", "n_samples", "noise", "train_ratio", "data_seed", "n_classes", "points"];
const dataKeyOf = (config) => JSON.stringify(DATA_FIELDS.map((f) => config[f]));

export class RunData {
  /**
   * parts: output (OutputView), controls (Controls), custom (CustomMode), dataset() and
   *   showTest() (the run's settings), flash(kind, text), send(message) (to the stream)
   */
  constructor(parts) {
    Object.assign(this, parts);
    this.config = null; // the session's config as the server last said
    this.points = null; // the session's points as the server last sent them
    this.pointsKey = null; // the data fields those points were made from
    this.wantedKey = null; // the data fields of the points asked for last
    this.request = 0;
    this.epochShape = null; // {ipe, batch, key}: iterations per epoch in the latest frame, and what for
  }

  /** A new session: whatever its config, its points are fetched again. */
  forget() {
    this.wantedKey = null;
  }

  /** Points on the plot: the server's, or in custom mode the person's (split as the server split them). */
  show() {
    const dataset = this.dataset();
    this.output.setShowTest(dataset === "custom" || this.showTest());
    if (dataset === "custom") this.output.setData(this.custom.display(this.points), this.custom.points.problem);
    else if (this.points) this.output.setData(this.points, problemOf(dataset));
  }

  /** The server holds `config` for session `sessionId`: fetch its points if they changed. */
  noteConfig(sessionId, config) {
    this.config = config;
    const catchUp = this.custom.noteServerConfig(config);
    if (catchUp) this.send({ type: "update", config: catchUp });
    const key = dataKeyOf(config);
    if (key !== this.wantedKey) {
      this.wantedKey = key;
      this.#load(sessionId, key);
    }
    this.#showSplit();
  }

  /** A frame says how many iterations make an epoch for the config the server held when it was made. */
  noteFrame(header) {
    if (!this.config) return;
    const shape = { ipe: header.state.iterations_per_epoch, batch: this.config.batch_size, key: dataKeyOf(this.config) };
    if (JSON.stringify(shape) === JSON.stringify(this.epochShape)) return;
    this.epochShape = shape;
    this.#showSplit();
  }

  async #load(sessionId, key) {
    const token = ++this.request;
    try {
      const data = await api.data(sessionId);
      if (token !== this.request) return;
      this.points = data;
      this.pointsKey = key;
      this.output.setServerPoints(data);
      this.show();
      this.#showSplit();
    } catch (error) {
      if (token === this.request) this.flash("error", lazy("status.load_data_failed", { reason: error.message }));
    }
  }

  /**
   * Training and test points, batch and iterations per epoch, all as the server has them; the
   * iterations are shown only from a frame made with this batch and data (else "…").
   */
  #showSplit() {
    if (this.custom.masked || !this.points || !this.config) {
      this.controls.setSplit(null);
      return;
    }
    if (this.pointsKey !== dataKeyOf(this.config)) return; // the new points are on their way
    const batch = this.config.batch_size;
    const shape = this.epochShape;
    const current = shape && shape.batch === batch && shape.key === this.pointsKey;
    this.controls.setSplit({
      train: this.points.train.x.length,
      test: this.points.test.x.length,
      batch,
      ipe: current ? shape.ipe : null,
    });
  }
}
