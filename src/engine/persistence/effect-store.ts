import type { Queryable } from '../../store/index.js';
import type { Effect, Token, Variables } from '../runtime/types.js';
import { JOB_WAKE_CHANNEL, listenerKeySuffix } from './instance-store.js';

/**
 * The writes of a step's effects that are not folded into the step's own statement (see `saveStep`): one
 * function per effect kind, applied in the order the runtime produced them.
 */

type EffectOf<T extends Effect['type']> = Extract<Effect, { type: T }>;
interface Owner { readonly instanceId: number; readonly definitionId: number }

export async function insertTaskJob(tx: Queryable, owner: Owner, effect: EffectOf<'createJob'>, now: Date, notify: boolean): Promise<void> {
  await tx.query(
    `insert into job (instance_id, definition_id, element_id, element_instance, kind, type, state, retries, due_at, headers, created_at, idempotency_key)
     values ($1, $2, $3, $4, 'task', $5, 'ready', $6, $7, $8::jsonb, $7, $9)`,
    [owner.instanceId, owner.definitionId, effect.elementId, effect.elementInstance, effect.jobType, effect.retries, now, JSON.stringify(effect.headers), `${owner.instanceId}-${effect.elementInstance}-${effect.elementId}${listenerKeySuffix(effect.listener)}`],
  );
  if (notify) await tx.query('select pg_notify($1, $2)', [JOB_WAKE_CHANNEL, effect.jobType]);
}

export async function insertTimer(tx: Queryable, owner: Owner, effect: EffectOf<'createTimer'>, now: Date): Promise<void> {
  await tx.query(
    `insert into job (instance_id, definition_id, element_id, element_instance, kind, type, state, retries, due_at, timer_cycle, created_at, idempotency_key)
     values ($1, $2, $3, $4, 'timer', 'timer', 'ready', 0, $5, $6, $7, $8)`,
    [owner.instanceId, owner.definitionId, effect.elementId, effect.elementInstance, effect.dueAt, effect.cycle ?? null, now, `${owner.instanceId}-${effect.elementInstance}-${effect.elementId}-${effect.dueAt}`],
  );
}

export async function insertUserTask(tx: Queryable, owner: Owner, effect: EffectOf<'createTask'>, now: Date): Promise<void> {
  await tx.query(
    `insert into user_task (instance_id, definition_id, element_id, element_instance, name, state, assignee, candidate_groups, candidate_users, form_key, due_at, follow_up_at, priority, created_at)
     values ($1, $2, $3, $4, $5, 'created', $6, $7::text[], $8::text[], $9, $10, $11, $12, $13)`,
    [owner.instanceId, owner.definitionId, effect.elementId, effect.elementInstance, effect.name, effect.assignee, effect.candidateGroups, effect.candidateUsers, effect.formKey, effect.dueAt, effect.followUpAt, effect.priority, now],
  );
}

/**
 * Subscribes a token to a message or signal. A message that arrived before anyone waited for it is taken from
 * the buffer and returned (its subscription removed again), for the caller to deliver now. Delivered once: a
 * message with an id stays behind as a marker (expires at -infinity) so a repeated publish is ignored.
 */
export async function subscribe(tx: Queryable, owner: Owner, effect: EffectOf<'subscribe'>, now: Date): Promise<{ variables: Variables } | undefined> {
  await tx.query('insert into event_subscription (kind, name, correlation_key, instance_id, definition_id, element_id, element_instance, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8)',
    [effect.kind, effect.name, effect.correlationKey, owner.instanceId, owner.definitionId, effect.elementId, effect.elementInstance, now]);
  if (effect.kind !== 'message') return undefined;
  const buffered = await tx.query<{ id: number; variables: Variables }>(
    `with picked as (select id from message_buffer where name = $1 and correlation_key is not distinct from $2 and expires_at > $3 order by id limit 1 for update skip locked),
       gone as (delete from message_buffer m using picked where m.id = picked.id and m.message_id is null returning m.id, m.variables),
       kept as (update message_buffer m set expires_at = '-infinity' from picked where m.id = picked.id and m.message_id is not null returning m.id, m.variables)
     select id, variables from gone union all select id, variables from kept`,
    [effect.name, effect.correlationKey, now],
  );
  const message = buffered.rows[0];
  if (!message) return undefined;
  await tx.query('delete from event_subscription where instance_id = $1 and element_instance = $2 and element_id = $3', [owner.instanceId, effect.elementInstance, effect.elementId]);
  return { variables: message.variables };
}

export async function cancelWaits(tx: Queryable, instanceId: number, effect: EffectOf<'cancelWaits'>, now: Date): Promise<void> {
  const ids = effect.elementIds ?? null;
  await tx.query('delete from job where instance_id = $1 and element_instance = $2 and ($3::text[] is null or element_id = any($3::text[]))', [instanceId, effect.elementInstance, ids]);
  await tx.query('delete from event_subscription where instance_id = $1 and element_instance = $2 and ($3::text[] is null or element_id = any($3::text[]))', [instanceId, effect.elementInstance, ids]);
  if (ids === null) await tx.query("update user_task set state = 'cancelled', completed_at = $3 where instance_id = $1 and element_instance = $2 and state = 'created'", [instanceId, effect.elementInstance, now]);
}

export async function activeChildren(tx: Queryable, instanceId: number, elementInstance: string): Promise<number[]> {
  const { rows } = await tx.query<{ id: number }>("select id from process_instance where parent_instance_id = $1 and parent_element_instance = $2 and state = 'active'", [instanceId, elementInstance]);
  return rows.map((r) => r.id);
}

export async function resolveIncidentsOf(tx: Queryable, instanceId: number, elementInstance: string, now: Date): Promise<void> {
  await tx.query("update incident set state = 'resolved', resolved_at = $3 where instance_id = $1 and element_instance = $2 and state = 'open'", [instanceId, elementInstance, now]);
}

/** Opens an incident; without `elementId` the element is read from the token of `elementInstance`. */
export async function insertIncident(tx: Queryable, incident: { instanceId: number; elementInstance: string; kind: string; message: string; now: Date; elementId?: string | undefined; jobId?: number | undefined }): Promise<void> {
  let element = incident.elementId;
  if (!element) {
    const { rows } = await tx.query<{ execution: { tokens: Record<string, Token> } }>('select execution from process_instance where id = $1', [incident.instanceId]);
    element = rows[0]?.execution.tokens[incident.elementInstance]?.elementId ?? 'unknown';
  }
  await tx.query("insert into incident (instance_id, element_id, element_instance, job_id, kind, message, state, created_at) values ($1, $2, $3, $4, $5, $6, 'open', $7)",
    [incident.instanceId, element, incident.elementInstance, incident.jobId ?? null, incident.kind, incident.message, incident.now]);
}
