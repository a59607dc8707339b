import type { EventType, EventView, ProcessInstanceView } from '../engine/index.js';
import { CITIZEN_STATUSES, type CitizenStatus, type Service } from './catalogue.js';

export interface TimelineEntry {
  readonly status: CitizenStatus;
  readonly at: string;
  readonly text: string;
}

const EXPLANATIONS: Record<CitizenStatus, string> = {
  Received: 'We have received your application.',
  'In review': 'Your application is being reviewed.',
  'Information needed': 'We need more information from you.',
  'Decision made': 'A decision has been made on your application.',
  Closed: 'Your application is closed.',
};

export const explainStatus = (status: CitizenStatus): string => EXPLANATIONS[status];

const rank = (s: CitizenStatus): number => CITIZEN_STATUSES.indexOf(s);

/** The status a citizen sees now: the furthest along of the statuses of the elements a token waits at. */
export function citizenStatus(service: Service, instance: Pick<ProcessInstanceView, 'state' | 'activeElements'>): CitizenStatus {
  if (instance.state !== 'active') return service.stateStatuses[instance.state] ?? 'Closed';
  let best: CitizenStatus | undefined;
  for (const element of instance.activeElements) {
    const s = service.elementStatuses[element.elementId];
    if (s && (best === undefined || rank(s) > rank(best))) best = s;
  }
  return best ?? service.stateStatuses['active'] ?? 'Received';
}

// A cancelled case ends with process.terminated (the engine has no separate cancellation event).
const FINAL_EVENT_TYPES: ReadonlySet<EventType> = new Set<EventType>(['process.completed', 'process.terminated']);

/**
 * The only event types the timeline reads: a caller may fetch just these (without their data) and get the same
 * timeline as from the whole history.
 */
export const TIMELINE_EVENT_TYPES: readonly EventType[] = ['element.activated', 'element.completed', 'element.terminated', 'process.completed', 'process.terminated'];

/**
 * The citizen's timeline, a view of the event log: one entry each time the citizen-facing status changes. Staff
 * task names, actors and variables never reach it.
 */
export function citizenTimeline(service: Service, events: readonly EventView[], submittedAt: string): TimelineEntry[] {
  const entries: TimelineEntry[] = [{ status: 'Received', at: submittedAt, text: EXPLANATIONS.Received }];
  const active = new Map<string, CitizenStatus>();
  let current: CitizenStatus = 'Received';
  for (const event of events) {
    let next: CitizenStatus | undefined;
    if (event.type === 'element.activated' && event.elementInstance && event.elementId && service.elementStatuses[event.elementId]) {
      active.set(event.elementInstance, service.elementStatuses[event.elementId]!);
    } else if ((event.type === 'element.completed' || event.type === 'element.terminated') && event.elementInstance) {
      active.delete(event.elementInstance);
    }
    if (event.type === 'process.completed') next = service.stateStatuses['completed'] ?? 'Decision made';
    else if (event.type === 'process.terminated') next = service.stateStatuses['terminated'] ?? 'Closed';
    else if (active.size > 0) next = [...active.values()].reduce((a, b) => (rank(b) > rank(a) ? b : a));
    if (next && next !== current) {
      current = next;
      entries.push({ status: next, at: event.occurredAt, text: EXPLANATIONS[next] });
    }
    // A finished case stays finished: whatever the log records after the process ended does not reopen it.
    if (FINAL_EVENT_TYPES.has(event.type)) break;
  }
  return entries;
}
