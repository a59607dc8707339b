/**
 * The money part of the transparency projector: fees paid (`payment.succeeded`, undone by `payment.refunded`) and
 * benefit instalments (the `paymentSchedule` a `record-payment-schedule` job completes with), one row each in
 * `transparency_fee` / `transparency_benefit`. Payments name their case only by reference, so the service is
 * found through the digest the case row keeps (cases are applied first in the same batch).
 */
import { createHash } from 'node:crypto';
import type { ProjectedEvent, Queryable } from '../store/index.js';
import type { PublishedService } from './projector.js';

export const MONEY_EVENT_TYPES = ['payment.succeeded', 'payment.refunded', 'job.completed'] as const;

/** The join key between a payment and its case (hex, decoded in SQL): not the reference, which figures never need. */
export const referenceDigest = (reference: string): string => createHash('sha256').update(reference).digest('hex');

interface Instalment { instance: number; service: string; instalment: number; dueOn: string; amountMinor: number; currency: string }

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The instalments of a schedule as the job returns it (see payments/schedule.ts), skipping anything malformed. */
function instalmentsOf(e: ProjectedEvent, service: PublishedService): Instalment[] {
  const variables = e.data['variables'];
  const schedule = typeof variables === 'object' && variables !== null ? (variables as Record<string, unknown>)['paymentSchedule'] : undefined;
  if (!Array.isArray(schedule) || e.instanceId === null) return [];
  const out: Instalment[] = [];
  for (const item of schedule as unknown[]) {
    if (typeof item !== 'object' || item === null) continue;
    const { instalment, dueOn, amount, currency } = item as Record<string, unknown>;
    if (typeof instalment !== 'number' || typeof dueOn !== 'string' || !DATE.test(dueOn) || typeof amount !== 'number' || typeof currency !== 'string') continue;
    out.push({ instance: e.instanceId, service: service.id, instalment, dueOn, amountMinor: Math.round(amount * 100), currency });
  }
  return out;
}

export async function applyMoney(tx: Queryable, byProcess: ReadonlyMap<string, PublishedService>, events: readonly ProjectedEvent[]): Promise<void> {
  const paid: { id: string; digest: string; at: string; amount: number; currency: string }[] = [];
  const refunded: { id: string; at: string }[] = [];
  const instalments: Instalment[] = [];
  for (const e of events) {
    const paymentId = e.data['paymentId'];
    if (e.type === 'payment.succeeded') {
      const { reference, amountMinor, currency } = e.data;
      if (typeof paymentId === 'string' && typeof reference === 'string' && typeof amountMinor === 'number' && typeof currency === 'string') {
        paid.push({ id: paymentId, digest: referenceDigest(reference), at: e.occurredAt.toISOString(), amount: amountMinor, currency });
      }
    } else if (e.type === 'payment.refunded') {
      if (typeof paymentId === 'string') refunded.push({ id: paymentId, at: e.occurredAt.toISOString() });
    } else if (e.type === 'job.completed' && e.processKey) {
      const service = byProcess.get(e.processKey);
      if (service) instalments.push(...instalmentsOf(e, service));
    }
  }
  if (paid.length > 0) {
    // A payment whose case is not of a published service (or not projected) finds no row and is left out.
    await tx.query(
      `insert into transparency_fee (payment_id, service_id, paid_at, amount_minor, currency)
       select v.id, c.service_id, v.at, v.amount, v.currency
       from unnest($1::text[], $2::text[], $3::timestamptz[], $4::bigint[], $5::text[]) as v(id, digest, at, amount, currency)
       join transparency_case c on c.reference_digest = decode(v.digest, 'hex')
       on conflict (payment_id) do nothing`,
      [paid.map((p) => p.id), paid.map((p) => p.digest), paid.map((p) => p.at), paid.map((p) => p.amount), paid.map((p) => p.currency)],
    );
  }
  if (refunded.length > 0) {
    await tx.query(
      `update transparency_fee f set refunded_at = v.at from unnest($1::text[], $2::timestamptz[]) as v(id, at)
       where f.payment_id = v.id and f.refunded_at is null`,
      [refunded.map((r) => r.id), refunded.map((r) => r.at)],
    );
  }
  if (instalments.length > 0) {
    // A retried job completes with the same schedule: the first one recorded stays.
    await tx.query(
      `insert into transparency_benefit (instance_id, instalment, service_id, due_on, amount_minor, currency)
       select * from unnest($1::bigint[], $2::int[], $3::text[], $4::date[], $5::bigint[], $6::text[])
       on conflict (instance_id, instalment) do nothing`,
      [instalments.map((i) => i.instance), instalments.map((i) => i.instalment), instalments.map((i) => i.service), instalments.map((i) => i.dueOn), instalments.map((i) => i.amountMinor), instalments.map((i) => i.currency)],
    );
  }
}
