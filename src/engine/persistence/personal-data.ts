import type { Queryable } from '../../store/index.js';

/**
 * What the engine holds about a person, for privacy's access log, export and retention erasure (issue 14: the
 * engine's tables are named only here). A case is about a person when its start record names them.
 *
 * Who a case is about comes from an immutable record (issue 13): the `applicant` the instance was STARTED with, as
 * the sealed `process.started` event holds it, never the live `applicant` variable, which a task completion or a
 * variables update could overwrite (the API refuses such writes too, src/api/acting.ts).
 */

/** SQL (the ordered rows) of the `process.started` event of the instance whose id is the SQL expression `instanceId`. */
const startRecordSql = (instanceId: string): string =>
  `from event_log s where s.instance_id = ${instanceId} and s.type = 'process.started' order by s.seq limit 1`;

/**
 * SQL (a scalar subquery) giving the `applicant` the instance whose id is the SQL expression `instanceId` was
 * started with, or null when it names nobody usable (missing, not a string, empty or over 200 characters).
 */
export function applicantOfInstanceSql(instanceId: string): string {
  return `(select case when jsonb_typeof(s.data -> 'variables' -> 'applicant') = 'string' and length(s.data -> 'variables' ->> 'applicant') between 1 and 200
                  then s.data -> 'variables' ->> 'applicant' end ${startRecordSql(instanceId)})`;
}

/**
 * A relation of the ended top-level cases: `(id, process_key, ended_at)` of instances completed or terminated that
 * no other process called; for `from ${endedCasesSql} c where …` in the retention query that picks cases to erase.
 */
export const endedCasesSql = `(select id, process_key, ended_at from process_instance
  where state in ('completed', 'terminated') and ended_at is not null and parent_instance_id is null)`;

/** Instances started with the person as their `applicant`; only cases (top-level instances) when `casesOnly`. */
export async function instancesOfApplicant(q: Queryable, personId: string, options: { casesOnly?: boolean } = {}): Promise<number[]> {
  const { rows } = await q.query<{ id: string | number }>(
    `select i.id from event_log s join process_instance i on i.id = s.instance_id
      where s.type = 'process.started' and s.data -> 'variables' ->> 'applicant' = $1 and (not $2 or i.parent_instance_id is null) order by i.id`, [personId, options.casesOnly ?? false]);
  return rows.map((r) => Number(r.id));
}

/** Which of these instances are cases (top-level instances), in id order. */
export async function casesAmong(q: Queryable, instanceIds: readonly number[]): Promise<number[]> {
  const { rows } = await q.query<{ id: string | number }>('select id from process_instance where id = any($1::bigint[]) and parent_instance_id is null order by id', [instanceIds]);
  return rows.map((r) => Number(r.id));
}

/** One instance with its timeline, as a person's data export shows it; null for an unknown id. */
export async function instanceForExport(q: Queryable, id: number): Promise<Record<string, unknown> | null> {
  const inst = await q.query<{ process_key: string; business_key: string | null; state: string; variables: unknown }>('select process_key, business_key, state, variables from process_instance where id = $1', [id]);
  const row = inst.rows[0];
  if (!row) return null;
  const events = await q.query<{ seq: number | null; type: string; element_id: string | null; occurred_at: Date | string }>(
    'select seq, type, element_id, occurred_at from event_log where instance_id = $1 order by seq', [id]);
  return {
    instanceId: id, processKey: row.process_key, businessKey: row.business_key, state: row.state, variables: row.variables,
    timeline: events.rows.map((e) => ({ seq: e.seq, type: e.type, elementId: e.element_id, at: new Date(e.occurred_at).toISOString() })),
  };
}

/** A case and every process it called, transitively. */
export async function caseFamily(q: Queryable, instanceId: number): Promise<number[]> {
  const { rows } = await q.query<{ id: string | number }>(
    'with recursive f(id) as (select $1::bigint union all select c.id from process_instance c join f on c.parent_instance_id = f.id) select id from f', [instanceId]);
  return rows.map((r) => Number(r.id));
}

/** Replaces the variables of these instances by the `kept` ones plus `marker` (retention's erasure). */
export async function eraseInstanceVariables(tx: Queryable, instanceIds: readonly number[], kept: readonly string[], marker: Record<string, unknown>): Promise<void> {
  await tx.query(
    `update process_instance set variables = (select coalesce(jsonb_object_agg(key, value), '{}'::jsonb) from jsonb_each(variables) where key = any($2::text[])) || $3::jsonb
     where id = any($1::bigint[])`,
    [instanceIds, kept, JSON.stringify(marker)]);
}

/** The events of these instances that still carry data (neither empty nor `erased`), in id order. */
export async function eventsWithData(q: Queryable, instanceIds: readonly number[], erased: Record<string, unknown>): Promise<number[]> {
  const { rows } = await q.query<{ id: string | number }>(
    `select e.id from event_log e where e.instance_id = any($1::bigint[]) and e.data <> '{}'::jsonb and e.data <> $2::jsonb order by e.id`,
    [instanceIds, JSON.stringify(erased)]);
  return rows.map((r) => Number(r.id));
}
