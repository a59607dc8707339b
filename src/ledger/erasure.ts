/**
 * Lawful erasure of an event's data (retention rules, GDPR art. 17). The data is replaced by the marker and the salt
 * is wiped; the leaf keeps its salted digest, so the tree and all proofs are unchanged, and nobody can later test a
 * guess of the erased data against the digest. The erasure itself is recorded (who asked is the caller's audit).
 */
import { GovflowError } from '../kernel/index.js';
import type { Database } from '../store/index.js';
import { ERASED_DATA } from './leaf.js';
import { MIN_EVENT_ID } from './tree-store.js';

export async function eraseEventData(db: Database, eventId: number, reason: string): Promise<void> {
  await db.transaction(async (tx) => {
    const { rowCount } = await tx.query('update event_log set data = $2::jsonb where id = $1', [eventId, JSON.stringify(ERASED_DATA)]);
    if (rowCount === 0) throw new GovflowError('GOVFLOW_ERR_NOT_FOUND', `no event ${eventId}`);
    await tx.query('insert into ledger_erasure (event_id, reason) values ($1, $2) on conflict (event_id) do nothing', [eventId, reason]);
    // The salt is overwritten with zeros inside its packed block (a GiST probe by event id finds the block).
    const { rowCount: blocks } = await tx.query(
      `update ledger_block set data_salts = overlay(data_salts placing '\\x00000000000000000000000000000000'::bytea from (array_position(event_ids, $1::bigint) - 1) * 16 + 1 for 16)
       where id_range @> $1::bigint and $1::bigint = any(event_ids)`,
      [eventId],
    );
    if (blocks === 1) return;
    // Not sealed yet is fine (it will be sealed with the marker as its data). Sealed but not found by its block's id
    // range would leave the salt behind: refuse, and the transaction keeps the data.
    const { rows } = await tx.query<{ pending: boolean }>(
      `select (e.tx_id, e.id) > (s.horizon, coalesce(s.horizon_id, $2::bigint)) or pg_snapshot_xmin(pg_current_snapshot()) < s.horizon as pending
       from event_log e, ledger_state s where e.id = $1`,
      [eventId, MIN_EVENT_ID],
    );
    if (rows[0]?.pending !== true) throw new Error(`ledger: the block holding event ${eventId} was not found by its id range; data not erased`);
  });
}
