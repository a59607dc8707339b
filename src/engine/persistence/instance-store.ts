import type { Queryable } from '../../store/index.js';
import type { ProcessModel } from '../model/types.js';
import type { EngineEvent, ExecutionState, InstanceStatus, Variables } from '../runtime/types.js';

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
  options: { businessKey: string | null; parentInstanceId: number | null; parentElementInstance: string | null; now: Date },
): Promise<InstanceRow> {
  const { rows } = await tx.query<InstanceRow>(
    `insert into process_instance (definition_id, process_key, business_key, state, execution, variables, parent_instance_id, parent_element_instance, started_at)
     values ($1, $2, $3, 'active', '{"nextId":1,"tokens":{},"joins":{}}', '{}', $4, $5, $6) returning *`,
    [definition.id, definition.key, options.businessKey, options.parentInstanceId, options.parentElementInstance, options.now],
  );
  return rows[0]!;
}

export async function saveInstance(tx: Queryable, row: InstanceRow, execution: ExecutionState, variables: Variables, state: InstanceStatus, lastSeq: number, now: Date): Promise<void> {
  await tx.query(
    'update process_instance set execution = $2::jsonb, variables = $3::jsonb, state = $4, last_seq = $5, ended_at = $6 where id = $1',
    [row.id, JSON.stringify(execution), JSON.stringify(variables), state, lastSeq, state === 'active' ? null : now],
  );
}

/** Appends a step's events with gap-free sequence numbers, in one statement. */
export async function appendEvents(tx: Queryable, instanceId: number | null, firstSeq: number, events: readonly EngineEvent[], actor: string | null, now: Date): Promise<void> {
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
