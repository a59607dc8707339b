import { serviceCaseSla, slaPauseElements, type Catalogue, type Service } from '../catalogue/index.js';
import { caseElementEvents, caseStartedAt, moveCaseTimer } from '../engine/index.js';
import type { ProjectedEvent, Projector, Queryable } from '../store/index.js';

/**
 * The SLA escalation reads the one SLA clock (issue 20): each demo process carries its case SLA as a
 * non-interrupting boundary timer (`case-overdue`, a manager's escalation task when it fires), deployed with a fixed
 * duration. This projector follows the log and, whenever a case starts, begins or stops waiting for the applicant,
 * moves that timer to the deadline the catalogue's serviceCaseSla reads (the countdown's and the dashboard's);
 * while the case waits, the timer stands at {@link PAUSED_UNTIL}, so it cannot fire during a pause.
 */

export const SLA_ESCALATION_PROJECTOR = 'sla-escalation';
/** The boundary timer that escalates a case past its SLA, by the demo processes' convention. */
export const SLA_TIMER_ELEMENT = 'case-overdue';
/** Where a paused case's escalation timer waits: never reached, and still an ordinary timestamp for every reader. */
export const PAUSED_UNTIL = '9999-12-31T00:00:00.000Z';

const EVENT_TYPES = ['process.started', 'element.activated', 'element.completed', 'element.terminated'] as const;

export function createSlaEscalationProjector(catalogue: () => Catalogue, timerElement = SLA_TIMER_ELEMENT): Projector {
  return {
    name: SLA_ESCALATION_PROJECTOR,
    // It owns no table: it moves the engine's timers through the engine's own function.
    tables: [],
    eventTypes: EVENT_TYPES,
    apply: async (tx, events) => applyEscalation(tx, catalogue(), events, timerElement),
  };
}

async function applyEscalation(tx: Queryable, catalogue: Catalogue, events: readonly ProjectedEvent[], timerElement: string): Promise<void> {
  const byProcess = new Map(catalogue.services.filter((s) => s.sla?.case).map((s) => [s.process.key, s]));
  // Each case's last clock event of the batch: the timer is recounted once, at that moment.
  const latest = new Map<number, { service: Service; at: Date }>();
  for (const e of events) {
    if (e.instanceId === null || !e.processKey) continue;
    const service = byProcess.get(e.processKey);
    if (!service) continue;
    if (e.type === 'process.started' || (e.elementId !== null && (e.elementId === timerElement || slaPauseElements(service).includes(e.elementId)))) latest.set(e.instanceId, { service, at: e.occurredAt });
  }
  for (const [id, { service, at }] of latest) {
    const started = await caseStartedAt(tx, id);
    if (!started) continue;
    const sla = serviceCaseSla(service, started, await caseElementEvents(tx, id, slaPauseElements(service)), at);
    if (!sla) continue;
    await moveCaseTimer(tx, id, timerElement, sla.paused ? PAUSED_UNTIL : sla.dueAt);
  }
}
