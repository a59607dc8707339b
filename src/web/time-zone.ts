import { currentLanguage, intlLocale, PSEUDO_CLOSE, PSEUDO_OPEN, pseudoText, type AnyLanguage } from '../i18n/index.js';
import { GovflowError } from '../kernel/index.js';

/**
 * The municipality's time zone: every time a person reads on a page is in it (a resident of Madrid reads 10:00, not
 * 09:00 UTC). Set once at start-up from GOVFLOW_TIME_ZONE (an IANA name); the demo municipality is Spanish, so the
 * default is Europe/Madrid.
 */
export const DEFAULT_TIME_ZONE = 'Europe/Madrid';

let zone = DEFAULT_TIME_ZONE;
// Formatters made once per zone and language: Intl.DateTimeFormat is expensive to build (≈ 0.15 ms), pages format many times.
let formatters = new Map<AnyLanguage, Intl.DateTimeFormat>();

function makeFormatter(timeZone: string, locale = 'en-GB'): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat(locale, { timeZone, day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
}

/** Checks and sets the zone; a name Intl does not know is refused with the setting's name. */
export function setTimeZone(timeZone: string): void {
  let formatter: Intl.DateTimeFormat;
  try {
    formatter = makeFormatter(timeZone);
  } catch {
    throw new GovflowError('GOVFLOW_ERR_CONFIG', `GOVFLOW_TIME_ZONE '${timeZone}' is not a time zone name like Europe/Madrid`, [{ where: 'GOVFLOW_TIME_ZONE', message: 'is not an IANA time zone name' }]);
  }
  zone = timeZone;
  formatters = new Map([['en', formatter]]);
  formatted.clear();
}

function formatterFor(language: AnyLanguage): Intl.DateTimeFormat {
  let f = formatters.get(language);
  if (!f) {
    f = makeFormatter(zone, intlLocale(language));
    formatters.set(language, f);
  }
  return f;
}

export const siteTimeZone = (): string => zone;

/**
 * Formatted minutes, by language and minute since the epoch: a status page or a work list formats the same few
 * moments on every view, and formatToParts costs more than the rest of a timeline row. Emptied when the zone changes
 * or it grows past its bound (a long-running process sees new minutes forever).
 */
const formatted = new Map<string, string>();
const FORMATTED_LIMIT = 20_000;

/**
 * "6 December 2026 at 09:40 CET", "6 de diciembre de 2026 a las 09:40 CET": a moment as people in the
 * municipality read it, in the reader's language (Intl's own wording; English keeps GOV.UK's "at").
 */
export function formatDateTime(iso: string | Date): string {
  const language = currentLanguage();
  const at = typeof iso === 'string' ? new Date(iso) : iso;
  const minute = Math.floor(at.getTime() / 60_000);
  const id = `${language}:${minute}`;
  const known = formatted.get(id);
  if (known !== undefined) return known;
  let text: string;
  if (language !== 'en' && language !== 'qps' && language !== 'qps-rtl') text = formatterFor(language).format(at);
  else {
    const parts = formatterFor(language).formatToParts(at);
    const get = (type: Intl.DateTimeFormatPartTypes): string => parts.find((p) => p.type === type)?.value ?? '';
    const english = `${get('day')} ${get('month')} ${get('year')} at ${get('hour')}:${get('minute')} ${get('timeZoneName')}`;
    text = language === 'en' ? english : `${PSEUDO_OPEN}${pseudoText(english)}${PSEUDO_CLOSE}`;
  }
  if (Number.isNaN(minute)) return text;
  if (formatted.size >= FORMATTED_LIMIT) formatted.clear();
  formatted.set(id, text);
  return text;
}
