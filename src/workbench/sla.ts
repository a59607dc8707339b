import type { EventType } from '../engine/index.js';
import { slaClock, type ClockEvent, type SlaTerms } from '../catalogue/index.js';
import { addDuration, isoPeriod } from '../kernel/index.js';

export interface SlaState {
  readonly overdue: boolean;
  /** Whole days left (or, when overdue, past the deadline), rounded up so "0 days left" never shows. */
  readonly days: number;
}

const DAY_MS = 86_400_000;

/** The deadline of a task created at `createdAt` with an ISO 8601 SLA such as `P10D`; null when the SLA is unreadable. */
export function addIsoDuration(createdAt: string, sla: string): string | null {
  try {
    return addDuration(new Date(createdAt), isoPeriod(sla)).toISOString();
  } catch {
    return null; // the catalogue validates SLAs at load; an unreadable one shows as "no deadline", not an error page
  }
}

export function slaState(dueAt: string, now: Date): SlaState {
  const left = Date.parse(dueAt) - now.getTime();
  return left >= 0 ? { overdue: false, days: Math.max(1, Math.ceil(left / DAY_MS)) } : { overdue: true, days: Math.max(1, Math.ceil(-left / DAY_MS)) };
}

/** One stretch of time during which the case waited for the applicant. */
export interface Pause {
  readonly from: string;
  readonly to: string | null;
}

/**
 * When the case waited for the applicant, from the event log: each activation of an element where the process
 * waits for the applicant (the service's `informationRequest.waitingAt`, and its `payment.waitingAt`: the fee
 * unpaid) opens a pause, the next event of that element (completed when the answer came, terminated when the case
 * was withdrawn) closes it. A pause still open has `to: null`.
 */
export function applicantPauses(events: readonly { type: EventType; elementId: string | null; occurredAt: string }[], waitingAt: readonly string[]): Pause[] {
  const pauses: Pause[] = [];
  const open = new Map<string, string>();
  for (const e of events) {
    if (e.elementId === null || !waitingAt.includes(e.elementId)) continue;
    if (e.type === 'element.activated') {
      if (!open.has(e.elementId)) open.set(e.elementId, e.occurredAt);
    } else if (open.has(e.elementId) && (e.type === 'element.completed' || e.type === 'element.terminated')) {
      pauses.push({ from: open.get(e.elementId)!, to: e.occurredAt });
      open.delete(e.elementId);
    }
  }
  for (const from of open.values()) pauses.push({ from, to: null });
  return pauses;
}

export interface CaseSla extends SlaState {
  readonly dueAt: string;
  /** The clock is stopped now because the case waits for the applicant. */
  readonly paused: boolean;
  /** Whole milliseconds the clock was stopped so far. */
  readonly pausedMs: number;
}

/**
 * The case SLA read from the one SLA clock (catalogue's sla-clock.ts): `sla` (ISO 8601 duration) from the start of
 * the case, counted in calendar time or in working days of a jurisdiction, moved later by every pause when the
 * service says the clock stops while the case waits for the applicant. While paused, the days left are those at the
 * start of the pause (the countdown stands still) and the deadline shown is the one if the case resumed now. Null
 * when the SLA cannot be read.
 */
export function caseSlaState(startedAt: string, sla: string, pauses: readonly Pause[], now: Date, endedAt: string | null = null, counting: Omit<SlaTerms, 'duration'> = { counting: 'calendar' }): CaseSla | null {
  const end = endedAt ? Math.min(Date.parse(endedAt), now.getTime()) : now.getTime();
  // Overlapping pauses (waiting for an answer and a payment at once) count once: merge them into clock events.
  const spans = pauses.map((p) => [Date.parse(p.from), p.to === null ? Infinity : Date.parse(p.to)] as [number, number])
    .filter(([from, to]) => to > from && from < end).sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else merged.push([...span]);
  }
  const events: ClockEvent[] = merged.flatMap(([from, to]) => [{ type: 'pause' as const, at: new Date(from).toISOString() }, ...(to < end ? [{ type: 'resume' as const, at: new Date(to).toISOString() }] : [])]);
  const pausedMs = merged.reduce((sum, [from, to]) => sum + Math.min(to, end) - from, 0);
  try {
    const terms: SlaTerms = { ...counting, duration: sla };
    const reading = slaClock(startedAt, terms, events, new Date(end));
    const paused = reading.paused && !endedAt;
    // Paused, or a case that ended paused: the deadline as it stands if the clock ran again at the end.
    const dueAt = reading.dueAt ?? slaClock(startedAt, terms, [...events, { type: 'resume', at: new Date(end).toISOString() }], new Date(end)).dueAt!;
    // A case that ended paused reads as it stood at its end, like one still waiting.
    const at = reading.dueAt === null ? slaClock(startedAt, terms, [...events, { type: 'resume', at: new Date(end).toISOString() }], new Date(end)) : reading;
    return { overdue: at.overdue, days: reading.paused ? reading.days : at.days, dueAt, paused, pausedMs };
  } catch {
    return null; // the catalogue validates SLAs at load; an unreadable one shows as "no deadline", not an error page
  }
}
