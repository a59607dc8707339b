import { nodes, prop, type Node } from './moddle-read.js';
import type { ElementModel } from './types.js';

/**
 * Compensation and transactions, checked once every element of a process is compiled. A compensation boundary
 * event names its handler through an association (it has no sequence flow); the handler is an activity marked
 * isForCompensation, started only by compensation. The activity the boundary is attached to learns its handler
 * here (`compensationHandler`), which is all the runtime needs to record it as compensable when it completes.
 */
export interface CompensationReport {
  invalid(id: string, what: string): void;
  unsupported(id: string, what: string): void;
}

/** Association ends, both ways (a modeller draws boundary → handler, but the direction carries no meaning here). */
function associations(process: Node): Map<string, string[]> {
  const ends = new Map<string, string[]>();
  const add = (from: string, to: string): void => {
    ends.set(from, [...(ends.get(from) ?? []), to]);
  };
  const visit = (container: Node): void => {
    for (const artifact of nodes(container, 'artifacts')) {
      if (artifact.$type !== 'bpmn:Association') continue;
      const source = prop<Node>(artifact, 'sourceRef')?.id;
      const target = prop<Node>(artifact, 'targetRef')?.id;
      if (source && target) {
        add(source, target);
        add(target, source);
      }
    }
    for (const element of nodes(container, 'flowElements')) if (Array.isArray(element['flowElements'])) visit(element);
  };
  visit(process);
  return ends;
}

const ACTIVITY_TYPES = new Set<ElementModel['type']>([
  'task', 'userTask', 'serviceTask', 'sendTask', 'receiveTask', 'manualTask', 'scriptTask', 'businessRuleTask', 'subProcess', 'callActivity',
]);

export function linkCompensation(process: Node, elements: Record<string, ElementModel>, report: CompensationReport): void {
  const ends = associations(process);
  const handled = new Set<string>();
  for (const boundary of Object.values(elements)) {
    if (boundary.type !== 'boundaryEvent' || boundary.event?.kind !== 'compensation' || !boundary.attachedTo) continue;
    const activity = elements[boundary.attachedTo];
    const handlers = (ends.get(boundary.id) ?? []).filter((id) => elements[id]?.isForCompensation);
    if (boundary.outgoing.length > 0) report.invalid(boundary.id, `compensation boundary event ${boundary.id} must not have outgoing sequence flows; associate it with its handler instead`);
    if (handlers.length !== 1) {
      report.invalid(boundary.id, `compensation boundary event ${boundary.id} needs exactly one associated compensation handler (an activity marked isForCompensation), found ${handlers.length}`);
      continue;
    }
    if (!activity) continue;
    if (activity.isForCompensation) report.invalid(boundary.id, `compensation boundary event ${boundary.id} is attached to ${activity.id}, which is itself a compensation handler`);
    if (activity.compensationHandler) report.invalid(boundary.id, `activity ${activity.id} has more than one compensation boundary event`);
    elements[activity.id] = { ...activity, compensationHandler: handlers[0]! };
    handled.add(handlers[0]!);
  }
  for (const element of Object.values(elements)) {
    if (element.isForCompensation) checkHandler(element, handled, report);
    const kind = element.event?.kind;
    if (kind === 'compensation' && element.event?.activityRef) checkActivityRef(element, elements, report);
    if (kind === 'cancel') checkCancel(element, elements, report);
    if (element.transaction && element.multiInstance) report.unsupported(element.id, `transaction ${element.id} is multi-instance; multi-instance transactions are not supported (put the transaction inside a multi-instance sub-process)`);
  }
}

function checkHandler(handler: ElementModel, handled: ReadonlySet<string>, report: CompensationReport): void {
  if (!ACTIVITY_TYPES.has(handler.type)) report.invalid(handler.id, `${handler.id} is marked isForCompensation but is not an activity`);
  if (handler.incoming.length > 0 || handler.outgoing.length > 0) report.invalid(handler.id, `compensation handler ${handler.id} must not have sequence flows; it runs only when compensation is thrown`);
  if (!handled.has(handler.id)) report.invalid(handler.id, `compensation handler ${handler.id} is not associated with any compensation boundary event, so it could never run`);
  if ((handler.boundaryEvents?.length ?? 0) > 0) report.unsupported(handler.id, `compensation handler ${handler.id} has boundary events; they are not supported on a handler (handle failures inside it, e.g. in a sub-process)`);
}

/** As in Camunda 8: activityRef names an activity of the throw event's own scope (an event sub-process's: its parent's). */
function checkActivityRef(thrower: ElementModel, elements: Readonly<Record<string, ElementModel>>, report: CompensationReport): void {
  const ref = thrower.event!.activityRef!;
  const target = elements[ref];
  const scope = thrower.parent;
  const espParent = scope !== null && elements[scope]?.triggeredByEvent ? elements[scope]!.parent : undefined;
  if (!target || (target.parent !== scope && (espParent === undefined || target.parent !== espParent))) {
    report.invalid(thrower.id, `compensation event ${thrower.id} names activity '${ref}', which is not an activity of its own scope`);
  } else if (!target.compensationHandler && target.type !== 'subProcess') {
    report.invalid(thrower.id, `compensation event ${thrower.id} names activity '${ref}', which has no compensation boundary event and is no sub-process`);
  }
}

function checkCancel(element: ElementModel, elements: Readonly<Record<string, ElementModel>>, report: CompensationReport): void {
  if (element.type === 'endEvent') {
    const transaction = element.parent === null ? undefined : elements[element.parent];
    if (!transaction?.transaction) report.invalid(element.id, `cancel end event ${element.id} must be inside a transaction sub-process`);
    else if (!(transaction.boundaryEvents ?? []).some((b) => elements[b]?.event?.kind === 'cancel')) {
      report.invalid(element.id, `transaction ${transaction.id} has a cancel end event (${element.id}) but no cancel boundary event to leave through`);
    }
  } else if (element.type === 'boundaryEvent') {
    const transaction = elements[element.attachedTo ?? ''];
    if (!transaction?.transaction) report.invalid(element.id, `cancel boundary event ${element.id} must be attached to a transaction sub-process`);
    else if ((transaction.boundaryEvents ?? []).filter((b) => elements[b]?.event?.kind === 'cancel').length > 1) {
      report.invalid(element.id, `transaction ${transaction.id} has more than one cancel boundary event; it can be left through one only`);
    }
  }
}
