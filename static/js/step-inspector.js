// The step inspector: one weight through one update. Pick a weight (a click on a link in the
// diagram, or the three menus here), step once, and read the server's own numbers: the
// value before, ∂L/∂w on the batch the update used, the learning rate and the value after,
// so that w − η × ∂L/∂w = new w can be checked by hand (with plain SGD; momentum and Adam
// say what they did instead). The step is the stream's `inspect_step`, answered by an
// `inspection` message (docs/protocol.md).

import { element } from "./dom.js";
import { formatInteger, formatNumber } from "./format.js";
import { t } from "./i18n.js";
import { layerNames } from "./output.js";
import { FEATURE_LABELS, unitName } from "./units.js";

const DIGITS = 6; // significant digits: enough for the rule to be checked by hand

const number = (value) => formatNumber(value, { digits: DIGITS });
const signed = (value) => (value < 0 ? `(${number(value)})` : number(value));

export class StepInspector {
  /**
   * root: the panel's (empty) element; diagram: the network column, whose link paths carry
   * data-layer/from/to; hooks: features() (the run's input features, in order),
   * step({layer, from, to}) (send one inspected step)
   */
  constructor(root, diagram, hooks) {
    this.root = root;
    this.hooks = hooks;
    this.sizes = null; // layer sizes of the latest frame
    this.chosen = false; // a weight was picked by the person: steps then inspect it
    this.result = null; // the latest `inspection` message for the weight picked
    this.#build();
    diagram.addEventListener("click", (event) => {
      const { layer, from, to } = event.target.dataset ?? {};
      if (!event.target.classList?.contains("link-hit") || layer === undefined) return;
      this.select(Number(layer), Number(from), Number(to));
    });
  }

  /** The weight picked, as the stream names it ({layer, from, to}), or null before one. */
  get selection() {
    if (!this.chosen || !this.sizes) return null;
    const [layer, from, to] = this.menus.map((menu) => Number(menu.value));
    return { layer, from, to };
  }

  /** Pick W[layer][from][to] (a click on its link in the diagram). */
  select(layer, from, to) {
    if (!this.sizes || layer >= this.sizes.length - 1) return;
    this.menus[0].value = String(layer);
    this.#fillUnits();
    this.menus[1].value = String(from);
    this.menus[2].value = String(to);
    this.#picked();
  }

  /** A frame arrived: the network's shape (menus rebuilt when it changed). */
  noteFrame(header) {
    const sizes = header.layer_sizes;
    if (this.sizes && sizes.join() === this.sizes.join()) return;
    const previous = this.menus.map((menu) => Number(menu.value));
    this.sizes = [...sizes];
    this.#fillLayers();
    const fits = previous[0] < sizes.length - 1 && previous[1] < sizes[previous[0]] && previous[2] < sizes[previous[0] + 1];
    if (fits) {
      this.menus[0].value = String(previous[0]);
      this.#fillUnits();
      this.menus[1].value = String(previous[1]);
      this.menus[2].value = String(previous[2]);
    } else {
      this.chosen = false;
      this.result = null;
    }
    this.#showResult();
  }

  /** The server's answer to an inspected step. */
  show(message) {
    const pick = this.selection;
    if (!pick || pick.layer !== message.layer || pick.from !== message.from || pick.to !== message.to) return;
    this.result = message;
    this.#showResult();
  }

  /** Word the panel again in the page's (new) language. */
  relabel() {
    this.title.textContent = t("inspector.title");
    this.hint.textContent = t("inspector.hint");
    this.menuLabels.forEach((label, k) => {
      label.textContent = t(["inspector.layer", "inspector.from", "inspector.to"][k]);
    });
    this.button.textContent = t("inspector.step");
    this.button.title = t("inspector.step_title");
    if (this.sizes) {
      const pick = this.menus.map((menu) => menu.value);
      this.#fillLayers();
      this.menus[0].value = pick[0];
      this.#fillUnits();
      this.menus[1].value = pick[1];
      this.menus[2].value = pick[2];
    }
    this.#showResult();
  }

