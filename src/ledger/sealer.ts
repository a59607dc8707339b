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
 * Why a cursor and no "already sealed?" test per event: in [horizon, xmin) the set of events is fixed, so a round
 * that stops at its batch limit remembers the last event sealed (horizon = its tx_id, horizon_id = its id) and the
 * next round continues after it in (tx_id, id) order — one index range scan, nothing tested per event. A round that
 * catches up moves the horizon to xmin. A sealer killed mid-round rolls back, and the next starts from the same state.
 *
 * Restores are the exception: in a cluster whose xid counter is lower than the stored horizon (xmin < horizon), or
 * with restored rows visible above xmax, sealed events can lie above the cursor. The sealer then "probes": each
 * candidate in [horizon, xmin) and above xmax is tested against ledger_block (a GiST probe by event id), and after
 * a regression the window starts from 0 once. Probing ends when a round catches up with xmin above the highest
 * tx_id ever sealed (ledger_state.max_sealed_tx): nothing sealed can lie above the cursor any more.
 *
 * One sealer at a time: the round locks the single ledger_state row (select … for update), which serialises sealers
 * across govflow processes and is released by commit or by the connection dying. The engine never touches that row.
 */
import { randomBytes } from 'node:crypto';
import { createLogger, type Logger } from '../kernel/index.js';
import type { Database, Queryable } from '../store/index.js';
import { dataDigestSql, leafHashSql, toBuffer } from './leaf.js';
import { HASH_SIZE } from './merkle.js';
import { MIN_EVENT_ID, notSealedSql, storeNewNodes } from './tree-store.js';
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
  // The plan must be the index range scan on event_log (tx_id, id) in order, stopping at the batch size. Before
  // autovacuum has analysed a growing event_log, PostgreSQL may instead pick a bitmap scan of every row after the
  // cursor and a sort (every pending row hashed, most of them thrown away): 6 µs per event instead of 0.7
  // (docs/benchmarks.md, 2026-12-02 evening).
  await tx.query("select set_config('jit', 'off', true), set_config('enable_bitmapscan', 'off', true), set_config('enable_seqscan', 'off', true)");
  const { rows: stateRows } = await tx.query<{ tree_size: string; horizon: string; horizon_id: string | null; max_sealed_tx: string; probing: boolean }>(
    'select tree_size::text, horizon::text, horizon_id::text, max_sealed_tx::text, probing from ledger_state for update',
  );
  const state = stateRows[0];
  if (!state) throw new Error('ledger_state row is missing');
  const treeSize = Number(state.tree_size);
  // Read after the lock, so the horizon compared is the one the previous sealer committed. The snapshot's xmin never
  // moves backwards within a cluster, so if it is not below the horizon now, the round's statement will not see it
  // below either; if it is, the database was restored into a cluster whose xid counter is lower (see above).
  let probing = state.probing;
  if (!probing) {
    const { rows } = await tx.query<{ regressed: boolean }>('select pg_snapshot_xmin(pg_current_snapshot()) < $1::xid8 as regressed', [state.horizon]);
    probing = rows[0]?.regressed === true;
  }
  // The snapshot bounds are read in the same statement that selects the events: in READ COMMITTED every statement
  // has its own snapshot, and pg_current_snapshot() is that statement's. Reading them in an earlier statement would
  // let transactions that commit in between look like restored rows (tx_id ≥ an older xmax) and seal out of order.
  // The lock above was taken first, so this snapshot also sees everything the previous sealer committed.
  const { rows } = await tx.query<{ kind: string; first_leaf: string | null; leaf_hashes: unknown; last_tx: string | null; last_id: string | null; above: string | null; max_tx: string | null; xmin: string | null; regressed: boolean | null }>(
    `with batch as (
       select c.*, $3::bigint + c.rn - 1 as leaf_index,
              -- The salts come from Node (crypto.randomBytes, one call per round): gen_random_uuid() cost ≈ 2 µs per
              -- event in PostgreSQL.
              substring($4::bytea from (c.rn::int - 1) * 16 + 1 for 16) as salt
       from (select c.*, row_number() over (order by c.tx_id, c.id) as rn from (
         ${probing ? probingWindows : cursorWindows}
       ) c
       order by c.tx_id, c.id
       limit $2) c
     ), digested as materialized (
       -- Its own materialised step: written as a lateral subquery, PostgreSQL pulls the digest expression up into
       -- both places that use it and hashes the data twice per event.
       select b.*, ${dataDigestSql('b', 'b.salt')} as digest from batch b
     ), leaves as materialized (
       select b.leaf_index, b.id, b.tx_id, b.salt, b.digest, ${leafHashSql('b', 'b.digest')} as leaf_hash
       from digested b
     ), ins as (
       -- One row per aligned block of 16 leaves (a round's first and last rows may be partial).
       insert into ledger_block (first_leaf, id_range, event_ids, data_salts, data_digests, leaf_hashes)
       select min(leaf_index), int8range(min(id), max(id), '[]'), array_agg(id order by leaf_index),
              string_agg(salt, ''::bytea order by leaf_index), string_agg(digest, ''::bytea order by leaf_index),
              string_agg(leaf_hash, ''::bytea order by leaf_index)
       from leaves group by leaf_index >> 4
       returning first_leaf, leaf_hashes
     ), below as (
       select tx_id, id from leaves where tx_id < pg_snapshot_xmin(pg_current_snapshot()) order by leaf_index desc limit 1
     )
     select 'block' as kind, first_leaf::text, leaf_hashes, null::text as last_tx, null::text as last_id, null::text as above,
            null::text as max_tx, null::text as xmin, null::boolean as regressed
       from ins
     union all
     select 'round', null, null, (select tx_id::text from below), (select id::text from below),
            (select count(*) from leaves where tx_id >= pg_snapshot_xmax(pg_current_snapshot()))::text,
            (select tx_id::text from leaves order by tx_id desc limit 1),
            pg_snapshot_xmin(pg_current_snapshot())::text, pg_snapshot_xmin(pg_current_snapshot()) < $1::xid8`,
    probing
      ? [state.horizon, batchSize, String(treeSize), randomBytes(16 * batchSize)]
      : [state.horizon, batchSize, String(treeSize), randomBytes(16 * batchSize), state.horizon_id ?? MIN_EVENT_ID],
  );
  const round = rows.find((r) => r.kind === 'round');
  const xmin = round?.xmin;
  if (!round || !xmin) throw new Error('no snapshot row');
  const blocks = rows.filter((r) => r.kind === 'block').map((r) => ({ first: Number(r.first_leaf), hashes: toBuffer(r.leaf_hashes) })).sort((a, b) => a.first - b.first);
  const hashes: Buffer[] = [];
  for (const block of blocks) for (let at = 0; at < block.hashes.length; at += HASH_SIZE) hashes.push(block.hashes.subarray(at, at + HASH_SIZE));
  if (hashes.length > 0) await storeNewNodes(tx, treeSize, hashes);
  const caughtUp = hashes.length < batchSize;
  const newSize = treeSize + hashes.length;
  const maxSealedTx = round.max_tx !== null && BigInt(round.max_tx) > BigInt(state.max_sealed_tx) ? round.max_tx : state.max_sealed_tx;
  const regressed = round.regressed === true;
  let horizon: string;
  let horizonId: string | null = null;
  if (!probing) {
    if (Number(round.above) > 0) {
      // Visible rows above xmax can only come from elsewhere (a restore); sealed out of order, they sit above the
      // cursor, so later rounds must probe. They sort after the whole window below xmin, which was therefore sealed.
      horizon = xmin;
      probing = true;
    } else if (caughtUp) {
      horizon = xmin;
    } else {
      // Stopped at the batch limit: the cursor moves to the last event sealed, inside its transaction.
      horizon = round.last_tx!;
      horizonId = round.last_id;
    }
  } else {
    // When a round stops at the batch limit, every event with a tx_id below the last one sealed is sealed (they were
    // all visible and came first in (tx_id, id) order), so the horizon may move up to that tx_id. Without this, each
    // round of a large backlog would re-walk everything already sealed above the old horizon (quadratic). Not done
    // after an xid regression, whose order says nothing about the window below xmin.
    horizon = caughtUp ? xmin : state.horizon;
    if (!caughtUp && !regressed && round.last_tx !== null) {
      const lastTx = BigInt(round.last_tx);
      if (lastTx < BigInt(xmin) && lastTx > BigInt(state.horizon)) horizon = round.last_tx;
    }
    // Once every transaction up to the highest one ever sealed has finished and is sealed, nothing sealed lies above
    // the cursor any more: back to plain cursor rounds.
    if (caughtUp && !regressed && BigInt(xmin) > BigInt(maxSealedTx)) probing = false;
  }
  await tx.query(
    `update ledger_state set tree_size = $1, horizon = $3::xid8, horizon_id = $4::bigint, max_sealed_tx = $5::xid8, probing = $6,
       caught_up_at = case when $2 then now() else caught_up_at end`,
    [String(newSize), caughtUp, horizon, horizonId, maxSealedTx, probing],
  );
  return { sealed: hashes.length, treeSize: newSize, caughtUp, horizon };
}

