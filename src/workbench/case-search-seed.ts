import type { Queryable } from '../store/index.js';
import type { CaseState, SearchTokens } from './case-search.js';

/**
 * Rows of the case search's read model written in bulk, for `govflow bench web --targets case-search` (issue 20:
 * search over 100,000 cases): taking 100,000 cases through the engine to every state would take the bench most of
 * an hour, and the search reads this table only. Each row is what the projector (case-search.ts) keeps for a case
 * in that state: its candidate groups (the department scope), who holds and held its tasks, and the applicant's name
 * and address only as the vault's blind index of each word (`tokens`, the same function the projector is given).
 */
export interface IndexedCase {
  readonly instanceId: number;
  readonly reference: string;
  readonly processKey: string;
  readonly status: CaseState;
  readonly startedAt: Date;
  readonly endedAt: Date | null;
  readonly groups: readonly string[];
  /** Who holds an open task now (empty once the case has ended). */
  readonly assignees: readonly string[];
  /** Everyone who ever held one of its tasks (the assignees included). */
  readonly handlers: readonly string[];
  readonly applicantName: string;
  readonly address: string;
}

/** Writes the rows (`batchSize` per statement); a row whose case is already indexed is left as it is. */
export async function insertIndexedCases(q: Queryable, cases: readonly IndexedCase[], tokens: SearchTokens, batchSize = 2000): Promise<void> {
  for (let from = 0; from < cases.length; from += batchSize) {
    const rows = cases.slice(from, from + batchSize).map((c) => ({
      instance_id: c.instanceId, reference: c.reference, process_key: c.processKey, status: c.status, started_at: c.startedAt.toISOString(),
      ended_at: c.endedAt?.toISOString() ?? null, groups: c.groups, assignees: c.assignees, handlers: [...new Set([...c.handlers, ...c.assignees])],
      name_tokens: tokens('name', c.applicantName), address_tokens: tokens('address', c.address),
    }));
    await q.query(
      `insert into workbench_case_index (instance_id, reference, process_key, status, started_at, ended_at, groups, assignees, handlers, name_tokens, address_tokens)
       select instance_id, reference, process_key, status, started_at, ended_at, groups, assignees, handlers, name_tokens, address_tokens
       from jsonb_to_recordset($1::jsonb) as r(instance_id bigint, reference text, process_key text, status text, started_at timestamptz, ended_at timestamptz,
         groups text[], assignees text[], handlers text[], name_tokens text[], address_tokens text[])
       on conflict (instance_id) do nothing`,
      [JSON.stringify(rows)],
    );
  }
}

/** What the case index holds, for a bench's report: all rows, and the rows by state and by process. */
export async function caseIndexTally(q: Queryable): Promise<{ total: number; byState: Record<string, number>; byService: Record<string, number> }> {
  const tally = async (column: 'status' | 'process_key'): Promise<Record<string, number>> =>
    Object.fromEntries((await q.query<{ k: string; n: string }>(`select ${column} as k, count(*)::text as n from workbench_case_index group by 1 order by 1`)).rows.map((r) => [r.k, Number(r.n)]));
  const byState = await tally('status');
  return { total: Object.values(byState).reduce((sum, n) => sum + n, 0), byState, byService: await tally('process_key') };
}

/**
 * Refreshes the planner's statistics of the case index after a bulk load, and its visibility map, as autovacuum
 * would soon after: a count of a state's matches reads the index alone only over pages marked all-visible.
 */
export async function analyzeCaseIndex(q: Queryable): Promise<void> {
  await q.query('vacuum analyze workbench_case_index');
}
