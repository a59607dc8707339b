import { intlLocale, type AnyLanguage } from './languages.js';
import { currentLanguage, PSEUDO_CLOSE, PSEUDO_OPEN, pseudoText } from './translate.js';

/** In a pseudo-language the formatted text is bracketed too: it came through the layer. */
const marked = (language: AnyLanguage, text: string): string => (language === 'qps' || language === 'qps-rtl' ? `${PSEUDO_OPEN}${pseudoText(text)}${PSEUDO_CLOSE}` : text);

/**
 * Numbers, money and calendar days in the reader's locale through Intl ("1.234,50 €" in Spanish, "€1,234.50" in
 * English). Formatters are built once per language and kind: building one costs far more than using it.
 */
const cache = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();

function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat>(id: string, make: () => T): T {
  let f = cache.get(id) as T | undefined;
  if (!f) {
    f = make();
    cache.set(id, f);
  }
  return f;
}

export function formatNumber(value: number, language: AnyLanguage = currentLanguage()): string {
  return marked(language, cached(`n:${language}`, () => new Intl.NumberFormat(intlLocale(language))).format(value));
}

/** An amount in major units (12.5 → "€12.50" / "12,50 €"). */
export function formatMoney(amount: number, currency: string, language: AnyLanguage = currentLanguage()): string {
  return marked(language, cached(`m:${language}:${currency}`, () => new Intl.NumberFormat(intlLocale(language), { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2 })).format(amount));
}

/** A calendar day ("2026-12-06" → "6 December 2026", "6 de diciembre de 2026"); not a moment, so no time zone shift. */
export function formatDay(isoDay: string, language: AnyLanguage = currentLanguage()): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(isoDay);
  if (!m) return isoDay;
  // Pages show the same few days on every view (a case's answers, its due date): each is formatted once per language.
  const id = `${language}:${m[0]}`;
  const known = days.get(id);
  if (known !== undefined) return known;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  const text = marked(language, cached(`d:${language}`, () => new Intl.DateTimeFormat(intlLocale(language), { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' })).format(date));
  if (days.size >= DAYS_LIMIT) days.clear();
  days.set(id, text);
  return text;
}
const days = new Map<string, string>();
const DAYS_LIMIT = 20_000;
