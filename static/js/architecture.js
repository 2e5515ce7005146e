// The network's shape in one move: the hidden layers typed as sizes ("8, 8, 8, 8, 8, 8") or
// picked from a few shapes the lessons use, beside the diagram's +/− buttons.

import { within } from "./dom.js";
import { formatInteger } from "./format.js";
import { t } from "./i18n.js";
import { BOUNDS, META } from "./meta.js";

// Shapes worth one click: [name, sizes, catalogue key], each offered if the server's bounds allow.
const SHAPES = [
  ["none", [], "architecture.shape.none"],
  ["default", META.defaults.hidden_layers, "architecture.shape.default"],
  ["one_of_four", [4], "architecture.shape.one_of_four"],
  ["two_of_eight", [8, 8], "architecture.shape.two_of_eight"],
  ["six_of_eight", [8, 8, 8, 8, 8, 8], "architecture.shape.six_of_eight"],
  ["two_of_thirty_two", [32, 32], "architecture.shape.two_of_thirty_two"],
];
const SEPARATORS = /[\s,;]+/;

/** Sizes as the field shows them: "8, 8" (empty for no hidden layer). */
export function formatSizes(sizes) {
  return sizes.map((size) => formatInteger(size)).join(", ");
}

/**
 * The hidden layers typed in `text`: {sizes} or {error} (a catalogue text saying what was
 * expected). `most`: the most layers allowed (the perceptron: none).
 */
export function parseSizes(text, most = BOUNDS.hidden_layers.max) {
  const { min, max } = BOUNDS.neurons;
  const words = text.trim().replace(/^0$/, "").split(SEPARATORS).filter(Boolean);
  const expected = t("architecture.expected", { count: most, min, max });
  const sizes = words.map((word) => (/^\d+$/.test(word) ? Number(word) : NaN));
  if (sizes.some((size) => !(size >= min && size <= max)) || sizes.length > most) {
    return { error: t("architecture.invalid", { expected, got: text.trim() }) };
  }
  return { sizes };
}

export class ArchitectureField {
  /**
   * hooks: sizes() (the run's hidden layers), limit() ({most, why}: what the optimizer allows),
   *   apply(sizes), flash(kind, text)
   */
  constructor(root, hooks) {
    const $ = within(root);
    this.hooks = hooks;
    this.input = $("hidden_layers");
    this.presets = $("architecture-preset");
    this.input.addEventListener("change", () => this.#typed());
    this.input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") this.#typed();
      if (event.key === "Escape") this.sync({ retype: true });
    });
    this.presets.addEventListener("change", () => {
      const shape = SHAPES.find(([name]) => name === this.presets.value);
      this.presets.value = "";
      if (shape) this.#apply([...shape[1]]);
    });
    this.relabel();
  }

  /** Show the run's hidden layers (unless the person is typing there, or `retype`). */
  sync({ retype = false } = {}) {
    if (retype || document.activeElement !== this.input) {
      this.input.value = formatSizes(this.hooks.sizes());
      this.input.removeAttribute("aria-invalid");
    }
    const { most } = this.hooks.limit();
    for (const option of this.presets.options) {
      const shape = SHAPES.find(([name]) => name === option.value);
      if (shape) option.disabled = shape[1].length > most;
    }
  }

  relabel() {
    const { max } = BOUNDS.neurons;
    const fits = SHAPES.filter(([, sizes]) => sizes.length <= BOUNDS.hidden_layers.max && sizes.every((n) => n <= max));
    const options = [new Option(t("architecture.presets"), "")];
    for (const [name, sizes, key] of fits) options.push(new Option(t(key, { sizes: formatSizes(sizes) }), name));
    this.presets.replaceChildren(...options);
    this.input.placeholder = t("architecture.placeholder");
    this.sync();
  }

  #typed() {
    const { most, why } = this.hooks.limit();
    const parsed = parseSizes(this.input.value, most);
    if (parsed.error) {
      this.input.setAttribute("aria-invalid", "true");
      this.hooks.flash("error", most === 0 && why ? why : parsed.error);
      return;
    }
    this.#apply(parsed.sizes);
  }

  #apply(sizes) {
    this.input.blur();
    this.hooks.apply(sizes);
    this.sync();
  }
}
