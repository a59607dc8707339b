import { parseIsoDuration, type IsoDuration } from './iso-time.js';

/**
 * ISO 8601 repeating intervals anchored to a local time in a time zone, as Camunda 8 writes them:
 * `R/2026-03-28T02:30:00[Europe/Madrid]/P1D`. Calendar parts of the interval (years, months, weeks, days) are added
 * to the local date and time, so "every day at 02:30" stays at 02:30 local across a DST change; time parts
 * (hours, minutes, seconds) are added to the instant. A local time that does not exist (the spring gap) moves
 * forward by the gap, and one that exists twice (autumn) takes the earlier instant — as Java's ZonedDateTime does.
 * Fire times are start + k × interval (anchored), never drifting with late runs.
 */
export interface ZonedCycle {
  readonly repetitions: number | undefined;
  readonly local: LocalDateTime;
  readonly timeZone: string;
  readonly interval: IsoDuration;
}

interface LocalDateTime { readonly y: number; readonly mo: number; readonly d: number; readonly h: number; readonly mi: number; readonly s: number }

const ZONED = /^R(\d*)\/(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?\[([^\]]+)\]\/(\S+)$/;

export function parseZonedCycle(text: string): ZonedCycle | undefined {
  const m = ZONED.exec(text.trim());
  if (!m) return undefined;
  const interval = parseIsoDuration(m[9]!);
  if (!interval || interval.negative) return undefined;
  const timeZone = m[8]!;
  try {
    new Intl.DateTimeFormat('en', { timeZone });
  } catch {
    return undefined;
  }
  const n = (i: number) => Number(m[i] ?? '0');
  const local = { y: n(2), mo: n(3), d: n(4), h: n(5), mi: n(6), s: n(7) };
  const step = (interval.years * 12 + interval.months) * 31 + interval.weeks * 7 + interval.days + interval.hours + interval.minutes + interval.seconds;
  if (step <= 0) return undefined;
  return { repetitions: m[1] === '' ? undefined : Number(m[1]), local, timeZone, interval };
}

const formats = new Map<string, Intl.DateTimeFormat>();
/** The zone's UTC offset at an instant, in ms (to the second). */
export function offsetAt(instant: number, timeZone: string): number {
  const format = formats.get(timeZone) ?? new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  });
  if (formats.size < 64) formats.set(timeZone, format);
  const parts = Object.fromEntries(format.formatToParts(new Date(instant)).map((p) => [p.type, Number(p.value)]));
  return Date.UTC(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!) - Math.floor(instant / 1000) * 1000;
}

/** The instant of a local time in a zone (gap: moved forward by the gap; overlap: the earlier instant). */
export function zonedInstant(local: LocalDateTime, timeZone: string): Date {
  const asUtc = Date.UTC(local.y, local.mo - 1, local.d, local.h, local.mi, local.s);
  const before = offsetAt(asUtc - 12 * 3_600_000, timeZone);
  const after = offsetAt(asUtc + 12 * 3_600_000, timeZone);
  const valid = [asUtc - before, asUtc - after].filter((t) => offsetAt(t, timeZone) === asUtc - t).sort((a, b) => a - b);
  return new Date(valid[0] ?? asUtc - before);
}

/** The k-th fire time (k = 0 is the start). */
function occurrence(cycle: ZonedCycle, k: number): Date {
  const i = cycle.interval;
  const l = cycle.local;
  // Calendar part in local time (Date.UTC normalises overflowing months and days), then the exact time part.
  const calendar = new Date(Date.UTC(l.y, l.mo - 1 + k * (i.years * 12 + i.months), l.d + k * (i.weeks * 7 + i.days), l.h, l.mi, l.s));
  const base = zonedInstant({ y: calendar.getUTCFullYear(), mo: calendar.getUTCMonth() + 1, d: calendar.getUTCDate(), h: calendar.getUTCHours(), mi: calendar.getUTCMinutes(), s: calendar.getUTCSeconds() }, cycle.timeZone);
  return new Date(base.getTime() + k * ((i.hours * 60 + i.minutes) * 60 + i.seconds) * 1000);
}

/** The first fire time strictly after `after` with its index, or undefined when the repetitions are used up. */
export function nextZonedFire(cycle: ZonedCycle, after: Date): { at: Date; index: number } | undefined {
  const i = cycle.interval;
  const approx = (((i.years * 12 + i.months) * 30.4 + i.weeks * 7 + i.days) * 86_400 + (i.hours * 60 + i.minutes) * 60 + i.seconds) * 1000;
  let k = Math.max(0, Math.floor((after.getTime() - occurrence(cycle, 0).getTime()) / approx) - 2);
  while (occurrence(cycle, k).getTime() <= after.getTime()) k++;
  if (cycle.repetitions !== undefined && k >= cycle.repetitions) return undefined;
  return { at: occurrence(cycle, k), index: k };
}
