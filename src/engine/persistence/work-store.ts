import type { Queryable } from '../../store/index.js';
import type { EventType } from '../event-types.js';
import type { ExecutionState, InstanceStatus, Variables } from '../runtime/types.js';
import { appendEvents, type VersionedInstanceRow } from './instance-store.js';

/** The engine's SQL for work outside a step: user tasks, external-worker jobs, timers, incidents, messages, signals. */

/** An event appended outside a runtime step (a claim, a job failure, a case event recorded by another module). */
export interface AppendedEvent {
  readonly type: EventType;
  readonly elementId?: string | undefined;
  readonly elementInstance?: string | undefined;
  readonly data: Record<string, unknown>;
}

/** An event that does not change execution state still gets the instance's next sequence number. */
export async function appendInstanceEvent(tx: Queryable, instanceId: number, event: AppendedEvent, actor: string | null, now: Date): Promise<void> {
  const { rows } = await tx.query<{ last_seq: number }>('update process_instance set last_seq = last_seq + 1 where id = $1 returning last_seq', [instanceId]);
  await appendEvents(tx, instanceId, rows[0]!.last_seq, [event], actor, now);
}

export async function instanceExists(tx: Queryable, id: number): Promise<boolean> {
  const { rows } = await tx.query('select 1 from process_instance where id = $1', [id]);
  return rows.length > 0;
}

// ------------------------------------------------------------------ user tasks

export interface LockedTask { id: number; instance_id: number; element_id: string; element_instance: string; state: string; assignee: string | null; candidate_groups: string[] }

/** Locks a task row (after its instance: the lock order of every step). Undefined when it does not exist. */
export async function lockTask(tx: Queryable, id: number): Promise<LockedTask | undefined> {
  const { rows } = await tx.query<LockedTask>('select id, instance_id, element_id, element_instance, state, assignee, candidate_groups from user_task where id = $1 for update', [id]);
  return rows[0];
}

export async function taskInstanceId(tx: Queryable, id: number): Promise<number | undefined> {
  const { rows } = await tx.query<{ instance_id: number }>('select instance_id from user_task where id = $1', [id]);
  return rows[0]?.instance_id;
}

export async function setTaskAssignee(tx: Queryable, id: number, assignee: string | null): Promise<void> {
  await tx.query('update user_task set assignee = $2 where id = $1', [id, assignee]);
}

export async function setTaskCandidateGroups(tx: Queryable, id: number, groups: readonly string[]): Promise<void> {
  await tx.query('update user_task set candidate_groups = $2::text[], assignee = null where id = $1', [id, [...groups]]);
}

export async function markTaskCompleted(tx: Queryable, id: number, now: Date, actor: string | null): Promise<void> {
  await tx.query("update user_task set state = 'completed', completed_at = $2, completed_by = $3 where id = $1", [id, now, actor]);
}

// ------------------------------------------------------------------ jobs

export interface ActivatedJobRow {
  id: number; type: string; instance_id: number; element_id: string; element_instance: string; retries: number; headers: Record<string, string>; lock_expires_at: Date; idempotency_key: string;
  process_key: string; variables: Variables; execution: ExecutionState; definition_id: number; business_key: string | null; last_seq: number; instance_state: InstanceStatus; parent_instance_id: number | null;
  parent_element_instance: string | null; started_at: Date; row_version: string; decision_bindings: VersionedInstanceRow['decision_bindings'];
}

/**
 * Locks up to `maxJobs` ready jobs of a type (`FOR UPDATE SKIP LOCKED`) and returns them with their instances as
 * they are now. With `processKeys`, only jobs of cases whose top-level process is one of them (and the processes
 * those cases called).
 */
