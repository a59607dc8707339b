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

/**
 * Which completion form a task gets. The three services name their tasks this way; until the catalogue declares a
 * form per staff task (not done), these names decide: a completeness check can ask the applicant for more
 * information, a decision task approves or refuses with reasons, any other task records findings.
 */
export type TaskKind = 'completeness' | 'decision' | 'review';

const DECISION_TASKS = new Set(['decide', 'clerk-review', 'caseworker-review']);

export function taskKindOf(elementId: string): TaskKind {
  if (elementId === 'check-completeness') return 'completeness';
  return DECISION_TASKS.has(elementId) ? 'decision' : 'review';
}
