import { createHash } from 'node:crypto';
import type { Queryable } from '../../store/index.js';
import type { ProcessModel } from '../model/types.js';
import type { EventType } from '../event-types.js';
import type { DecisionBindings, Effect, EngineEvent, ExecutionState, InstanceStatus, Variables } from '../runtime/types.js';

/** The engine's private tables, reached only through these named queries. */

export interface InstanceRow {
  id: number;
  definition_id: number;
  process_key: string;
  business_key: string | null;
  state: InstanceStatus;
  execution: ExecutionState;
  variables: Variables;
  parent_instance_id: number | null;
  parent_element_instance: string | null;
  last_seq: number;
  started_at: Date;
  ended_at: Date | null;
  /** The decision versions its business-rule tasks run (see runtime DecisionBinding). */
  decision_bindings: DecisionBindings;
}

export interface DefinitionRow {
  id: number;
  key: string;
  version: number;
  name: string | null;
  model: ProcessModel;
}

export async function lockInstance(tx: Queryable, id: number): Promise<InstanceRow | undefined> {
  const { rows } = await tx.query<InstanceRow>('select * from process_instance where id = $1 for update', [id]);
  return rows[0];
}

export async function insertInstance(
  tx: Queryable,
  definition: DefinitionRow,
  options: { businessKey: string | null; parentInstanceId: number | null; parentElementInstance: string | null; now: Date; decisionBindings: DecisionBindings },
): Promise<InstanceRow> {
  const { rows } = await tx.query<InstanceRow>(
    `insert into process_instance (definition_id, process_key, business_key, state, execution, variables, parent_instance_id, parent_element_instance, started_at, decision_bindings)
     values ($1, $2, $3, 'active', '{"nextId":1,"tokens":{},"joins":{}}', '{}', $4, $5, $6, $7::jsonb) returning *`,
    [definition.id, definition.key, options.businessKey, options.parentInstanceId, options.parentElementInstance, options.now, JSON.stringify(options.decisionBindings)],
  );
  return rows[0]!;
}

/** Appends a step's events with gap-free sequence numbers, in one statement. */
export async function appendEvents(tx: Queryable, instanceId: number | null, firstSeq: number, events: readonly { type: EventType; elementId?: string | undefined; elementInstance?: string | undefined; data: Record<string, unknown> }[], actor: string | null, now: Date): Promise<void> {
  if (events.length === 0) return;
  await tx.query(
    `insert into event_log (instance_id, seq, type, element_id, element_instance, actor, occurred_at, data)
     select $1::bigint, s, t, e, ei, $6::text, $7::timestamptz, d::jsonb
     from unnest($2::int[], $3::text[], $4::text[], $5::text[], $8::text[]) as u(s, t, e, ei, d)`,
    [
      instanceId,
      instanceId === null ? events.map(() => null) : events.map((_, i) => firstSeq + i),
      events.map((e) => e.type),
      events.map((e) => e.elementId ?? null),
      events.map((e) => e.elementInstance ?? null),
      actor,
      now,
      events.map((e) => JSON.stringify(e.data)),
    ],
  );
}

export async function loadDefinition(tx: Queryable, id: number): Promise<DefinitionRow | undefined> {
  const { rows } = await tx.query<DefinitionRow>('select id, key, version, name, model from process_definition where id = $1', [id]);
  return rows[0];
}

export async function latestDefinitionId(tx: Queryable, key: string, version?: number): Promise<number | undefined> {
  const { rows } = version === undefined
    ? await tx.query<{ id: number }>('select id from process_definition where key = $1 order by version desc limit 1', [key])
    : await tx.query<{ id: number }>('select id from process_definition where key = $1 and version = $2', [key, version]);
  return rows[0]?.id;
}

/** The latest version of every deployed process (of one when `key` is given), by key. */
export async function latestDefinitionIds(tx: Queryable, key?: string): Promise<number[]> {
  const { rows } = await tx.query<{ id: number }>(
    'select distinct on (key) id from process_definition where ($1::text is null or key = $1) order by key, version desc', [key ?? null]);
  return rows.map((r) => Number(r.id));
}

