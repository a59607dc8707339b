import type { EventType } from '../engine/index.js';
import { addDuration, parseIsoDuration } from '../privacy/index.js';

export interface SlaState {
  readonly overdue: boolean;
  /** Whole days left (or, when overdue, past the deadline), rounded up so "0 days left" never shows. */
  readonly days: number;
}

const DAY_MS = 86_400_000;

/** The deadline of a task created at `createdAt` with an ISO 8601 SLA such as `P10D`; null when the SLA is unreadable. */
export function addIsoDuration(createdAt: string, sla: string): string | null {
  try {
    return addDuration(new Date(createdAt), parseIsoDuration(sla)).toISOString();
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
 * The case SLA: `sla` (ISO 8601 duration) from the start of the case, moved later by every pause when the service
 * says the clock stops while the case waits for the applicant. While paused, the days left are those at the start
 * of the pause (the countdown stands still). Null when the SLA cannot be read.
 */
export function caseSlaState(startedAt: string, sla: string, pauses: readonly Pause[], now: Date, endedAt: string | null = null): CaseSla | null {
  const base = addIsoDuration(startedAt, sla);
  if (!base) return null;
  const end = endedAt ? Math.min(Date.parse(endedAt), now.getTime()) : now.getTime();
  let pausedMs = 0;
  let paused = false;
  // Overlapping pauses (waiting for an answer and a payment at once) count once: merge, then add up.
  const spans = pauses.map((p) => {
    if (p.to === null && !endedAt) paused = true;
    return [Date.parse(p.from), p.to === null ? end : Math.min(Date.parse(p.to), end)] as [number, number];
  }).filter(([from, to]) => to > from).sort((a, b) => a[0] - b[0]);
  let reach = -Infinity;
  for (const [from, to] of spans) {
    if (to <= reach) continue;
    pausedMs += to - Math.max(from, reach);
    reach = to;
  }
  const dueAt = new Date(Date.parse(base) + pausedMs).toISOString();
  return { ...slaState(dueAt, new Date(end)), dueAt, paused, pausedMs };
}
