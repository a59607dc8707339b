import { GovflowError } from '../../kernel/index.js';

const DURATION = /^(-)?P(?:(\d+(?:[.,]\d+)?)Y)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$/;

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

export function parseIsoDuration(text: string): IsoDuration | undefined {
  const m = DURATION.exec(text.trim());
  if (!m || text.trim() === 'P' || text.trim().endsWith('T')) return undefined;
  const n = (i: number) => Number((m[i] ?? '0').replace(',', '.'));
  return { negative: m[1] === '-', years: n(2), months: n(3), weeks: n(4), days: n(5), hours: n(6), minutes: n(7), seconds: n(8) };
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

export function invalidTimer(elementId: string, text: string, kind: string, line?: number): GovflowError {
  return new GovflowError('GOVFLOW_ERR_BPMN_INVALID', `timer ${kind} '${text}' of ${elementId} is not valid ISO 8601`, [
    { where: elementId, line, message: `timer ${kind} '${text}' is not a valid ISO 8601 ${kind}` },
  ]);
}
