// Numbers as the page shows them: short, in the reader's language, of any size.
//
// A training run's numbers span hundreds of decades (a diverging loss reaches 1e300, a
// vanishing gradient 1e-12), so every number the page shows goes through here:
//
//   0.123456   → "0.123"          ~3 significant digits in the everyday range
//   12345.678  → "12,346"         whole numbers from 1,000 on, grouped as the language does
//   7.56e93    → "7.56 × 10⁹³"    scientific from 1,000,000 on and below 0.001
//   1e-12      → "1 × 10⁻¹²"
//   NaN, null  → "—"              nothing to show (a diverged run sends null)
//
// Digits, separators and grouping come from Intl.NumberFormat for the locale given (the
// page's <html lang> by default), so "ko" or "de" work as "en" does. The "× 10ⁿ" form is
// the same in every language: superscript digits need no markup and fit in a canvas label.
// Pure functions, apart from pageLocale() reading the document.

export const MISSING = "—";

// Outside [SMALL, LARGE) a number is written as m × 10ⁿ.
const LARGE = 1e6;
const SMALL = 1e-3;
// U+202F (narrow no-break space) keeps "7.56 × 10⁹³" on one line.
const TIMES = "\u202F×\u202F";
const SUPERSCRIPTS = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };

const formatters = new Map();

/** An Intl.NumberFormat for `locale` and `options`, made once (making one is slow). */
function numberFormat(locale, options) {
  const key = `${locale}|${JSON.stringify(options)}`;
  let format = formatters.get(key);
  if (!format) {
    try {
      format = new Intl.NumberFormat(locale, options);
    } catch (error) {
      if (!(error instanceof RangeError)) throw error;
      format = new Intl.NumberFormat("en", options); // a language tag Intl cannot read
    }
    formatters.set(key, format);
  }
  return format;
}

/** The language the page is shown in: <html lang>, "en" when it says none. */
export function pageLocale() {
  return (typeof document !== "undefined" && document.documentElement.lang) || "en";
}

/** "⁻¹²" for -12: an integer in superscript digits. */
export function superscript(integer) {
  return String(integer).replace(/[-0-9]/g, (c) => SUPERSCRIPTS[c]);
}

/** "10⁻⁴" for -4: a power of ten, as a log axis labels its decades. */
export function powerOfTen(exponent) {
  return `10${superscript(exponent)}`;
}

/**
 * `value` as text: see the top of this module.
 *
 * @param {number|null|undefined} value
 * @param {object} [options]
 * @param {string} [options.locale]  BCP 47 language tag; default: pageLocale()
 * @param {number} [options.digits=3]  significant digits below 1,000 and of the m in m × 10ⁿ
 * @param {number} [options.decimals]  instead of `digits`: exactly this many decimals in the
 *   everyday range ("2.500"), for values that are read side by side (weights)
 * @param {boolean} [options.shortPowers=false]  write 1 × 10ⁿ as "10ⁿ" (axis labels)
 * @returns {string}
 */
export function formatNumber(value, { locale = pageLocale(), digits = 3, decimals, shortPowers = false } = {}) {
  if (typeof value !== "number" || Number.isNaN(value)) return MISSING;
  if (!Number.isFinite(value)) return numberFormat(locale, {}).format(value); // "∞", "-∞"
  if (value === 0) value = 0; // not "-0"
  const size = Math.abs(value);
  if (size !== 0 && (size >= LARGE || size < SMALL)) return scientific(value, locale, digits, shortPowers);
  if (decimals !== undefined) {
    return numberFormat(locale, { minimumFractionDigits: decimals, maximumFractionDigits: decimals }).format(value);
  }
  if (size >= 1000) return numberFormat(locale, { maximumFractionDigits: 0 }).format(value);
  return numberFormat(locale, { maximumSignificantDigits: digits }).format(value);
}

/** m × 10ⁿ with `digits` significant digits in m (trailing zeros dropped). */
function scientific(value, locale, digits, shortPowers) {
  // toExponential rounds m correctly over the whole range of doubles (9.995e-5 → 1.00e-4).
  const [mantissa, exponent] = value.toExponential(Math.max(0, digits - 1)).split("e");
  const m = Number(mantissa);
  const power = powerOfTen(Number(exponent));
  if (shortPowers && Math.abs(m) === 1) {
    return m < 0 ? numberFormat(locale, {}).format(-1).replace("1", "") + power : power;
  }
  const text = numberFormat(locale, { maximumFractionDigits: Math.max(0, digits - 1) }).format(m);
  return `${text}${TIMES}${power}`;
}

/** A fraction in [0, 1] as a percentage with `decimals` decimals: 0.9512 → "95.1%". */
export function formatPercent(fraction, { locale = pageLocale(), decimals = 1 } = {}) {
  if (typeof fraction !== "number" || !Number.isFinite(fraction)) return MISSING;
  return numberFormat(locale, {
    style: "percent", minimumFractionDigits: decimals, maximumFractionDigits: decimals,
  }).format(fraction);
}

/** A count (epochs, iterations) with the language's grouping: 12345 → "12,345". */
export function formatInteger(value, { locale = pageLocale() } = {}) {
  if (typeof value !== "number" || !Number.isFinite(value)) return MISSING;
  return numberFormat(locale, { maximumFractionDigits: 0 }).format(value);
}
