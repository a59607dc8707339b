/**
 * Sealing lag, for the health endpoint, and an optional write guard (X-Road stops accepting messages when it cannot
 * log them; govflow can likewise refuse writes while the ledger is too far behind).
 */
import { GovflowError } from '../kernel/index.js';
import type { Database, Queryable } from '../store/index.js';
import { MIN_EVENT_ID, notSealedSql } from './tree-store.js';

export interface LedgerLimits {
  /** Most unsealed events tolerated. Default 100 000. */
  readonly maxUnsealed?: number;
  /** Longest time since the sealer last caught up, while events wait (seconds). Default 60. */
  readonly maxLagSeconds?: number;
}

export interface LedgerHealth {
  readonly treeSize: number;
  readonly unsealed: number;
  /** Seconds since the sealer was last fully caught up, when something is waiting; 0 when nothing is. */
  readonly lagSeconds: number;
  readonly behind: boolean;
  readonly limits: Required<LedgerLimits>;
}

export async function ledgerHealth(q: Queryable, limits: LedgerLimits = {}): Promise<LedgerHealth> {
  const resolved = { maxUnsealed: limits.maxUnsealed ?? 100_000, maxLagSeconds: limits.maxLagSeconds ?? 60 };
  // Only events after the sealer's cursor can be unsealed (see sealer.ts), so this reads the tail of the index on
  // event_log (tx_id, id). The cursor is read first and passed as a value, so that PostgreSQL plans for the actual
  // (small) tail. While the sealer probes (after a restore into another cluster), sealed events may lie above the
  // cursor: each event of the tail is then tested against its block (a GiST probe by event id).
  const { rows: state } = await q.query<{ tree_size: string; horizon: string; horizon_id: string | null; probing: boolean; since: number }>(
    'select tree_size::text, horizon::text, horizon_id::text, probing, extract(epoch from now() - caught_up_at)::float8 as since from ledger_state',
  );
  const { rows: tail } = await q.query<{ n: string }>(
    state[0]?.probing
      ? `select count(*)::text as n from event_log e
         where e.tx_id >= $1::xid8 and ${notSealedSql('e.id')}`
      : `select count(*)::text as n from event_log e where (e.tx_id, e.id) > ($1::xid8, $2::bigint)`,
    state[0]?.probing ? [state[0]?.horizon ?? '0'] : [state[0]?.horizon ?? '0', state[0]?.horizon_id ?? MIN_EVENT_ID],
  );
  const waiting = Number(tail[0]?.n ?? 0);
  const rows = [{ tree_size: state[0]?.tree_size, unsealed: waiting, lag: waiting > 0 ? state[0]?.since : 0 }];
  const row = rows[0];
  const unsealed = Number(row?.unsealed ?? 0);
  const lagSeconds = Math.max(0, Number(row?.lag ?? 0));
  return {
    treeSize: Number(row?.tree_size ?? 0),
    unsealed,
    lagSeconds,
    behind: unsealed > resolved.maxUnsealed || lagSeconds > resolved.maxLagSeconds,
    limits: resolved,
  };
}

/** Throws GOVFLOW_ERR_LEDGER_BEHIND when sealing is behind its limits. */
export async function assertLedgerCurrent(q: Queryable, limits: LedgerLimits = {}): Promise<void> {
  const health = await ledgerHealth(q, limits);
  if (health.behind) throw behindError(health);
}

function behindError(health: LedgerHealth): GovflowError {
  return new GovflowError('GOVFLOW_ERR_LEDGER_BEHIND', `the ledger is ${health.unsealed} events / ${Math.round(health.lagSeconds)} s behind; writes are paused until it catches up`, [
    { where: 'ledger', message: `unsealed ${health.unsealed} (limit ${health.limits.maxUnsealed}), lag ${health.lagSeconds.toFixed(1)} s (limit ${health.limits.maxLagSeconds} s)` },
  ]);
}

export interface WriteGuard {
  /** Synchronous and free: throws GOVFLOW_ERR_LEDGER_BEHIND if the last check found the ledger behind. */
  check(): void;
  /** The last health reading. */
  readonly last: LedgerHealth | undefined;
  stop(): void;
}

/**
 * For the engine/API to call before each write without a query per write: refreshes the health every
 * `refreshMs` in the background. With `refuseWrites: false` check() never throws (report-only mode).
 */
export function createWriteGuard(db: Database, options: LedgerLimits & { refreshMs?: number; refuseWrites?: boolean } = {}): WriteGuard {
  let last: LedgerHealth | undefined;
  const refresh = (): void => {
    ledgerHealth(db, options).then(
      (h) => {
        last = h;
      },
      () => {
        // A failed reading keeps the previous one; the database being down is reported elsewhere.
      },
    );
  };
  refresh();
  const timer = setInterval(refresh, options.refreshMs ?? 1000);
  timer.unref();
  return {
    check() {
      if (options.refuseWrites !== false && last?.behind) throw behindError(last);
    },
    get last() {
      return last;
    },
    stop() {
      clearInterval(timer);
    },
  };
}
