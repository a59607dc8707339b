import { randomUUID } from 'node:crypto';
import { GovflowError } from '../kernel/index.js';
import { appendEvent, transactionWithRetry, type Database } from '../store/index.js';
import type { PaymentProvider, PaymentState } from './provider.js';

export interface PaymentView {
  readonly id: string;
  readonly reference: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly description: string;
  readonly state: PaymentState;
  readonly provider: string;
  readonly createdAt: string;
}

/** What happens to the case when a payment succeeds: the composition root publishes BPMN message payment-received. */
export type PaymentReceived = (payment: { paymentId: string; reference: string; amountMinor: number; currency: string; actor: string }) => Promise<void>;

export interface Payments {
  /** Creates a payment for the case and returns the provider page to send the citizen to. */
  start(p: { reference: string; amountMinor: number; currency: string; description: string; returnUrl: (paymentId: string) => string; actor: string }): Promise<{ paymentId: string; nextUrl: string }>;
  /** Asks the provider what happened and records it; on success tells the case, once. Safe to call any number of times. */
  confirm(paymentId: string, actor: string): Promise<PaymentView>;
  get(paymentId: string): Promise<PaymentView | undefined>;
  /** The payments of a case, newest first. */
  forReference(reference: string): Promise<PaymentView[]>;
  refund(paymentId: string, actor: string): Promise<PaymentView>;
}

interface Row { id: string; reference: string; amount_minor: string | number; currency: string; description: string; state: PaymentState; provider: string; provider_ref: string | null; message_sent_at: Date | string | null; created_at: Date | string }

const view = (r: Row): PaymentView => ({
  id: r.id, reference: r.reference, amountMinor: Number(r.amount_minor), currency: r.currency, description: r.description, state: r.state, provider: r.provider,
  createdAt: new Date(r.created_at).toISOString(),
});

const PAYMENT_ID = /^pay-[0-9a-f-]{36}$/;

