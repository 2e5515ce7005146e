// Hovering and editing the network's parameters: a tooltip with the value of the link or bias
// under the pointer, and a small form to type a new value (sent live as set_weight/set_bias).

import { formatNumber } from "./format.js";
import { t } from "./i18n.js";
import { BOUNDS } from "./meta.js";

const { min: MIN_EDITED, max: MAX_EDITED } = BOUNDS.edited_parameter; // the stream's bounds

// Three decimals, so that weights read side by side line up ("-2.000", "0.125").
function format(value) {
  return formatNumber(value === undefined || value === null ? null : Number(value), { decimals: 3 });
}

export class LinkEditor {
  constructor(root, body, hooks) {
    this.root = root;
    this.body = body;
    this.hooks = hooks;
    this.hovered = null; // {describe, args, kind}

    this.tooltip = document.createElement("div");
    this.tooltip.className = "net-tooltip";
    this.tooltip.setAttribute("role", "tooltip");
    this.tooltip.hidden = true;

    this.form = document.createElement("form");
    this.form.className = "net-editor";
    this.form.hidden = true;
    this.caption = document.createElement("label");
    this.caption.htmlFor = "parameter-editor-input";
    this.input = document.createElement("input");
    this.input.id = "parameter-editor-input";
    this.input.type = "number";
    this.input.step = "any";
    this.input.min = String(MIN_EDITED);
    this.input.max = String(MAX_EDITED);
    this.input.required = true;
    this.formHint = document.createElement("small");
    this.formHint.textContent = t("editor.form_hint");
    this.form.append(this.caption, this.input, this.formHint);
    root.append(this.tooltip, this.form);

    this.form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#apply();
    });
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.close({ restore: true });
    });
    this.form.addEventListener("focusout", (event) => {
      if (!this.form.contains(event.relatedTarget)) this.close();
    });
  }

  /** Links live in an SVG group of hit paths carrying data-layer/from/to. */
  attachLinks(group, describe) {
    const target = (event) => {
      const { layer, from, to } = event.target.dataset;
      return layer === undefined ? null : [Number(layer), Number(from), Number(to)];
    };
    group.addEventListener("pointermove", (event) => {
      const args = target(event);
      if (!args) return;
      this.#hover({ kind: "weight", describe, args }, event);
    });
    group.addEventListener("pointerout", () => this.#unhover());
    group.addEventListener("click", (event) => {
      const args = target(event);
      if (args) this.open({ kind: "weight", describe, args }, event);
    });
  }

  /** Bias marks: marks[layer][neuron] buttons. */
  attachBiases(marks, describe) {
    marks.forEach((row, l) =>
      row.forEach((mark, j) => {
        const item = { kind: "bias", describe, args: [l, j] };
        mark.addEventListener("pointermove", (event) => this.#hover(item, event));
        mark.addEventListener("pointerleave", () => this.#unhover());
        mark.addEventListener("click", (event) => {
          event.stopPropagation();
          this.open(item, event);
        });
      }),
    );
  }

  /** Words for the editor's form and tooltip in the page's (new) language. */
  relabel() {
    this.formHint.textContent = t("editor.form_hint");
    this.close();
    this.#unhover();
  }

  #what(item, label) {
    return t(item.kind === "weight" ? "editor.weight" : "editor.bias", { label });
  }

  #text(item) {
    const { value, label } = item.describe(...item.args);
    return t("editor.value", { what: this.#what(item, label), value: format(value) });
  }

  #tooltip(item) {
    return t("editor.tooltip", { text: this.#text(item), hint: t(this.hint) });
  }

  #place(node, event) {
    const box = this.root.getBoundingClientRect();
    // Within the column, however wide the read-out is (a phone's column is narrow).
    const x = Math.min(event.clientX - box.left + 12, box.width - node.offsetWidth);
    node.style.left = `${Math.max(0, x)}px`;
    node.style.top = `${event.clientY - box.top + 14}px`;
  }

  #hover(item, event) {
    this.hovered = item;
    this.hint = "editor.hint_click";
    this.tooltip.textContent = this.#tooltip(item);
    this.tooltip.hidden = false;
    this.#place(this.tooltip, event);
  }

  #unhover() {
    this.hovered = null;
    this.tooltip.hidden = true;
  }

  /** The read-out for a keyboard-highlighted item at `point` ({clientX, clientY}); returns its text. */
  show(item, point) {
    this.#hover(item, point);
    this.hint = "editor.hint_enter";
    this.tooltip.textContent = this.#tooltip(item);
    return this.#text(item);
  }

  hide() {
    this.#unhover();
  }

  /** Keep the tooltip's number live while training changes it. */
  refresh() {
    if (this.hovered && !this.tooltip.hidden) {
      this.tooltip.textContent = this.#tooltip(this.hovered);
    }
  }

  /** Open the editor at `event` (a pointer event or {clientX, clientY}); `returnFocus` gets
   *  the focus back when the edit is applied or cancelled (opened from the keyboard). */
  open(item, event, { returnFocus = null } = {}) {
    this.#unhover();
    this.returnFocus = returnFocus;
    this.editing = item;
    const { value, label } = item.describe(...item.args);
    this.caption.textContent = this.#what(item, label);
    this.input.setAttribute("aria-label", t(item.kind === "weight" ? "editor.new_weight" : "editor.new_bias", { label }));
    this.input.value = value === undefined ? "" : String(Number(value.toFixed(4)));
    this.form.hidden = false;
    this.#place(this.form, event);
    this.input.focus();
    this.input.select();
  }

  close({ restore = false } = {}) {
    this.editing = null;
    const back = restore ? this.returnFocus : null;
    this.returnFocus = null;
    this.form.hidden = true;
    back?.focus();
  }

  #apply() {
    const value = Number(this.input.value);
    if (!this.editing || this.input.value.trim() === "" || !Number.isFinite(value)) return;
    if (value < MIN_EDITED || value > MAX_EDITED) return;
    const [a, b, c] = this.editing.args;
    if (this.editing.kind === "weight") this.hooks.onSetWeight(a, b, c, value);
    else this.hooks.onSetBias(a, b, value);
    this.close({ restore: true });
  }
}
