import type { Database } from '../store/index.js';

/** The job as the engine hands it over (structural, so payments need not depend on the engine). */
export interface ScheduleJob {
  readonly instanceId: number;
  readonly headers: Record<string, string>;
  readonly variables: Record<string, unknown>;
}

export interface Instalment {
  readonly instalment: number;
  /** yyyy-mm-dd: the first day of each month after the decision. */
  readonly dueOn: string;
  readonly amount: number;
  readonly currency: string;
}

/** The first day of each of the `months` months after `from` (UTC). */
export function monthlyDueDates(from: Date, months: number): string[] {
  const out: string[] = [];
  for (let i = 1; i <= months; i++) out.push(new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + i, 1)).toISOString().slice(0, 10));
  return out;
}

/**
 * The `record-payment-schedule` job (housing benefit): `monthlyAmount` (euros) paid on the first day of each of the
 * next `months` months (task header, default 12). Rows are keyed by (instance, instalment), so a retried job
 * records the schedule once. Returns `paymentSchedule` for the decision and the citizen's status page.
 */
export function createRecordPaymentScheduleHandler(options: { db: Database; now?: () => Date; currency?: string }) {
  const now = options.now ?? (() => new Date());
  const currency = options.currency ?? 'EUR';
  return async (job: ScheduleJob): Promise<{ paymentSchedule: Instalment[] }> => {
    const amount = job.variables['monthlyAmount'];
    const reference = job.variables['applicationId'];
    const months = Number(job.headers['months'] ?? 12);
    if (typeof amount !== 'number' || !Number.isFinite(amount) || amount < 0) throw new Error(`monthlyAmount must be a number of euros, 0 or more (got ${JSON.stringify(amount)})`);
    if (typeof reference !== 'string' || reference === '') throw new Error('applicationId (the case reference) is missing');
    if (!Number.isInteger(months) || months < 1 || months > 60) throw new Error(`task header 'months' must be a whole number from 1 to 60 (got ${job.headers['months']})`);
    const existing = await options.db.query<{ instalment: number; due_on: string | Date; amount_minor: string | number; currency: string }>(
      'select instalment, due_on, amount_minor, currency from payment_schedule where instance_id = $1 order by instalment', [job.instanceId]);
    if (existing.rows.length > 0) {
      return { paymentSchedule: existing.rows.map((r) => ({ instalment: r.instalment, dueOn: typeof r.due_on === 'string' ? r.due_on.slice(0, 10) : r.due_on.toISOString().slice(0, 10), amount: Number(r.amount_minor) / 100, currency: r.currency })) };
    }
    const amountMinor = Math.round(amount * 100);
    const at = now();
    const schedule = monthlyDueDates(at, months).map((dueOn, i) => ({ instalment: i + 1, dueOn, amount: amountMinor / 100, currency }));
    for (const s of schedule) {
      await options.db.query(
        'insert into payment_schedule (instance_id, reference, instalment, due_on, amount_minor, currency, created_at) values ($1, $2, $3, $4, $5, $6, $7) on conflict do nothing',
        [job.instanceId, reference, s.instalment, s.dueOn, amountMinor, currency, at],
      );
    }
    return { paymentSchedule: schedule };
  };
}
