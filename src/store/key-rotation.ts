import { resealSecret } from '../kernel/index.js';
import type { Database, Queryable } from './database.js';
import { appendEvent } from './event-log.js';

/**
 * The bookkeeping of `govflow keys rotate` (issue 13), kept as platform events on the event log (so it is also the
 * audit trail, sealed into the ledger): `keys.rotation-started` before any key changes, `keys.rotation-step` with
 * what a rerun must reuse (a new key id, the new master key's check box) before acting on it, and
 * `keys.rotation-finished` once every row has moved. A process killed in between leaves a rotation started and
 * not finished, and the next run continues it; the per-row work is idempotent. The owning modules do the
 * re-wrapping (their tables, their SQL); this file holds the record and the batch loop they share.
 */
export type RotationKind = 'signing' | 'vault' | 'master';

export interface Rotation {
  /** The id of its `keys.rotation-started` event. */
  readonly id: number;
  readonly kind: RotationKind;
  readonly detail: Readonly<Record<string, string>>;
  /** True when this run continues one an earlier run left unfinished. */
  readonly resumed: boolean;
}

/** How a re-wrap proceeds: rows per transaction, and a hook after each committed batch (progress, tests). */
export interface RewrapOptions {
  readonly batchSize: number;
  readonly afterBatch?: () => Promise<void>;
}

type RotationEvent = { type: string; data: unknown };
const dataOf = (raw: unknown): Record<string, unknown> => (typeof raw === 'string' ? JSON.parse(raw) as Record<string, unknown> : (raw ?? {}) as Record<string, unknown>);

/** The unfinished rotation of this kind, or a new one started now. */
export async function openRotation(db: Database, kind: RotationKind, actor: string): Promise<Rotation> {
  const started = await db.query<{ id: string | number }>(
    "select id from event_log where type = 'keys.rotation-started' and data->>'kind' = $1 order by id desc limit 1", [kind]);
  const lastId = started.rows[0] ? Number(started.rows[0].id) : null;
  if (lastId !== null) {
    const { rows } = await db.query<RotationEvent>(
      "select type, data from event_log where type in ('keys.rotation-step', 'keys.rotation-finished') and data->>'rotation' = $1 order by id", [String(lastId)]);
    if (!rows.some((r) => r.type === 'keys.rotation-finished')) {
      const detail = Object.assign({}, ...rows.map((r) => dataOf(r.data)['detail'] as Record<string, string>)) as Record<string, string>;
      return { id: lastId, kind, detail, resumed: true };
    }
  }
  const id = await db.transaction((tx) => appendEvent(tx, { type: 'keys.rotation-started', actor, data: { kind } }));
  return { id, kind, detail: {}, resumed: false };
}

/** Records what a rerun must reuse before the run acts on it; returns the rotation with it. */
export async function recordRotationDetail(db: Database, rotation: Rotation, actor: string, detail: Record<string, string>): Promise<Rotation> {
  await db.transaction((tx) => appendEvent(tx, { type: 'keys.rotation-step', actor, data: { kind: rotation.kind, rotation: String(rotation.id), detail } }));
  return { ...rotation, detail: { ...rotation.detail, ...detail } };
}

/** The marker of completion, in `tx` (with whatever else the caller records). */
export async function finishRotation(tx: Queryable, rotation: Rotation, actor: string, summary: Record<string, string | number>): Promise<void> {
  await appendEvent(tx, { type: 'keys.rotation-finished', actor, data: { kind: rotation.kind, rotation: String(rotation.id), resumed: rotation.resumed, ...summary } });
}

/** A text column holding boxes sealed under the master key (`sealSecret`), and the context each was sealed with. */
export interface SealedColumn {
  readonly table: string;
  /** The primary key (one column); rows are visited in its text order so a batch can start after the last one. */
  readonly keyColumn: string;
  readonly column: string;
  /** The column whose value the context is built from, when not the key (a box bound to its owner's id). */
  readonly contextColumn?: string;
  context(value: string): string;
}

/**
 * Re-seals every box of a column from the old master key to the new one, a batch per transaction. A box that
 * already opens under the new key is left alone, so a rerun after a crash redoes nothing and loses nothing.
 * Returns how many boxes moved.
 */
export async function rewrapSealedColumn(db: Database, spec: SealedColumn, keys: { from: string | Buffer; to: string | Buffer }, options: RewrapOptions): Promise<number> {
  const { table, keyColumn, column } = spec;
  const contextColumn = spec.contextColumn ?? keyColumn;
  let after: string | null = null;
  let moved = 0;
  for (;;) {
    const batch: { rows: number; last: string | null } = await db.transaction(async (tx) => {
      const { rows } = await tx.query<{ k: string; c: string; box: string | null }>(
        `select ${keyColumn}::text as k, ${contextColumn}::text as c, ${column} as box from ${table} where ($1::text is null or ${keyColumn}::text > $1) order by ${keyColumn}::text limit $2 for update`,
        [after, options.batchSize]);
      for (const row of rows) {
        const fresh = row.box === null ? null : resealSecret(row.box, keys, spec.context(row.c));
        if (fresh === null) continue;
        await tx.query(`update ${table} set ${column} = $2 where ${keyColumn}::text = $1`, [row.k, fresh]);
        moved += 1;
      }
      return { rows: rows.length, last: rows.at(-1)?.k ?? null };
    });
    if (batch.rows === 0) break;
    await options.afterBatch?.();
    if (batch.rows < options.batchSize) break;
    after = batch.last;
  }
  return moved;
}
