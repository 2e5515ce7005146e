// The status line above the output plot and the connection badge in the masthead.
// Messages have a priority: a lost connection beats a diverged run, which beats an error,
// which beats a reason training cannot start (custom mode without points), which beats a
// passing notice (e.g. "network rebuilt"), which beats an unstable run (it stays up for as
// long as the run is unstable, so a passing notice may go first), which beats the idle hint.

import { ApiError, Connection, ServerUnreachable, StreamRefused } from "./api.js";
import { formatInteger } from "./format.js";
import { lazy, t } from "./i18n.js";

const NOTICE_MS = 5000;

// How the run goes (the server's state.status): what the status line and the plot say.
// Messages are kept as catalogue keys (i18n.js lazy) and worded when shown, so a change of
// language rewords whatever is up.
const RUN_TEXT = {
  unstable: lazy("status.unstable"),
  diverged: (epoch, iteration) => lazy("status.diverged", { epoch, iteration }),
};
const BADGE = { open: "connection.live", connecting: "connection.connecting", lost: "connection.offline" };

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

  /**
   * Say what a connection event means (see StreamClient's onConnection); `session`: how the
   * session in use came to be when it was new to the page ({origin, epoch}, else null).
   */
  connectionChanged(kind, detail, session) {
    if (kind === Connection.OPEN) {
      const wasLost = this.connection !== null;
      this.setConnection("open");
      if (session?.origin === "resumed") {
        this.flash("notice", lazy("connection.resumed", { epoch: formatInteger(session.epoch) }));
      } else if (session?.origin === "replaced") {
        this.flash("notice", lazy("connection.replaced"));
      } else if (session?.origin === "recreated") {
        this.flash("notice", lazy("connection.recreated"));
      } else if (detail.interrupted && detail.hello) {
        // The same run, back from the server's store: say where it stands.
        this.flash("notice", lazy("connection.continued", { epoch: formatInteger(detail.hello.state.epoch) }));
      } else if (wasLost) {
        this.flash("notice", lazy("connection.reconnected"));
      }
    } else if (kind === Connection.LOST) {
      const seconds = Math.max(1, Math.round(detail.retryInMs / 1000));
      const { error } = detail;
      let text = lazy("connection.lost", { seconds });
      if (error instanceof StreamRefused) {
        text = lazy("connection.busy", { seconds, reason: error.reason || lazy("connection.busy_reason") });
      } else if (error instanceof ServerUnreachable) {
        // Retried until it answers: no countdown to watch, the run waits on the server.
        text = lazy("connection.unavailable");
      } else if (error instanceof ApiError) {
        text = lazy("connection.refused", { seconds, reason: error.message });
      }
      this.setConnection("lost", text);
    } else if (kind === Connection.CONNECTING) {
      this.setConnection("connecting");
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
    // While retrying ("connecting") after a loss, the badge and the message stay up.
    if (!(kind === "connecting" && this.connection)) {
      this.badge.dataset.state = kind;
      this.badge.textContent = t(BADGE[kind]);
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
    const [epoch, iteration] = divergedAt ?? [];
    this.diverged = divergedAt ? RUN_TEXT.diverged(epoch, iteration) : null;
    this.overlay.hidden = !this.diverged;
    this.render();
  }

  /** Say everything again in the page's (new) language. */
  relabel() {
    this.badge.textContent = t(BADGE[this.badge.dataset.state] ?? BADGE.connecting);
    this.render();
  }

  setPlaying(playing) {
    if (playing !== this.playing) {
      this.playing = playing;
      this.render();
    }
  }

  /** A message that fades after a few seconds (`kind` "error" or "notice"; text or an i18n Message). */
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
    else if (this.playing) [text, tone] = [this.context?.playing ?? lazy("status.playing"), "quiet"];
    else [text, tone] = [this.context?.idle ?? lazy("status.paused"), "quiet"];
    text = String(text); // a Message is worded now, in the page's language
    if (this.line.textContent !== text) this.line.textContent = text;
    this.line.dataset.tone = tone;
    if (this.diverged) {
      const [title, advice] = this.overlay.children;
      const { epoch, iteration } = this.diverged.params;
      const words = [t("status.diverged_title", { epoch, iteration }), t("status.diverged_advice")];
      if (title.textContent !== words[0]) title.textContent = words[0];
      if (advice.textContent !== words[1]) advice.textContent = words[1];
    }
  }
}