export function createPayments(options: { db: Database; provider: PaymentProvider; onPaymentReceived: PaymentReceived; now?: () => Date }): Payments {
  const { db, provider } = options;
  const now = options.now ?? (() => new Date());

  async function row(paymentId: string): Promise<Row | undefined> {
    if (!PAYMENT_ID.test(paymentId)) return undefined;
    return (await db.query<Row>('select * from payment where id = $1', [paymentId])).rows[0];
  }

  async function mustRow(paymentId: string): Promise<Row> {
    const r = await row(paymentId);
    if (!r) throw new GovflowError('GOVFLOW_ERR_NOT_FOUND', `payment ${paymentId} not found`);
    return r;
  }

  return {
    async start(p) {
      if (!Number.isSafeInteger(p.amountMinor) || p.amountMinor <= 0) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `amount must be a positive whole number of minor units (got ${p.amountMinor})`, [{ where: 'amountMinor', message: 'must be positive' }]);
      if (!/^[A-Z]{3}$/.test(p.currency)) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `currency must be an ISO 4217 code (got ${p.currency})`, [{ where: 'currency', message: 'must be ISO 4217' }]);
      const paid = await db.query<{ id: string }>(`select id from payment where reference = $1 and state in ('succeeded', 'refunded')`, [p.reference]);
      if (paid.rows.length > 0) throw new GovflowError('GOVFLOW_ERR_CONFLICT', `the fee of ${p.reference} is already paid`);
      const paymentId = `pay-${randomUUID()}`;
      const at = now();
      await db.query(
        `insert into payment (id, reference, amount_minor, currency, description, provider, state, created_by, created_at, updated_at) values ($1, $2, $3, $4, $5, $6, 'created', $7, $8, $8)`,
        [paymentId, p.reference, p.amountMinor, p.currency, p.description, provider.name, p.actor, at],
      );
      let created: { providerRef: string; nextUrl: string };
      try {
        created = await provider.create({ paymentId, amountMinor: p.amountMinor, currency: p.currency, description: p.description, returnUrl: p.returnUrl(paymentId) });
      } catch (cause) {
        await db.query(`update payment set state = 'declined', updated_at = $2 where id = $1`, [paymentId, now()]);
        throw new GovflowError('GOVFLOW_ERR_PAYMENT_PROVIDER', `payment provider ${provider.name} did not create the payment`, [], { cause });
      }
      await transactionWithRetry(db, async (tx) => {
        await tx.query('update payment set provider_ref = $2 where id = $1', [paymentId, created.providerRef]);
        await appendEvent(tx, { type: 'payment.created', actor: p.actor, data: { paymentId, reference: p.reference, amountMinor: p.amountMinor, currency: p.currency, provider: provider.name } });
      });
      return { paymentId, nextUrl: created.nextUrl };
    },

    async confirm(paymentId, actor) {
      let r = await mustRow(paymentId);
      if (r.state === 'created' && r.provider_ref) {
        let outcome: PaymentState;
        try {
          outcome = await provider.status(r.provider_ref);
        } catch (cause) {
          throw new GovflowError('GOVFLOW_ERR_PAYMENT_PROVIDER', `payment provider ${provider.name} did not say what happened to ${paymentId}`, [], { cause });
        }
        if (outcome === 'succeeded' || outcome === 'declined') {
          // Two tabs can both pay at the provider: the second success is refunded instead of counted twice.
          const other = outcome === 'succeeded' ? await db.query<{ id: string }>(`select id from payment where reference = $1 and state = 'succeeded' and id <> $2`, [r.reference, paymentId]) : { rows: [] };
          if (other.rows.length > 0) {
            await provider.refund(r.provider_ref);
            outcome = 'refunded';
          }
          const settled: PaymentState = outcome;
          await transactionWithRetry(db, async (tx) => {
            // Only the first confirmation moves the row; a second callback finds it settled and changes nothing.
            const moved = await tx.query(`update payment set state = $2, updated_at = $3 where id = $1 and state = 'created'`, [paymentId, settled, now()]);
            if ((moved.rowCount ?? 0) > 0) await appendEvent(tx, { type: `payment.${settled}`, actor, data: { paymentId, reference: r.reference, amountMinor: Number(r.amount_minor), currency: r.currency } });
          });
          r = await mustRow(paymentId);
        }
      }
      if (r.state === 'succeeded' && r.message_sent_at === null) {
        // messageId = payment id: the engine drops a second message with the same id, so a replay is one payment.
        await options.onPaymentReceived({ paymentId, reference: r.reference, amountMinor: Number(r.amount_minor), currency: r.currency, actor });
        await db.query('update payment set message_sent_at = $2 where id = $1 and message_sent_at is null', [paymentId, now()]);
      }
      return view(r);
    },

    async get(paymentId) {
      const r = await row(paymentId);
      return r && view(r);
    },

    async forReference(reference) {
      return (await db.query<Row>('select * from payment where reference = $1 order by created_at desc, id', [reference])).rows.map(view);
    },

    async refund(paymentId, actor) {
      const r = await mustRow(paymentId);
      if (r.state !== 'succeeded' || !r.provider_ref) throw new GovflowError('GOVFLOW_ERR_CONFLICT', `payment ${paymentId} is ${r.state}; only a succeeded payment can be refunded`);
      await provider.refund(r.provider_ref);
      await transactionWithRetry(db, async (tx) => {
        await tx.query(`update payment set state = 'refunded', updated_at = $2 where id = $1 and state = 'succeeded'`, [paymentId, now()]);
        await appendEvent(tx, { type: 'payment.refunded', actor, data: { paymentId, reference: r.reference } });
      });
      return view(await mustRow(paymentId));
    },
  };
}

/** Euros (the process's fee variable) to cents, refusing what is not a positive amount of whole cents. */
export function toMinorUnits(amount: unknown): number | null {
  if (typeof amount !== 'number' || !Number.isFinite(amount) || amount <= 0) return null;
  const minor = Math.round(amount * 100);
  return Math.abs(minor - amount * 100) < 1e-6 && Number.isSafeInteger(minor) ? minor : null;
}