/** A job a step creates, written in the step's own statement (see {@link saveStep}). */
export interface NewJob {
  readonly elementId: string;
  readonly elementInstance: string;
  readonly jobType: string;
  readonly retries: number;
  readonly headers: Record<string, string>;
  readonly listener?: { readonly event: string; readonly index: number; readonly round?: number | undefined } | undefined;
}

/**
 * What sets a listener's job key apart from the job of its element on the same token; a user task listener's
 * also names the transition (`round`), as a task may be completed again after a listener denied it.
 */
export function listenerKeySuffix(listener: NewJob['listener']): string {
  return listener ? `-listener-${listener.event}${listener.round ? `-${listener.round}` : ''}-${listener.index}` : '';
}

/** A `cancelWaits` effect written in the step's own statement: jobs, subscriptions and open tasks of a token. */
/** A user task the step creates (written with the step only by the one-statement start; see insertStartedInstance). */
export type NewTask = Omit<Extract<Effect, { type: 'createTask' }>, 'type'>;

export interface CancelWaits {
  readonly elementInstance: string;
  readonly elementIds?: string[] | undefined;
}

/** What one step writes: the instance's new state, its events, and the jobs and cancellations folded into it. */
export interface StepWrite {
  readonly execution: ExecutionState;
  readonly variables: Variables;
  readonly state: InstanceStatus;
  readonly events: readonly EngineEvent[];
  readonly jobs: readonly NewJob[];
  readonly cancels: readonly CancelWaits[];
  readonly tasks?: readonly NewTask[];
}

export const JOB_WAKE_CHANNEL = 'govflow_jobs';

/** Wakes the workers of these job types (PostgreSQL NOTIFY), outside any step's transaction. */
export async function notifyJobTypes(db: Queryable, types: readonly string[]): Promise<void> {
  await db.query('select pg_notify($1, t) from unnest($2::text[]) as n(t)', [JOB_WAKE_CHANNEL, [...types]]);
}

const statementNames = new Map<string, { name: string }>();

/**
 * A name for a step statement's SQL text, so a server prepares and plans it once per connection (planning these
 * statements costs more than running them). The texts come in a handful of variants (with or without jobs,
 * cancellations, a deleted job, notifications); the name is a hash of the text, so a text always has one name.
 */
function prepared(sql: string): { name: string } {
  let options = statementNames.get(sql);
  if (!options) {
    options = { name: `govflow_step_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}` };
    if (statementNames.size < 256) statementNames.set(sql, options);
  }
  return options;
}

class Params {
  readonly values: unknown[] = [];
  add(value: unknown, cast = ''): string {
    this.values.push(value);
    return `$${this.values.length}${cast}`;
  }
}

/**
 * The writes of a step after its instance row, as CTEs that read the instance id from `source` (a CTE with an
 * `id` column that is empty when nothing may be written): events with gap-free sequence numbers (one JSON array
 * through `jsonb_to_recordset`, cheaper on both sides than parallel text arrays), new jobs (idempotency key
 * `<instance>-<elementInstance>-<elementId>`), cancelled waits, and the NOTIFY per new job type (PostgreSQL).
 * The caller guarantees that no cancellation touches a job created by the same step: the CTEs of one statement
 * do not see each other's rows.
 */
