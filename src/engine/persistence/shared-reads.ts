import type { Queryable } from '../../store/index.js';
import type { EventType } from '../event-types.js';

/**
 * The engine's answers to other modules' questions about definitions, instances and jobs (issue 14: modules own
 * their tables). The API's scope checks, the admin pages and privacy ask here instead of naming the engine's
 * tables, so the schema and the shape of compiled models stay the engine's business.
 */

/** A deployed process or decision version, as the admin pages list them. */
export interface DeployedDefinition {
  readonly key: string;
  readonly version: number;
  readonly name: string | null;
  readonly deployedAt: string;
  readonly deploymentId: number;
}

interface DefinitionRow { key: string; version: number | string; name: string | null; deployed_at: Date | string; deployment_id: number | string }
const toDefinition = (r: DefinitionRow): DeployedDefinition => ({
  key: r.key, version: Number(r.version), name: r.name, deployedAt: new Date(r.deployed_at).toISOString(), deploymentId: Number(r.deployment_id),
});

/** Every deployed version of every process and decision, by key, newest version first. */
export async function listDeployedDefinitions(q: Queryable): Promise<{ processes: DeployedDefinition[]; decisions: DeployedDefinition[] }> {
  const [processes, decisions] = await Promise.all([
    q.query<DefinitionRow>('select key, version, name, deployed_at, deployment_id from process_definition order by key, version desc'),
    q.query<DefinitionRow>('select key, version, name, deployed_at, deployment_id from decision_definition order by key, version desc'),
  ]);
  return { processes: processes.rows.map(toDefinition), decisions: decisions.rows.map(toDefinition) };
}

/** The XML a process or decision version was deployed from; the latest version when `version` is omitted. */
export async function deployedSource(q: Queryable, kind: 'process' | 'decision', key: string, version?: number): Promise<{ version: number; xml: string; name: string | null; resource: string } | null> {
  const { rows } = kind === 'process'
    ? await q.query<{ version: number | string; xml: string; name: string | null; resource: string }>(
      `select p.version, r.content as xml, p.name, r.name as resource from process_definition p
       join deployment_resource r on r.deployment_id = p.deployment_id and r.name = p.resource_name
       where p.key = $1 and ($2::int is null or p.version = $2) order by p.version desc, r.id limit 1`, [key, version ?? null])
    : await q.query<{ version: number | string; xml: string; name: string | null; resource: string }>(
      `select d.version, r.content as xml, d.name, r.name as resource from decision_definition d join deployment_resource r on r.id = d.resource_id
       where d.key = $1 and ($2::int is null or d.version = $2) order by d.version desc limit 1`, [key, version ?? null]);
  const row = rows[0];
  return row ? { version: Number(row.version), xml: row.xml, name: row.name, resource: row.resource } : null;
}

/** The id of a process version's definition; any version's when `version` is omitted; null when none is deployed. */
export async function processDefinitionId(q: Queryable, key: string, version?: number): Promise<number | null> {
  const { rows } = await q.query<{ id: number | string }>(
    'select id from process_definition where key = $1 and ($2::int is null or version = $2) order by version desc limit 1', [key, version ?? null]);
  return rows[0] ? Number(rows[0].id) : null;
}

/** The latest deployed version of a decision (null when none is): a cheap check before using a cached copy of its DMN. */
export async function latestDecisionVersion(q: Queryable, key: string): Promise<number | null> {
  const { rows } = await q.query<{ version: number | string | null }>('select max(version) as version from decision_definition where key = $1', [key]);
  return rows[0]?.version == null ? null : Number(rows[0].version);
}

/** The latest deployed version of each of these decisions (absent: none is deployed), in one statement. */
export async function latestDecisionVersions(q: Queryable, keys: readonly string[]): Promise<Map<string, number>> {
  const { rows } = await q.query<{ key: string; version: number | string }>('select key, max(version) as version from decision_definition where key = any($1::text[]) group by key', [keys]);
  return new Map(rows.map((r) => [r.key, Number(r.version)]));
}

