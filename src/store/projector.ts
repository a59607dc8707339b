/**
 * Projectors: read models fed from the event log (issue 17's figures first; sensors, search and process maps
 * later), each with its own tables and a cursor row in `projector_cursor`.
 *
 * Exactly once: a round locks the projector's cursor row, reads the next batch of committed events through the
 * engine's exported view `process_event`, lets the projector write its tables and moves the cursor, all in one
 * transaction. A crash rolls all of it back; the next round reads the same batch again.
 *
 * Several processes: the lock is `for update skip locked`, so a second process finding the row taken skips the
 * round instead of waiting and applying the same batch after the first commits (it would read the moved cursor
 * then, but waiting would only stall its worker loop).
 *
 * Why a transaction-id horizon rather than "id > last id": ids are drawn when a row is inserted, not when its
 * transaction commits, so a smaller id can become visible after a larger one was applied. As in the ledger's sealer
 * (src/ledger/sealer.ts, which explains it at length), a round reads only events whose transaction is older than
 * its snapshot's xmin — a set that can no longer grow — in (tx_id, id) order, and the cursor is the position of the
 * last event applied. A round that reads fewer than its batch has caught up and moves the horizon to xmin.
 * After a restore into a cluster whose transaction ids are lower than the stored horizon, rebuild the projector.
 */
import type { Database, Queryable } from './database.js';

/** One event as a projector sees it (the columns of `process_event`). */
export interface ProjectedEvent {
  readonly id: number;
  readonly instanceId: number | null;
  readonly type: string;
  readonly elementId: string | null;
  readonly processKey: string | null;
  /** The instance's business key (a case's reference), when it has one. */
  readonly businessKey: string | null;
  readonly occurredAt: Date;
  readonly data: Record<string, unknown>;
}

export interface Projector {
  /** The cursor's key; stable, a projector renamed starts again from zero. */
  readonly name: string;
  /** The tables the projector owns; `rebuildProjector` empties them. */
  readonly tables: readonly string[];
  /** Only these event types are read (all others are skipped over by the cursor without being fetched). */
  readonly eventTypes?: readonly string[];
  /** Writes one batch (in order) into the projector's tables, inside the round's transaction. */
  apply(tx: Queryable, events: readonly ProjectedEvent[]): Promise<void>;
}

export interface ProjectorRound {
  readonly applied: number;
  readonly caughtUp: boolean;
  /** Another process held the cursor: nothing was done. */
  readonly skipped: boolean;
}

export interface ProjectorPosition {
  readonly applied: number;
  readonly lastEventId: number;
  readonly updatedAt: string;
}

const TABLE_NAME = /^[a-z_][a-z0-9_]*$/;