function stepCtes(p: Params, source: string, definitionId: number, firstSeq: number, step: StepWrite, actor: string | null, now: Date, notify: boolean, keepJobId: number | null): { ctes: string[]; notified: string } {
  const at = p.add(now, '::timestamptz');
  const ctes = [
    `ev as (insert into event_log (instance_id, seq, type, element_id, element_instance, actor, occurred_at, data)
       select ${source}.id, s, t, e, ei, ${p.add(actor, '::text')}, ${at}, d from ${source}, jsonb_to_recordset(${p.add(JSON.stringify(step.events.map((e, i) => ({ s: firstSeq + i, t: e.type, e: e.elementId ?? null, ei: e.elementInstance ?? null, d: e.data }))), '::jsonb')}) as u(s int, t text, e text, ei text, d jsonb))`,
  ];
  if (step.jobs.length > 0) {
    ctes.push(`new_jobs as (insert into job (instance_id, definition_id, element_id, element_instance, kind, type, state, retries, due_at, headers, created_at, idempotency_key)
       select ${source}.id, ${p.add(definitionId, '::bigint')}, el, ei, 'task', ty, 'ready', r, ${at}, h, ${at}, ${source}.id || '-' || ei || '-' || el || sx
       from ${source}, jsonb_to_recordset(${p.add(JSON.stringify(step.jobs.map((j) => ({ el: j.elementId, ei: j.elementInstance, ty: j.jobType, r: j.retries, h: j.headers, sx: listenerKeySuffix(j.listener) }))), '::jsonb')}) as j(el text, ei text, ty text, r int, h jsonb, sx text))`);
  }
  if (step.tasks && step.tasks.length > 0) {
    // The columns and values of effect-store's insertUserTask.
    ctes.push(`new_tasks as (insert into user_task (instance_id, definition_id, element_id, element_instance, name, state, assignee, candidate_groups, candidate_users, form_key, due_at, follow_up_at, priority, created_at)
       select ${source}.id, ${p.add(definitionId, '::bigint')}, el, ei, nm, 'created', asg, coalesce(cg, '{}'), coalesce(cu, '{}'), fk, due, fu, pr, ${at}
       from ${source}, jsonb_to_recordset(${p.add(JSON.stringify(step.tasks.map((t) => ({ el: t.elementId, ei: t.elementInstance, nm: t.name, asg: t.assignee, cg: t.candidateGroups, cu: t.candidateUsers, fk: t.formKey, due: t.dueAt, fu: t.followUpAt, pr: t.priority }))), '::jsonb')})
         as t(el text, ei text, nm text, asg text, cg text[], cu text[], fk text, due timestamptz, fu timestamptz, pr int))`);
  }
  if (step.cancels.length > 0) {
    const cancels = p.add(JSON.stringify(step.cancels.map((c) => ({ ei: c.elementInstance, ids: c.elementIds ?? null }))), '::jsonb');
    const keep = p.add(keepJobId, '::bigint');
    ctes.push(
      `cancel_jobs as (delete from job using ${source}, jsonb_to_recordset(${cancels}) as c(ei text, ids text[])
         where job.instance_id = ${source}.id and job.element_instance = c.ei and (c.ids is null or job.element_id = any(c.ids)) and job.id is distinct from ${keep})`,
      `cancel_subscriptions as (delete from event_subscription using ${source}, jsonb_to_recordset(${cancels}) as c(ei text, ids text[])
         where event_subscription.instance_id = ${source}.id and event_subscription.element_instance = c.ei and (c.ids is null or event_subscription.element_id = any(c.ids)))`,
      `cancel_tasks as (update user_task set state = 'cancelled', completed_at = ${at} from ${source}, jsonb_to_recordset(${cancels}) as c(ei text, ids text[])
         where user_task.instance_id = ${source}.id and user_task.element_instance = c.ei and c.ids is null and user_task.state = 'created')`,
    );
  }
  const types = notify ? [...new Set(step.jobs.map((j) => j.jobType))] : [];
  const notified = types.length > 0
    ? `(select count(pg_notify('${JOB_WAKE_CHANNEL}', ty)) from unnest(${p.add(types, '::text[]')}) as n(ty) where exists (select 1 from ${source}))`
    : '0';
  return { ctes, notified };
}

function instanceValues(p: Params, step: StepWrite, lastSeq: number, now: Date): { execution: string; variables: string; state: string; lastSeq: string; endedAt: string } {
  return {
    execution: p.add(JSON.stringify(step.execution), '::jsonb'),
    variables: p.add(JSON.stringify(step.variables), '::jsonb'),
    state: p.add(step.state, '::text'),
    lastSeq: p.add(lastSeq, '::int'),
    endedAt: p.add(step.state === 'active' ? null : now, '::timestamptz'),
  };
}

