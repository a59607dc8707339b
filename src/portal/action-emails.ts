import type { Catalogue } from '../catalogue/index.js';
import type { Engine } from '../engine/index.js';
import { formatMoney, isLanguage } from '../i18n/index.js';
import type { Logger } from '../kernel/index.js';
import type { ProjectedEvent, Projector, Queryable } from '../store/index.js';
import { feeDue, money } from './payment-pages.js';

/**
 * An e-mail for each action a citizen must take (issue 23). A question is e-mailed by the process itself (its
 * notify-applicant task); the fee is not — no service's BPMN has a task for it — so this projector follows the
 * event log and, when a case starts waiting for its fee, queues "Pay the fee" in the outbox, in the projector's
 * transaction (exactly once per wait: the outbox's idempotency key is the event).
 */
export interface ActionEmailOptions {
  readonly catalogue: Catalogue;
  readonly engine: Pick<Engine, 'getInstance'>;
  /** The outbox's enqueue (src/notifications), given by the composition root. */
  readonly enqueue: (tx: Queryable, input: { template: string; to: string; values: Record<string, unknown>; instanceId: number; idempotencyKey: string }) => Promise<number>;
  readonly logger?: Logger;
}

export function createActionEmailProjector(options: ActionEmailOptions): Projector {
  return {
    name: 'citizen-action-emails',
    tables: [],
    eventTypes: ['element.activated'],
    async apply(tx: Queryable, events: readonly ProjectedEvent[]): Promise<void> {
      for (const event of events) {
        if (event.instanceId === null || event.elementId === null) continue;
        const service = options.catalogue.services.find((s) => s.process.key === event.processKey && s.payment?.waitingAt === event.elementId);
        if (!service) continue;
        // Read in the projector's transaction: on PGlite (one connection) a read outside it would wait for it forever.
        const instance = await options.engine.getInstance(event.instanceId, tx);
        // Paid (or closed) by the time the log is read: no e-mail asking for what is done.
        const due = feeDue(service, instance);
        const to = instance.variables['applicantEmail'];
        if (!due || typeof to !== 'string') {
          if (due) options.logger?.warn({ instanceId: event.instanceId }, 'a fee is due but the case has no applicantEmail: no e-mail');
          continue;
        }
        // The amount as the case's reader writes money (the template itself is picked by the case's language).
        const language = instance.variables['language'];
        const feeAmount = isLanguage(language) && language !== 'en' ? formatMoney(due.amount, due.currency, language) : money(due.amount, due.currency);
        const reference = typeof instance.variables['reference'] === 'string' ? instance.variables['reference'] : instance.businessKey ?? String(instance.id);
        await options.enqueue(tx, {
          template: 'payment-requested', to, instanceId: event.instanceId, idempotencyKey: `action:payment:${event.id}`,
          values: { applicantName: 'applicant', serviceName: service.title, ...instance.variables, reference, feeAmount },
        });
      }
    },
  };
}
