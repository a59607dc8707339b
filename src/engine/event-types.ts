/**
 * Every event type a case's event log can hold, as one closed union. Readers (the citizen's status page, the
 * workbench, mining, notifications) match on these names, so a typo or a name the engine never writes
 * (`process.canceled`) is a type error rather than a branch that silently never runs.
 */

/** Emitted by the pure runtime inside a step (and so reproduced by a replay). */
export const RUNTIME_EVENT_TYPES = [
  'process.started', 'process.completed', 'process.terminated',
  'element.activated', 'element.completed', 'element.terminated',
  'job.created', 'job.completed', 'task.created', 'task.completed',
  'decision.evaluated', 'incident.raised', 'incident.resolved',
  'error.thrown', 'escalation.thrown', 'signal.thrown', 'signal.received',
  'message.published', 'message.correlated', 'timer.fired', 'variables.updated',
  'compensation.thrown', 'compensation.started', 'transaction.cancelled', 'condition.triggered',
  // User task listeners: a transition a listener denied, and an assignment that waited for its listeners (the
  // engine appends task.assigned itself when a task has no assigning listeners).
  'task.denied', 'task.assigned',
] as const;

/**
 * Appended by the engine outside a runtime step: they change no execution state, only the sequence number
 * (`message.buffered` and `deployment.created` belong to no case).
 */
export const ENGINE_APPENDED_EVENT_TYPES = [
  'task.claimed', 'task.unclaimed', 'task.escalated', 'job.failed', 'message.buffered', 'deployment.created',
] as const;

/** Recorded on a case by other modules through `Engine.recordCaseEvent`; a new kind of case event is added here. */
export const CASE_EVENT_TYPES = ['case.note-added', 'task.form-submitted', 'registry.queried', 'decision.issued'] as const;

export type RuntimeEventType = (typeof RUNTIME_EVENT_TYPES)[number];
export type EngineAppendedEventType = (typeof ENGINE_APPENDED_EVENT_TYPES)[number];
export type CaseEventType = (typeof CASE_EVENT_TYPES)[number];
/** The type of any event in a case's log (`EventView.type`, `process_event.type`). */
export type EventType = RuntimeEventType | EngineAppendedEventType | CaseEventType;

const ALL: ReadonlySet<string> = new Set<string>([...RUNTIME_EVENT_TYPES, ...ENGINE_APPENDED_EVENT_TYPES, ...CASE_EVENT_TYPES]);

/** Narrows a type read from the database; rows written before a type was renamed keep their text. */
export function isEventType(value: string): value is EventType {
  return ALL.has(value);
}
