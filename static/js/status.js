// The status line above the output plot and the connection badge in the masthead.
// Messages have a priority: a lost connection beats a diverged run, which beats an error,
// which beats a passing notice (e.g. "network rebuilt"), which beats the idle hint.

const NOTICE_MS = 5000;

export class StatusLine {
  constructor(line, badge, overlay) {
    this.line = line;
    this.badge = badge;
    this.overlay = overlay;
    this.connection = null;
    this.diverged = null;
    this.error = null;
    this.notice = null;
    this.playing = false;
    this.timers = {};
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

  setDiverged(divergedAt) {
    const key = divergedAt ? divergedAt.join() : null;
    if (key === this.divergedKey) return;
    this.divergedKey = key;
    this.diverged = divergedAt
      ? `Training diverged at epoch ${divergedAt[0]}, iteration ${divergedAt[1]} — ` +
        "try a lower learning rate, then reset."
      : null;
    this.overlay.hidden = !this.diverged;
    if (divergedAt) {
      const [title, advice] = this.overlay.children;
      title.textContent = `Diverged at epoch ${divergedAt[0]}, iteration ${divergedAt[1]}`;
      advice.textContent = "Lower the learning rate, then reset.";
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
    else if (this.notice) [text, tone] = [this.notice, "info"];
    else if (this.playing) [text, tone] = ["Training… press space to pause.", "quiet"];
    else [text, tone] = ["Paused. Press play (space) or step (→).", "quiet"];
    if (this.line.textContent !== text) this.line.textContent = text;
    this.line.dataset.tone = tone;
  }
}
