import { createRequire } from 'node:module';
import type HolidaysLib from 'date-holidays';
import { addDuration, GovflowError, isoPeriod } from '../kernel/index.js';

/**
 * The one SLA clock (issue 20): a case's or a task's deadline from its start, its pauses (while it waits for the
 * applicant) and the SLA changes an admin applied to it, counted in calendar time or in working days of a
 * jurisdiction (weekends and its public holidays from `date-holidays`, days as that jurisdiction's local days, so a
 * DST change neither adds nor loses an hour of SLA).
 *
 * Two ways to the same deadline, so that each reader can take the one it needs and the property test
 * (test/catalogue/sla-clock.test.ts) can hold them to agreeing: `slaClock` reads the whole history at once (the
 * countdown on the case page and the dashboards), `SlaTimer` follows it one event at a time (the escalation timer,
 * rescheduled at each pause, resume and SLA change).
 */

export type SlaCounting = 'calendar' | 'working-days';

/** What the deadline is: a duration and how it counts (working days need a jurisdiction, e.g. FI or GB). */
export interface SlaTerms {
  readonly duration: string;
  readonly counting: SlaCounting;
  readonly jurisdiction?: string;
}

export type ClockEvent =
  | { readonly type: 'pause'; readonly at: string }
  | { readonly type: 'resume'; readonly at: string }
  /** An admin's change of the SLA applied to this running case: the new duration counts from the start. */
  | { readonly type: 'sla-changed'; readonly at: string; readonly terms: SlaTerms };

export interface SlaReading {
  /** The deadline; null while the clock is paused (no timer runs then). */
  readonly dueAt: string | null;
  readonly paused: boolean;
  readonly overdue: boolean;
  /** Whole days (calendar or working) left, or past the deadline when overdue, rounded up; frozen while paused. */
  readonly days: number;
}

const DAY_MS = 86_400_000;

// ------------------------------------------------------------------ calendars

interface Calendar {
  /** SLA units between two instants (ms in calendar time, day fractions of working days otherwise). */
  count(from: number, to: number): number;
  /** The instant `units` after (or, negative, before) `from`. */
  advance(from: number, units: number): number;
  /** How many whole days `units` is, for the countdown. */
  days(units: number): number;
  target(start: number, duration: string): number;
}

const calendarTime: Calendar = {
  count: (from, to) => to - from,
  advance: (from, units) => from + units,
  days: (units) => Math.ceil(units / DAY_MS),
  target: (start, duration) => addDuration(new Date(start), isoPeriod(duration, 'sla')).getTime() - start,
};

const offsetFormats = new Map<string, Intl.DateTimeFormat>();
/** The zone's offset from UTC at an instant, in ms. */
function zoneOffset(timeZone: string, at: number): number {
  let format = offsetFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    offsetFormats.set(timeZone, format);
  }
  const p = Object.fromEntries(format.formatToParts(new Date(at)).map((x) => [x.type, Number(x.value)]));
  return Date.UTC(p['year']!, p['month']! - 1, p['day']!, p['hour']!, p['minute']!, p['second']!) - Math.floor(at / 1000) * 1000;
}
/** The local day (as UTC midnight of its date) containing an instant, and the instants it starts and ends. */
function localDay(timeZone: string, at: number): { date: number; start: number; end: number } {
  const date = Math.floor((at + zoneOffset(timeZone, at)) / DAY_MS) * DAY_MS;
  const midnight = (d: number): number => {
    const guess = d - zoneOffset(timeZone, d);
    return d - zoneOffset(timeZone, guess);
  };
  return { date, start: midnight(date), end: midnight(date + DAY_MS) };
}

const workingCalendars = new Map<string, Calendar>();

/** Working days of a jurisdiction: Monday to Friday in its time zone, less its public holidays. */
export function workingDays(jurisdiction: string): Calendar {
  const cached = workingCalendars.get(jurisdiction);
  if (cached) return cached;
  const [country, state] = jurisdiction.split('-');
  // date-holidays (its CommonJS build, with every country's data) loads with the first working-day calendar.
  const Holidays = createRequire(import.meta.url)('date-holidays') as typeof HolidaysLib;
  const known = new Holidays().getCountries();
  if (!country || !Object.hasOwn(known, country)) {
    throw new GovflowError('GOVFLOW_ERR_VALIDATION', `no holiday calendar for the jurisdiction ${jurisdiction}`, [{ where: 'sla.jurisdiction', message: 'must be a country code date-holidays knows, e.g. FI or GB-ENG' }]);
  }
  const holidays = state ? new Holidays(country, state) : new Holidays(country);
  const timeZone = holidays.getTimezones()[0] ?? 'UTC';
  const years = new Map<number, Set<string>>();
  const isWorking = (date: number): boolean => {
    const d = new Date(date);
    if (d.getUTCDay() === 0 || d.getUTCDay() === 6) return false;
    const year = d.getUTCFullYear();
    let set = years.get(year);
    if (!set) {
      set = new Set(holidays.getHolidays(year).filter((h) => h.type === 'public').map((h) => h.date.slice(0, 10)));
      years.set(year, set);
    }
    return !set.has(d.toISOString().slice(0, 10));
  };
  const calendar: Calendar = {
    count(from, to) {
      // An empty stretch is zero units; a reversed one is the forward count negated (never recursing on itself).
      if (to === from) return 0;
      if (to < from) return -calendar.count(to, from);
      let units = 0;
      for (let t = from; t < to;) {
        const day = localDay(timeZone, t);
        const until = Math.min(day.end, to);
        if (isWorking(day.date)) units += (until - t) / (day.end - day.start);
        t = until;
      }
      return units;
    },
    advance(from, units) {
      let t = from;
      let left = units;
      // Forwards: spend the day's working share until the units run out; backwards the same way in reverse.
      for (let guard = 0; guard < 20_000; guard++) {
        const day = localDay(timeZone, left >= 0 ? t : t - 1);
        const length = day.end - day.start;
        if (left >= 0) {
          const available = isWorking(day.date) ? (day.end - t) / length : 0;
          if (left <= available && isWorking(day.date)) return t + Math.round(left * length);
          left -= available;
          t = day.end;
        } else {
          const available = isWorking(day.date) ? (t - day.start) / length : 0;
          if (-left <= available && isWorking(day.date)) return t + Math.round(left * length);
          left += available;
          t = day.start;
        }
      }
      throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'the SLA reaches more than 50 years', [{ where: 'sla', message: 'is too long' }]);
    },
    days: (units) => Math.ceil(units - 1e-9),
    target(_start, duration) {
      const p = isoPeriod(duration, 'sla');
      if (p.years || p.months) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `an SLA in working days must be days, hours or minutes, not ${duration}`, [{ where: 'sla', message: 'months and years are not working days' }]);
      return (p.weeks ?? 0) * 5 + (p.days ?? 0) + (p.hours ?? 0) / 24 + (p.minutes ?? 0) / 1440 + (p.seconds ?? 0) / DAY_MS * 1000;
    },
  };
  workingCalendars.set(jurisdiction, calendar);
  return calendar;
}

