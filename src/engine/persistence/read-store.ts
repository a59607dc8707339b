import { GovflowError } from '../../kernel/index.js';
import type { Queryable } from '../../store/index.js';
import type { EventType } from '../event-types.js';
import { instanceView, iso, type EventView, type IncidentView, type ProcessInstanceView, type TaskView } from '../views.js';
import type { InstanceRow } from './instance-store.js';

/** The engine's reads: instances, their events, tasks and incidents, as views. Reads never write. */

/** A view shows no decision bindings (they are the step's input), so its reads leave that column in the table. */
type InstanceViewRow = Omit<InstanceRow, 'decision_bindings'> & { version: number };

/** The columns of an instance view, named (a prepared statement must not depend on `*`). */
const INSTANCE_COLUMNS = `select i.id, i.definition_id, i.process_key, i.business_key, i.state, i.execution, i.variables, i.parent_instance_id,
         i.parent_element_instance, i.last_seq, i.started_at, i.ended_at, d.version`;
/** The instance's events as one JSON array in sequence order (one row per instance instead of one per event). */
const eventsOfInstance = (andWhere = ''): string => `coalesce((select json_agg(json_build_object('id', e.id, 'seq', e.seq, 'type', e.type, 'element_id', e.element_id,
           'element_instance', e.element_instance, 'actor', e.actor, 'occurred_at', e.occurred_at, 'data', e.data) order by e.seq)
         from event_log e where e.instance_id = i.id and e.seq > 0${andWhere}), '[]'::json)`;

interface EventJson { id: number; seq: number | null; type: EventType; element_id: string | null; element_instance: string | null; actor: string | null; occurred_at: string | Date; data: Record<string, unknown> }

const eventFromJson = (r: EventJson): EventView => ({
  id: Number(r.id), seq: r.seq, type: r.type, elementId: r.element_id, elementInstance: r.element_instance, actor: r.actor, occurredAt: iso(r.occurred_at)!, data: r.data,
});

/**
 * For a module that reads a case together with rows of its own in one statement (the portal's status page reads
 * the submission, its uploads and the case on every view): the SQL of a JSON value holding the instance that
 * `idSql` (an SQL expression of the outer query) points at, with its events, or null. Read it back with
 * `parseInstanceWithEvents`. The engine owns both halves, so its tables stay its own business.
 */
export function instanceWithEventsJson(idSql: string): string {
  return `(select json_build_object('row', json_build_object('id', i.id, 'definition_id', i.definition_id, 'process_key', i.process_key,
            'business_key', i.business_key, 'state', i.state, 'execution', i.execution, 'variables', i.variables,
            'parent_instance_id', i.parent_instance_id, 'parent_element_instance', i.parent_element_instance, 'last_seq', i.last_seq,
            'started_at', i.started_at, 'ended_at', i.ended_at, 'version', d.version), 'events', ${eventsOfInstance()})
          from process_instance i join process_definition d on d.id = i.definition_id where i.id = ${idSql})`;
}

/** The value of an `instanceWithEventsJson` column (null when the id pointed at no instance). */
export function parseInstanceWithEvents(value: unknown): { instance: ProcessInstanceView; events: EventView[] } | null {
  if (value === null || value === undefined) return null;
  const parsed = (typeof value === 'string' ? JSON.parse(value) : value) as { row: InstanceViewRow; events: EventJson[] };
  return { instance: instanceView(parsed.row), events: parsed.events.map(eventFromJson) };
}

export async function readInstance(db: Queryable, id: number): Promise<ProcessInstanceView> {
  const { rows } = await db.query<InstanceViewRow>(`${INSTANCE_COLUMNS} from process_instance i join process_definition d on d.id = i.definition_id where i.id = $1`, [id], { name: 'engine-instance' });
  const row = rows[0];
  if (!row) throw new GovflowError('GOVFLOW_ERR_INSTANCE_NOT_FOUND', `process instance ${id} does not exist`);
  return instanceView(row);
}

export interface InstanceFilter { processKey?: string; processKeys?: readonly string[]; candidateGroups?: readonly string[]; state?: string; businessKey?: string; limit?: number; offset?: number }

export async function listInstances(db: Queryable, filter: InstanceFilter): Promise<ProcessInstanceView[]> {
  const { rows } = await db.query<InstanceViewRow>(
    `select i.*, d.version from process_instance i join process_definition d on d.id = i.definition_id
     where ($1::text is null or i.process_key = $1) and ($2::text is null or i.state = $2) and ($3::text is null or i.business_key = $3)
       and ($6::text[] is null or i.process_key = any($6::text[]))
       and ($7::text[] is null or exists (select 1 from user_task t where t.instance_id = i.id and t.candidate_groups && $7::text[]))
     order by i.id desc limit $4 offset $5`,
    [filter.processKey ?? null, filter.state ?? null, filter.businessKey ?? null, Math.min(filter.limit ?? 100, 1000), filter.offset ?? 0,
      filter.processKeys ? [...filter.processKeys] : null, filter.candidateGroups ? [...filter.candidateGroups] : null],
  );
  return rows.map(instanceView);
}

