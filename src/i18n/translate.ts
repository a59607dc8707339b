import { AsyncLocalStorage } from 'node:async_hooks';
import { IntlMessageFormat, type Formatters } from 'intl-messageformat';
import ca from './messages/ca.json' with { type: 'json' };
import en from './messages/en.json' with { type: 'json' };
import es from './messages/es.json' with { type: 'json' };
import et from './messages/et.json' with { type: 'json' };
import { ADMIN_CATALOGUES, type adminEn } from './admin-catalogues.js';
import { STAFF_CATALOGUES, type staffEn } from './staff-catalogues.js';
import { TRANSPARENCY_CATALOGUES, type transparencyEn } from './transparency-catalogues.js';
import { DEFAULT_LANGUAGE, intlLocale, type AnyLanguage, type Language } from './languages.js';

/**
 * Messages: one catalogue file per language (ICU MessageFormat, so plurals and gender are the translator's, not the
 * code's), English the source. A message is compiled once per language and kept; the reader's language travels
 * with the request (AsyncLocalStorage), so a template deep inside a page asks `t(key)` without being handed it.
 */
export type MessageKey = keyof typeof en | keyof typeof staffEn | keyof typeof adminEn | keyof typeof transparencyEn;
export type MessageValues = Readonly<Record<string, string | number | Date>>;

const CATALOGUES: Readonly<Record<Language, Readonly<Partial<Record<MessageKey, string>>>>> = {
  en: { ...en, ...STAFF_CATALOGUES.en, ...ADMIN_CATALOGUES.en, ...TRANSPARENCY_CATALOGUES.en },
  es: { ...es, ...STAFF_CATALOGUES.es, ...ADMIN_CATALOGUES.es, ...TRANSPARENCY_CATALOGUES.es },
  ca: { ...ca, ...STAFF_CATALOGUES.ca, ...ADMIN_CATALOGUES.ca, ...TRANSPARENCY_CATALOGUES.ca },
  et: { ...et, ...STAFF_CATALOGUES.et, ...ADMIN_CATALOGUES.et, ...TRANSPARENCY_CATALOGUES.et },
};
const english = CATALOGUES.en as Readonly<Record<MessageKey, string>>;

export const catalogue = (language: Language): Readonly<Partial<Record<MessageKey, string>>> => CATALOGUES[language];
export const messageKeys = (): readonly MessageKey[] => Object.keys(english) as MessageKey[];

interface Reading {
  language: AnyLanguage;
  /** The address being read (path and query), for the language switcher's links. */
  readonly url?: string;
  /** The language the reader asked for, when this page's content is not offered in it (the page says so). */
  unavailable?: AnyLanguage;
}

const reading = new AsyncLocalStorage<Reading>();

/**
 * Node 20's AsyncLocalStorage, from its first run() on, calls a hook for every promise and async resource of the
 * whole process, for requests that never ask for a language too: an API read of a case creates ~60 of them, and
 * the hook cost it a tenth of its CPU. So the storage is switched off while nobody is being answered in a language:
 * a page holds it from its request until its response has ended (and LINGER_MS longer, for anything the page left
 * running), runInLanguage while its `fn` runs, and run() switches it on again.
 */
const LINGER_MS = 1000;
let holders = 0;
let lastReleaseAt = 0;
let lingering: ReturnType<typeof setTimeout> | undefined;

function switchOffWhenIdle(): void {
  lingering = undefined;
  if (holders > 0) return;
  const left = lastReleaseAt + LINGER_MS - performance.now();
  if (left > 0) {
    lingering = setTimeout(switchOffWhenIdle, left);
    lingering.unref();
  } else {
    reading.disable();
  }
}

/** Keeps the reader's language readable until the returned release is called (more than once is harmless). */
export function holdReaderLanguage(): () => void {
  holders++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    holders--;
    lastReleaseAt = performance.now();
    if (holders === 0 && !lingering) {
      lingering = setTimeout(switchOffWhenIdle, LINGER_MS);
      lingering.unref();
    }
  };
}

/** Runs `fn` (and everything it awaits, until the promise it returns settles) for a reader of this language. */
export function runInLanguage<T>(language: AnyLanguage, fn: () => T, url?: string): T {
  const release = holdReaderLanguage();
  let result: T;
  try {
    result = reading.run(url === undefined ? { language } : { language, url }, fn);
  } catch (error) {
    release();
    throw error;
  }
  if (result instanceof Promise) result.then(release, release);
  else release();
  return result;
}

/** The language of whoever is being answered now (English outside any request, e.g. the CLI). */
export const currentLanguage = (): AnyLanguage => reading.getStore()?.language ?? DEFAULT_LANGUAGE;
export const currentUrl = (): string | undefined => reading.getStore()?.url;
export const unavailableLanguage = (): AnyLanguage | undefined => reading.getStore()?.unavailable;

/**
 * The rest of this request is answered in English: what it shows (a service's own text) is not offered in the
 * reader's language, and a page half in one language and half in another serves nobody. The layout then says, in
 * the reader's language, that the page is in English.
 */
export function answerInEnglish(): void {
  const store = reading.getStore();
  if (!store || store.language === DEFAULT_LANGUAGE) return;
  store.unavailable = store.language;
  store.language = DEFAULT_LANGUAGE;
}

