import type { SlaState } from '../catalogue/index.js';
import { addDuration, isoPeriod } from '../kernel/index.js';

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

// The case's clock lives with the catalogue (case-sla.ts) so that the countdown here, the SLA escalation and the
// transparency dashboard all read the one function.
export { applicantPauses, caseSlaState } from '../catalogue/index.js';
export type { CaseSla, Pause, SlaState } from '../catalogue/index.js';