/**
 * The usual round: everything sealed is at or below the cursor (horizon, horizon_id) in (tx_id, id) order, and
 * nothing below xmin can still appear, so the events to seal are the next ones after the cursor: one index range
 * scan on event_log (tx_id, id), no test per event. Rows visible at or above xmax (restored from elsewhere) are
 * sealed at once, and switch the sealer to probing.
 */
const cursorWindows = `
         (select e.* from event_log e
           where (e.tx_id, e.id) > ($1::xid8, $5::bigint) and e.tx_id < pg_snapshot_xmin(pg_current_snapshot())
           order by e.tx_id, e.id
           limit $2)
         union all
         (select e.* from event_log e
           where e.tx_id >= pg_snapshot_xmax(pg_current_snapshot())
           order by e.tx_id, e.id
           limit $2)`;

/**
 * After a restore into another cluster, sealed events may lie anywhere relative to the new cluster's xids: each
 * candidate is tested against ledger_block (notSealedSql). If xmin is below the stored horizon the xid counter went
 * backwards, and the window starts from 0 once.
 */
const notSealed = notSealedSql('e.id');
const probingWindows = `
         (select e.* from event_log e
           where e.tx_id >= (case when pg_snapshot_xmin(pg_current_snapshot()) < $1::xid8 then '0'::xid8 else $1::xid8 end)
             and e.tx_id < pg_snapshot_xmin(pg_current_snapshot())
             and ${notSealed}
           order by e.tx_id, e.id
           limit $2)
         union all
         (select e.* from event_log e
           where e.tx_id >= pg_snapshot_xmax(pg_current_snapshot())
             and ${notSealed}
           order by e.tx_id, e.id
           limit $2)`;

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
