import { AsyncLocalStorage } from 'node:async_hooks';
import { IntlMessageFormat } from 'intl-messageformat';
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

/** Runs `fn` (and everything it awaits) for a reader of this language. */
export function runInLanguage<T>(language: AnyLanguage, fn: () => T, url?: string): T {
  return reading.run(url === undefined ? { language } : { language, url }, fn);
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

const compiled = new Map<string, IntlMessageFormat>();

function compile(language: AnyLanguage, key: MessageKey): IntlMessageFormat {
  const id = `${language}\u0000${key}`;
  let format = compiled.get(id);
  if (!format) {
    const source = language === 'qps' || language === 'qps-rtl' ? english[key] : CATALOGUES[language][key] ?? english[key];
    format = new IntlMessageFormat(source, intlLocale(language));
    if (language === 'qps' || language === 'qps-rtl') {
      format = new IntlMessageFormat([{ type: 0, value: PSEUDO_OPEN }, ...pseudoAst(format.getAst()), { type: 0, value: PSEUDO_CLOSE }] as Ast, intlLocale(language));
    }
    compiled.set(id, format);
  }
  return format;
}

/** The message in the given language (an English fallback for a key a catalogue lacks; the tests keep them complete). */
export function translate(language: AnyLanguage, key: MessageKey, values?: MessageValues): string {
  const out = compile(language, key).format(values);
  return typeof out === 'string' ? out : String(out);
}

/** The message in the reader's language. */
export const t = (key: MessageKey, values?: MessageValues): string => translate(currentLanguage(), key, values);
