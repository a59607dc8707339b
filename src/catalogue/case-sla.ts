import type { EventType } from '../engine/index.js';
import type { Service } from './catalogue.js';
import { slaClock, type ClockEvent, type SlaTerms } from './sla-clock.js';

/**
 * A case's SLA as every reader takes it (issue 20: "one SLA clock per case that the countdown, the escalation timers
 * and the dashboards all read"): the clerk's countdown (workbench), the SLA escalation (workbench's sweep) and the
 * transparency dashboard's deadline (its projector, through the composition root) all call {@link serviceCaseSla}
 * with the case's start and the events where it waited for the applicant.
 */

/** Whole days left (or, when overdue, past the deadline), rounded up so "0 days left" never shows. */
export interface SlaState {
  readonly overdue: boolean;
  readonly days: number;
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
  const events: ClockEvent[] = merged.flatMap(([from, to]) => [{ type: 'pause' as const, at: new Date(from).toISOString() }, ...(to <= end ? [{ type: 'resume' as const, at: new Date(to).toISOString() }] : [])]);
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

/** How a service's SLA counts: calendar time, or working days of its jurisdiction. */
export function slaCounting(sla: NonNullable<Service['sla']>): Omit<SlaTerms, 'duration'> {
  return sla.counting === 'working-days' ? { counting: 'working-days', jurisdiction: sla.jurisdiction ?? 'FI' } : { counting: 'calendar' };
}

/** Where a case of the service waits for the applicant with its clock stopped: none unless the service says so. */
export function slaPauseElements(service: Pick<Service, 'sla' | 'informationRequest' | 'payment'>): string[] {
  if (!service.sla?.pauseWhileWaitingForApplicant) return [];
  return [service.informationRequest?.waitingAt, service.payment?.waitingAt].filter((x): x is string => !!x);
}

/**
 * The case SLA of a service's case from its start and its events (only those at {@link slaPauseElements} matter),
 * read at `now` (or at its end); null when the service has no case SLA or it cannot be read.
 */
export function serviceCaseSla(service: Pick<Service, 'sla' | 'informationRequest' | 'payment'>, startedAt: string, events: readonly { type: EventType; elementId: string | null; occurredAt: string }[], now: Date, endedAt: string | null = null): CaseSla | null {
  if (!service.sla?.case) return null;
  const waitingAt = slaPauseElements(service);
  const pauses = waitingAt.length > 0 ? applicantPauses(events, waitingAt) : [];
  return caseSlaState(startedAt, service.sla.case, pauses, now, endedAt, slaCounting(service.sla));
}
