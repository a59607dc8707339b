/**
 * The languages govflow speaks and how a reader's language is chosen: the GOV.UK language switcher (a `lang` query
 * parameter, then kept in a cookie), then the account's preference, then the browser's `Accept-Language`, then
 * English. Two pseudo-languages exist for tests only (every message accented and bracketed, one of them written
 * right to left) and are chosen only when a test turns them on.
 */
export const LANGUAGES = ['en', 'es', 'ca', 'et'] as const;
export type Language = (typeof LANGUAGES)[number];
export const PSEUDO_LANGUAGES = ['qps', 'qps-rtl'] as const;
export type PseudoLanguage = (typeof PSEUDO_LANGUAGES)[number];
export type AnyLanguage = Language | PseudoLanguage;
export const DEFAULT_LANGUAGE: Language = 'en';
export const LANGUAGE_COOKIE = 'govflow_lang';

/** Each language's name in itself, as the switcher shows it (GOV.UK: "English | Cymraeg"). */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = { en: 'English', es: 'Español', ca: 'Català', et: 'Eesti' };

/** The Intl locale that formats dates, numbers and money for a language (a pseudo-language formats as English). */
const INTL_LOCALES: Readonly<Record<AnyLanguage, string>> = { en: 'en-GB', es: 'es-ES', ca: 'ca-ES', et: 'et-EE', qps: 'en-GB', 'qps-rtl': 'en-GB' };
export const intlLocale = (language: AnyLanguage): string => INTL_LOCALES[language];

/** The value of `lang` on an element in this language (a pseudo-language is marked as English, which it is underneath). */
export const htmlLang = (language: AnyLanguage): string => (language === 'qps' || language === 'qps-rtl' ? 'en' : language);
export const textDirection = (language: AnyLanguage): 'ltr' | 'rtl' => (language === 'qps-rtl' ? 'rtl' : 'ltr');

let pseudoEnabled = false;
/** Lets `?lang=qps` and `?lang=qps-rtl` choose a pseudo-language (the pseudo-locale tests; never in production). */
export function enablePseudoLanguages(on: boolean): void {
  pseudoEnabled = on;
}

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/** A language the reader may choose: one of the four, or a pseudo-language when the tests turned them on. */
export function chosenLanguage(value: unknown): AnyLanguage | undefined {
  if (isLanguage(value)) return value;
  if (pseudoEnabled && typeof value === 'string' && (PSEUDO_LANGUAGES as readonly string[]).includes(value)) return value as PseudoLanguage;
  return undefined;
}

/**
 * The best of our languages for an `Accept-Language` header: ranges by quality (RFC 9110 §12.5.4), a range matching
 * a language by its primary subtag (`ca-ES` → `ca`); none that we speak gives undefined.
 */
export function fromAcceptLanguage(header: string | undefined): Language | undefined {
  if (!header) return undefined;
  const ranges = header.split(',').slice(0, 20).map((part, index) => {
    const [range = '', ...params] = part.trim().split(';');
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    return { primary: range.trim().toLowerCase().split('-')[0] ?? '', q: q === undefined ? 1 : Number(q), index };
  }).filter((r) => r.q > 0 && Number.isFinite(r.q));
  ranges.sort((a, b) => b.q - a.q || a.index - b.index);
  return ranges.map((r) => r.primary).find(isLanguage);
}

export interface LanguageSources {
  /** `?lang=` of this request: the switcher's link. */
  readonly query?: unknown;
  /** The cookie the switcher left. */
  readonly cookie?: unknown;
  /** The signed-in account's preference. */
  readonly preference?: unknown;
  readonly acceptLanguage?: string | undefined;
}

/** The reader's language, from the strongest source that names one we speak. */
export function resolveLanguage(sources: LanguageSources): AnyLanguage {
  return chosenLanguage(sources.query) ?? chosenLanguage(sources.cookie) ?? chosenLanguage(sources.preference) ?? fromAcceptLanguage(sources.acceptLanguage) ?? DEFAULT_LANGUAGE;
}