export async function activateJobRows(db: Queryable, options: { type: string; worker: string; maxJobs: number; now: Date; lockUntil: Date; processKeys?: readonly string[] | undefined }): Promise<ActivatedJobRow[]> {
  const scoped = options.processKeys !== undefined;
  const { rows } = await db.query<ActivatedJobRow>(
    `with ${scoped ? `recursive cases(id) as (
       select id from process_instance where parent_instance_id is null and state = 'active' and process_key = any($6::text[])
       union all
       select c.id from process_instance c join cases on c.parent_instance_id = cases.id), ` : ''}picked as (
       select id from job
       where kind = 'task' and type = $1 and ((state = 'ready' and due_at <= $2) or (state = 'locked' and lock_expires_at < $2))${scoped ? ' and instance_id in (select id from cases)' : ''}
       order by due_at, id limit $3 for update skip locked)
     update job j set state = 'locked', lock_owner = $4, lock_expires_at = $5
     from picked, process_instance i where j.id = picked.id and i.id = j.instance_id
     returning j.id, j.type, j.instance_id, j.element_id, j.element_instance, j.retries, j.headers, j.lock_expires_at, j.idempotency_key, i.process_key, i.variables, i.execution,
       i.definition_id, i.business_key, i.last_seq, i.state as instance_state, i.parent_instance_id, i.parent_element_instance, i.started_at, i.xmin::text as row_version, i.decision_bindings`,
    [options.type, options.now, Math.max(1, Math.min(options.maxJobs, 1000)), options.worker, options.lockUntil, ...(scoped ? [[...options.processKeys!]] : [])],
    { name: scoped ? 'govflow_activate_jobs_scoped_v2' : 'govflow_activate_jobs_v2' },
  );
  return rows;
}

export interface LockedJob { id: number; instance_id: number; element_id: string; element_instance: string; retries: number; state: string; lock_owner: string | null }

/** The instance of an external-worker job, unlocked (to lock the instance before the job). */
export async function jobInstanceId(tx: Queryable, id: number): Promise<number | undefined> {
  const { rows } = await tx.query<{ instance_id: number }>("select instance_id from job where id = $1 and kind = 'task'", [id]);
  return rows[0]?.instance_id;
}

export async function lockJobRow(tx: Queryable, id: number): Promise<LockedJob | undefined> {
  const { rows } = await tx.query<LockedJob>('select id, instance_id, element_id, element_instance, retries, state, lock_owner from job where id = $1 for update', [id]);
  return rows[0];
}

export async function deleteJob(tx: Queryable, id: number): Promise<void> {
  await tx.query('delete from job where id = $1', [id]);
}

/** A failed attempt: back to ready after the backoff while retries remain, else failed (an incident follows). */
export async function recordJobFailure(tx: Queryable, id: number, retries: number, retryAt: Date, message: string): Promise<void> {
  if (retries > 0) {
    await tx.query("update job set state = 'ready', retries = $2, due_at = $3, lock_owner = null, lock_expires_at = null, error_message = $4 where id = $1", [id, retries, retryAt, message]);
  } else {
    await tx.query("update job set state = 'failed', retries = 0, lock_owner = null, lock_expires_at = null, error_message = $2 where id = $1", [id, message]);
  }
}

// ------------------------------------------------------------------ timers

export interface DueTimer { id: number; instance_id: number | null; definition_id: number; element_id: string; element_instance: string | null; timer_cycle: string | null; due_at: Date }

/** Claims the next due timer (SKIP LOCKED, so several processes can fire timers at once). */
export async function claimDueTimer(tx: Queryable, now: Date): Promise<DueTimer | undefined> {
  const { rows } = await tx.query<DueTimer>(
    "select id, instance_id, definition_id, element_id, element_instance, timer_cycle, due_at from job where kind = 'timer' and state = 'ready' and due_at <= $1 order by due_at, id limit 1 for update skip locked", [now]);
  return rows[0];
}

export async function rescheduleTimer(tx: Queryable, id: number, dueAt: string, cycle: string | null): Promise<void> {
  await tx.query('update job set due_at = $2, timer_cycle = $3, idempotency_key = $4 where id = $1', [id, dueAt, cycle, `${id}-${dueAt}`]);
}

// ------------------------------------------------------------------ incidents

export interface IncidentRow { id: number; instance_id: number; element_id: string; element_instance: string | null; job_id: number | null; state: string }

export async function readIncident(tx: Queryable, id: number): Promise<IncidentRow | undefined> {
  const { rows } = await tx.query<IncidentRow>('select id, instance_id, element_id, element_instance, job_id, state from incident where id = $1', [id]);
  return rows[0];
}

