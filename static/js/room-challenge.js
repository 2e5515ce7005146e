// A room student's standing in the room's challenge, under the room banner: the challenge,
// their rank or why their run does not count, and (if the teacher shows it) the top of the
// class by name. Read from GET /api/sessions/{id}/standing every few seconds: the server
// judges the run as it trains, and the others' progress moves the rank.

import { breachesText, inLanguage } from "./challenge-words.js";
import { formatInteger } from "./format.js";
import { t } from "./i18n.js";

const POLL_MS = 3000;

export class ChallengeStanding {
  /** element: where it is shown (hidden while the room has no challenge); sessionId: the
   * student's; onStanding(standing): told each standing read (it carries the room's rules). */
  constructor(element, sessionId, onStanding = () => {}) {
    this.element = element;
    this.sessionId = sessionId;
    this.onStanding = onStanding;
    this.standing = null;
    this.timer = null;
  }

  start() {
    this.poll();
  }

  async poll() {
    clearTimeout(this.timer);
    try {
      const response = await fetch(`/api/sessions/${encodeURIComponent(this.sessionId)}/standing`);
      if (response.ok) {
        this.standing = await response.json();
        this.render();
        this.onStanding(this.standing);
      } else if (response.status === 404) {
        return; // no longer a room's student: nothing more to show
      }
    } catch {
      // the server is away for a moment: the next poll says it again
    }
    this.timer = setTimeout(() => this.poll(), POLL_MS);
  }

  render() {
    const standing = this.standing;
    this.element.hidden = !standing?.challenge;
    if (!standing?.challenge) return;
    const { challenge, you, students, reached, top } = standing;
    const progress = you?.progress;
    const title = Object.assign(document.createElement("strong"), { className: "challenge-title" });
    title.textContent = t("challenge.banner", { title: inLanguage(challenge.title) });
    const status = Object.assign(document.createElement("span"), { className: "challenge-you" });
    status.dataset.state = progress?.rank != null ? "reached" : progress?.breaches?.length ? "breach" : "open";
    status.textContent = statusText(progress, reached, students);
    const parts = [title, status];
    if (progress?.rank != null && progress.breaches.length) {
      parts.push(note(t("challenge.does_not_count", { reasons: breachesText(progress.breaches) }), "challenge-breach"));
    }
    if (!challenge.reachable) parts.push(note(t("challenge.unreachable"), "challenge-unreachable"));
    if (top?.length) {
      const board = Object.assign(document.createElement("ol"), { className: "challenge-top-list" });
      board.setAttribute("aria-label", t("challenge.top"));
      for (const entry of top) {
        const item = document.createElement("li");
        item.textContent = `${t("challenge.rank", { rank: entry.rank })} ${entry.name}`;
        board.append(item);
      }
      parts.push(note(t("challenge.top"), "challenge-top-label"), board);
    }
    this.element.replaceChildren(...parts);
  }
}

function statusText(progress, reached, students) {
  if (progress?.rank != null) {
    const best = progress.best;
    return t("challenge.you_ranked", {
      rank: progress.rank,
      epoch: formatInteger(best.epoch),
      neurons: formatInteger(best.hidden_neurons),
    });
  }
  if (progress?.target_met && progress.breaches.length) {
    return t("challenge.target_met_but", { reasons: breachesText(progress.breaches) });
  }
  const waiting = t("challenge.you_not_yet", { count: reached, students });
  return progress?.breaches?.length ? `${waiting} ${t("challenge.does_not_count", { reasons: breachesText(progress.breaches) })}` : waiting;
}

function note(text, className) {
  return Object.assign(document.createElement("span"), { className, textContent: text });
}
