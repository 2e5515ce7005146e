// The custom data set's panel in the data column: which class (or, for regression, which
// value) a click adds, how many points there are, and undo, clear, import and export.

import { categorical, css, diverging } from "./colors.js";
import { FileError, bindFileButton, downloadJson, readJson } from "./files.js";
import { ImportError, MAX_CLASSES, MAX_POINTS, parsePoints } from "./custom-data.js";
import { lazy, t } from "./i18n.js";
import { within } from "./dom.js";

export class CustomPanel {
  /**
   * @param {CustomPoints} points
   * @param {object} hooks  changed(): the points changed; render(): redraw the mode;
   *   flash(kind, text); exportDocument(): the points as a data document
   */
  constructor(root, points, hooks) {
    this.$ = within(root);
    this.points = points;
    this.hooks = hooks;
    this.label = 1; // class of the next point
    this.value = 1; // regression target of the next point
    this.#bind();
  }

  /** The picker offers the classes in use and one more; keep the choice among them. */
  clampLabel() {
    this.label = Math.min(this.label, Math.max(1, Math.min(this.points.classes, MAX_CLASSES - 1)));
  }

  #bind() {
    this.$("custom-undo").addEventListener("click", () => {
      if (this.points.undo()) this.hooks.changed();
    });
    this.$("custom-clear").addEventListener("click", () => {
      this.points.clear();
      this.hooks.changed();
    });
    this.$("custom-export").addEventListener("click", () => {
      downloadJson("nn-playground-data.json", this.hooks.exportDocument());
    });
    bindFileButton(this.$("custom-import-button"), this.$("custom-import"), (file) => this.#import(file));
    const value = this.$("custom-value");
    value.addEventListener("input", () => {
      this.value = Number(value.value);
      this.hooks.render();
    });
    this.$("custom-classes").addEventListener("keydown", (event) => {
      const moves = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      event.stopPropagation();
      const count = this.$("custom-classes").children.length;
      this.label = (this.label + moves[event.key] + count) % count;
      this.hooks.render();
      this.$("custom-classes").children[this.label].focus();
    });
  }

  async #import(file) {
    try {
      const document = await readJson(file);
      this.points.replace(parsePoints(document, this.points.problem));
    } catch (error) {
      if (!(error instanceof ImportError || error instanceof FileError)) throw error;
      this.hooks.flash("error", lazy("custom.import_failed", { reason: error.text ?? error.message }));
      return;
    }
    this.hooks.changed();
    this.hooks.flash("notice", lazy("custom.imported", { count: this.points.count, file: file.name }));
  }

  /** What the status line says in custom mode: {blocked} or {idle, playing} (i18n Messages). */
  statusText(missing) {
    const p = this.points;
    if (missing) return { blocked: lazy("custom.blocked_missing") };
    if (p.count === 0) return { blocked: lazy("custom.blocked_empty") };
    if (!p.trainable) return { blocked: lazy("custom.blocked_one_class", { count: p.count, k: p.y[0] }) };
    const adding =
      p.problem === "regression" ? lazy("custom.adding_value", { value: this.value }) : lazy("custom.adding_class", { k: this.label });
    return {
      idle: lazy("custom.idle", { count: p.count, adding }),
      playing: lazy("custom.playing", { count: p.count }),
    };
  }

  /** Bring the panel up to date (class picker, counts, buttons). */
  render(missing) {
    const p = this.points;
    const regression = p.problem === "regression";
    this.$("custom-class-row").hidden = regression;
    this.$("custom-value-row").hidden = !regression;
    this.$("custom-missing").hidden = !missing;
    this.#renderClasses();
    this.$("custom-value-output").textContent = String(this.value);
    this.$("custom-value-chip").style.background = css(diverging(this.value));
    const points = t("custom.points", { count: p.count });
    const counts = regression ? points : `${points} · ${t("custom.classes", { count: p.distinctLabels })}`;
    this.$("custom-count").textContent = counts;
    this.$("custom-count").title = t("custom.max_title", { count: MAX_POINTS });
    this.$("custom-undo").disabled = !p.canUndo;
    this.$("custom-clear").disabled = p.count === 0;
    this.$("custom-export").disabled = p.count === 0;
  }

  /** Swatches for the classes in use plus one more (a new class), up to MAX_CLASSES. */
  #renderClasses() {
    const row = this.$("custom-classes");
    const count = Math.max(2, Math.min(MAX_CLASSES, this.points.classes + 1));
    if (row.children.length !== count) {
      row.replaceChildren();
      for (let k = 0; k < count; k++) {
        const button = document.createElement("button");
        button.type = "button";
        button.className = "class-swatch";
        button.setAttribute("role", "radio");
        button.style.setProperty("--swatch", css(categorical(k)));
        button.textContent = String(k);
        button.addEventListener("click", () => {
          this.label = k;
          this.hooks.render();
        });
        row.append(button);
      }
    }
    [...row.children].forEach((button, k) => {
      button.setAttribute("aria-label", t("custom.class", { k }));
      button.title = t("custom.class_title", { k });
      const selected = k === this.label;
      button.setAttribute("aria-checked", String(selected));
      button.tabIndex = selected ? 0 : -1;
    });
  }
}
