import { createHash } from 'node:crypto';
import { GovflowError } from '../kernel/index.js';
import { transactionWithRetry, type Database, type Queryable } from '../store/index.js';
import type { Clock } from './clock.js';
import { compileBpmn } from './model/compile-bpmn.js';
import type { ProcessModel } from './model/types.js';
import * as definitions from './persistence/definition-store.js';
import { appendEvents, type DefinitionRow } from './persistence/instance-store.js';
import { computeTimer } from './runtime/timers.js';
import type { DecisionEngine, DeployedProcess, DeploymentResult, DeployResource } from './views.js';

/** Deploying BPMN, DMN and forms: everything is parsed and validated before anything is written. */

interface CompiledResource {
  readonly resource: DeployResource;
  readonly kind: 'bpmn' | 'dmn' | 'form';
  readonly processes: readonly ProcessModel[];
  readonly decisions: readonly { id: string; name: string; versionTag?: string | undefined }[];
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

async function compileResource(resource: DeployResource, decisionService: DecisionEngine | undefined, warnings: string[]): Promise<CompiledResource> {
  const nul = resource.content.indexOf('\u0000');
  if (nul >= 0) {
    // XML does not allow it, and PostgreSQL cannot store it in text or jsonb: refuse it before anything else.
    const line = resource.content.slice(0, nul).split('\n').length;
    throw new GovflowError('GOVFLOW_ERR_BPMN_PARSE', `${resource.name} contains a NUL character (line ${line}), which XML does not allow`, [{ where: resource.name, line, message: 'NUL character' }]);
  }
  const lower = resource.name.toLowerCase();
  if (lower.endsWith('.dmn') || /<(\w+:)?definitions[^>]*dmn/i.test(resource.content.slice(0, 2000))) {
    if (!decisionService) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `${resource.name}: this engine has no decision service to deploy DMN`);
    return { resource, kind: 'dmn', processes: [], decisions: decisionService.describe(resource.content, resource.name).decisions };
  }
  if (lower.endsWith('.form') || lower.endsWith('.json')) {
    try {
      JSON.parse(resource.content);
    } catch (cause) {
      throw new GovflowError('GOVFLOW_ERR_VALIDATION', `${resource.name} is not valid JSON: ${cause instanceof Error ? cause.message : String(cause)}`, [{ where: resource.name, message: 'not valid JSON' }]);
    }
    return { resource, kind: 'form', processes: [], decisions: [] };
  }
  const result = await compileBpmn(resource.content, resource.name);
  warnings.push(...result.warnings);
  return { resource, kind: 'bpmn', processes: result.processes, decisions: [] };
}

/**
 * Deploys in one transaction. A process whose compiled model equals its latest version is kept (isNew false);
 * a decision whose file equals its latest version's is kept too.
 */
export async function deployResources(
  ctx: { db: Database; clock: Clock; decisions: DecisionEngine | undefined; definition: (tx: Queryable, id: number) => Promise<DefinitionRow> },
  resources: readonly DeployResource[],
  options: { name?: string | undefined; actor?: string | undefined },
): Promise<DeploymentResult> {
  if (resources.length === 0) throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'a deployment needs at least one file');
  const warnings: string[] = [];
  const compiled: CompiledResource[] = [];
  for (const resource of resources) compiled.push(await compileResource(resource, ctx.decisions, warnings));
  const now = ctx.clock.now();
  return transactionWithRetry(ctx.db, async (tx) => {
    const deploymentId = await definitions.insertDeployment(tx, options.name ?? resources.map((r) => r.name).join(', '), now);
    const processes: DeployedProcess[] = [];
    const decisions: DeploymentResult['decisions'] = [];
    for (const item of compiled) {
      const checksum = sha256(item.resource.content);
      const resourceId = await definitions.insertResource(tx, deploymentId, { name: item.resource.name, kind: item.kind, checksum, content: item.resource.content });
      for (const model of item.processes) {
        const modelJson = JSON.stringify(model);
        const modelChecksum = sha256(modelJson);
        const previous = await definitions.latestProcessVersion(tx, model.id);
        if (previous && previous.checksum === modelChecksum) {
          processes.push({ id: previous.id, key: model.id, version: previous.version, name: previous.name, isNew: false });
          continue;
        }
        const version = (previous?.version ?? 0) + 1;
        const id = await definitions.insertProcessDefinition(tx, { key: model.id, version, name: model.name ?? null, checksum: modelChecksum, deploymentId, resourceName: item.resource.name, modelJson, now });
        processes.push({ id, key: model.id, version, name: model.name ?? null, isNew: true });
        await registerStartTriggers(tx, await ctx.definition(tx, id), now);
      }
      for (const decision of item.decisions) {
        const previous = await definitions.latestDecisionVersion(tx, decision.id);
        if (previous && previous.checksum === checksum) {
          decisions.push({ id: previous.id, key: decision.id, version: previous.version, isNew: false });
          continue;
        }
        const version = (previous?.version ?? 0) + 1;
        const id = await definitions.insertDecisionDefinition(tx, { key: decision.id, version, name: decision.name, versionTag: decision.versionTag ?? null, checksum, deploymentId, resourceId, now });
        decisions.push({ id, key: decision.id, version, isNew: true, ...(decision.versionTag ? { versionTag: decision.versionTag } : {}) });
      }
    }
    await appendEvents(tx, null, 0, [{ type: 'deployment.created', data: { deploymentId, processes, decisions, resources: resources.map((r) => r.name) } }], options.actor ?? null, now);
    return { deploymentId, processes, decisions, warnings };
  });
}

/** Message, signal and timer start events of the newest version replace those of older versions. */
async function registerStartTriggers(tx: Queryable, definition: DefinitionRow, now: Date): Promise<void> {
  await definitions.clearStartTriggers(tx, definition.key);
  for (const startId of definition.model.triggeredStartEvents) {
    const event = definition.model.elements[startId]!.event!;
    if (event.kind === 'message' || event.kind === 'signal') {
      await definitions.insertStartSubscription(tx, event.kind, (event.kind === 'message' ? event.messageName : event.signalName) ?? '', definition.id, startId, now);
    } else if (event.kind === 'timer' && event.timer && !event.timer.expression.startsWith('=')) {
      const { dueAt, cycle } = computeTimer(event.timer.type, event.timer.expression, now, startId);
      await definitions.insertStartTimer(tx, definition.id, startId, dueAt, cycle ?? null, now);
    }
  }
}