export async function markIncidentResolved(tx: Queryable, id: number, now: Date): Promise<void> {
  await tx.query("update incident set state = 'resolved', resolved_at = $2 where id = $1", [id, now]);
}

/** A failed job gets retries back and is ready now. */
export async function rearmJob(tx: Queryable, jobId: number, retries: number, now: Date): Promise<void> {
  await tx.query("update job set state = 'ready', retries = $2, due_at = $3, error_message = null where id = $1", [jobId, retries, now]);
}

// ------------------------------------------------------------------ messages and signals

export interface Waiter { instance_id: number; element_id: string; element_instance: string }

/**
 * Claims a message id first with a marker that is never delivered (expires at -infinity): a repeated or
 * concurrent publish of the same message waits on the unique index, then finds the id taken (false).
 */
export async function claimMessageId(tx: Queryable, message: { name: string; correlationKey: string | null; messageId: string }, now: Date): Promise<boolean> {
  const claimed = await tx.query(`insert into message_buffer (name, correlation_key, message_id, variables, expires_at, created_at)
    values ($1, $2, $3, '{}'::jsonb, '-infinity', $4) on conflict (message_id) do nothing returning id`, [message.name, message.correlationKey, message.messageId, now]);
  return claimed.rows.length > 0;
}

/** Takes one subscription per waiting instance (the oldest): a message is one event for each instance that waits. */
export async function takeMessageWaiters(tx: Queryable, name: string, correlationKey: string | null): Promise<Waiter[]> {
  const { rows } = await tx.query<Waiter>(
    `delete from event_subscription where id in (
       select s.id from event_subscription s
       where s.kind = 'message' and s.name = $1 and s.correlation_key is not distinct from $2 and s.instance_id is not null
         and not exists (select 1 from event_subscription o where o.kind = 'message' and o.name = $1 and o.correlation_key is not distinct from $2
                         and o.instance_id = s.instance_id and o.id < s.id)
       for update skip locked)
     returning instance_id, element_id, element_instance`,
    [name, correlationKey],
  );
  return rows;
}

export async function takeSignalWaiters(tx: Queryable, name: string): Promise<Waiter[]> {
  const { rows } = await tx.query<Waiter>("delete from event_subscription where kind = 'signal' and name = $1 and instance_id is not null returning instance_id, element_id, element_instance", [name]);
  return rows;
}

/** Process versions started by a message or signal start event of this name. */
export async function startSubscriptions(tx: Queryable, kind: 'message' | 'signal', name: string): Promise<{ definition_id: number; element_id: string }[]> {
  const { rows } = await tx.query<{ definition_id: number; element_id: string }>(
    'select definition_id, element_id from event_subscription where kind = $1 and name = $2 and instance_id is null order by definition_id', [kind, name]);
  return rows;
}

export async function hasActiveInstanceWithKey(tx: Queryable, definitionId: number, businessKey: string): Promise<boolean> {
  const { rows } = await tx.query("select 1 from process_instance i where i.definition_id = $1 and i.business_key = $2 and i.state = 'active' limit 1", [definitionId, businessKey]);
  return rows.length > 0;
}

export async function bufferMessage(tx: Queryable, message: { name: string; correlationKey: string | null; messageId: string | null; variables: Variables; expiresAt: Date }, now: Date): Promise<void> {
  await tx.query(`insert into message_buffer (name, correlation_key, message_id, variables, expires_at, created_at) values ($1, $2, $3, $4::jsonb, $5, $6)
    on conflict (message_id) do update set variables = excluded.variables, expires_at = excluded.expires_at`,
    [message.name, message.correlationKey, message.messageId, JSON.stringify(message.variables), message.expiresAt, now]);
}

/**
 * Moves a case's waiting timer at `elementId` (its SLA escalation, issue 20) to `dueAt`: the SLA clock moved it
 * (a pause, a resume, an SLA change). Returns how many timers moved (0 once it fired or the case moved on).
 */
export async function moveCaseTimer(tx: Queryable, instanceId: number, elementId: string, dueAt: string): Promise<number> {
  const result = await tx.query("update job set due_at = $3 where instance_id = $1 and element_id = $2 and kind = 'timer' and state = 'ready' and due_at <> $3", [instanceId, elementId, dueAt]);
  return result.rowCount;
}
