/**
 * Sealing: appends committed events to the tree in commit order, without ever blocking the engine's writes.
 *
 * Why a transaction-id horizon and not "id > last sealed id": ids come from a sequence when the row is inserted,
 * not when its transaction commits, so id 10 can commit after id 11. A reader that sealed 11 and moved on would
 * skip 10 for ever. Instead the sealer takes xmin of its snapshot (pg_snapshot_xmin(pg_current_snapshot())): every
 * transaction with an id below it has finished, so the set of events with tx_id < xmin can no longer grow. Each
 * round seals the events in [horizon, xmin) that are not sealed yet, then moves the horizon to xmin. A long
 * transaction only delays sealing (the health check reports it); it never causes a skip.
 *
 * Why order by (tx_id, id) inside a round: it is a property of the rows alone, so the order is the same whichever
 * process seals and however the rounds fall, and all events of one transaction stay together. (Exact commit order
 * is not visible to SQL; ordering by id instead would be just as safe, since completeness comes from the horizon.)
 *
 * Why "not yet sealed" is also checked (anti-join on ledger_leaf.event_id, unique): it makes a retried or
 * interrupted round harmless (a sealer killed mid-round rolls back; the next one starts from the same state) and
 * copes with a database restored into another cluster, whose xid counter may be lower than the stored horizon
 * (then the round scans from 0 once) or whose restored rows carry xids above the new snapshot's xmax (visible rows
 * with tx_id ≥ xmax can only come from elsewhere, and are committed, so they are sealed at once).
 *
 * One sealer at a time: the round locks the single ledger_state row (select … for update), which serialises sealers
 * across govflow processes and is released by commit or by the connection dying. The engine never touches that row.
 */
import { randomBytes } from 'node:crypto';
import { createLogger, type Logger } from '../kernel/index.js';
import type { Database, Queryable } from '../store/index.js';
import { dataDigestSql, leafHashSql, toBuffer } from './leaf.js';
import { storeNewNodes } from './tree-store.js';
import { publishTreeHead, type LedgerSigner } from './tree-head.js';

export interface SealResult {
  readonly sealed: number;
  readonly treeSize: number;
  /** True when every event of a transaction older than `horizon` is sealed. */
  readonly caughtUp: boolean;
  /** Every event with a tx_id below this (an xid8, as text) is sealed. */
  readonly horizon: string;
}

/** One round in one transaction: at most `batchSize` events. */
export async function sealRound(db: Database, batchSize = 5000): Promise<SealResult> {
  return db.transaction((tx) => sealRoundIn(tx, batchSize));
}

