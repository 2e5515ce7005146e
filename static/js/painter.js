// Painting stream frames. Frames are only painted from requestAnimationFrame, one per
// animation frame, oldest first. Frames arrive unevenly (two within one display refresh, none
// in the next), so a frame that comes while another waits waits too, rather than replacing it;
// but at most MAX_WAITING frames wait: a page that cannot keep up skips frames (the oldest)
// instead of falling behind.

import { FrameScales } from "./frame.js";

// While training plays, the charts are drawn at most this often (each frame adds one point:
// a line a pixel longer does not need 60 redraws a second), and only those on screen; paused,
// every frame draws them all.
const PLAYING_CHART_INTERVAL_MS = 30;
// Frames received and not painted yet, at most: a frame is on screen at most one display
// refresh later than if it had been painted in the first animation frame after it came.
const MAX_WAITING = 2;

const NO_METRICS = { train_loss: null, test_loss: null, train_accuracy: null, test_accuracy: null };

export class FramePainter {
  /**
   * parts: {state, controls, status, network, output}; masked(): true while the numbers
   * would not describe the data on screen (custom mode before its points reach the server)
   */
  constructor(parts, masked) {
    Object.assign(this, parts);
    this.masked = masked;
    this.latest = null; // newest frame received
    this.waiting = []; // frames received and not painted yet, oldest first
    this.painted = null; // frame on screen
    this.scheduled = false;
    this.playing = false;
    this.chartsDrawnAt = -Infinity;
    this.chartTimer = null;
    // Counters for anyone tuning the page (read `nnPlayground.stats` in the console).
    this.stats = { framesReceived: 0, framesPainted: 0, paintMs: 0, partMs: { text: 0, main: 0, network: 0, charts: 0 } };
  }

  receive(header, bytes) {
    this.latest = { header, bytes };
    this.waiting.push(this.latest);
    if (this.waiting.length > MAX_WAITING) this.waiting.shift();
    this.stats.framesReceived++;
    this.#schedule();
    if (!this.masked()) this.output.record(header);
  }

  /** Paint the main plot again (hover, discretize, new points) from the frame on screen. */
  repaint() {
    if (this.painted) this.#paintMain(this.painted);
  }

  #paintMain(frame) {
    const scales = new FrameScales(frame.header, frame.bytes, { regressionRange: this.output.regressionRange });
    this.output.paint(frame.header, frame.bytes, scales);
    return scales;
  }

  #drawCharts(playing) {
    const wait = playing ? this.chartsDrawnAt + PLAYING_CHART_INTERVAL_MS - performance.now() : 0;
    if (wait <= 0) {
      this.chartsDrawnAt = performance.now();
      this.output.drawCharts(playing);
    } else if (this.chartTimer === null) {
      // Points skipped now are drawn when the interval is over, even if no frame follows.
      this.chartTimer = setTimeout(() => {
        this.chartTimer = null;
        const started = (this.chartsDrawnAt = performance.now());
        this.output.drawCharts(this.playing);
        const spent = performance.now() - started;
        this.stats.partMs.charts += spent; // counted with the frames' painting time
        this.stats.paintMs += spent;
      }, wait);
    }
  }

  #schedule() {
    if (this.scheduled || !this.waiting.length) return;
    this.scheduled = true;
    requestAnimationFrame(() => this.#paintNext());
  }

  #paintNext() {
    this.scheduled = false;
    const frame = this.waiting.shift();
    if (!frame) return;
    this.#schedule(); // the next waiting frame, in the next animation frame
    this.painted = frame;
    const started = performance.now();
    const { header, bytes } = frame;
    // Canvases first, DOM writes last: text drawn on a canvas needs the page's style up to
    // date, so drawing it after a DOM write would force a style recalculation mid-frame.
    this.#drawCharts(header.playing);
    const t1 = performance.now();
    const scales = this.#paintMain(frame);
    const t2 = performance.now();
    this.playing = header.playing;
    this.controls.setPlaying(this.playing);
    const masked = this.masked();
    this.controls.setCounters(header.state, masked ? null : header.state.iterations_per_epoch);
    this.controls.setMetrics(masked ? { ...header.state, ...NO_METRICS } : header.state, header.problem);
    this.status.setPlaying(this.playing);
    this.status.setRunState(header.state); // ready, unstable or diverged
    this.output.showGradients(masked ? null : header);
    const t3 = performance.now();
    const sizes = header.layer_sizes;
    const hidden = this.state.get("hidden_layers");
    if (sizes.length - 2 === hidden.length) {
      this.network.setShape(this.state.get("features"), hidden, sizes[sizes.length - 1]);
    }
    this.network.update(header, bytes, scales);
    const t4 = performance.now();
    const parts = this.stats.partMs;
    parts.charts += t1 - started;
    parts.main += t2 - t1;
    parts.text += t3 - t2;
    parts.network += t4 - t3;
    this.stats.framesPainted++;
    this.stats.paintMs += performance.now() - started;
  }
}
