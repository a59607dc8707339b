import { GovflowError } from '../kernel/index.js';

/** An ISO 8601 duration (`P2Y`, `P6M`, `P1Y6M`, `P30D`, `PT12H`), as the catalogue's retention periods are written. */
export interface IsoDuration {
  readonly years: number; readonly months: number; readonly weeks: number; readonly days: number;
  readonly hours: number; readonly minutes: number; readonly seconds: number;
}

const PATTERN = /^P(?:(\d{1,4})Y)?(?:(\d{1,5})M)?(?:(\d{1,5})W)?(?:(\d{1,6})D)?(?:T(?:(\d{1,6})H)?(?:(\d{1,7})M)?(?:(\d{1,9})S)?)?$/;

export function parseIsoDuration(text: string, where = 'duration'): IsoDuration {
  const m = typeof text === 'string' ? PATTERN.exec(text) : null;
  // "P" and "PT" alone match the pattern but say nothing: refused.
  if (!m || text === 'P' || text.endsWith('T')) {
    throw new GovflowError('GOVFLOW_ERR_VALIDATION', `${where} must be an ISO 8601 duration such as P2Y or P6M (got ${JSON.stringify(String(text).slice(0, 40))})`, [{ where, message: 'is not an ISO 8601 duration' }]);
  }
  const n = (i: number) => Number(m[i] ?? 0);
  return { years: n(1), months: n(2), weeks: n(3), days: n(4), hours: n(5), minutes: n(6), seconds: n(7) };
}

/** `from` plus the duration, in calendar terms (UTC): a year after 29 February is 28 February or 1 March as Date rolls. */
export function addDuration(from: Date, d: IsoDuration): Date {
  const t = new Date(from.getTime());
  t.setUTCFullYear(t.getUTCFullYear() + d.years, t.getUTCMonth() + d.months, t.getUTCDate() + d.weeks * 7 + d.days);
  return new Date(t.getTime() + ((d.hours * 60 + d.minutes) * 60 + d.seconds) * 1000);
}