async function sealRoundIn(tx: Queryable, batchSize: number): Promise<SealResult> {
  // The planner cannot estimate ranges bounded by the snapshot functions and guesses a third of event_log; on a
  // large table that cost estimate switches on JIT compilation (tens of ms per round) for a statement that reads a
  // few thousand rows by index.
  await tx.query('set local jit = off');
  const { rows: stateRows } = await tx.query<{ tree_size: string; horizon: string }>(
    'select tree_size::text, horizon::text from ledger_state for update',
  );
  const state = stateRows[0];
  if (!state) throw new Error('ledger_state row is missing');
  const treeSize = Number(state.tree_size);
  // The snapshot bounds are read in the same statement that selects the events: in READ COMMITTED every statement
  // has its own snapshot, and pg_current_snapshot() is that statement's. Reading them in an earlier statement would
  // let transactions that commit in between look like restored rows (tx_id ≥ an older xmax) and seal out of order.
  // The lock above was taken first, so this snapshot also sees everything the previous sealer committed.
  const { rows } = await tx.query<{ kind: string; leaf_index: string | null; leaf_hash: unknown; tx_id: string | null; xmin: string | null; regressed: boolean | null }>(
    `with snap as (
       select pg_snapshot_xmin(s) as xmin, pg_snapshot_xmax(s) as xmax from pg_current_snapshot() as s
     ), batch as (
       select c.*, $3::bigint + c.rn - 1 as leaf_index,
              -- The salts come from Node (crypto.randomBytes, one call per round): gen_random_uuid() cost ≈ 2 µs per
              -- event in PostgreSQL, an eighth of the whole sealing cost.
              substring($4::bytea from (c.rn::int - 1) * 16 + 1 for 16) as salt
       from (select c.*, row_number() over (order by c.tx_id, c.id) as rn from (
         -- Two index range scans on event_log (tx_id, id), each with an index probe of ledger_leaf per event (a
         -- scalar subquery, not "not exists", which the planner may turn into hashing all of ledger_leaf).
         -- The bounds are expressions of this statement's snapshot (stable, so usable as index bounds), not columns
         -- of a CTE joined with an OR: that form seq-scanned all of event_log and hashed all of ledger_leaf on every
         -- round, which was most of the sealer's cost while the engine ran (auto_explain, docs/benchmarks.md).
         (select e.* from event_log e
           where e.tx_id >= (case when pg_snapshot_xmin(pg_current_snapshot()) < $1::xid8 then '0'::xid8 else $1::xid8 end)
             -- xmin below the stored horizon: the xid counter went backwards (restored into another cluster); scan from 0 once.
             and e.tx_id < pg_snapshot_xmin(pg_current_snapshot())
             and (select l.leaf_index from ledger_leaf l where l.event_id = e.id) is null
           order by e.tx_id, e.id
           limit $2)
         union all
         (select e.* from event_log e
           where e.tx_id >= pg_snapshot_xmax(pg_current_snapshot())
             and (select l.leaf_index from ledger_leaf l where l.event_id = e.id) is null
           order by e.tx_id, e.id
           limit $2)
       ) c
       order by c.tx_id, c.id
       limit $2) c
     ), ins as (
       insert into ledger_leaf (leaf_index, event_id, tx_id, data_salt, data_digest, leaf_hash)
       select b.leaf_index, b.id, b.tx_id, b.salt, d.digest, ${leafHashSql('b', 'd.digest')}
       from batch b
       cross join lateral (select ${dataDigestSql('b', 'b.salt')} as digest) d
       returning leaf_index, leaf_hash, tx_id
     )
     select 'leaf' as kind, leaf_index::text, leaf_hash, tx_id::text, null::text as xmin, null::boolean as regressed from ins
     union all
     select 'snap', null, null, null, xmin::text, xmin < $1::xid8 from snap`,
    [state.horizon, batchSize, String(treeSize), randomBytes(16 * batchSize)],
  );
  const snap = rows.find((r) => r.kind === 'snap');
  const xmin = snap?.xmin;
  if (!xmin) throw new Error('no snapshot row');
  const leaves = rows.filter((r) => r.kind === 'leaf').map((r) => ({ index: Number(r.leaf_index), hash: toBuffer(r.leaf_hash) })).sort((a, b) => a.index - b.index);
  if (leaves.length > 0) await storeNewNodes(tx, treeSize, leaves.map((l) => l.hash));
  const caughtUp = leaves.length < batchSize;
  const newSize = treeSize + leaves.length;
  // When a round stops at the batch limit, every event with a tx_id below the last one sealed is sealed (they were
  // all visible and came first in (tx_id, id) order), so the horizon may move up to that tx_id. Without this, each
  // round of a large backlog would re-walk everything already sealed above the old horizon (quadratic). Not done
  // after an xid regression or for restored rows above xmax, whose order says nothing about the window below xmin.
  let horizon = caughtUp ? xmin : state.horizon;
  if (!caughtUp && !snap.regressed) {
    const lastTx = rows.reduce((max, r) => (r.kind === 'leaf' && r.tx_id !== null && BigInt(r.tx_id) > max ? BigInt(r.tx_id) : max), 0n);
    if (lastTx < BigInt(xmin) && lastTx > BigInt(state.horizon)) horizon = lastTx.toString();
  }
  await tx.query(
    `update ledger_state set tree_size = $1, horizon = $3::xid8,
       caught_up_at = case when $2 then now() else caught_up_at end`,
    [String(newSize), caughtUp, horizon],
  );
  return { sealed: leaves.length, treeSize: newSize, caughtUp, horizon };
}

