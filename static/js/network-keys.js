// The network diagram from the keyboard. The diagram is one tab stop (not one per link):
// ↑/↓ walk the parameters of one weight layer — each neuron's incoming links, then its bias —
// ←/→ move to the previous or next layer, Home/End jump to the ends, Enter opens the editor
// for the highlighted link or bias, Esc in the editor comes back here.

import { t } from "./i18n.js";

const MOVES = { ArrowUp: -1, ArrowDown: 1 };
const LAYERS = { ArrowLeft: -1, ArrowRight: 1 };

export class DiagramKeys {
  /**
   * @param {HTMLElement} body  the diagram (made focusable here)
   * @param {LinkEditor} editor  shows the read-out and opens the editor
   */
  constructor(body, editor) {
    this.body = body;
    this.editor = editor;
    this.columns = []; // per weight layer: [{kind, describe, args, element}]
    this.layer = 0;
    this.index = 0;
    this.current = null;
    body.tabIndex = 0;
    body.setAttribute("role", "group");
    body.setAttribute("aria-label", t("network.keys"));
    this.live = document.createElement("div");
    this.live.className = "visually-hidden";
    this.live.setAttribute("aria-live", "polite");
    body.after(this.live);
    // A click or tap in the diagram focuses it too: the read-out is for keyboard focus only.
    body.addEventListener("focus", () => {
      if (body.matches(":focus-visible")) this.#show();
    });
    body.addEventListener("blur", () => this.#hide());
    body.addEventListener("keydown", (event) => this.#key(event));
  }

  /** Words in the page's (new) language. */
  relabel() {
    this.body.setAttribute("aria-label", t("network.keys"));
  }

  /** The parameters after a rebuild, one list per weight layer, in walking order. */
  setColumns(columns) {
    this.columns = columns.filter((items) => items.length);
    this.layer = Math.min(this.layer, Math.max(0, this.columns.length - 1));
    this.index = Math.min(this.index, Math.max(0, (this.columns[this.layer]?.length ?? 1) - 1));
    if (document.activeElement === this.body) this.#show();
  }

  #key(event) {
    // Keys pressed on the feature toggles inside the diagram are theirs (and the page's).
    if (event.target !== this.body) return;
    if (event.altKey || event.ctrlKey || event.metaKey || !this.columns.length) return;
    const column = this.columns[this.layer];
    if (event.key in MOVES) {
      this.index = (this.index + MOVES[event.key] + column.length) % column.length;
    } else if (event.key in LAYERS) {
      const next = this.layer + LAYERS[event.key];
      if (next < 0 || next >= this.columns.length) return this.#swallow(event);
      // Keep the relative place in the column, so ←/→ stay near the same height.
      const fraction = column.length > 1 ? this.index / (column.length - 1) : 0;
      this.layer = next;
      this.index = Math.round(fraction * (this.columns[next].length - 1));
    } else if (event.key === "Home" || event.key === "End") {
      this.index = event.key === "Home" ? 0 : column.length - 1;
    } else if (event.key === "Enter") {
      event.preventDefault();
      this.editor.open(this.current, this.#anchor(this.current), { returnFocus: this.body });
      return;
    } else {
      return;
    }
    this.#swallow(event);
    this.#show();
  }

  /** Arrow keys here move the highlight; they must not also step the training. */
  #swallow(event) {
    event.preventDefault();
    event.stopPropagation();
  }

  #show() {
    const item = this.columns[this.layer]?.[this.index];
    if (!item) return;
    this.current?.element.classList.remove("focused");
    this.current = item;
    item.element.classList.add("focused");
    const text = this.editor.show(item, this.#anchor(item));
    this.live.textContent = t("network.keys_read", { text });
  }

  #hide() {
    this.current?.element.classList.remove("focused");
    this.editor.hide();
  }

  /** Screen point next to an item: a link's middle, or a bias mark's centre. */
  #anchor(item) {
    const element = item.element;
    if (element instanceof SVGPathElement) {
      const middle = element.getPointAtLength(element.getTotalLength() / 2);
      const box = element.ownerSVGElement.getBoundingClientRect();
      return { clientX: box.left + middle.x, clientY: box.top + middle.y };
    }
    const box = element.getBoundingClientRect();
    return { clientX: box.left + box.width / 2, clientY: box.top + box.height / 2 };
  }
}
