import type { Queryable } from '../../store/index.js';
import type { DecisionBindingSpec, ProcessModel } from '../model/types.js';
import type { DecisionBinding } from '../runtime/types.js';

/** Deployments, process and decision definitions, start triggers, and the decision versions a case binds to. */

/** One deployment at a time, so two processes deploying the same key cannot both take version n+1. */
export async function insertDeployment(tx: Queryable, name: string, now: Date): Promise<number> {
  await tx.query('select pg_advisory_xact_lock(7482002)');
  const { rows } = await tx.query<{ id: number }>('insert into deployment (name, created_at) values ($1, $2) returning id', [name, now]);
  return rows[0]!.id;
}

export async function insertResource(tx: Queryable, deploymentId: number, resource: { name: string; kind: string; checksum: string; content: string }): Promise<number> {
  const { rows } = await tx.query<{ id: number }>('insert into deployment_resource (deployment_id, name, kind, checksum, content) values ($1, $2, $3, $4, $5) returning id',
    [deploymentId, resource.name, resource.kind, resource.checksum, resource.content]);
  return rows[0]!.id;
}

export async function latestProcessVersion(tx: Queryable, key: string): Promise<{ id: number; version: number; checksum: string; name: string | null } | undefined> {
  const { rows } = await tx.query<{ id: number; version: number; checksum: string; name: string | null }>('select id, version, checksum, name from process_definition where key = $1 order by version desc limit 1', [key]);
  return rows[0];
}

export async function insertProcessDefinition(tx: Queryable, d: { key: string; version: number; name: string | null; checksum: string; deploymentId: number; resourceName: string; modelJson: string; now: Date }): Promise<number> {
  const { rows } = await tx.query<{ id: number }>(
    'insert into process_definition (key, version, name, checksum, deployment_id, resource_name, model, deployed_at) values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8) returning id',
    [d.key, d.version, d.name, d.checksum, d.deploymentId, d.resourceName, d.modelJson, d.now]);
  return rows[0]!.id;
}

export async function latestDecisionVersion(tx: Queryable, key: string): Promise<{ id: number; version: number; checksum: string; version_tag: string | null } | undefined> {
  const { rows } = await tx.query<{ id: number; version: number; checksum: string; version_tag: string | null }>('select id, version, checksum, version_tag from decision_definition where key = $1 order by version desc limit 1', [key]);
  return rows[0];
}

export async function insertDecisionDefinition(tx: Queryable, d: { key: string; version: number; name: string; versionTag: string | null; checksum: string; deploymentId: number; resourceId: number; now: Date }): Promise<number> {
  const { rows } = await tx.query<{ id: number }>(
    'insert into decision_definition (key, version, name, version_tag, checksum, deployment_id, resource_id, deployed_at) values ($1, $2, $3, $4, $5, $6, $7, $8) returning id',
    [d.key, d.version, d.name, d.versionTag, d.checksum, d.deploymentId, d.resourceId, d.now]);
  return rows[0]!.id;
}

/** Message, signal and timer start events of the newest version replace those of older versions. */
export async function clearStartTriggers(tx: Queryable, key: string): Promise<void> {
  await tx.query('delete from event_subscription where instance_id is null and definition_id in (select id from process_definition where key = $1)', [key]);
  await tx.query("delete from job where instance_id is null and kind = 'timer' and definition_id in (select id from process_definition where key = $1)", [key]);
}

export async function insertStartSubscription(tx: Queryable, kind: 'message' | 'signal', name: string, definitionId: number, elementId: string, now: Date): Promise<void> {
  await tx.query('insert into event_subscription (kind, name, correlation_key, instance_id, definition_id, element_id, element_instance, created_at) values ($1, $2, null, null, $3, $4, null, $5)',
    [kind, name, definitionId, elementId, now]);
}

export async function insertStartTimer(tx: Queryable, definitionId: number, elementId: string, dueAt: string, cycle: string | null, now: Date): Promise<void> {
  await tx.query(`insert into job (instance_id, definition_id, element_id, element_instance, kind, type, state, retries, due_at, timer_cycle, created_at, idempotency_key)
    values (null, $1, $2, null, 'timer', 'timer', 'ready', 0, $3, $4, $5, $6)`, [definitionId, elementId, dueAt, cycle, now, `start-${definitionId}-${elementId}-${dueAt}`]);
}

// ------------------------------------------------------------------ decision bindings

/** A business-rule task to bind: its element id, the decision key and how it binds. */
export interface BindingRequest {
  readonly elementId: string;
  readonly decisionKey: string;
  readonly binding: DecisionBindingSpec | undefined;
}

/** The business-rule tasks of a model that call a decision, each with its binding (computed once per model). */
export function bindingRequests(model: ProcessModel): BindingRequest[] {
  const out: BindingRequest[] = [];
  for (const element of Object.values(model.elements)) {
    if (element.decision) out.push({ elementId: element.id, decisionKey: element.decision.decisionId, binding: element.decision.binding });
  }
  return out;
}

/**
 * Resolves bindings in one statement: per task, the newest version of its decision that matches the binding
 * (any for latest; at most the process version's deployment for deployment; that number; that tag). Tasks whose
 * decision has no matching version are left out.
 */
export async function resolveBindings(db: Queryable, definitionId: number, requests: readonly BindingRequest[]): Promise<Record<string, DecisionBinding>> {
  if (requests.length === 0) return {};
  const { rows } = await db.query<{ el: string; id: number; key: string; version: number; version_tag: string | null }>(
    `select r.el, x.id, x.key, x.version, x.version_tag
     from jsonb_to_recordset($1::jsonb) as r(el text, key text, kind text, version int, tag text)
     cross join lateral (
       select dd.id, dd.key, dd.version, dd.version_tag from decision_definition dd
       where dd.key = r.key
         and (r.kind is distinct from 'version' or dd.version = r.version)
         and (r.kind is distinct from 'versionTag' or dd.version_tag = r.tag)
         and (r.kind is distinct from 'deployment' or dd.deployment_id <= (select deployment_id from process_definition where id = $2))
       order by dd.version desc limit 1) x`,
    [JSON.stringify(requests.map((q) => ({
      el: q.elementId, key: q.decisionKey, kind: q.binding?.type ?? 'latest',
      version: q.binding?.type === 'version' ? q.binding.version : null, tag: q.binding?.type === 'versionTag' ? q.binding.versionTag : null,
    }))), definitionId],
    { name: 'engine-resolve-decision-bindings' });
  const out: Record<string, DecisionBinding> = {};
  for (const r of rows) out[r.el] = { decisionKey: r.key, decisionDefinitionId: Number(r.id), version: r.version, versionTag: r.version_tag };
  return out;
}

/** Records bindings found after the start (a decision deployed later); existing bindings are never replaced. */
export async function addBindings(tx: Queryable, instanceId: number, bindings: Record<string, DecisionBinding>): Promise<void> {
  await tx.query('update process_instance set decision_bindings = $2::jsonb || decision_bindings where id = $1', [instanceId, JSON.stringify(bindings)]);
}

/** The DMN files of decision definitions, by definition id (deployed resources never change, so callers cache). */
export async function loadDecisionSources(db: Queryable, ids: readonly number[]): Promise<Map<number, { xml: string; name: string }>> {
  const { rows } = await db.query<{ id: number; content: string; name: string }>(
    'select d.id, r.content, r.name from decision_definition d join deployment_resource r on r.id = d.resource_id where d.id = any($1::bigint[])', [[...ids]]);
  return new Map(rows.map((r) => [Number(r.id), { xml: r.content, name: r.name }]));
}