export async function isDecisionDeployed(q: Queryable, key: string): Promise<boolean> {
  return (await q.query('select 1 from decision_definition where key = $1 limit 1', [key])).rows.length > 0;
}

/**
 * The process key of the case an instance belongs to: its own, or, for a process called by another (a call
 * activity), the top-level caller's. Undefined for an unknown instance.
 */
export async function caseProcessKey(q: Queryable, instanceId: number): Promise<string | undefined> {
  const { rows } = await q.query<{ process_key: string }>(
    `with recursive up(id, parent, process_key, depth) as (
       select id, parent_instance_id, process_key, 0 from process_instance where id = $1
       union all
       select p.id, p.parent_instance_id, p.process_key, up.depth + 1 from process_instance p join up on p.id = up.parent where up.depth < 100)
     select process_key from up where parent is null`, [instanceId], { name: 'engine-case-process-key' });
  return rows[0]?.process_key;
}

/** The instance of a worker job (a service task's job), or null for an unknown one. */
export async function instanceOfJob(q: Queryable, jobId: number): Promise<number | null> {
  const { rows } = await q.query<{ instance_id: string | number }>("select instance_id from job where id = $1 and kind = 'task'", [jobId]);
  return rows[0] ? Number(rows[0].instance_id) : null;
}

/** What one element of a deployed process connects to: the process it calls, the message or signal it catches, the decision it uses. */
export interface ElementReach {
  readonly processKey: string;
  readonly elementType: string;
  readonly eventKind: string | null;
  readonly messageName: string | null;
  readonly signalName: string | null;
  readonly calledProcess: string | null;
  readonly decisionId: string | null;
}

/**
 * The reach of every element of every deployed process version, with the newest definition id it covers (a
 * caller caches the answer until that id changes). Read from the compiled models, whose shape only the engine knows.
 */
export async function deployedReach(q: Queryable, knownUpTo?: number): Promise<{ upTo: number; elements: ElementReach[] | null }> {
  const upTo = Number((await q.query<{ n: string | number | null }>('select max(id) as n from process_definition')).rows[0]?.n ?? 0);
  if (knownUpTo === upTo) return { upTo, elements: null };
  const { rows } = await q.query<{ key: string; type: string; kind: string | null; message: string | null; signal: string | null; called: string | null; decision: string | null }>(
    `select d.key, e.value->>'type' as type, e.value->'event'->>'kind' as kind, e.value->'event'->>'messageName' as message, e.value->'event'->>'signalName' as signal,
            e.value->'calledElement'->>'processId' as called, e.value->'decision'->>'decisionId' as decision
     from process_definition d cross join lateral jsonb_each(d.model->'elements') e where d.id <= $1`, [upTo]);
  return {
    upTo,
    elements: rows.map((r) => ({ processKey: r.key, elementType: r.type, eventKind: r.kind, messageName: r.message, signalName: r.signal, calledProcess: r.called, decisionId: r.decision })),
  };
}

/**
 * A case's events at some of its elements (where it waits for the applicant: the SLA clock's pauses), in order,
 * read through `q` so that a projector reads inside its own transaction.
 */
export async function caseElementEvents(q: Queryable, instanceId: number, elementIds: readonly string[]): Promise<{ type: EventType; elementId: string; occurredAt: string }[]> {
  if (elementIds.length === 0) return [];
  const { rows } = await q.query<{ type: EventType; element_id: string; occurred_at: Date | string }>(
    'select type, element_id, occurred_at from event_log where instance_id = $1 and element_id = any($2::text[]) order by seq', [instanceId, [...elementIds]]);
  return rows.map((r) => ({ type: r.type, elementId: r.element_id, occurredAt: new Date(r.occurred_at).toISOString() }));
}

/** When a case started, read through `q` (a projector's transaction); null for no such case. */
export async function caseStartedAt(q: Queryable, instanceId: number): Promise<string | null> {
  const { rows } = await q.query<{ started_at: Date | string }>('select started_at from process_instance where id = $1', [instanceId]);
  return rows[0] ? new Date(rows[0].started_at).toISOString() : null;
}
