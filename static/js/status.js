// The status line above the output plot and the connection badge in the masthead.
// Messages have a priority: a lost connection beats a diverged run, which beats an error,
// which beats a reason training cannot start (custom mode without points), which beats a
// passing notice (e.g. "network rebuilt"), which beats an unstable run (it stays up for as
// long as the run is unstable, so a passing notice may go first), which beats the idle hint.

import { ApiError, Connection, StreamRefused } from "./api.js";
import { formatInteger } from "./format.js";

const NOTICE_MS = 5000;

// How the run goes (the server's state.status): what the status line and the plot say.
const RUN_TEXT = {
  unstable:
    "Training is unstable: the loss keeps jumping up or will not come down. " +
    "The learning rate is too large for this network — try a lower one.",
  diverged: (epoch, iteration) =>
    `Training diverged at epoch ${epoch}, iteration ${iteration}: the learning rate is too ` +
    "large for this network — try a lower learning rate, then reset.",
  divergedTitle: (epoch, iteration) => `Diverged at epoch ${epoch}, iteration ${iteration}`,
  divergedAdvice: "Lower the learning rate, then reset.",
};

export class StatusLine {
  constructor(line, badge, overlay) {
    this.line = line;
    this.badge = badge;
    this.overlay = overlay;
    this.connection = null;
    this.diverged = null;
    this.unstable = null;
    this.error = null;
    this.notice = null;
    this.playing = false;
    this.context = null; // {blocked} or {idle, playing}: what to say about the data in use
    this.timers = {};
  }

  /** Say what a connection event means (see StreamClient's onConnection). */
  connectionChanged(kind, detail, recreated) {
    if (kind === Connection.OPEN) {
      const wasLost = this.connection !== null;
      this.setConnection("open", "Live");
      if (recreated) {
        this.flash("notice", "Reconnected. The server had lost this session, so a fresh one was started from the page's settings.");
      } else if (wasLost) {
        this.flash("notice", "Reconnected to the server.");
      }
    } else if (kind === Connection.LOST) {
      const seconds = Math.max(1, Math.round(detail.retryInMs / 1000));
      const { error } = detail;
      let text = `Lost the connection to the server — reconnecting in ${seconds} s…`;
      if (error instanceof StreamRefused) {
        text = `The server is busy: ${error.message} — retrying in ${seconds} s…`;
      } else if (error instanceof ApiError) {
        text = `The server refused to start a session (${error.message}) — retrying in ${seconds} s…`;
      }
      this.setConnection("lost", text);
    } else if (kind === Connection.CONNECTING) {
      this.setConnection("connecting", "Connecting…");
    }
  }

  /** Replace the idle and playing hints (custom mode), or block training with a reason. */
  setContext(context) {
    if (JSON.stringify(context) === JSON.stringify(this.context)) return;
    this.context = context;
    this.render();
  }

  /** Draw the eye to the status line (a refused action whose reason it already shows). */
  nudge() {
    this.line.animate(
      [{ transform: "translateX(0)" }, { transform: "translateX(-4px)" }, { transform: "translateX(4px)" }, { transform: "translateX(0)" }],
      { duration: 240 },
    );
  }

  /** kind: "open" | "connecting" | "lost"; `text` goes to the status line when lost. */
  setConnection(kind, text) {
    const badge = { open: "Live", connecting: "Connecting…", lost: "Offline" }[kind];
    // While retrying ("connecting") after a loss, the badge and the message stay up.
    if (!(kind === "connecting" && this.connection)) {
      this.badge.dataset.state = kind;
      this.badge.textContent = badge;
    }
    if (kind === "lost") this.connection = text;
    if (kind === "open") this.connection = null;
    this.render();
  }

  /** How the run goes, from a frame's (or a reply's) `state`: status and diverged_at. */
  setRunState(state) {
    this.setDiverged(state.status === "diverged" ? state.diverged_at : null);
    this.setUnstable(state.status === "unstable");
  }

  /** `unstable`: training goes on, but its loss says the steps are too large. */
  setUnstable(unstable) {
    const text = unstable ? RUN_TEXT.unstable : null;
    if (text === this.unstable) return;
    this.unstable = text;
    this.render();
  }

  setDiverged(divergedAt) {
    const key = divergedAt ? divergedAt.join() : null;
    if (key === this.divergedKey) return;
    this.divergedKey = key;
    const [epoch, iteration] = divergedAt ? divergedAt.map((n) => formatInteger(n)) : [];
    this.diverged = divergedAt ? RUN_TEXT.diverged(epoch, iteration) : null;
    this.overlay.hidden = !this.diverged;
    if (divergedAt) {
      const [title, advice] = this.overlay.children;
      title.textContent = RUN_TEXT.divergedTitle(epoch, iteration);
      advice.textContent = RUN_TEXT.divergedAdvice;
    }
    this.render();
  }

  setPlaying(playing) {
    if (playing !== this.playing) {
      this.playing = playing;
      this.render();
    }
  }

  /** A message that fades after a few seconds (`kind` "error" or "notice"). */
  flash(kind, text) {
    this[kind] = text;
    clearTimeout(this.timers[kind]);
    this.timers[kind] = setTimeout(() => {
      this[kind] = null;
      this.render();
    }, NOTICE_MS);
    this.render();
  }

  render() {
    let text;
    let tone;
    if (this.connection) [text, tone] = [this.connection, "warning"];
    else if (this.diverged) [text, tone] = [this.diverged, "danger"];
    else if (this.error) [text, tone] = [this.error, "danger"];
    else if (this.context?.blocked) [text, tone] = [this.context.blocked, "info"];
    else if (this.notice) [text, tone] = [this.notice, "info"];
    else if (this.unstable) [text, tone] = [this.unstable, "warning"];
    else if (this.playing) [text, tone] = [this.context?.playing ?? "Training… press space to pause.", "quiet"];
    else [text, tone] = [this.context?.idle ?? "Paused. Press play (space) or step (→).", "quiet"];
    if (this.line.textContent !== text) this.line.textContent = text;
    this.line.dataset.tone = tone;
  }
}
