/**
 * govflow's own event log as a mining log, straight from the `process_event` view: case = process instance,
 * activity = the element's name (or id) of tasks and other activities, lifecycle start/complete from
 * element.activated/element.completed, resource = the actor who claimed or completed the task.
 */
import type { EventType } from '../engine/index.js';
import type { Queryable } from '../store/index.js';
import { EventLogBuilder, LIFECYCLE_COMPLETE, LIFECYCLE_START, type EventLog } from './event-log.js';

export interface DatabaseLogFilter {
  readonly processKey?: string;
  /** A process definition id (one version of a process). */
  readonly definitionId?: string | number;
}

/** What mining reads of a case's log; typed by the engine's union, so a name it never writes does not compile. */
const MINED_EVENT_TYPES: readonly EventType[] = ['element.activated', 'element.completed', 'task.claimed', 'task.completed'];

interface Row {
  instance_id: string | number;
  type: EventType;
  element_id: string | null;
  element_instance: string | null;
  actor: string | null;
  occurred_at: Date | string;
  name: string | null;
  element_type: string | null;
  business_key: string | null;
}

// Gateways, events and flows are how a process is wired, not work anyone does: mining shows activities only.
const ACTIVITY_TYPE = /task$|subprocess$|callactivity$|transaction$/i;

export async function readEventLogFromDatabase(db: Queryable, filter: DatabaseLogFilter = {}): Promise<EventLog> {
  const params: unknown[] = [];
  const where: string[] = [`type in (${MINED_EVENT_TYPES.map((type) => `'${type}'`).join(', ')})`, 'instance_id is not null'];
  if (filter.processKey !== undefined) {
    params.push(filter.processKey);
    where.push(`process_key = $${params.length}`);
  }
  if (filter.definitionId !== undefined) {
    params.push(String(filter.definitionId));
    where.push(`definition_id = $${params.length}::bigint`);
  }
  const { rows } = await db.query<Row>(
    `select instance_id, type, element_id, element_instance, actor, occurred_at, business_key,
            data->>'name' as name, data->>'elementType' as element_type
       from process_event where ${where.join(' and ')}
      order by instance_id, seq`,
    params,
  );
  const builder = new EventLogBuilder();
  let current: string | undefined;
  let businessKey: string | null = null;
  let actors = new Map<string, string>();
  const close = (): void => {
    if (current === undefined) return;
    if (builder.eventsSoFar > builder.openCaseStart) {
      builder.endCase(current, businessKey ? new Map([['businessKey', businessKey]]) : undefined);
    }
  };
  for (const row of rows) {
    const instance = String(row.instance_id);
    if (instance !== current) {
      close();
      current = instance;
      businessKey = row.business_key;
      actors = new Map();
    }
    const key = row.element_instance ?? row.element_id ?? '';
    if (row.type === 'task.claimed' || row.type === 'task.completed') {
      if (row.actor) actors.set(key, row.actor);
      continue;
    }
    if (row.element_type && !ACTIVITY_TYPE.test(row.element_type)) continue;
    const activity = row.name && row.name.trim() !== '' ? row.name : (row.element_id ?? '?');
    const ts = row.occurred_at instanceof Date ? row.occurred_at.getTime() : Date.parse(row.occurred_at);
    const actor = row.actor ?? actors.get(key);
    builder.addEvent(
      builder.activityId(activity),
      ts,
      actor ? builder.resourceId(actor) : -1,
      -1,
      row.type === 'element.activated' ? LIFECYCLE_START : LIFECYCLE_COMPLETE,
    );
  }
  close();
  return builder.build();
}
