import { GovflowError } from './errors.js';

/**
 * The one ISO 8601 duration / period module (issue 14): BPMN timers (durations, cycles, dates, in the engine),
 * the catalogue's SLAs and retention periods (privacy, workbench) all read durations here, so `P1M` means the same
 * thing everywhere. Calendar arithmetic is in UTC: a month after 31 January rolls as `Date` does.
 */
export interface IsoDuration {
  readonly negative: boolean;
  readonly years: number;
  readonly months: number;
  readonly weeks: number;
  readonly days: number;
  readonly hours: number;
  readonly minutes: number;
  readonly seconds: number;
}

const DURATION = /^(-)?P(?:(\d+(?:[.,]\d+)?)Y)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;
/**
 * A period as configuration writes it (an SLA, a retention period): whole numbers, no sign, and bounded so that
 * any start date plus the period is still a date (an unbounded `P999999Y` would be an invalid date, and a
 * retention check against it would erase at once).
 */
const PERIOD = /^P(?!$)(?:\d{1,4}Y)?(?:\d{1,5}M)?(?:\d{1,5}W)?(?:\d{1,6}D)?(?:T(?=\d)(?:\d{1,6}H)?(?:\d{1,7}M)?(?:\d{1,9}S)?)?$/;

/** Any ISO 8601 duration, as BPMN timers may write it (a sign, decimal fractions); undefined when it is not one. */
export function parseIsoDuration(text: string): IsoDuration | undefined {
  const trimmed = text.trim();
  const m = DURATION.exec(trimmed);
  // "P" and "PT" alone match the pattern but say nothing.
  if (!m || trimmed === 'P' || trimmed.endsWith('T')) return undefined;
  const n = (i: number) => Number((m[i] ?? '0').replace(',', '.'));
  return { negative: m[1] === '-', years: n(2), months: n(3), weeks: n(4), days: n(5), hours: n(6), minutes: n(7), seconds: n(8) };
}

/** Whether `value` is a configuration period (`P60D`, `PT12H`, `P1Y6M`): see {@link isoPeriod}. */
export function isIsoPeriod(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 40 && PERIOD.test(value);
}

/** A configuration period, or a coded error naming `where` (`services/x/service.json: retention.personalData`). */
export function isoPeriod(text: string, where = 'duration'): IsoDuration {
  if (!isIsoPeriod(text)) {
    throw new GovflowError('GOVFLOW_ERR_VALIDATION', `${where} must be an ISO 8601 duration such as P2Y or P6M (got ${JSON.stringify(String(text).slice(0, 40))})`, [{ where, message: 'is not an ISO 8601 duration' }]);
  }
  return parseIsoDuration(text)!;
}

/** Adds an ISO 8601 duration to an instant, calendar-aware for years and months (in UTC). */
export function addDuration(from: Date, d: IsoDuration): Date {
  const sign = d.negative ? -1 : 1;
  const out = new Date(from.getTime());
  if (d.years || d.months) out.setUTCMonth(out.getUTCMonth() + sign * (d.years * 12 + d.months));
  const ms = ((d.weeks * 7 + d.days) * 86_400 + d.hours * 3600 + d.minutes * 60 + d.seconds) * 1000;
  return new Date(out.getTime() + sign * ms);
}

export interface IsoCycle {
  /** Remaining repetitions; undefined means unbounded (`R/…`). */
  readonly repetitions: number | undefined;
  readonly start?: Date;
  readonly interval: IsoDuration;
}

/** `R5/PT10M`, `R/PT1H`, `R3/2026-01-01T00:00:00Z/P1D`. */
export function parseIsoCycle(text: string): IsoCycle | undefined {
  const parts = text.trim().split('/');
  const rep = /^R(\d*)$/.exec(parts[0] ?? '');
  if (!rep) return undefined;
  const repetitions = rep[1] === '' || rep[1] === undefined ? undefined : Number(rep[1]);
  if (parts.length === 2) {
    const interval = parseIsoDuration(parts[1]!);
    return interval ? { repetitions, interval } : undefined;
  }
  if (parts.length === 3) {
    const start = new Date(parts[1]!);
    const interval = parseIsoDuration(parts[2]!);
    return interval && !Number.isNaN(start.getTime()) ? { repetitions, start, interval } : undefined;
  }
  return undefined;
}

export function parseIsoDate(text: string): Date | undefined {
  if (!/^\d{4}-\d{2}-\d{2}/.test(text.trim())) return undefined;
  const date = new Date(text.trim());
  return Number.isNaN(date.getTime()) ? undefined : date;
}