export async function readEvents(db: Queryable, instanceId: number, afterSeq: number): Promise<EventView[]> {
  const { rows } = await db.query<EventJson>(
    'select id, seq, type, element_id, element_instance, actor, occurred_at, data from event_log where instance_id = $1 and seq > $2 order by seq', [instanceId, afterSeq]);
  return rows.map(eventFromJson);
}

export async function readInstanceWithEvents(db: Queryable, id: number): Promise<{ instance: ProcessInstanceView; events: EventView[] }> {
  const { rows } = await db.query<InstanceViewRow & { events: EventJson[] }>(
    `${INSTANCE_COLUMNS}, ${eventsOfInstance()} as events from process_instance i join process_definition d on d.id = i.definition_id where i.id = $1`,
    [id], { name: 'engine-instance-with-events' });
  const row = rows[0];
  if (!row) throw new GovflowError('GOVFLOW_ERR_INSTANCE_NOT_FOUND', `process instance ${id} does not exist`);
  return { instance: instanceView(row), events: row.events.map(eventFromJson) };
}

export async function readInstancesWithEvents(db: Queryable, ids: readonly number[], elements: readonly string[]): Promise<Map<number, { instance: ProcessInstanceView; events: EventView[] }>> {
  const out = new Map<number, { instance: ProcessInstanceView; events: EventView[] }>();
  if (ids.length === 0) return out;
  const { rows } = await db.query<InstanceViewRow & { events: EventJson[] }>(
    `${INSTANCE_COLUMNS},
       case when cardinality($2::text[]) = 0 then '[]'::json else ${eventsOfInstance(' and e.element_id = any($2::text[])')} end as events
     from process_instance i join process_definition d on d.id = i.definition_id where i.id = any($1::bigint[])`,
    [[...ids], [...elements]], { name: 'engine-instances-with-events' });
  for (const row of rows) out.set(Number(row.id), { instance: instanceView(row), events: row.events.map(eventFromJson) });
  return out;
}

// ------------------------------------------------------------------ user tasks

type TaskRow = {
  id: number; instance_id: number; process_key: string; element_id: string; name: string | null; state: string; assignee: string | null;
  candidate_groups: string[]; candidate_users: string[]; form_key: string | null; due_at: Date | null; follow_up_at: Date | null;
  priority: number; created_at: Date; completed_at: Date | null; completed_by: string | null;
  pending?: 'assigning' | 'completing' | null; denied?: { event: 'assigning' | 'completing'; reason: string | null } | null;
};
/** An open task's transition waiting for task listeners, and the last one they denied, from its token. */
const TASK_LISTENER_STATE = `(i.execution -> 'tokens' -> t.element_instance -> 'taskListener' ->> 'event') as pending, (i.execution -> 'tokens' -> t.element_instance -> 'taskDenied') as denied`;
const TASK_SELECT = `select t.*, i.process_key, ${TASK_LISTENER_STATE} from user_task t join process_instance i on i.id = t.instance_id`;
function taskView(r: TaskRow): TaskView {
  return {
    id: r.id, instanceId: r.instance_id, processKey: r.process_key, elementId: r.element_id, name: r.name, state: r.state, assignee: r.assignee,
    candidateGroups: r.candidate_groups, candidateUsers: r.candidate_users, formKey: r.form_key, dueAt: iso(r.due_at), followUpAt: iso(r.follow_up_at),
    priority: r.priority, createdAt: iso(r.created_at)!, completedAt: iso(r.completed_at), completedBy: r.completed_by,
    ...(r.state === 'created' && r.pending ? { pending: r.pending } : {}), ...(r.state === 'created' && r.denied ? { denied: r.denied } : {}),
  };
}

export async function caseCandidateGroups(db: Queryable, instanceId: number): Promise<string[]> {
  const { rows } = await db.query<{ groups: string[] }>(
    `select coalesce(array_agg(distinct g), '{}') as groups from user_task t cross join unnest(t.candidate_groups) g
     where t.instance_id = $1 and t.state in ('created', 'completed')`, [instanceId], { name: 'engine-case-candidate-groups' });
  return rows[0]?.groups ?? [];
}

export interface TaskFilter { state?: string; assignee?: string; candidateGroups?: string[]; candidateUser?: string; instanceId?: number; processKey?: string; limit?: number; offset?: number }

