// Painting stream frames. Frames are only painted from requestAnimationFrame, one per
// animation frame, oldest first. Frames arrive unevenly (two within one display refresh, none
// in the next), so a frame that comes while another waits waits too, rather than replacing it;
// but at most MAX_WAITING frames wait: a page that cannot keep up skips frames (the oldest)
// instead of falling behind.

import { FrameScales } from "./frame.js";

// While training plays, the charts and the numbers (counters, loss and accuracy, gradient
// norms) are drawn at most this often, together: each frame adds a point to every chart and
// changes every number, and neither a line a pixel longer nor a number that changes 60 times a
// second gains from 60 redraws a second, while any change of the page's text costs a layout and
// a repaint of the whole page. The frames in between cost neither, and draw the diagram's links
// instead (network-links.js). Only the charts and gradient norms on screen are drawn (output.js).
// Paused, every frame draws everything.
const PLAYING_SLOW_INTERVAL_MS = 30;
// A skipped drawing is done by the first frame once the interval is over; if no frame comes
// this long after that, a timer does it.
const TRAILING_GRACE_MS = 20;
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
    this.slowDrawnAt = -Infinity;
    this.slowTimer = null;
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

  /**
   * Whether this frame draws the charts and the numbers (while training plays, at most every
   * PLAYING_SLOW_INTERVAL_MS); a skipped frame's are drawn later, by a frame or by a timer.
   */
  #slowPartsDue(playing) {
    const now = performance.now();
    const due = this.slowDrawnAt + PLAYING_SLOW_INTERVAL_MS;
    clearTimeout(this.slowTimer);
    if (!playing || now >= due) {
      this.slowDrawnAt = now;
      return true;
    }
    this.slowTimer = setTimeout(() => {
      const started = (this.slowDrawnAt = performance.now());
      this.output.drawCharts(); // frames stopped coming: every chart, once
      const drawn = performance.now();
      this.#writeNumbers(this.painted.header);
      // Counted with the frames' painting time.
      this.stats.partMs.charts += drawn - started;
      this.stats.partMs.text += performance.now() - drawn;
      this.stats.paintMs += performance.now() - started;
    }, due - now + TRAILING_GRACE_MS);
    return false;
  }

  /** The counters, loss and accuracy, and gradient norms of a frame, in the page's text. */
  #writeNumbers(header) {
    const masked = this.masked();
    this.controls.setCounters(header.state, masked ? null : header.state.iterations_per_epoch);
    this.controls.setMetrics(masked ? { ...header.state, ...NO_METRICS } : header.state, header.problem);
    this.output.showGradients(masked ? null : header, this.playing);
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
    this.playing = header.playing;
    const slow = this.#slowPartsDue(this.playing);
    // Canvases first, DOM writes last: text drawn on a canvas needs the page's style up to
    // date, so drawing it after a DOM write would force a style recalculation mid-frame.
    if (slow) this.output.drawCharts(this.playing);
    const t1 = performance.now();
    const scales = this.#paintMain(frame);
    const t2 = performance.now();
    this.controls.setPlaying(this.playing);
    this.status.setPlaying(this.playing);
    this.status.setRunState(header.state); // ready, unstable or diverged
    if (slow) this.#writeNumbers(header);
    const t3 = performance.now();
    const sizes = header.layer_sizes;
    const hidden = this.state.get("hidden_layers");
    if (sizes.length - 2 === hidden.length) {
      this.network.setShape(this.state.get("features"), hidden, sizes[sizes.length - 1]);
    }
    this.network.update(header, bytes, scales, slow && this.playing);
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