const calendarOf = (terms: SlaTerms): Calendar => (terms.counting === 'working-days' ? workingDays(terms.jurisdiction ?? 'FI') : calendarTime);

// ------------------------------------------------------------------ the clock, all at once

/**
 * The deadline from the whole history: the SLA's units (under the terms of the last SLA change, counted from the
 * start) less those spent over the stretches the clock ran (start to the first pause, each resume to the next
 * pause), from the last resume on. A pause always moves the deadline by its length, even one begun after the
 * deadline passed (the case page's rule since issue 9); while paused there is no deadline (no timer runs) and the
 * days left stand still.
 */
export function slaClock(startedAt: string, initial: SlaTerms, events: readonly ClockEvent[], now: Date): SlaReading {
  const start = Date.parse(startedAt);
  const sorted = [...events].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  let terms = initial;
  const closed: [number, number][] = [];
  let runningSince: number | null = start;
  for (const e of sorted) {
    const at = Date.parse(e.at);
    if (e.type === 'sla-changed') terms = e.terms;
    else if (e.type === 'pause' && runningSince !== null) { closed.push([runningSince, at]); runningSince = null; }
    else if (e.type === 'resume' && runningSince === null) runningSince = at;
  }
  const calendar = calendarOf(terms);
  const left = calendar.target(start, terms.duration) - closed.reduce((sum, [from, to]) => sum + calendar.count(from, to), 0);
  if (runningSince === null) return { dueAt: null, paused: true, overdue: left < 0, days: Math.max(1, calendar.days(Math.abs(left))) };
  const due = calendar.advance(runningSince, left);
  const t = now.getTime();
  const overdue = t > due;
  return { dueAt: new Date(due).toISOString(), paused: false, overdue, days: Math.max(1, calendar.days(overdue ? calendar.count(due, t) : calendar.count(t, due))) };
}

// ------------------------------------------------------------------ the clock, event by event

/**
 * The escalation timer: follows the events as they come, keeping only the units spent so far, and says when it is
 * due now (null: paused, no timer runs). An SLA change recounts the stretches already run under the new terms
 * (another calendar counts them differently).
 */
export class SlaTimer {
  private readonly start: number;
  private terms: SlaTerms;
  private readonly closed: [number, number][] = [];
  private spent = 0;
  private runningSince: number | null;

  constructor(startedAt: string, terms: SlaTerms) {
    this.start = Date.parse(startedAt);
    this.terms = terms;
    this.runningSince = this.start;
  }

  /** Applies one event (in time order) and returns when the timer fires now. */
  apply(event: ClockEvent): string | null {
    const at = Date.parse(event.at);
    if (event.type === 'pause' && this.runningSince !== null) {
      this.spent += calendarOf(this.terms).count(this.runningSince, at);
      this.closed.push([this.runningSince, at]);
      this.runningSince = null;
    } else if (event.type === 'resume' && this.runningSince === null) {
      this.runningSince = at;
    } else if (event.type === 'sla-changed') {
      this.terms = event.terms;
      const next = calendarOf(event.terms);
      this.spent = this.closed.reduce((sum, [from, to]) => sum + next.count(from, to), 0);
    }
    return this.dueAt();
  }

  /** The dashboard's figure: past the deadline at `now` (while paused: the SLA was used up before the pause). */
  overdueAt(now: Date): boolean {
    const due = this.dueAt();
    if (due !== null) return now.getTime() > Date.parse(due);
    const calendar = calendarOf(this.terms);
    return calendar.target(this.start, this.terms.duration) - this.spent < 0;
  }

  dueAt(): string | null {
    if (this.runningSince === null) return null;
    const calendar = calendarOf(this.terms);
    return new Date(calendar.advance(this.runningSince, calendar.target(this.start, this.terms.duration) - this.spent)).toISOString();
  }
}
