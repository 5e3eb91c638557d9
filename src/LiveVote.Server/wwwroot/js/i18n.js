// The viewer's language: message catalogues (/i18n/{lang}.json), the choice of language, and numbers and dates in
// the viewer's locale. English (en.json) is the fallback for any key a catalogue lacks, so a partial catalogue (the
// Arabic stub) still gives a whole page.
//
// Catalogue values are strings with {name} placeholders, or plural forms { "one": "...", "other": "..." } picked by
// Intl.PluralRules from vars.count. Numbers among the vars are formatted for the viewer's locale before they go in.

import { readStored, writeStored } from './dom.js';

/** The languages we ship, in their own names (a switcher must be readable by the people who need it). */
export const LANGUAGES = Object.freeze([
  { code: 'en', name: 'English', dir: 'ltr' },
  { code: 'pt-BR', name: 'Português (Brasil)', dir: 'ltr' },
  { code: 'es', name: 'Español', dir: 'ltr' },
  { code: 'ar', name: 'العربية', dir: 'rtl' },
]);

const FALLBACK = 'en';
const STORAGE_KEY = 'livevote.language';

let language = FALLBACK;
let locale = FALLBACK;
let messages = {};
let fallbackMessages = {};
let numbers = new Intl.NumberFormat(FALLBACK);
let dates = new Intl.DateTimeFormat(FALLBACK, { dateStyle: 'medium', timeStyle: 'short' });
let plurals = new Intl.PluralRules(FALLBACK);

const base = (tag) => tag.toLowerCase().split('-')[0];

/** The shipped language for a browser tag: exact ("pt-BR"), else by base language ("pt-PT" -> pt-BR, "es-MX" -> es). */
function supported(tag) {
  if (typeof tag !== 'string' || !tag) return null;
  return LANGUAGES.find((l) => l.code.toLowerCase() === tag.toLowerCase())
    ?? LANGUAGES.find((l) => base(l.code) === base(tag)) ?? null;
}

function browserTags() {
  const tags = navigator.languages?.length ? navigator.languages : [navigator.language];
  return tags.filter((tag) => typeof tag === 'string' && tag);
}

/** The viewer's own choice (the switcher) first, then the browser's languages in order, then English. */
function chooseLanguage() {
  const saved = supported(readStored(window.localStorage, STORAGE_KEY));
  if (saved) return saved.code;
  for (const tag of browserTags()) {
    const match = supported(tag);
    if (match) return match.code;
  }
  return FALLBACK;
}

/**
 * Numbers and dates follow the browser's own regional tag when it speaks the chosen language (en-GB keeps day/month
 * order, es-MX its own grouping); otherwise the chosen language's conventions.
 */
function chooseLocale(code) {
  const regional = browserTags().find((tag) => base(tag) === base(code));
  try {
    return regional ? Intl.getCanonicalLocales(regional)[0] : code;
  } catch {
    return code;
  }
}

async function loadCatalogue(code) {
  try {
    const response = await fetch(`/i18n/${code}.json`, { headers: { Accept: 'application/json' } });
    if (!response.ok) return {};
    return await response.json();
  } catch {
    // No catalogue: the fallback (or the page's own English markup) shows instead.
    return {};
  }
}

/**
 * Picks the language, loads its catalogue (and English beside it), sets <html lang dir> and translates the page's
 * static markup (data-i18n attributes, see translatePage). Call once before the page renders any text.
 * @returns {Promise<string>} the language code in use
 */
export async function initI18n() {
  language = chooseLanguage();
  locale = chooseLocale(language);
  const [own, english] = await Promise.all([
    language === FALLBACK ? Promise.resolve(null) : loadCatalogue(language),
    loadCatalogue(FALLBACK),
  ]);
  fallbackMessages = english;
  messages = own ?? english;
  numbers = new Intl.NumberFormat(locale);
  dates = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  plurals = new Intl.PluralRules(locale);
  const { dir } = LANGUAGES.find((l) => l.code === language);
  document.documentElement.lang = language;
  document.documentElement.dir = dir;
  translatePage();
  return language;
}

export const currentLanguage = () => language;

export const formatNumber = (n) => numbers.format(n);

/** @param {Date|string|number} d */
export function formatDateTime(d) {
  if (d === null || d === undefined || d === '') return '';
  const date = d instanceof Date ? d : new Date(d);
  return Number.isNaN(date.getTime()) ? '' : dates.format(date);
}

/** A percentage (0-100) the way the locale writes it (50 %, ٪50, ...). */
export const formatPercent = (value) => new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }).format(value / 100);

function lookup(key) {
  return messages[key] ?? fallbackMessages[key];
}

/**
 * The message for key, with {name} placeholders filled from vars (numbers formatted for the locale). A plural
 * message picks its form from vars.count. An unknown key returns the key itself, so a gap is visible, not blank.
 */
export function t(key, vars = {}) {
  let message = lookup(key);
  if (message && typeof message === 'object') {
    const form = plurals.select(Number(vars.count ?? 0));
    message = message[form] ?? message.other ?? fallbackMessages[key]?.other;
  }
  if (typeof message !== 'string') return key;
  return message.replace(/\{(\w+)\}/g, (whole, name) => {
    if (!(name in vars)) return whole;
    const value = vars[name];
    return typeof value === 'number' ? formatNumber(value) : String(value);
  });
}

/**
 * Translates the static markup: data-i18n="key" sets the text; data-i18n-attr="attribute:key;attribute:key" sets
 * attributes (aria-label, placeholder, ...). Keys without a message keep the markup's English.
 */
export function translatePage(root = document) {
  for (const element of root.querySelectorAll('[data-i18n]')) {
    const key = element.dataset.i18n;
    if (lookup(key) === undefined) continue;
    element.textContent = t(key);
    // A gap in a partial catalogue reads in English: marked as English, laid out in its own direction.
    if (messages[key] === undefined && language !== FALLBACK) {
      element.lang = FALLBACK;
      element.dir = 'auto';
    }
  }
  for (const element of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of element.dataset.i18nAttr.split(';')) {
      const [attribute, key] = pair.split(':').map((part) => part.trim());
      if (attribute && key && lookup(key) !== undefined) element.setAttribute(attribute, t(key));
    }
  }
}

/**
 * Fills a <select> with the languages (the current one selected); a change is remembered in localStorage and the
 * page reloads in the new language (every text on it, the live parts included, is then rendered once, in one language).
 */
export function mountLanguageSwitcher(select) {
  if (!select) return;
  select.replaceChildren(...LANGUAGES.map((l) => {
    const option = document.createElement('option');
    option.value = l.code;
    option.lang = l.code;
    option.dir = l.dir;
    option.textContent = l.name;
    option.selected = l.code === language;
    return option;
  }));
  select.addEventListener('change', () => {
    writeStored(window.localStorage, STORAGE_KEY, select.value);
    window.location.reload();
  });
}
