import type { Queryable } from './database.js';

/**
 * An event that belongs to no process instance (a sign-in, a role change, a key rotation, a revoked decision):
 * appended to the same event log the engine writes, in the caller's transaction, so the ledger seals it like any
 * other. Events of a case go through the engine (`Engine.recordCaseEvent`), which keeps their sequence numbers.
 */
export interface PlatformEvent {
  readonly type: string;
  readonly actor: string | null;
  readonly data?: Record<string, unknown>;
  readonly elementId?: string | null;
  readonly occurredAt?: Date;
}

export async function appendEvent(tx: Queryable, event: PlatformEvent): Promise<number> {
  const { rows } = await tx.query<{ id: number | string }>(
    `insert into event_log (instance_id, seq, type, element_id, actor, occurred_at, data)
     values (null, null, $1, $2, $3, $4, $5::jsonb) returning id`,
    [event.type, event.elementId ?? null, event.actor, event.occurredAt ?? new Date(), JSON.stringify(event.data ?? {})],
  );
  return Number(rows[0]!.id);
}

/** One row of the audit view: who did what, when, to which case. The event's data is not included (see below). */
export interface AuditEvent {
  readonly id: number;
  readonly type: string;
  readonly actor: string | null;
  readonly occurredAt: string;
  readonly instanceId: number | null;
  readonly elementId: string | null;
}

export interface AuditFilter {
  /** Exact type (`identity.sign-in`), or a prefix ending in a dot (`identity.`). */
  readonly type?: string;
  readonly actor?: string;
  readonly instanceId?: number;
  readonly from?: Date;
  /** Exclusive. */
  readonly to?: Date;
  /** Events with an id below this one (the next page, newest first). */
  readonly beforeId?: number;
  readonly limit: number;
}

/**
 * The event log newest first, filtered, for auditors. The data column is left out on purpose: it can hold
 * personal data, which the case pages show (and log as an access); the audit view answers who did what and when.
 */
export async function listAuditEvents(db: Queryable, filter: AuditFilter): Promise<AuditEvent[]> {
  const type = filter.type ?? null;
  const prefix = type !== null && type.endsWith('.');
  const { rows } = await db.query<{ id: number; type: string; actor: string | null; occurred_at: Date | string; instance_id: number | null; element_id: string | null }>(
    `select id, type, actor, occurred_at, instance_id, element_id from event_log
      where ($1::text is null or (case when $2 then starts_with(type, $1) else type = $1 end))
        and ($3::text is null or actor = $3) and ($4::bigint is null or instance_id = $4)
        and ($5::timestamptz is null or occurred_at >= $5) and ($6::timestamptz is null or occurred_at < $6)
        and ($7::bigint is null or id < $7)
      order by id desc limit $8`,
    [type, prefix, filter.actor ?? null, filter.instanceId ?? null, filter.from ?? null, filter.to ?? null, filter.beforeId ?? null, filter.limit]);
  return rows.map((r) => ({ id: Number(r.id), type: r.type, actor: r.actor, occurredAt: new Date(r.occurred_at).toISOString(), instanceId: r.instance_id === null ? null : Number(r.instance_id), elementId: r.element_id }));
}
