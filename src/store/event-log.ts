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

/**
 * The head of an insert of platform events, for a module that appends one inside a larger statement (privacy's
 * one-round-trip access record): follow it with a `select` of (instance_id, seq, type, element_id, actor,
 * occurred_at, data), instance_id and seq null.
 */
export const INSERT_PLATFORM_EVENTS_SQL = 'insert into event_log (instance_id, seq, type, element_id, actor, occurred_at, data)';

export async function appendEvent(tx: Queryable, event: PlatformEvent): Promise<number> {
  const { rows } = await tx.query<{ id: number | string }>(
    `${INSERT_PLATFORM_EVENTS_SQL}
     values (null, null, $1, $2, $3, $4, $5::jsonb) returning id`,
    [event.type, event.elementId ?? null, event.actor, event.occurredAt ?? new Date(), JSON.stringify(event.data ?? {})],
  );
  return Number(rows[0]!.id);
}