// Pseudo-localisation: every letter of a message's own text accented and the message bracketed, so text that did
// not come through here stands out on a page; placeholders and plural keys are left alone (the AST is walked).
const ACCENTS: Readonly<Record<string, string>> = Object.fromEntries(
  [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((c, i) => [c, [...'àƀçđéƒĝĥíĵķĺɱñöþǫŕšţüṽŵẋýžÀƁÇĐÉƑĜĤÍĴĶĹṀÑÖÞǪŔŠŢÜṼŴẊÝŽ'][i]!]),
);
export const PSEUDO_OPEN = '⟦';
export const PSEUDO_CLOSE = '⟧';
export const pseudoText = (text: string): string => text.replace(/[A-Za-z]/g, (c) => ACCENTS[c] ?? c);

type Ast = ReturnType<IntlMessageFormat['getAst']>;
function pseudoAst(ast: Ast): Ast {
  return ast.map((element) => {
    if (element.type === 0) return { ...element, value: pseudoText(element.value) };
    if ('options' in element) {
      const options = Object.fromEntries(Object.entries(element.options).map(([k, option]) => [k, { ...option, value: pseudoAst(option.value) }]));
      return { ...element, options } as typeof element;
    }
    if ('children' in element) return { ...element, children: pseudoAst(element.children) };
    return element;
  });
}

/**
 * Compiled messages, one table per language (no key string built per lookup). A message without placeholders is
 * the same text every time, so its formatted text is kept beside it: most of a page's words are such messages, and
 * formatToParts costs more than the rest of a lookup.
 */
interface Compiled { readonly format: IntlMessageFormat; text?: string; recent?: Map<string, string> }
/**
 * How many formatted texts a message with placeholders keeps, by its values (a page repeats the same few), and for
 * values of at most how many characters in all: bounded, so a long-running process holds little.
 */
const RECENT_LIMIT = 32;
const RECENT_VALUES_LENGTH = 200;
interface LanguageTable { readonly messages: Map<MessageKey, Compiled>; readonly formatters: Formatters }
const compiled = new Map<AnyLanguage, LanguageTable>();

/**
 * The Intl formatters of one language's messages, found by the identity of their options (the parsed message's own
 * objects, or intl-messageformat's named formats) instead of its default: a cache per message keyed by the JSON
 * text of the arguments, serialised on every plural and number. One set per language, so the locale is fixed.
 */
function languageFormatters(locale: string): Formatters {
  const numbers = new WeakMap<object, Intl.NumberFormat>();
  const dates = new WeakMap<object, Intl.DateTimeFormat>();
  const plurals = new Map<string, Intl.PluralRules>();
  let plainNumber: Intl.NumberFormat | undefined;
  let plainDate: Intl.DateTimeFormat | undefined;
  return {
    getNumberFormat: (_locales, options) => {
      if (!options) return (plainNumber ??= new Intl.NumberFormat(locale));
      let format = numbers.get(options);
      if (!format) numbers.set(options, (format = new Intl.NumberFormat(locale, options as Intl.NumberFormatOptions)));
      return format;
    },
    getDateTimeFormat: (_locales, options) => {
      if (!options) return (plainDate ??= new Intl.DateTimeFormat(locale));
      let format = dates.get(options);
      if (!format) dates.set(options, (format = new Intl.DateTimeFormat(locale, options)));
      return format;
    },
    getPluralRules: (_locales, options) => {
      const type = options?.type ?? 'cardinal';
      let rules = plurals.get(type);
      if (!rules) plurals.set(type, (rules = new Intl.PluralRules(locale, { type })));
      return rules;
    },
  };
}

function compile(language: AnyLanguage, key: MessageKey): Compiled {
  let table = compiled.get(language);
  if (!table) {
    table = { messages: new Map(), formatters: languageFormatters(intlLocale(language)) };
    compiled.set(language, table);
  }
  let entry = table.messages.get(key);
  if (!entry) {
    const source = language === 'qps' || language === 'qps-rtl' ? english[key] : CATALOGUES[language][key] ?? english[key];
    const options = { formatters: table.formatters };
    let format = new IntlMessageFormat(source, intlLocale(language), undefined, options);
    if (language === 'qps' || language === 'qps-rtl') {
      format = new IntlMessageFormat([{ type: 0, value: PSEUDO_OPEN }, ...pseudoAst(format.getAst()), { type: 0, value: PSEUDO_CLOSE }] as Ast, intlLocale(language), undefined, options);
    }
    entry = { format };
    // Literal text only (type 0): no value can change what it says.
    if (format.getAst().every((element) => element.type === 0)) entry.text = formatted(format, undefined);
    table.messages.set(key, entry);
  }
  return entry;
}

function formatted(format: IntlMessageFormat, values: MessageValues | undefined): string {
  const out = format.format(values);
  return typeof out === 'string' ? out : String(out);
}

/** The message in the given language (an English fallback for a key a catalogue lacks; the tests keep them complete). */
export function translate(language: AnyLanguage, key: MessageKey, values?: MessageValues): string {
  const entry = compile(language, key);
  if (entry.text !== undefined) return entry.text;
  const id = values === undefined ? undefined : valuesId(values);
  if (id === undefined || id.length > RECENT_VALUES_LENGTH) return formatted(entry.format, values);
  const recent = (entry.recent ??= new Map());
  let text = recent.get(id);
  if (text === undefined) {
    text = formatted(entry.format, values);
    if (recent.size >= RECENT_LIMIT) recent.clear();
    recent.set(id, text);
  }
  return text;
}

/** The values as one unambiguous string (each length-prefixed), or undefined when one is not a string or number. */
function valuesId(values: MessageValues): string | undefined {
  let id = '';
  for (const name in values) {
    const value = values[name];
    if (typeof value === 'string') id += `${name.length}:${name}=s${value.length}:${value};`;
    // -0 prints as 0 here but as -0 through Intl: not kept.
    else if (typeof value === 'number' && !Object.is(value, -0)) id += `${name.length}:${name}=n${value};`;
    else return undefined;
  }
  return id;
}

/** The message in the reader's language. */
export const t = (key: MessageKey, values?: MessageValues): string => translate(currentLanguage(), key, values);