/**
 * One step's writes in one statement (one round trip), inside the step's transaction after the instance row was
 * locked: the instance's new state, the events, the folded jobs and cancellations, and optionally the deletion
 * of the job whose completion caused the step.
 */
export async function saveStep(tx: Queryable, row: Pick<InstanceRow, 'id' | 'definition_id' | 'last_seq'>, step: StepWrite, actor: string | null, now: Date, notify: boolean, deleteJobId: number | null = null): Promise<void> {
  const p = new Params();
  const v = instanceValues(p, step, row.last_seq + step.events.length, now);
  const id = p.add(row.id, '::bigint');
  const ctes = [`upd as (update process_instance set execution = ${v.execution}, variables = ${v.variables}, state = ${v.state}, last_seq = ${v.lastSeq}, ended_at = ${v.endedAt} where id = ${id} returning id)`];
  if (deleteJobId !== null) ctes.push(`del as (delete from job where id = ${p.add(deleteJobId, '::bigint')})`);
  const rest = stepCtes(p, 'upd', row.definition_id, row.last_seq + 1, step, actor, now, notify, deleteJobId);
  const sql = `with ${[...ctes, ...rest.ctes].join(',\n')} select ${rest.notified} as notified`;
  await tx.query(sql, p.values, prepared(sql));
}

/**
 * Starts an instance whose first step needs no more than its own writes, in one statement (its own
 * transaction): inserts the instance with the step's result, its events, jobs and user tasks. The definition must still be
 * the latest version of its key; otherwise nothing is written and undefined is returned, so the caller reloads.
 */
export async function insertStartedInstance(
  db: Queryable,
  definition: Pick<DefinitionRow, 'id' | 'key' | 'version'>,
  step: StepWrite,
  options: { businessKey: string | null; actor: string | null; now: Date; notify: boolean; decisionBindings: DecisionBindings },
): Promise<{ id: number; startedAt: Date } | undefined> {
  const p = new Params();
  const definitionId = p.add(definition.id, '::bigint');
  const key = p.add(definition.key, '::text');
  const v = instanceValues(p, step, step.events.length, options.now);
  // Only a process with business-rule tasks has bindings; the others keep the statement they always had.
  const bound = Object.keys(options.decisionBindings).length > 0;
  const ctes = [
    `latest as (select ${definitionId} as id where not exists (select 1 from process_definition where key = ${key} and version > ${p.add(definition.version, '::int')}))`,
    `ins as (insert into process_instance (definition_id, process_key, business_key, state, execution, variables, parent_instance_id, parent_element_instance, started_at, last_seq, ended_at${bound ? ', decision_bindings' : ''})
       select latest.id, ${key}, ${p.add(options.businessKey, '::text')}, ${v.state}, ${v.execution}, ${v.variables}, null, null, ${p.add(options.now, '::timestamptz')}, ${v.lastSeq}, ${v.endedAt}${bound ? `, ${p.add(JSON.stringify(options.decisionBindings), '::jsonb')}` : ''} from latest returning id, started_at)`,
  ];
  const rest = stepCtes(p, 'ins', definition.id, 1, step, options.actor, options.now, options.notify, null);
  const sql = `with ${[...ctes, ...rest.ctes].join(',\n')} select ins.id, ins.started_at, ${rest.notified} as notified from ins`;
  const { rows } = await db.query<{ id: number; started_at: Date }>(sql, p.values, prepared(sql));
  const row = rows[0];
  return row ? { id: row.id, startedAt: row.started_at } : undefined;
}

/**
 * Locks an external-worker job and its instance in one statement (instance first, then job: the lock order of
 * every step). Undefined when the job does not exist.
 */
