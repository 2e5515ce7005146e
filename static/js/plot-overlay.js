// An SVG laid over the plot in data coordinates (x right, y up), for what is drawn on top of
// the heatmap: a single layer's line (decision-line.js), the last mini-batch (batch-view.js).

import { BOUNDS } from "./meta.js";

export const SVG = "http://www.w3.org/2000/svg";
export const DOMAIN = [BOUNDS.coordinate.min, BOUNDS.coordinate.max];

export class PlotOverlay {
  /** plotBox: the box the plot's canvas fills; className: the SVG's class (its style) */
  constructor(plotBox, className) {
    this.svg = document.createElementNS(SVG, "svg");
    this.svg.classList.add("plot-svg", className);
    this.svg.setAttribute("aria-hidden", "true");
    // The view box spans the plane with y negated, so a point (x, y) is drawn at (x, −y).
    const span = DOMAIN[1] - DOMAIN[0];
    this.svg.setAttribute("viewBox", `${DOMAIN[0]} ${-DOMAIN[1]} ${span} ${span}`);
    this.svg.setAttribute("preserveAspectRatio", "none");
    this.show(false);
    plotBox.append(this.svg);
  }

  /** An SVG element has no `hidden` property: the attribute is set. */
  show(visible) {
    this.svg.toggleAttribute("hidden", !visible);
  }

  /** Cover a plot `size` CSS px a side. */
  fit(size) {
    this.svg.style.width = `${size}px`;
    this.svg.style.height = `${size}px`;
  }
}