/** One batch in one transaction. */
export async function projectRound(db: Database, projector: Projector, batchSize = 2000): Promise<ProjectorRound> {
  await db.query('insert into projector_cursor (name) values ($1) on conflict (name) do nothing', [projector.name]);
  return db.transaction(async (tx) => {
    const { rows: cursor } = await tx.query<{ horizon: string; horizon_id: string }>(
      'select horizon::text, horizon_id::text from projector_cursor where name = $1 for update skip locked', [projector.name],
    );
    const at = cursor[0];
    if (!at) return { applied: 0, caughtUp: false, skipped: true };
    // The snapshot's xmin is read in the same statement as the events (READ COMMITTED: one snapshot per statement).
    const { rows } = await tx.query<{ id: string; instance_id: string | null; type: string; element_id: string | null; process_key: string | null; business_key: string | null; occurred_at: Date | string; data: Record<string, unknown> | null; tx_id: string; xmin: string }>(
      `select e.id::text, e.instance_id::text, e.type, e.element_id, e.process_key, e.business_key, e.occurred_at, e.data, e.tx_id::text,
              pg_snapshot_xmin(pg_current_snapshot())::text as xmin
       from process_event e
       where (e.tx_id, e.id) > ($1::xid8, $2::bigint) and e.tx_id < pg_snapshot_xmin(pg_current_snapshot())
         and ($4::text[] is null or e.type = any($4::text[]))
       order by e.tx_id, e.id
       limit $3`,
      [at.horizon, at.horizon_id, batchSize, projector.eventTypes ? [...projector.eventTypes] : null],
    );
    const events: ProjectedEvent[] = rows.map((r) => ({
      id: Number(r.id), instanceId: r.instance_id === null ? null : Number(r.instance_id), type: r.type, elementId: r.element_id,
      processKey: r.process_key, businessKey: r.business_key, occurredAt: new Date(r.occurred_at), data: r.data ?? {},
    }));
    if (events.length > 0) await projector.apply(tx, events);
    const caughtUp = rows.length < batchSize;
    const last = rows[rows.length - 1];
    let horizon: string;
    let horizonId: string;
    if (caughtUp) {
      // xmin of this statement's snapshot: with no row read it comes from a separate, later statement, which is
      // still safe (every transaction below it had finished, and we read none of its events after the cursor).
      const xmin = last?.xmin ?? (await tx.query<{ xmin: string }>('select pg_snapshot_xmin(pg_current_snapshot())::text as xmin')).rows[0]!.xmin;
      // Never move backwards (xmin below the cursor happens only within a restored cluster; see above).
      const { rows: cmp } = await tx.query<{ below: boolean }>('select $1::xid8 < $2::xid8 as below', [xmin, at.horizon]);
      if (cmp[0]?.below) {
        horizon = last ? last.tx_id : at.horizon;
        horizonId = last ? last.id : at.horizon_id;
      } else {
        horizon = xmin;
        horizonId = '0';
      }
    } else {
      horizon = last!.tx_id;
      horizonId = last!.id;
    }
    const lastId = events.reduce((max, e) => Math.max(max, e.id), 0);
    await tx.query(
      `update projector_cursor set horizon = $2::xid8, horizon_id = $3::bigint, applied = applied + $4, last_event_id = greatest(last_event_id, $5::bigint), updated_at = now()
       where name = $1`,
      [projector.name, horizon, horizonId, events.length, lastId],
    );
    return { applied: events.length, caughtUp, skipped: false };
  });
}

/** Rounds until caught up (or another process holds the cursor); returns how many events were applied. */
export async function projectPending(db: Database, projector: Projector, batchSize = 2000): Promise<number> {
  let total = 0;
  for (;;) {
    const round = await projectRound(db, projector, batchSize);
    total += round.applied;
    if (round.caughtUp || round.skipped) return total;
  }
}

/**
 * From zero: empties the projector's tables and resets its cursor in one transaction (waiting for a round in
 * progress elsewhere to finish), then follows the whole log again.
 */
export async function rebuildProjector(db: Database, projector: Projector, batchSize = 2000): Promise<number> {
  for (const table of projector.tables) if (!TABLE_NAME.test(table)) throw new Error(`projector ${projector.name}: '${table}' is not a table name`);
  await db.query('insert into projector_cursor (name) values ($1) on conflict (name) do nothing', [projector.name]);
  await db.transaction(async (tx) => {
    await tx.query('select name from projector_cursor where name = $1 for update', [projector.name]);
    if (projector.tables.length > 0) await tx.query(`truncate ${projector.tables.join(', ')}`);
    await tx.query("update projector_cursor set horizon = '0'::xid8, horizon_id = 0, applied = 0, last_event_id = 0, updated_at = now() where name = $1", [projector.name]);
  });
  return projectPending(db, projector, batchSize);
}

/** Where a projector stands (null before its first round). */
export async function projectorPosition(db: Queryable, name: string): Promise<ProjectorPosition | null> {
  const { rows } = await db.query<{ applied: string; last_event_id: string; updated_at: Date | string }>(
    'select applied::text, last_event_id::text, updated_at from projector_cursor where name = $1', [name],
  );
  const row = rows[0];
  return row ? { applied: Number(row.applied), lastEventId: Number(row.last_event_id), updatedAt: new Date(row.updated_at).toISOString() } : null;
}
