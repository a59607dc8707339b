import { CronExpressionParser, type CronExpression } from 'cron-parser';
import { parseIsoCycle } from './iso-time.js';
import { offsetAt, parseZonedCycle } from './zoned-cycle.js';

/**
 * Cron timer cycles as Camunda 8 (Spring `CronExpression`) and Camunda 7 accept them: six fields, seconds first
 * (`0/5 * * * * ?`, `0 0 9 * * MON-FRI`), an optional seventh (year), `?` for "no specific value", macros such as
 * `@daily`. Day-of-week numbers are Spring's (0 or 7 = Sunday). Giving both day-of-month and day-of-week is
 * refused (Quartz refuses it too; Spring and Unix cron disagree on what it means): put `?` in one of them. A time
 * zone is given with a `CRON_TZ=Europe/Madrid ` prefix (as in Kubernetes and robfig/cron); without it the cycle runs
 * in UTC, as a Zeebe broker does by default. Across a DST change it follows Unix cron: in the repeated autumn hour
 * a cycle with hour `*` fires at both instants and one naming hours fires once; the first local time in the spring
 * gap fires shifted forward by the gap (when the timer was waiting before the jump), and the later ones of the same
 * gap do not fire (every half hour of hour 2 fires once that night); the property test in test/engine/timer-cycles.test.ts
 * checks cron-parser against a reference written from that definition. cron-parser alone, asked from inside the
 * repeated hour, answers the second instant of a named hour (and fires a stepped hour `0-4/2` twice there): govflow
 * skips those instants (nextCronFire).
 */
export interface CronCycle {
  readonly pattern: string;
  readonly timeZone: string;
}

const TZ_PREFIX = /^(?:CRON_TZ|TZ)=(\S+)\s+/;

/** Whether a timer cycle text is meant as cron (not an ISO 8601 `R…/…` repetition). */
export function looksLikeCron(text: string): boolean {
  const trimmed = text.trim();
  if (TZ_PREFIX.test(trimmed) || trimmed.startsWith('@')) return true;
  return !trimmed.startsWith('R') && trimmed.split(/\s+/).length >= 5;
}

function validZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function cronFor(cycle: CronCycle, after: Date): CronExpression {
  return CronExpressionParser.parse(cycle.pattern, { tz: cycle.timeZone, currentDate: after, strict: true });
}

/** The cycle, or a reason it is not a cron expression govflow runs. */
export function parseCron(text: string): CronCycle | { readonly problem: string } {
  const trimmed = text.trim();
  const zone = TZ_PREFIX.exec(trimmed);
  const timeZone = zone?.[1] ?? 'UTC';
  if (!validZone(timeZone)) return { problem: `'${timeZone}' is not an IANA time zone (e.g. Europe/Madrid)` };
  const pattern = zone ? trimmed.slice(zone[0].length).trim() : trimmed;
  const fields = pattern.split(/\s+/);
  if (!pattern.startsWith('@') && (fields.length < 6 || fields.length > 7)) {
    return { problem: 'a cron cycle has six fields, seconds first (e.g. 0 0 9 * * MON-FRI), as Camunda accepts it' };
  }
  // The optional seventh field (Quartz year) is accepted only as "every year".
  if (fields.length === 7 && fields[6] !== '*' && fields[6] !== '?') return { problem: 'a year field other than * is not supported' };
  const cycle = { pattern: fields.length === 7 ? fields.slice(0, 6).join(' ') : pattern, timeZone };
  try {
    if (!cronFor(cycle, new Date(0)).hasNext()) return { problem: 'the expression never fires' };
    return cycle;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { problem: /both dayOfMonth and dayOfWeek/.test(message) ? 'give day-of-month or day-of-week, and ? in the other (as Quartz asks)' : message };
  }
}

/**
 * When the wall time at `instant` already happened once, earlier, in an autumn hour the clock repeated: the last
 * instant of that repeated stretch (from there on every wall time is new). Otherwise undefined.
 */
function repeatedStretchEnd(instant: number, timeZone: string): number | undefined {
  const now = offsetAt(instant, timeZone);
  const before = offsetAt(instant - 3 * 3_600_000, timeZone);
  if (before <= now || offsetAt(instant - (before - now), timeZone) !== before) return undefined;
  // The clock went back at the first instant with the new offset (binary search to the second).
  let lo = instant - 3 * 3_600_000;
  let hi = instant;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (offsetAt(mid, timeZone) === now) hi = mid;
    else lo = mid;
  }
  return hi + (before - now) - 1;
}

/** The first fire time strictly after `after`, or undefined when there is none. */
export function nextCronFire(cycle: CronCycle, after: Date): Date | undefined {
  // cron-parser, asked from inside a repeated autumn hour after the first run of a named hour, answers the second
  // instant of that wall time; Unix cron fires a named hour once, so that instant is skipped (hour * fires both).
  const everyHour = cycle.pattern.startsWith('@hourly') || cycle.pattern.split(/\s+/)[2] === '*';
  let from = after;
  for (let i = 0; i < 3; i++) {
    const expression = cronFor(cycle, from);
    if (!expression.hasNext()) return undefined;
    const next = expression.next().toDate();
    const stretchEnd = everyHour || cycle.timeZone === 'UTC' ? undefined : repeatedStretchEnd(next.getTime(), cycle.timeZone);
    if (stretchEnd === undefined) return next;
    from = new Date(stretchEnd);
  }
  return undefined;
}

/** Why a static timer cycle text cannot run, or undefined when it can (checked at deploy time). */
export function cycleProblem(raw: string): string | undefined {
  if (parseZonedCycle(raw) || parseIsoCycle(raw)) return undefined;
  if (looksLikeCron(raw)) {
    const cron = parseCron(raw);
    return 'problem' in cron ? `is not a valid cron expression: ${cron.problem}` : undefined;
  }
  return 'is neither an ISO 8601 repeating interval (R5/PT10M, R/2026-01-01T09:00:00[Europe/Madrid]/P1D) nor a cron expression (0 0 9 * * MON-FRI)';
}
