// The page's words, in Korean and English: one catalogue per language (static/i18n/<lang>.json),
// both carried by the page in <script id="catalogues" type="application/json">, so switching
// needs no request. The language shown is <html lang> (the server renders the page in it;
// state.js keeps the reader's choice in the URL as `lang`).
//
//   t("split.test", {count: 40})   → "40 test points" / "테스트 데이터 40개"
//
// An entry is a string with {name} placeholders, or, for words that change with a number,
// {"one": …, "other": …} chosen by Intl.PluralRules for the `count` parameter (Korean has
// "other" only). Numbers given as parameters are written by format.js in the page's language.

import { formatInteger, formatNumber, pageLocale } from "./format.js";

export const LANGUAGES = ["en", "ko"];
const FALLBACK = "en";
const PLACEHOLDER = /\{(\w+)\}/g;

function read() {
  const element = document.getElementById("catalogues");
  return element ? JSON.parse(element.textContent) : {};
}

const CATALOGUES = read();
const pluralRules = new Map();

/** The language the page is shown in ("en" or "ko"). */
export function language() {
  const lang = pageLocale();
  return LANGUAGES.includes(lang) ? lang : FALLBACK;
}

/** The first of the reader's languages that the page speaks (navigator.languages), or English. */
export function browserLanguage(languages = navigator.languages ?? [navigator.language]) {
  for (const tag of languages) {
    const primary = String(tag).split("-")[0].toLowerCase();
    if (LANGUAGES.includes(primary)) return primary;
  }
  return FALLBACK;
}

function entry(key) {
  return CATALOGUES[language()]?.[key] ?? CATALOGUES[FALLBACK]?.[key];
}

/** Whether the catalogues have `key` (names the server may add before the page has words for them). */
export function has(key) {
  return entry(key) !== undefined;
}

function pattern(key, count) {
  const found = entry(key);
  if (found === undefined) return key;
  if (typeof found === "string") return found;
  const lang = language();
  if (!pluralRules.has(lang)) pluralRules.set(lang, new Intl.PluralRules(lang));
  return found[pluralRules.get(lang).select(count ?? 0)] ?? found.other;
}

function show(value) {
  if (typeof value === "number") return Number.isInteger(value) ? formatInteger(value) : formatNumber(value);
  return String(value);
}

/** The message `key` in the page's language, its {placeholders} filled from `params`. */
export function t(key, params = {}) {
  return pattern(key, params.count).replace(PLACEHOLDER, (whole, name) => (name in params ? show(params[name]) : whole));
}

/** A message translated when it is shown: it reads in whatever language the page has by then. */
export class Message {
  constructor(key, params = {}) {
    this.key = key;
    this.params = params;
  }

  toString() {
    return t(this.key, this.params);
  }
}

export const lazy = (key, params) => new Message(key, params);

/** `items` joined as the language joins a list ("a, b and c", "a, b 및 c"); type "disjunction" for "or". */
export function list(items, type = "conjunction") {
  return new Intl.ListFormat(language(), { type }).format(items.map(String));
}

/** Fill `element` with message `key`, where a parameter may be an element to put in its place. */
export function fill(element, key, params = {}) {
  const parts = pattern(key, params.count).split(PLACEHOLDER);
  // split() with a group alternates text and placeholder names.
  element.replaceChildren(
    ...parts.map((part, i) => {
      if (i % 2 === 0) return part;
      const value = params[part];
      return value instanceof Node ? value : show(value ?? `{${part}}`);
    }),
  );
}

const ATTRIBUTES = ["title", "aria-label", "placeholder"];

/**
 * Show the page in `lang`: <html lang>, the title, and every element marked in the template
 * (data-i18n="key" for its text, data-i18n-title / -aria-label / -placeholder for those).
 */
export function setLanguage(lang, root = document) {
  document.documentElement.lang = LANGUAGES.includes(lang) ? lang : FALLBACK;
  for (const element of root.querySelectorAll("[data-i18n]")) element.textContent = t(element.dataset.i18n);
  for (const attribute of ATTRIBUTES) {
    for (const element of root.querySelectorAll(`[data-i18n-${attribute}]`)) {
      element.setAttribute(attribute, t(element.getAttribute(`data-i18n-${attribute}`)));
    }
  }
}