export interface SealPendingOptions {
  readonly batchSize?: number | undefined;
  readonly maxRounds?: number | undefined;
  /**
   * Also wait (up to this many ms) for transactions that were in flight when the call started, so that every event
   * committed before the call returns is sealed. Without it, a long transaction elsewhere on the server can leave
   * newer events for the next round.
   */
  readonly waitMs?: number | undefined;
}

/** Seals until caught up with everything committed when it started (or `maxRounds`). */
export async function sealPending(db: Database, options: SealPendingOptions = {}): Promise<SealResult> {
  let target = 0n;
  if (options.waitMs) {
    const { rows } = await db.query<{ xmax: string }>('select pg_snapshot_xmax(pg_current_snapshot())::text as xmax');
    target = BigInt(rows[0]!.xmax);
  }
  const deadline = Date.now() + (options.waitMs ?? 0);
  let sealed = 0;
  let last: SealResult = { sealed: 0, treeSize: 0, caughtUp: false, horizon: '0' };
  for (let round = 0; round < (options.maxRounds ?? Number.POSITIVE_INFINITY); round++) {
    last = await sealRound(db, options.batchSize ?? 5000);
    sealed += last.sealed;
    if (last.caughtUp) {
      if (BigInt(last.horizon) >= target || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }
  return { ...last, sealed };
}

export interface SealerOptions {
  /** How often to look for new events (ms). Default 250. */
  readonly intervalMs?: number;
  readonly batchSize?: number;
  /** Signs tree heads; without it the sealer seals but publishes nothing. */
  readonly signer?: LedgerSigner;
  /** Publish a signed tree head at most this often when the tree grew (ms). Default 60 000. */
  readonly headIntervalMs?: number;
  readonly origin?: string;
  readonly logger?: Logger;
}

export interface Sealer {
  start(): void;
  /** Stops the timer and waits for a round in progress. */
  stop(): Promise<void>;
  /** Seals everything committed so far, now. */
  sealNow(): Promise<SealResult>;
  /** Seals, then publishes a signed tree head now (on demand). */
  publishNow(): Promise<void>;
}

/** A background sealer for one govflow process; several processes may each run one (the row lock takes turns). */
export function createSealer(db: Database, options: SealerOptions = {}): Sealer {
  const logger = options.logger ?? createLogger({ name: 'ledger' });
  const intervalMs = options.intervalMs ?? 250;
  const headIntervalMs = options.headIntervalMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let stopped = true;
  let lastHeadAt = 0;
  let lastHeadSize = -1;

  // Every operation goes through one chain, so a timer tick never overlaps sealNow/publishNow in this process.
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = running.then(fn, fn);
    running = next.catch(() => undefined);
    return next;
  };

  const publish = async (size: number): Promise<void> => {
    if (!options.signer) return;
    await publishTreeHead(db, options.signer, { origin: options.origin });
    lastHeadAt = Date.now();
    lastHeadSize = size;
  };

  const tick = async (): Promise<void> => {
    try {
      const result = await sealPending(db, { batchSize: options.batchSize, maxRounds: 20 });
      if (options.signer && result.treeSize !== lastHeadSize && Date.now() - lastHeadAt >= headIntervalMs) await publish(result.treeSize);
    } catch (error) {
      logger.warn({ err: error }, 'ledger sealing failed; will retry');
    }
  };

  const schedule = (): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      void serial(tick).finally(schedule);
    }, intervalMs);
    timer.unref();
  };

  return {
    start() {
      if (!stopped) return;
      stopped = false;
      schedule();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
    sealNow: () => serial(() => sealPending(db, { batchSize: options.batchSize, waitMs: 5000 })),
    publishNow: () =>
      serial(async () => {
        const result = await sealPending(db, { batchSize: options.batchSize, waitMs: 5000 });
        await publish(result.treeSize);
      }),
  };
}