  #build() {
    this.title = element("h3");
    this.hint = element("p", "hint");
    const pick = element("div", "inspector-pick");
    this.menus = [];
    this.menuLabels = [];
    for (const name of ["layer", "from", "to"]) {
      const label = element("label");
      const text = element("span");
      const menu = element("select");
      menu.id = `inspector-${name}`;
      menu.addEventListener("change", () => {
        if (name === "layer") this.#fillUnits();
        this.#picked();
      });
      label.append(text, menu);
      pick.append(label);
      this.menus.push(menu);
      this.menuLabels.push(text);
    }
    this.button = element("button", "secondary");
    this.button.type = "button";
    this.button.id = "inspector-step";
    this.button.addEventListener("click", () => {
      this.chosen = true;
      const chosen = this.selection;
      if (chosen) this.hooks.step(chosen);
    });
    pick.append(this.button);
    this.heading = element("p", "inspector-weight");
    this.numbers = element("dl", "inspector-numbers");
    this.rule = element("p", "inspector-rule");
    this.rule.id = "inspector-rule";
    this.note = element("p", "inspector-note");
    this.note.id = "inspector-note";
    const result = element("div", "inspector-result");
    result.setAttribute("aria-live", "polite");
    result.append(this.heading, this.numbers, this.rule, this.note);
    this.root.append(this.title, this.hint, pick, result);
    this.relabel();
  }

  #fillLayers() {
    const count = this.sizes.length - 1;
    const options = [];
    for (let l = 0; l < count; l++) options.push(new Option(layerNames(l, count)[1], String(l)));
    this.menus[0].replaceChildren(...options);
    this.#fillUnits();
  }

  #fillUnits() {
    const layer = Number(this.menus[0].value);
    const [from, to] = [this.menus[1].value, this.menus[2].value];
    const units = (l) => Array.from({ length: this.sizes[l] }, (_, i) => new Option(this.#unitLabel(l, i), String(i)));
    this.menus[1].replaceChildren(...units(layer));
    this.menus[2].replaceChildren(...units(layer + 1));
    if (Number(from) < this.sizes[layer]) this.menus[1].value = from;
    if (Number(to) < this.sizes[layer + 1]) this.menus[2].value = to;
  }

  #unitLabel(l, i) {
    if (l > 0) return unitName(this.sizes, l, i);
    const name = this.hooks.features()[i];
    return FEATURE_LABELS[name] ?? name ?? String(i + 1);
  }

  #picked() {
    this.chosen = true;
    this.result = null;
    this.#showResult();
  }

  #weightLabel({ layer, from, to }) {
    return `W${layer + 1}: ${this.#unitLabel(layer, from)} → ${this.#unitLabel(layer + 1, to)}`;
  }

  #showResult() {
    const pick = this.selection;
    const result = this.result;
    let heading = pick ? this.#weightLabel(pick) : t("inspector.none");
    if (pick && result) heading = t("inspector.heading", { weight: heading, iteration: formatInteger(result.iteration) });
    this.heading.textContent = heading;
    this.numbers.hidden = !result;
    this.rule.hidden = true;
    this.note.hidden = true;
    if (!result) {
      if (pick) {
        this.note.textContent = t("inspector.before");
        this.note.hidden = false;
      }
      this.numbers.replaceChildren();
      return;
    }
    const rows = [
      ["value", "inspector.value", result.value],
      ["gradient", "inspector.gradient", result.gradient],
      ["rate", "inspector.rate", result.learning_rate],
      ["after", "inspector.after", result.value_after],
    ];
    const cells = [];
    for (const [name, key, value] of rows) {
      const term = element("dt", "", t(key));
      const cell = element("dd", "", number(value));
      cell.id = `inspector-${name}`;
      cells.push(term, cell);
      if (name === "gradient" && result.penalty_gradient) {
        cells.push(element("dd", "inspector-part", t("inspector.penalty_part", { value: number(result.penalty_gradient) })));
      }
    }
    this.numbers.replaceChildren(...cells);
    const { note, rule } = this.#explain(result);
    this.rule.textContent = rule ?? "";
    this.rule.hidden = !rule;
    this.note.textContent = note ?? "";
    this.note.hidden = !note;
  }

  /** The rule that moved the weight, with its numbers, and what to know about it. */
  #explain(result) {
    const { value, gradient, learning_rate: rate, value_after: after } = result;
    if (!result.stepped) return { note: t("inspector.undone") };
    if ([value, gradient, after].some((v) => v === null)) return { note: t("inspector.not_finite") };
    // A formula, the same in every language.
    const sgdRule = `w − η × ∂L/∂w = ${number(value)} − ${number(rate)} × ${signed(gradient)} = ${number(after)}`;
    if (result.optimizer === "sgd") return { rule: sgdRule };
    if (result.optimizer === "perceptron") return { rule: sgdRule, note: t("inspector.perceptron") };
    const before = result.optimizer_state?.before ?? {};
    const later = result.optimizer_state?.after ?? {};
    const change = number(after - value);
    const plain = number(rate * gradient);
    if (result.optimizer === "momentum") {
      return {
        note: t("inspector.momentum", {
          momentum: number(result.momentum), velocity: signed(before.velocity), rate: number(rate),
          gradient: signed(gradient), velocity_after: number(later.velocity), value: number(value),
          after: number(after), plain,
        }),
      };
    }
    return {
      note: t("inspector.adam", {
        step: formatNumber(later.step, { digits: 12 }), first: number(later.first_moment),
        second: number(later.second_moment), change, plain,
      }),
    };
  }
}
