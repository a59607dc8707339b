import { GovflowError } from '../kernel/index.js';
import { appendEvent, type Database, type Queryable } from '../store/index.js';
import type { DeliveryStatus } from './outbox.js';
import { maskAddress } from './transports.js';

/** The outbox as operators see it: what waits, what failed, and how late the oldest due message is. */
export interface OutboxBacklog {
  readonly queued: number;
  /** Queued messages whose next attempt is due now (the sender has not reached them yet). */
  readonly due: number;
  readonly failed: number;
  /** How long the oldest due message has waited past its attempt time, in seconds (0 when none is due). */
  readonly oldestDueLagSeconds: number;
}

export async function outboxBacklog(db: Queryable): Promise<OutboxBacklog> {
  const { rows } = await db.query<{ queued: number; due: number; failed: number; lag: number | null }>(
    `select count(*) filter (where status = 'queued')::int as queued,
            count(*) filter (where status = 'queued' and next_attempt_at <= now())::int as due,
            count(*) filter (where status = 'failed')::int as failed,
            extract(epoch from (now() - min(next_attempt_at) filter (where status = 'queued' and next_attempt_at <= now())))::float8 as lag
       from notification_outbox where status <> 'sent'`, [], { name: 'notifications-backlog' });
  const r = rows[0];
  return { queued: Number(r?.queued ?? 0), due: Number(r?.due ?? 0), failed: Number(r?.failed ?? 0), oldestDueLagSeconds: Math.max(0, Number(r?.lag ?? 0)) };
}

export interface OutboxEntry {
  readonly id: number;
  readonly template: string;
  /** The address masked as in the logs (maskAddress): the page lists messages, it does not hand out addresses. */
  readonly recipient: string;
  readonly subject: string;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly instanceId: number | null;
  readonly createdAt: string;
  readonly nextAttemptAt: string;
}

/** Failed or queued (pending) messages, newest first, one page at a time. */
export async function listUndelivered(db: Queryable, filter: { status: 'failed' | 'queued'; limit: number; offset: number }): Promise<{ entries: OutboxEntry[]; total: number }> {
  const { rows } = await db.query<{ id: number; template: string; recipient: string; subject: string; status: DeliveryStatus; attempts: number; last_error: string | null; instance_id: number | null; created_at: Date | string; next_attempt_at: Date | string; total: number }>(
    `select id, template, recipient, subject, status, attempts, last_error, instance_id, created_at, next_attempt_at, count(*) over ()::int as total
       from notification_outbox where status = $1 order by id desc limit $2 offset $3`, [filter.status, filter.limit, filter.offset]);
  return {
    total: Number(rows[0]?.total ?? 0),
    entries: rows.map((r) => ({
      id: Number(r.id), template: r.template, recipient: maskAddress(r.recipient), subject: r.subject, status: r.status, attempts: r.attempts, lastError: r.last_error,
      instanceId: r.instance_id === null ? null : Number(r.instance_id), createdAt: new Date(r.created_at).toISOString(), nextAttemptAt: new Date(r.next_attempt_at).toISOString(),
    })),
  };
}

/**
 * Queues a failed (or waiting) message again, due now, with its attempts counted afresh, and records who did it
 * (`notification.resent`, with the attempts it had) in the event log. A sent message is refused: sending it again
 * would be a second e-mail, not a resend.
 */
export async function resendNotification(db: Database, id: number, actor: string): Promise<void> {
  await db.transaction(async (tx) => {
    const { rows } = await tx.query<{ status: DeliveryStatus; attempts: number; template: string; instance_id: number | null }>(
      'select status, attempts, template, instance_id from notification_outbox where id = $1 for update', [id]);
    const row = rows[0];
    if (!row) throw new GovflowError('GOVFLOW_ERR_NOT_FOUND', `notification ${id} does not exist`);
    if (row.status === 'sent') throw new GovflowError('GOVFLOW_ERR_CONFLICT', `notification ${id} was already sent`);
    await tx.query("update notification_outbox set status = 'queued', attempts = 0, next_attempt_at = now() where id = $1", [id]);
    await appendEvent(tx, { type: 'notification.resent', actor, data: { notification: id, template: row.template, previousStatus: row.status, previousAttempts: row.attempts, instanceId: row.instance_id } });
  });
}
