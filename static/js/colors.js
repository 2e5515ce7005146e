// Colour scales shared by the heatmaps, the network diagram and the charts.
//
// Diverging scale (as TF Playground): -1 → orange, 0 → near-white, +1 → blue. Grids arrive as
// uint8 codes, so every grid is painted through a 256-entry lookup table of packed RGBA words.

export const ORANGE = [245, 147, 34];
export const NEUTRAL = [232, 234, 235];
export const BLUE = [8, 119, 189];

// Class colours for multi-class sets: class 0 and 1 match the binary orange / blue.
export const CATEGORICAL = [
  [245, 147, 34],
  [8, 119, 189],
  [44, 160, 44],
  [214, 39, 40],
  [148, 103, 189],
  [140, 86, 75],
];

// One colour per weight layer in the gradient-flow chart, W1 (input side) first, in the
// order they are handed out: the first few differ the most (most networks have 2 to 4 weight
// layers). Any two of them stay apart by ΔE*ab ≥ 16 up to 7 layers (≥ 13 for 8 and 9) in
// normal vision and in simulated protanopia, deuteranopia and tritanopia (Machado et al.
// 2009), and each has at least 2.8:1 contrast with the page's background. Okabe-Ito blue,
// vermillion and reddish purple, then near-black, green, navy, maroon, olive, purple.
export const LAYER_COLORS = [
  "#0072b2", "#d55e00", "#222222", "#59a14f", "#cc79a7", "#1f3a93", "#7b2d26", "#999933",
  "#aa3377",
];

// Lightest tint a class reaches at chance-level confidence (mixed with this white).
const PAPER = [250, 250, 250];

function mix(a, b, t) {
  return [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t];
}

/** RGB triple for t in [-1, 1] (clamped) on the orange ↔ blue scale. */
export function diverging(t) {
  const c = Math.max(-1, Math.min(1, t));
  return c < 0 ? mix(NEUTRAL, ORANGE, -c) : mix(NEUTRAL, BLUE, c);
}

/** RGB for class `k` at lightness `strength` in [0, 1] (0 = paper, 1 = full colour). */
export function categorical(k, strength = 1) {
  const s = Math.max(0, Math.min(1, strength));
  return mix(PAPER, CATEGORICAL[k % CATEGORICAL.length], s);
}

export function css(rgb, alpha = 1) {
  const [r, g, b] = rgb.map((v) => Math.round(v));
  return alpha === 1 ? `rgb(${r},${g},${b})` : `rgba(${r},${g},${b},${alpha})`;
}

/** Pack an RGB triple as one little-endian RGBA word for a Uint32Array view of ImageData. */
export function pack(rgb) {
  const [r, g, b] = rgb;
  return ((255 << 24) | (Math.round(b) << 16) | (Math.round(g) << 8) | Math.round(r)) >>> 0;
}

/**
 * pack(diverging(t)), the same word, without the arrays in between: lookup tables and the
 * diagram's links take a few thousand of these a frame.
 */
export function packDiverging(t) {
  const c = Math.max(-1, Math.min(1, t));
  const to = c < 0 ? ORANGE : BLUE;
  const s = Math.abs(c);
  const r = Math.round(NEUTRAL[0] + (to[0] - NEUTRAL[0]) * s);
  const g = Math.round(NEUTRAL[1] + (to[1] - NEUTRAL[1]) * s);
  const b = Math.round(NEUTRAL[2] + (to[2] - NEUTRAL[2]) * s);
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/**
 * Lookup table code → packed colour for a uint8 grid with value range [lo, hi].
 * `toT(value)` maps a decoded value to [-1, 1]; `discretize` snaps to the sign.
 */
export function divergingLut(lo, hi, toT, discretize = false) {
  const lut = new Uint32Array(256);
  for (let q = 0; q < 256; q++) {
    let t = toT(lo + ((hi - lo) * q) / 255);
    if (discretize) t = t > 0 ? 1 : t < 0 ? -1 : 0;
    lut[q] = packDiverging(t);
  }
  return lut;
}

/** Lookup table code → packed colour for one class, code = confidence (lo..hi). */
export function classLut(k, lo, hi, floor = 0) {
  const lut = new Uint32Array(256);
  for (let q = 0; q < 256; q++) {
    const p = lo + ((hi - lo) * q) / 255;
    lut[q] = pack(categorical(k, (p - floor) / (1 - floor)));
  }
  return lut;
}

/** CSS linear-gradient for a legend of the diverging scale. */
export function divergingGradient(steps = 9) {
  const stops = [];
  for (let i = 0; i < steps; i++) {
    const t = -1 + (2 * i) / (steps - 1);
    stops.push(`${css(diverging(t))} ${((100 * i) / (steps - 1)).toFixed(1)}%`);
  }
  return `linear-gradient(to right, ${stops.join(", ")})`;
}
