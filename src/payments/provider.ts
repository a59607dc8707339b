import { randomBytes } from 'node:crypto';
import type { Database } from '../store/index.js';

export type PaymentState = 'created' | 'succeeded' | 'declined' | 'refunded';

/**
 * A hosted payment provider (GOV.UK Pay, Stripe Checkout, a bank's page…): govflow creates a payment, sends the
 * citizen to the provider's page, and on return asks the provider what happened. Card data never reaches govflow.
 */
export interface PaymentProvider {
  readonly name: string;
  /** Creates the payment at the provider; `nextUrl` is the provider's page the citizen is sent to. */
  create(payment: { paymentId: string; amountMinor: number; currency: string; description: string; returnUrl: string }): Promise<{ providerRef: string; nextUrl: string }>;
  /** The provider's view of the payment: the only thing a return or callback is trusted for. */
  status(providerRef: string): Promise<PaymentState>;
  refund(providerRef: string): Promise<void>;
}

/**
 * The built-in test provider: a GOV.UK Pay-like hosted page served by govflow itself at `/payments/test/:id`
 * with "Pay" and "Decline" buttons; it records its sessions in `payment_test_session` and takes no card data.
 */
export function createTestPaymentProvider(options: { db: Database; baseUrl?: string; now?: () => Date }): PaymentProvider {
  const now = options.now ?? (() => new Date());
  return {
    name: 'test',
    async create(p) {
      // Unguessable: knowing the id is what lets a browser press "pay" on the hosted page.
      const id = randomBytes(16).toString('hex');
      await options.db.query(
        `insert into payment_test_session (id, amount_minor, currency, description, return_url, state, created_at) values ($1, $2, $3, $4, $5, 'created', $6)`,
        [id, p.amountMinor, p.currency, p.description, p.returnUrl, now()],
      );
      return { providerRef: id, nextUrl: `${options.baseUrl ?? ''}/payments/test/${id}` };
    },
    async status(providerRef) {
      const { rows } = await options.db.query<{ state: PaymentState }>('select state from payment_test_session where id = $1', [providerRef]);
      return rows[0]?.state ?? 'declined';
    },
    async refund(providerRef) {
      await options.db.query(`update payment_test_session set state = 'refunded' where id = $1 and state = 'succeeded'`, [providerRef]);
    },
  };
}

export interface TestPaymentSession {
  readonly id: string;
  readonly amountMinor: number;
  readonly currency: string;
  readonly description: string;
  readonly returnUrl: string;
  readonly state: PaymentState;
}

export async function getTestPaymentSession(db: Database, id: string): Promise<TestPaymentSession | undefined> {
  if (!/^[0-9a-f]{32}$/.test(id)) return undefined;
  const { rows } = await db.query<{ id: string; amount_minor: string | number; currency: string; description: string; return_url: string; state: PaymentState }>('select * from payment_test_session where id = $1', [id]);
  const r = rows[0];
  return r && { id: r.id, amountMinor: Number(r.amount_minor), currency: r.currency, description: r.description, returnUrl: r.return_url, state: r.state };
}

/** The hosted page's buttons: only a session still open can be paid or declined, once. */
export async function settleTestPaymentSession(db: Database, id: string, outcome: 'succeeded' | 'declined'): Promise<TestPaymentSession | undefined> {
  await db.query(`update payment_test_session set state = $2 where id = $1 and state = 'created'`, [id, outcome]);
  return getTestPaymentSession(db, id);
}
