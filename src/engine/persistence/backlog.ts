import type { Queryable } from '../../store/index.js';

/** Work waiting in the engine's tables, for metrics: how much is due and how late the oldest due item is. */
export interface WorkBacklog {
  /** Per job type (`kind` 'task') or 'timer': ready items whose due time has passed, and the oldest one's lateness. */
  readonly due: readonly { readonly kind: 'task' | 'timer'; readonly type: string; readonly count: number; readonly oldestLagSeconds: number }[];
  /** Jobs locked by a worker whose lock has expired (the worker died or hung): they are picked up again. */
  readonly expiredLocks: number;
  readonly openIncidents: number;
}

/**
 * One round trip over the partial indexes job_ready, job_locked and incident_open. Lateness is measured against
 * `now` (the engine's clock), so a manual clock in tests gives exact figures.
 */
export async function workBacklog(db: Queryable, now: Date): Promise<WorkBacklog> {
  const { rows } = await db.query<{ kind: string; type: string; count: number; lag: number | null }>(
    `select kind, type, count(*)::int as count, extract(epoch from ($1::timestamptz - min(due_at)))::float8 as lag
       from job where state = 'ready' and due_at <= $1 group by kind, type
     union all
     select 'expired-lock', '', count(*)::int, null from job where state = 'locked' and lock_expires_at < $1
     union all
     select 'incident', '', count(*)::int, null from incident where state = 'open'`, [now], { name: 'engine-work-backlog' });
  const due = rows.filter((r) => r.kind === 'task' || r.kind === 'timer')
    .map((r) => ({ kind: r.kind as 'task' | 'timer', type: r.type, count: Number(r.count), oldestLagSeconds: Math.max(0, Number(r.lag ?? 0)) }));
  const one = (kind: string): number => Number(rows.find((r) => r.kind === kind)?.count ?? 0);
  return { due, expiredLocks: one('expired-lock'), openIncidents: one('incident') };
}