export async function listTasks(db: Queryable, filter: TaskFilter): Promise<TaskView[]> {
  const { rows } = await db.query<TaskRow>(
    `${TASK_SELECT}
     where ($1::text is null or t.state = $1) and ($2::text is null or t.assignee = $2)
       and ($3::text[] is null or t.candidate_groups && $3::text[] or ($4::text is not null and $4 = any(t.candidate_users)))
       and ($5::bigint is null or t.instance_id = $5) and ($6::text is null or i.process_key = $6)
     order by t.due_at nulls last, t.id limit $7 offset $8`,
    [filter.state ?? 'created', filter.assignee ?? null, filter.candidateGroups ?? null, filter.candidateUser ?? null, filter.instanceId ?? null, filter.processKey ?? null, Math.min(filter.limit ?? 100, 1000), filter.offset ?? 0],
  );
  return rows.map(taskView);
}

export interface TaskPageFilter { candidateGroups: readonly string[]; assigned?: 'nobody' | 'anyone' | string; processKeys?: readonly string[]; businessKeyContains?: string; limit: number; offset: number }

export async function listTaskPage(db: Queryable, filter: TaskPageFilter): Promise<{ tasks: (TaskView & { businessKey: string | null })[]; total: number }> {
  const like = filter.businessKeyContains ? `%${filter.businessKeyContains.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const assigned = filter.assigned ?? 'anyone';
  // The instance (wide rows: execution and variables) is joined only for the page's rows and, through `exists`,
  // only when a filter needs it: with 10,000 open tasks, joining every match cost ≈ 40 ms of database time.
  const where = `where t.state = 'created' and t.candidate_groups && $1::text[]
       and ($2::text = 'anyone' or ($2::text = 'nobody' and t.assignee is null) or t.assignee = $2)
       and ($3::text[] is null or exists (select 1 from process_instance p where p.id = t.instance_id and p.process_key = any($3::text[])))
       and ($4::text is null or exists (select 1 from process_instance p where p.id = t.instance_id and p.business_key ilike $4))`;
  const params = [[...filter.candidateGroups], assigned, filter.processKeys ? [...filter.processKeys] : null, like];
  // The page and the count in one statement (one scan of the matching tasks); the count rides on each row.
  const { rows } = await db.query<TaskRow & { business_key: string | null; total: string | number }>(
    `with matching as materialized (select t.id, t.due_at from user_task t ${where}),
          page as (select id, due_at from matching order by due_at nulls last, id limit $5 offset $6)
     select t.*, i.process_key, i.business_key, ${TASK_LISTENER_STATE}, (select count(*) from matching) as total
     from page join user_task t on t.id = page.id join process_instance i on i.id = t.instance_id
     order by page.due_at nulls last, page.id`,
    [...params, Math.max(1, Math.min(filter.limit, 1000)), Math.max(0, filter.offset)]);
  // Past the last page there are no rows to carry the count: ask for it alone.
  const total = rows[0] ? Number(rows[0].total) : Number((await db.query<{ n: string | number }>(`select count(*) as n from user_task t ${where}`, params)).rows[0]?.n ?? 0);
  return { tasks: rows.map((r) => ({ ...taskView(r), businessKey: r.business_key })), total };
}

export async function readTask(db: Queryable, id: number): Promise<TaskView> {
  const { rows } = await db.query<TaskRow>(`${TASK_SELECT} where t.id = $1`, [id]);
  if (!rows[0]) throw new GovflowError('GOVFLOW_ERR_TASK_NOT_FOUND', `task ${id} does not exist`);
  return taskView(rows[0]);
}

// ------------------------------------------------------------------ definitions, incidents, timers

export async function readProcessXml(db: Queryable, definitionId: number): Promise<string> {
  const { rows } = await db.query<{ content: string }>(
    'select r.content from process_definition d join deployment_resource r on r.deployment_id = d.deployment_id and r.name = d.resource_name where d.id = $1 limit 1', [definitionId]);
  if (!rows[0]) throw new GovflowError('GOVFLOW_ERR_PROCESS_NOT_FOUND', `process definition ${definitionId} does not exist`);
  return rows[0].content;
}

export async function listIncidents(db: Queryable, filter: { instanceId?: number; state?: string }): Promise<IncidentView[]> {
  const { rows } = await db.query<{ id: number; instance_id: number; element_id: string; element_instance: string | null; job_id: number | null; kind: string; message: string; state: string; created_at: Date }>(
    'select * from incident where ($1::bigint is null or instance_id = $1) and ($2::text is null or state = $2) order by id', [filter.instanceId ?? null, filter.state ?? 'open']);
  return rows.map((r) => ({ id: r.id, instanceId: r.instance_id, elementId: r.element_id, elementInstance: r.element_instance, jobId: r.job_id, kind: r.kind, message: r.message, state: r.state, createdAt: iso(r.created_at)! }));
}

export async function nextTimerDue(db: Queryable): Promise<Date | null> {
  const { rows } = await db.query<{ due_at: Date }>("select min(due_at) as due_at from job where kind = 'timer' and state = 'ready'");
  return rows[0]?.due_at ? new Date(rows[0].due_at) : null;
}
