import type { ElementModel, FlowModel } from './types.js';

/** The events an event-based gateway can wait for (Zeebe's list; a receive task waits for a message too). */
const WAITABLE_KINDS: ReadonlySet<string> = new Set(['message', 'timer', 'signal', 'conditional']);

/**
 * An event-based gateway waits for the first of the events its flows lead to, so each flow must end at an
 * intermediate catch event of a kind it can wait for, or at a receive task (BPMN 2.0 §10.6.6; Zeebe refuses the
 * rest at deploy too). Anything else would leave that flow with nothing to wait for, never to be taken.
 */
export function checkEventGatewayTargets(elements: Readonly<Record<string, ElementModel>>, flows: Readonly<Record<string, FlowModel>>, invalid: (at: string, what: string) => void): void {
  for (const gateway of Object.values(elements)) {
    if (gateway.type !== 'eventBasedGateway') continue;
    for (const flowId of gateway.outgoing) {
      const target = elements[flows[flowId]?.target ?? ''];
      if (!target) continue; // an unknown target is reported with its flow
      const waits = target.type === 'receiveTask' || (target.type === 'intermediateCatchEvent' && WAITABLE_KINDS.has(target.event?.kind ?? 'none'));
      if (!waits) invalid(gateway.id, `event-based gateway ${gateway.id} leads to ${target.id} (${target.type}${target.event ? `, ${target.event.kind}` : ''}), which waits for no event; its flows must end at message, timer, signal or conditional intermediate catch events or receive tasks`);
    }
  }
}
