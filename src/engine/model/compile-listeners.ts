import { extension, nodes, prop, text, type Node } from './moddle-read.js';
import type { ElementType, EventKind, ListenerSpec } from './types.js';

/**
 * Reads `zeebe:executionListeners` of an element or of the process, with Zeebe's rules: eventType start or end, a
 * job type (static or `=FEEL`), whole-number retries (3 when left out), no two listeners with the same event type
 * and job type. Where Zeebe does not run a kind of listener, or where govflow would have to skip it at run time,
 * the model is refused with what to do instead, so a listener is never dropped silently.
 */
export interface ListenerSite {
  /** BPMN element type, or 'process'. */
  readonly type: ElementType | 'process';
  readonly eventKind?: EventKind | undefined;
  readonly triggeredByEvent?: boolean;
  /** Checks a static-or-FEEL value; undefined when it was refused (the problem is already reported). */
  value(raw: string, what: string): string | undefined;
  unsupported(what: string): void;
  invalid(what: string): void;
}

export function compileListeners(node: Node, site: ListenerSite): ListenerSpec[] | undefined {
  const declared = nodes(extension(node, 'zeebe:ExecutionListeners'), 'listeners');
  if (declared.length === 0) return undefined;
  const listeners: ListenerSpec[] = [];
  const seen = new Set<string>();
  for (const listener of declared) {
    const eventType = text(listener, 'eventType') ?? 'start';
    const jobType = text(listener, 'type');
    if (eventType !== 'start' && eventType !== 'end') {
      site.invalid(`execution listener eventType '${eventType}' is neither start nor end`);
      continue;
    }
    if (!jobType) {
      site.invalid(`an execution listener (${eventType}) has no job type (type="…")`);
      continue;
    }
    const refusal = refusalFor(site, eventType);
    if (refusal) {
      site.unsupported(refusal);
      continue;
    }
    if (seen.has(`${eventType} ${jobType}`)) {
      site.invalid(`two ${eventType} execution listeners have the job type '${jobType}'; Zeebe requires each event type and job type pair once`);
      continue;
    }
    seen.add(`${eventType} ${jobType}`);
    const retries = text(listener, 'retries');
    if (retries !== undefined && !/^\d+$/.test(retries.trim())) {
      site.invalid(`execution listener '${jobType}' has retries '${retries}'; write a whole number`);
      continue;
    }
    const checked = site.value(jobType, `execution listener job type '${jobType}'`);
    if (checked === undefined) continue;
    const headers: Record<string, string> = {};
    for (const header of nodes(prop<Node>(listener, 'headers'), 'values')) {
      const key = text(header, 'key');
      if (key) headers[key] = text(header, 'value') ?? '';
    }
    listeners.push({
      eventType, jobType: checked, retries: retries === undefined ? 3 : Number(retries.trim()),
      ...(Object.keys(headers).length > 0 ? { headers } : {}),
    });
  }
  return listeners.length > 0 ? listeners : undefined;
}

/** Why a listener of this kind cannot run on this element (Zeebe's limits, and govflow's where it would skip one). */
function refusalFor(site: ListenerSite, eventType: 'start' | 'end'): string | undefined {
  if (site.triggeredByEvent) return 'execution listeners on an event sub-process are not supported; put them on the elements inside it';
  if (eventType === 'start') {
    if (site.type === 'startEvent') return 'a start event has no start execution listener (as in Zeebe); put it on the process or sub-process';
    if (site.type === 'boundaryEvent') return 'a boundary event has no start execution listener (as in Zeebe); put it on the activity the event is attached to';
    return undefined;
  }
  if (site.type.endsWith('Gateway')) return 'a gateway has no end execution listener (as in Zeebe); use a start listener on the element after the gateway';
  if (site.type === 'endEvent' || site.type === 'intermediateThrowEvent') {
    if (site.eventKind === 'error') return 'an error end event has no end execution listener (as in Zeebe); put it on the element that catches the error';
    if (site.eventKind === 'escalation') return 'an escalation throw event skips its end listener when the escalation interrupts (as in Zeebe); put it on the element that catches the escalation';
    if (site.eventKind === 'terminate') return 'a terminate end event ends its scope at once; put the end listener on the element before it or on the enclosing scope';
    if (site.eventKind === 'link') return 'a link throw event hands over to its link catch event; put the end listener on the catch event';
  }
  return undefined;
}