export async function lockJobAndInstance(tx: Queryable, jobId: number): Promise<{ instance: InstanceRow; job: { id: number; element_id: string; element_instance: string; retries: number; state: string; lock_owner: string | null } } | undefined> {
  const { rows } = await tx.query<InstanceRow & { job_element_id: string; job_element_instance: string; job_retries: number; job_state: string; job_lock_owner: string | null }>(
    `select i.*, j.element_id as job_element_id, j.element_instance as job_element_instance, j.retries as job_retries, j.state as job_state, j.lock_owner as job_lock_owner
     from process_instance i join job j on j.instance_id = i.id where j.id = $1 and j.kind = 'task' for update of i, j`, [jobId]);
  const r = rows[0];
  if (!r) return undefined;
  const { job_element_id, job_element_instance, job_retries, job_state, job_lock_owner, ...instance } = r;
  return { instance, job: { id: jobId, element_id: job_element_id, element_instance: job_element_instance, retries: job_retries, state: job_state, lock_owner: job_lock_owner } };
}

/** An instance row with its row version (`xmin`), for a compare-and-set write without a lock held in between. */
export type VersionedInstanceRow = InstanceRow & { row_version: string };

/** Reads a job and its instance without locking (the optimistic path of completing a job). */
export async function readJobAndInstance(db: Queryable, jobId: number): Promise<{ instance: VersionedInstanceRow; job: { id: number; element_id: string; element_instance: string; state: string; lock_owner: string | null } } | undefined> {
  const { rows } = await db.query<VersionedInstanceRow & { job_element_id: string; job_element_instance: string; job_state: string; job_lock_owner: string | null }>(
    `select i.*, i.xmin::text as row_version, j.element_id as job_element_id, j.element_instance as job_element_instance, j.state as job_state, j.lock_owner as job_lock_owner
     from job j join process_instance i on i.id = j.instance_id where j.id = $1 and j.kind = 'task'`, [jobId]);
  const r = rows[0];
  if (!r) return undefined;
  const { job_element_id, job_element_instance, job_state, job_lock_owner, ...instance } = r;
  return { instance, job: { id: jobId, element_id: job_element_id, element_instance: job_element_instance, state: job_state, lock_owner: job_lock_owner } };
}

/**
 * Completes a job's step in one statement (its own transaction) if nothing changed since it was read: the
 * instance row still has the version read and the job is still locked by `worker`. Both rows are locked first
 * (instance, then job, the order of every step); when the check fails nothing is written and false is returned.
 */
export async function saveJobStepIfUnchanged(
  db: Queryable,
  row: Pick<VersionedInstanceRow, 'id' | 'definition_id' | 'last_seq' | 'row_version'>,
  job: { id: number; worker: string },
  step: StepWrite,
  actor: string | null,
  now: Date,
  notify: boolean,
): Promise<boolean> {
  const p = new Params();
  const jobId = p.add(job.id, '::bigint');
  const ctes = [
    `gate as (select i.id from process_instance i join job j on j.instance_id = i.id
       where i.id = ${p.add(row.id, '::bigint')} and i.xmin = ${p.add(row.row_version, '::text')}::xid and i.state = 'active'
         and j.id = ${jobId} and j.kind = 'task' and j.state = 'locked' and j.lock_owner = ${p.add(job.worker, '::text')}
       for update of i, j)`,
  ];
  const v = instanceValues(p, step, row.last_seq + step.events.length, now);
  ctes.push(
    `upd as (update process_instance set execution = ${v.execution}, variables = ${v.variables}, state = ${v.state}, last_seq = ${v.lastSeq}, ended_at = ${v.endedAt} from gate where process_instance.id = gate.id returning process_instance.id)`,
    `del as (delete from job using gate where job.id = ${jobId})`,
  );
  const rest = stepCtes(p, 'gate', row.definition_id, row.last_seq + 1, step, actor, now, notify, job.id);
  const sql = `with ${[...ctes, ...rest.ctes].join(',\n')} select (select count(*)::int from gate) as ok, ${rest.notified} as notified`;
  const { rows } = await db.query<{ ok: number }>(sql, p.values, prepared(sql));
  return (rows[0]?.ok ?? 0) > 0;
}
