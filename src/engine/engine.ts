import { createHash } from 'node:crypto';
import { GovflowError, createLogger, type Logger } from '../kernel/index.js';
import { transactionWithRetry, type Database, type Queryable } from '../store/index.js';
import { systemClock, type Clock } from './clock.js';
import { createDmnDecisionService } from './decision-service.js';
import { compileBpmn } from './model/compile-bpmn.js';
import { applyCommand, computeTimer } from './runtime/execution.js';
import type { Command, DecisionOutcome, Effect, EngineEvent, ExecutionState, InlineHandler, InstanceStatus, Token, Variables } from './runtime/types.js';
import {
  appendEvents, insertInstance, insertStartedInstance, latestDefinitionId, loadDefinition, lockInstance, lockJobAndInstance, readJobAndInstance, saveJobStepIfUnchanged, saveStep, type CancelWaits, type DefinitionRow, type InstanceRow, type NewJob, type VersionedInstanceRow,
} from './persistence/instance-store.js';

/** What the engine needs from a decision service (DMN); wired in by the composition root so the engine stays small. */
export interface DecisionEngine {
  /** Validates a DMN file and lists its decisions; throws a coded error naming the element when it cannot load. */
  describe(xml: string, source: string): { decisions: { id: string; name: string }[] };
  /** Evaluates one decision of a DMN file; results are deterministic. */
  evaluate(xml: string, source: string, decisionId: string, context: Variables): { value: unknown; explanation: unknown };
}

export interface EngineOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  readonly inlineHandlers?: Record<string, InlineHandler>;
  readonly decisions?: DecisionEngine;
  /** How long a message waits for a subscriber when nobody waits yet (ms); per message overridable. */
  readonly defaultMessageTtlMs?: number;
  /** Lock duration for activated jobs when the worker does not say (ms). */
  readonly defaultJobLockMs?: number;
}

export interface DeployResource {
  readonly name: string;
  readonly content: string;
}

export interface DeployedProcess {
  readonly id: number;
  readonly key: string;
  readonly version: number;
  readonly name: string | null;
  /** False when the model was identical to the latest version, which was kept. */
  readonly isNew: boolean;
}

export interface DeploymentResult {
  readonly deploymentId: number;
  readonly processes: DeployedProcess[];
  readonly decisions: { id: number; key: string; version: number; isNew: boolean }[];
  readonly warnings: string[];
}

export interface ProcessInstanceView {
  readonly id: number;
  readonly definitionId: number;
  readonly processKey: string;
  readonly version: number;
  readonly businessKey: string | null;
  readonly state: string;
  readonly variables: Variables;
  readonly parentInstanceId: number | null;
  readonly startedAt: string;
  readonly endedAt: string | null;
  /** Where the instance is now: the elements holding a token, with what they wait for. */
  readonly activeElements: { elementId: string; elementInstance: string; waitingFor: string | null }[];
}

export interface EventView {
  readonly id: number;
  readonly seq: number | null;
  readonly type: string;
  readonly elementId: string | null;
  readonly elementInstance: string | null;
  readonly actor: string | null;
  readonly occurredAt: string;
  readonly data: Record<string, unknown>;
}

export interface TaskView {
  readonly id: number;
  readonly instanceId: number;
  readonly processKey: string;
  readonly elementId: string;
  readonly name: string | null;
  readonly state: string;
  readonly assignee: string | null;
  readonly candidateGroups: string[];
  readonly candidateUsers: string[];
  readonly formKey: string | null;
  readonly dueAt: string | null;
  readonly followUpAt: string | null;
  readonly priority: number;
  readonly createdAt: string;
  readonly completedAt: string | null;
  readonly completedBy: string | null;
}

export interface ActivatedJob {
  readonly id: number;
  readonly type: string;
  readonly instanceId: number;
  readonly processKey: string;
  readonly elementId: string;
  readonly elementInstance: string;
  readonly retries: number;
  readonly headers: Record<string, string>;
  readonly variables: Variables;
  readonly lockExpiresAt: string;
  /** Stable across retries and re-locks: make the job's side effect happen once per key. */
  readonly idempotencyKey: string;
}

export interface IncidentView {
  readonly id: number;
  readonly instanceId: number;
  readonly elementId: string;
  readonly elementInstance: string | null;
  readonly jobId: number | null;
  readonly kind: string;
  readonly message: string;
  readonly state: string;
  readonly createdAt: string;
}

interface WorkItem {
  readonly instanceId: number;
  readonly command: Command;
}

const DEFAULT_MESSAGE_TTL_MS = 60 * 60 * 1000;
const DEFAULT_LOCK_MS = 5 * 60 * 1000;
const WAKE_CHANNEL = 'govflow_jobs';
const MAX_ACTIVATED_SNAPSHOTS = 10_000;

function iso(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}

/** The columns of an instance view, named (a prepared statement must not depend on `*`). */
const INSTANCE_COLUMNS = `select i.id, i.definition_id, i.process_key, i.business_key, i.state, i.execution, i.variables, i.parent_instance_id,
         i.parent_element_instance, i.last_seq, i.started_at, i.ended_at, d.version`;
/** The instance's events as one JSON array in sequence order (one row per instance instead of one per event). */
const eventsOfInstance = (andWhere = ''): string => `coalesce((select json_agg(json_build_object('id', e.id, 'seq', e.seq, 'type', e.type, 'element_id', e.element_id,
           'element_instance', e.element_instance, 'actor', e.actor, 'occurred_at', e.occurred_at, 'data', e.data) order by e.seq)
         from event_log e where e.instance_id = i.id and e.seq > 0${andWhere}), '[]'::json)`;

interface EventJson { id: number; seq: number | null; type: string; element_id: string | null; element_instance: string | null; actor: string | null; occurred_at: string; data: Record<string, unknown> }

function instanceView(row: InstanceRow & { version: number }): ProcessInstanceView {
  const tokens: Token[] = Object.values(row.execution.tokens ?? {});
  return {
    id: row.id, definitionId: row.definition_id, processKey: row.process_key, version: row.version, businessKey: row.business_key,
    state: row.state, variables: row.variables, parentInstanceId: row.parent_instance_id, startedAt: iso(row.started_at)!, endedAt: iso(row.ended_at),
    activeElements: tokens.filter((t) => t.scope !== null).map((t) => ({ elementId: t.elementId, elementInstance: t.id, waitingFor: t.wait ?? null })),
  };
}

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
  const parsed = (typeof value === 'string' ? JSON.parse(value) : value) as { row: InstanceRow & { version: number }; events: EventJson[] };
  return { instance: instanceView(parsed.row), events: parsed.events.map(eventFromJson) };
}

const eventFromJson = (r: EventJson): EventView => ({
  id: Number(r.id), seq: r.seq, type: r.type, elementId: r.element_id, elementInstance: r.element_instance, actor: r.actor, occurredAt: iso(r.occurred_at)!, data: r.data,
});

function checkVariables(variables: unknown, what = 'variables'): Variables {
  if (variables === undefined || variables === null) return {};
  if (typeof variables !== 'object' || Array.isArray(variables)) {
    throw new GovflowError('GOVFLOW_ERR_VARIABLE_TYPE', `${what} must be a JSON object of name → value`, [{ where: what, message: `got ${Array.isArray(variables) ? 'an array' : typeof variables}` }]);
  }
  return variables as Variables;
}

/**
 * The process engine. Every public operation is one database transaction that locks the instances it touches,
 * runs the pure runtime, writes the new state, appends the events and applies the effects (jobs, tasks, timers,
 * subscriptions, called processes). Many engines can share one PostgreSQL server.
 */
export class Engine {
  readonly clock: Clock;
  private readonly log: Logger;
  private readonly inlineHandlers: Map<string, InlineHandler>;
  private readonly definitions = new Map<number, DefinitionRow>();
  /** The latest version of each process key seen here; checked by the statement that uses it (see startFast). */
  private readonly latestByKey = new Map<string, DefinitionRow>();
  private readonly pendingWakeTypes = new Set<string>();
  private wakeScheduled = false;
  /** Instance versions seen by activateJobs, by job id (bounded; see completeJobOptimistically). */
  private readonly activatedSnapshots = new Map<number, { job: { elementInstance: string }; instance: VersionedInstanceRow }>();
  private readonly dmnSources = new Map<number, { xml: string; name: string }>();
  private readonly decisions: DecisionEngine | undefined;
  private readonly defaultMessageTtlMs: number;
  private readonly defaultJobLockMs: number;

  constructor(readonly db: Database, options: EngineOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.log = options.logger ?? createLogger({ name: 'engine' });
    this.inlineHandlers = new Map(Object.entries({ ...BUILTIN_HANDLERS, ...options.inlineHandlers }));
    this.decisions = options.decisions ?? createDmnDecisionService();
    this.defaultMessageTtlMs = options.defaultMessageTtlMs ?? DEFAULT_MESSAGE_TTL_MS;
    this.defaultJobLockMs = options.defaultJobLockMs ?? DEFAULT_LOCK_MS;
  }

  // ------------------------------------------------------------------ deployment

  /**
   * Deploys BPMN (and DMN, forms) in one transaction. Everything is parsed and validated before anything is
   * written, so a bad file leaves no trace. A process whose compiled model equals its latest version is kept.
   */
  async deploy(resources: readonly DeployResource[], options: { name?: string; actor?: string } = {}): Promise<DeploymentResult> {
    if (resources.length === 0) throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'a deployment needs at least one file');
    const compiled: { resource: DeployResource; kind: 'bpmn' | 'dmn' | 'form' | 'other'; processes: Awaited<ReturnType<typeof compileBpmn>>['processes']; decisions: { id: string; name: string }[] }[] = [];
    const warnings: string[] = [];
    for (const resource of resources) {
      const nul = resource.content.indexOf('\u0000');
      if (nul >= 0) {
        // XML does not allow it, and PostgreSQL cannot store it in text or jsonb: refuse it before anything else.
        const line = resource.content.slice(0, nul).split('\n').length;
        throw new GovflowError('GOVFLOW_ERR_BPMN_PARSE', `${resource.name} contains a NUL character (line ${line}), which XML does not allow`, [{ where: resource.name, line, message: 'NUL character' }]);
      }
      const lower = resource.name.toLowerCase();
      if (lower.endsWith('.dmn') || /<(\w+:)?definitions[^>]*dmn/i.test(resource.content.slice(0, 2000))) {
        if (!this.decisions) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `${resource.name}: this engine has no decision service to deploy DMN`);
        const described = this.decisions.describe(resource.content, resource.name);
        compiled.push({ resource, kind: 'dmn', processes: [], decisions: described.decisions });
      } else if (lower.endsWith('.form') || lower.endsWith('.json')) {
        try {
          JSON.parse(resource.content);
        } catch (cause) {
          throw new GovflowError('GOVFLOW_ERR_VALIDATION', `${resource.name} is not valid JSON: ${cause instanceof Error ? cause.message : String(cause)}`, [{ where: resource.name, message: 'not valid JSON' }]);
        }
        compiled.push({ resource, kind: 'form', processes: [], decisions: [] });
      } else {
        const result = await compileBpmn(resource.content, resource.name);
        warnings.push(...result.warnings);
        compiled.push({ resource, kind: 'bpmn', processes: result.processes, decisions: [] });
      }
    }
    const now = this.clock.now();
    return transactionWithRetry(this.db, async (tx) => {
      // One deployment at a time, so two processes deploying the same key cannot both take version n+1.
      await tx.query('select pg_advisory_xact_lock(7482002)');
      const { rows } = await tx.query<{ id: number }>('insert into deployment (name, created_at) values ($1, $2) returning id', [options.name ?? resources.map((r) => r.name).join(', '), now]);
      const deploymentId = rows[0]!.id;
      const processes: DeployedProcess[] = [];
      const decisions: DeploymentResult['decisions'] = [];
      for (const item of compiled) {
        const checksum = createHash('sha256').update(item.resource.content).digest('hex');
        const res = await tx.query<{ id: number }>('insert into deployment_resource (deployment_id, name, kind, checksum, content) values ($1, $2, $3, $4, $5) returning id',
          [deploymentId, item.resource.name, item.kind, checksum, item.resource.content]);
        const resourceId = res.rows[0]!.id;
        for (const model of item.processes) {
          const modelJson = JSON.stringify(model);
          const modelChecksum = createHash('sha256').update(modelJson).digest('hex');
          const latest = await tx.query<{ id: number; version: number; checksum: string; name: string | null }>('select id, version, checksum, name from process_definition where key = $1 order by version desc limit 1', [model.id]);
          const previous = latest.rows[0];
          if (previous && previous.checksum === modelChecksum) {
            processes.push({ id: previous.id, key: model.id, version: previous.version, name: previous.name, isNew: false });
            continue;
          }
          const version = (previous?.version ?? 0) + 1;
          const inserted = await tx.query<{ id: number }>(
            'insert into process_definition (key, version, name, checksum, deployment_id, resource_name, model, deployed_at) values ($1, $2, $3, $4, $5, $6, $7::jsonb, $8) returning id',
            [model.id, version, model.name ?? null, modelChecksum, deploymentId, item.resource.name, modelJson, now],
          );
          const id = inserted.rows[0]!.id;
          processes.push({ id, key: model.id, version, name: model.name ?? null, isNew: true });
          await this.registerStartTriggers(tx, id, model.id, now);
        }
        for (const decision of item.decisions) {
          const latest = await tx.query<{ id: number; version: number; checksum: string }>('select id, version, checksum from decision_definition where key = $1 order by version desc limit 1', [decision.id]);
          const previous = latest.rows[0];
          if (previous && previous.checksum === checksum) {
            decisions.push({ id: previous.id, key: decision.id, version: previous.version, isNew: false });
            continue;
          }
          const version = (previous?.version ?? 0) + 1;
          const inserted = await tx.query<{ id: number }>('insert into decision_definition (key, version, name, checksum, deployment_id, resource_id, deployed_at) values ($1, $2, $3, $4, $5, $6, $7) returning id',
            [decision.id, version, decision.name, checksum, deploymentId, resourceId, now]);
          decisions.push({ id: inserted.rows[0]!.id, key: decision.id, version, isNew: true });
        }
      }
      await appendEvents(tx, null, 0, [{ type: 'deployment.created', data: { deploymentId, processes, decisions, resources: resources.map((r) => r.name) } }], options.actor ?? null, now);
      return { deploymentId, processes, decisions, warnings };
    });
  }

  /** Message, signal and timer start events of the newest version replace those of older versions. */
  private async registerStartTriggers(tx: Queryable, definitionId: number, key: string, now: Date): Promise<void> {
    const definition = await this.definition(tx, definitionId);
    await tx.query('delete from event_subscription where instance_id is null and definition_id in (select id from process_definition where key = $1)', [key]);
    await tx.query("delete from job where instance_id is null and kind = 'timer' and definition_id in (select id from process_definition where key = $1)", [key]);
    for (const startId of definition.model.triggeredStartEvents) {
      const start = definition.model.elements[startId]!;
      const event = start.event!;
      if (event.kind === 'message' || event.kind === 'signal') {
        await tx.query('insert into event_subscription (kind, name, correlation_key, instance_id, definition_id, element_id, element_instance, created_at) values ($1, $2, null, null, $3, $4, null, $5)',
          [event.kind, event.kind === 'message' ? event.messageName : event.signalName, definitionId, startId, now]);
      } else if (event.kind === 'timer' && event.timer && !event.timer.expression.startsWith('=')) {
        const { dueAt, cycle } = computeTimer(event.timer.type, event.timer.expression, now, startId);
        await tx.query(`insert into job (instance_id, definition_id, element_id, element_instance, kind, type, state, retries, due_at, timer_cycle, created_at, idempotency_key)
          values (null, $1, $2, null, 'timer', 'timer', 'ready', 0, $3, $4, $5, $6)`, [definitionId, startId, dueAt, cycle ?? null, now, `start-${definitionId}-${startId}-${dueAt}`]);
      }
    }
  }

  private async definition(tx: Queryable, id: number): Promise<DefinitionRow> {
    const cached = this.definitions.get(id);
    if (cached) return cached;
    const row = await loadDefinition(tx, id);
    if (!row) throw new GovflowError('GOVFLOW_ERR_PROCESS_NOT_FOUND', `process definition ${id} does not exist`);
    this.definitions.set(id, row);
    return row;
  }

  // ------------------------------------------------------------------ instances

  async startInstance(processKey: string, options: { variables?: unknown; businessKey?: string | null; version?: number; actor?: string } = {}): Promise<ProcessInstanceView> {
    const variables = checkVariables(options.variables);
    if (options.version === undefined) {
      const started = await this.startFast(processKey, variables, options.businessKey ?? null, options.actor ?? null);
      if (started) return started;
    }
    const id = await transactionWithRetry(this.db, async (tx) => {
      const definitionId = await latestDefinitionId(tx, processKey, options.version);
      if (definitionId === undefined) {
        throw new GovflowError('GOVFLOW_ERR_PROCESS_NOT_FOUND', `no process '${processKey}'${options.version ? ` version ${options.version}` : ''} is deployed`);
      }
      const definition = await this.definition(tx, definitionId);
      return this.createAndStart(tx, definition, { variables, businessKey: options.businessKey ?? null, actor: options.actor ?? null });
    });
    return this.getInstance(id);
  }

  /**
   * The common start in one statement, without a transaction around it: the first step runs before anything is
   * written (it needs no instance id), and the instance, its events and its jobs are inserted together, on the
   * condition that the cached definition is still the latest version. Returns undefined when the step needs more
   * (other effects) or the definition changed; the caller then takes the general path.
   */
  private async startFast(processKey: string, variables: Variables, businessKey: string | null, actor: string | null): Promise<ProcessInstanceView | undefined> {
    const definition = this.latestByKey.get(processKey);
    if (!definition) {
      const id = await latestDefinitionId(this.db, processKey);
      if (id !== undefined) this.latestByKey.set(processKey, await this.definition(this.db, id));
      return undefined;
    }
    const now = this.clock.now();
    const command: Command = { type: 'start', variables };
    const result = await applyCommand({ model: definition.model, state: null, variables: {}, now, hasParent: false }, command,
      { inlineHandlers: this.inlineHandlers, evaluateDecision: (decisionId, context) => this.evaluateDecisionIn(this.db, decisionId, context) });
    const { jobs, cancels, rest } = foldEffects(result.effects);
    if (rest.length > 0 || cancels.length > 0) return undefined;
    const events = withCommand(result.events, command);
    const inserted = await insertStartedInstance(this.db, definition, { execution: result.state, variables: result.variables, state: result.status, events, jobs, cancels },
      { businessKey, actor, now, notify: false });
    if (!inserted) {
      this.latestByKey.delete(processKey);
      return undefined;
    }
    this.wakeWorkers(jobs);
    const tokens: Token[] = Object.values(result.state.tokens);
    return {
      id: inserted.id, definitionId: definition.id, processKey, version: definition.version, businessKey, state: result.status, variables: result.variables,
      parentInstanceId: null, startedAt: iso(inserted.startedAt)!, endedAt: result.status === 'active' ? null : iso(now),
      activeElements: tokens.filter((t) => t.scope !== null).map((t) => ({ elementId: t.elementId, elementInstance: t.id, waitingFor: t.wait ?? null })),
    };
  }

  /** Starts an instance inside an open transaction (API starts, call activities, message/signal/timer starts). */
  private async createAndStart(tx: Queryable, definition: DefinitionRow, options: { variables: Variables; businessKey: string | null; actor: string | null; startEventId?: string; parent?: { instanceId: number; elementInstance: string } }): Promise<number> {
    const now = this.clock.now();
    const row = await insertInstance(tx, definition, { businessKey: options.businessKey, parentInstanceId: options.parent?.instanceId ?? null, parentElementInstance: options.parent?.elementInstance ?? null, now });
    await this.process(tx, [{ instanceId: row.id, command: { type: 'start', variables: options.variables, ...(options.startEventId ? { startEventId: options.startEventId } : {}) } }], options.actor, row);
    return row.id;
  }

  async getInstance(id: number, db: Queryable = this.db): Promise<ProcessInstanceView> {
    const { rows } = await db.query<InstanceRow & { version: number }>(`${INSTANCE_COLUMNS} from process_instance i join process_definition d on d.id = i.definition_id where i.id = $1`, [id], { name: 'engine-instance' });
    const row = rows[0];
    if (!row) throw new GovflowError('GOVFLOW_ERR_INSTANCE_NOT_FOUND', `process instance ${id} does not exist`);
    return this.view(row);
  }

  private view(row: InstanceRow & { version: number }): ProcessInstanceView {
    return instanceView(row);
  }

  /**
   * `candidateGroups` keeps the cases that have (or had) a user task for one of these groups — a department's
   * view of the cases; `processKeys` keeps the cases of these processes (an API client's services).
   */
  async listInstances(filter: { processKey?: string; processKeys?: readonly string[]; candidateGroups?: readonly string[]; state?: string; businessKey?: string; limit?: number; offset?: number } = {}): Promise<ProcessInstanceView[]> {
    const { rows } = await this.db.query<InstanceRow & { version: number }>(
      `select i.*, d.version from process_instance i join process_definition d on d.id = i.definition_id
       where ($1::text is null or i.process_key = $1) and ($2::text is null or i.state = $2) and ($3::text is null or i.business_key = $3)
         and ($6::text[] is null or i.process_key = any($6::text[]))
         and ($7::text[] is null or exists (select 1 from user_task t where t.instance_id = i.id and t.candidate_groups && $7::text[]))
       order by i.id desc limit $4 offset $5`,
      [filter.processKey ?? null, filter.state ?? null, filter.businessKey ?? null, Math.min(filter.limit ?? 100, 1000), filter.offset ?? 0,
        filter.processKeys ? [...filter.processKeys] : null, filter.candidateGroups ? [...filter.candidateGroups] : null],
    );
    return rows.map((r) => this.view(r));
  }

  async cancelInstance(id: number, options: { actor?: string; reason?: string } = {}): Promise<ProcessInstanceView> {
    await this.run(id, { type: 'cancel', ...(options.reason ? { reason: options.reason } : {}) }, options.actor ?? null);
    return this.getInstance(id);
  }

  async setVariables(id: number, variables: unknown, options: { actor?: string } = {}): Promise<ProcessInstanceView> {
    await this.run(id, { type: 'setVariables', variables: checkVariables(variables) }, options.actor ?? null);
    return this.getInstance(id);
  }

  async getEvents(instanceId: number, options: { afterSeq?: number } = {}): Promise<EventView[]> {
    const { rows } = await this.db.query<{ id: number; seq: number | null; type: string; element_id: string | null; element_instance: string | null; actor: string | null; occurred_at: Date; data: Record<string, unknown> }>(
      'select id, seq, type, element_id, element_instance, actor, occurred_at, data from event_log where instance_id = $1 and seq > $2 order by seq',
      [instanceId, options.afterSeq ?? 0],
    );
    return rows.map((r) => ({ id: r.id, seq: r.seq, type: r.type, elementId: r.element_id, elementInstance: r.element_instance, actor: r.actor, occurredAt: iso(r.occurred_at)!, data: r.data }));
  }

  /**
   * An instance and its events (sequence order) in one named statement, for reads that need both on every view
   * (the citizen's status page): one round trip, planned once per connection.
   */
  async getInstanceWithEvents(id: number): Promise<{ instance: ProcessInstanceView; events: EventView[] }> {
    const { rows } = await this.db.query<InstanceRow & { version: number; events: EventJson[] }>(
      `${INSTANCE_COLUMNS}, ${eventsOfInstance()} as events from process_instance i join process_definition d on d.id = i.definition_id where i.id = $1`,
      [id], { name: 'engine-instance-with-events' });
    const row = rows[0];
    if (!row) throw new GovflowError('GOVFLOW_ERR_INSTANCE_NOT_FOUND', `process instance ${id} does not exist`);
    return { instance: this.view(row), events: row.events.map(eventFromJson) };
  }

  /**
   * Several instances at once (a work list's page of cases), each with its events of the elements in
   * `eventsOfElements` (none when empty), in one statement. Unknown ids are left out of the map.
   */
  async getInstancesWithEvents(ids: readonly number[], options: { eventsOfElements?: readonly string[] } = {}): Promise<Map<number, { instance: ProcessInstanceView; events: EventView[] }>> {
    const out = new Map<number, { instance: ProcessInstanceView; events: EventView[] }>();
    const unique = [...new Set(ids)];
    if (unique.length === 0) return out;
    const elements = options.eventsOfElements ?? [];
    const { rows } = await this.db.query<InstanceRow & { version: number; events: EventJson[] }>(
      `${INSTANCE_COLUMNS},
         case when cardinality($2::text[]) = 0 then '[]'::json else ${eventsOfInstance(' and e.element_id = any($2::text[])')} end as events
       from process_instance i join process_definition d on d.id = i.definition_id where i.id = any($1::bigint[])`,
      [unique, [...elements]], { name: 'engine-instances-with-events' });
    for (const row of rows) out.set(Number(row.id), { instance: this.view(row), events: row.events.map(eventFromJson) });
    return out;
  }

  // ------------------------------------------------------------------ the step loop

  /** Runs one command against one instance, plus everything it sets off, in one transaction. */
  private async run(instanceId: number, command: Command, actor: string | null): Promise<void> {
    await transactionWithRetry(this.db, (tx) => this.process(tx, [{ instanceId, command }], actor));
  }

  /** `deleteJobId`: the completed job, deleted in the first step's write (one round trip fewer). */
  private async process(tx: Queryable, items: WorkItem[], actor: string | null, firstRow?: InstanceRow, deleteJobId?: number): Promise<void> {
    let preloaded = firstRow;
    let first = true;
    let pendingDelete = deleteJobId ?? null;
    while (items.length > 0) {
      const item = items.shift()!;
      const row = preloaded && preloaded.id === item.instanceId ? preloaded : await lockInstance(tx, item.instanceId);
      preloaded = undefined;
      if (!row) {
        if (first) throw new GovflowError('GOVFLOW_ERR_INSTANCE_NOT_FOUND', `process instance ${item.instanceId} does not exist`);
        continue;
      }
      if (row.state !== 'active') {
        if (first) throw new GovflowError('GOVFLOW_ERR_INSTANCE_NOT_ACTIVE', `process instance ${row.id} is ${row.state}`);
        continue;
      }
      first = false;
      const definition = await this.definition(tx, row.definition_id);
      const now = this.clock.now();
      const result = await applyCommand(
        { model: definition.model, state: Object.keys(row.execution.tokens).length > 0 ? row.execution : null, variables: row.variables, now, hasParent: row.parent_instance_id !== null },
        item.command,
        { inlineHandlers: this.inlineHandlers, evaluateDecision: (decisionId, context) => this.evaluateDecisionIn(tx, decisionId, context) },
      );
      const events = withCommand(result.events, item.command);
      // The state, the events and the leading createJob effects go to the database in one statement; the
      // remaining effects follow in their order.
      const { jobs, cancels, rest } = foldEffects(result.effects);
      await saveStep(tx, row, { execution: result.state, variables: result.variables, state: result.status, events, jobs, cancels }, actor, now, this.db.backend === 'postgres', pendingDelete);
      pendingDelete = null;
      for (const effect of rest) await this.applyEffect(tx, row, definition, effect, items, now);
    }
  }

  private async applyEffect(tx: Queryable, row: InstanceRow, definition: DefinitionRow, effect: Effect, items: WorkItem[], now: Date): Promise<void> {
    switch (effect.type) {
      case 'createJob':
        await tx.query(
          `insert into job (instance_id, definition_id, element_id, element_instance, kind, type, state, retries, due_at, headers, created_at, idempotency_key)
           values ($1, $2, $3, $4, 'task', $5, 'ready', $6, $7, $8::jsonb, $7, $9)`,
          [row.id, definition.id, effect.elementId, effect.elementInstance, effect.jobType, effect.retries, now, JSON.stringify(effect.headers), `${row.id}-${effect.elementInstance}-${effect.elementId}`],
        );
        if (this.db.backend === 'postgres') await tx.query('select pg_notify($1, $2)', [WAKE_CHANNEL, effect.jobType]);
        return;
      case 'createTimer':
        await tx.query(
          `insert into job (instance_id, definition_id, element_id, element_instance, kind, type, state, retries, due_at, timer_cycle, created_at, idempotency_key)
           values ($1, $2, $3, $4, 'timer', 'timer', 'ready', 0, $5, $6, $7, $8)`,
          [row.id, definition.id, effect.elementId, effect.elementInstance, effect.dueAt, effect.cycle ?? null, now, `${row.id}-${effect.elementInstance}-${effect.elementId}-${effect.dueAt}`],
        );
        return;
      case 'createTask':
        await tx.query(
          `insert into user_task (instance_id, definition_id, element_id, element_instance, name, state, assignee, candidate_groups, candidate_users, form_key, due_at, follow_up_at, priority, created_at)
           values ($1, $2, $3, $4, $5, 'created', $6, $7::text[], $8::text[], $9, $10, $11, $12, $13)`,
          [row.id, definition.id, effect.elementId, effect.elementInstance, effect.name, effect.assignee, effect.candidateGroups, effect.candidateUsers, effect.formKey, effect.dueAt, effect.followUpAt, effect.priority, now],
        );
        return;
      case 'subscribe': {
        await tx.query('insert into event_subscription (kind, name, correlation_key, instance_id, definition_id, element_id, element_instance, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8)',
          [effect.kind, effect.name, effect.correlationKey, row.id, definition.id, effect.elementId, effect.elementInstance, now]);
        if (effect.kind === 'message') {
          // A message that arrived before anyone waited for it is delivered now.
          // Delivered once: a message with an id stays behind as a marker (expires at -infinity) so a repeated publish is ignored.
          const buffered = await tx.query<{ id: number; variables: Variables }>(
            `with picked as (select id from message_buffer where name = $1 and correlation_key is not distinct from $2 and expires_at > $3 order by id limit 1 for update skip locked),
               gone as (delete from message_buffer m using picked where m.id = picked.id and m.message_id is null returning m.id, m.variables),
               kept as (update message_buffer m set expires_at = '-infinity' from picked where m.id = picked.id and m.message_id is not null returning m.id, m.variables)
             select id, variables from gone union all select id, variables from kept`,
            [effect.name, effect.correlationKey, now],
          );
          const message = buffered.rows[0];
          if (message) {
            await tx.query('delete from event_subscription where instance_id = $1 and element_instance = $2 and element_id = $3', [row.id, effect.elementInstance, effect.elementId]);
            items.push({ instanceId: row.id, command: { type: 'trigger', trigger: 'message', elementId: effect.elementId, elementInstance: effect.elementInstance, variables: message.variables } });
          }
        }
        return;
      }
      case 'cancelWaits': {
        const ids = effect.elementIds ?? null;
        await tx.query('delete from job where instance_id = $1 and element_instance = $2 and ($3::text[] is null or element_id = any($3::text[]))', [row.id, effect.elementInstance, ids]);
        await tx.query('delete from event_subscription where instance_id = $1 and element_instance = $2 and ($3::text[] is null or element_id = any($3::text[]))', [row.id, effect.elementInstance, ids]);
        if (ids === null) await tx.query("update user_task set state = 'cancelled', completed_at = $3 where instance_id = $1 and element_instance = $2 and state = 'created'", [row.id, effect.elementInstance, now]);
        return;
      }
      case 'startChild': {
        const childDefinitionId = await latestDefinitionId(tx, effect.processId);
        if (childDefinitionId === undefined) {
          await this.recordIncident(tx, row.id, effect.elementInstance, 'call-activity', `the called process '${effect.processId}' is not deployed`, now);
          return;
        }
        const childDefinition = await this.definition(tx, childDefinitionId);
        const child = await insertInstance(tx, childDefinition, { businessKey: row.business_key, parentInstanceId: row.id, parentElementInstance: effect.elementInstance, now });
        items.push({ instanceId: child.id, command: { type: 'start', variables: effect.variables } });
        return;
      }
      case 'cancelChild': {
        const { rows } = await tx.query<{ id: number }>("select id from process_instance where parent_instance_id = $1 and parent_element_instance = $2 and state = 'active'", [row.id, effect.elementInstance]);
        for (const child of rows) items.push({ instanceId: child.id, command: { type: 'cancel', reason: 'the calling activity was cancelled' } });
        return;
      }
      case 'notifyParent':
        if (row.parent_instance_id !== null && row.parent_element_instance !== null) {
          items.push({ instanceId: row.parent_instance_id, command: { ...effect.command, elementInstance: row.parent_element_instance } as Command });
        }
        return;
      case 'broadcastSignal':
        await this.signalIn(tx, effect.name, effect.variables, items);
        return;
      case 'publishMessage':
        await this.correlateIn(tx, { name: effect.name, correlationKey: effect.correlationKey, variables: effect.variables, timeToLiveMs: 0 }, items, now);
        return;
      case 'incident': {
        await this.recordIncident(tx, row.id, effect.elementInstance, effect.kind, effect.message, now, effect.elementId);
        return;
      }
      case 'resolveIncidents':
        await tx.query("update incident set state = 'resolved', resolved_at = $3 where instance_id = $1 and element_instance = $2 and state = 'open'", [row.id, effect.elementInstance, now]);
        return;
    }
  }

  private async recordIncident(tx: Queryable, instanceId: number, elementInstance: string, kind: string, message: string, now: Date, elementId?: string, jobId?: number): Promise<void> {
    let element = elementId;
    if (!element) {
      const { rows } = await tx.query<{ execution: { tokens: Record<string, Token> } }>('select execution from process_instance where id = $1', [instanceId]);
      element = rows[0]?.execution.tokens[elementInstance]?.elementId ?? 'unknown';
    }
    await tx.query("insert into incident (instance_id, element_id, element_instance, job_id, kind, message, state, created_at) values ($1, $2, $3, $4, $5, $6, 'open', $7)",
      [instanceId, element, elementInstance, jobId ?? null, kind, message, now]);
  }

  // ------------------------------------------------------------------ user tasks

  /**
   * The candidate groups of every user task the case has (open or done): who works, or worked, the case. Callers
   * decide case scope from it (identity's inCaseScope) without reading the tasks themselves.
   */
  async caseCandidateGroups(instanceId: number): Promise<string[]> {
    const { rows } = await this.db.query<{ groups: string[] }>(
      `select coalesce(array_agg(distinct g), '{}') as groups from user_task t cross join unnest(t.candidate_groups) g
       where t.instance_id = $1 and t.state in ('created', 'completed')`, [instanceId], { name: 'engine-case-candidate-groups' });
    return rows[0]?.groups ?? [];
  }

  async listTasks(filter: { state?: string; assignee?: string; candidateGroups?: string[]; candidateUser?: string; instanceId?: number; processKey?: string; limit?: number; offset?: number } = {}): Promise<TaskView[]> {
    const { rows } = await this.db.query<TaskRow>(
      `${TASK_SELECT}
       where ($1::text is null or t.state = $1) and ($2::text is null or t.assignee = $2)
         and ($3::text[] is null or t.candidate_groups && $3::text[] or ($4::text is not null and $4 = any(t.candidate_users)))
         and ($5::bigint is null or t.instance_id = $5) and ($6::text is null or i.process_key = $6)
       order by t.due_at nulls last, t.id limit $7 offset $8`,
      [filter.state ?? 'created', filter.assignee ?? null, filter.candidateGroups ?? null, filter.candidateUser ?? null, filter.instanceId ?? null, filter.processKey ?? null, Math.min(filter.limit ?? 100, 1000), filter.offset ?? 0],
    );
    return rows.map(taskView);
  }

  /**
   * One page of open tasks for a work list (the staff inbox), filtered and counted in the database so that a
   * department with thousands of tasks pages through them: unassigned or held by someone, services (process
   * keys), a part of the case's business key (reference). Each task carries its case's business key.
   */
  async listTaskPage(filter: { candidateGroups: readonly string[]; assigned?: 'nobody' | 'anyone' | string; processKeys?: readonly string[]; businessKeyContains?: string; limit: number; offset: number }): Promise<{ tasks: (TaskView & { businessKey: string | null })[]; total: number }> {
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
    const { rows } = await this.db.query<TaskRow & { business_key: string | null; total: string | number }>(
      `with matching as materialized (select t.id, t.due_at from user_task t ${where}),
            page as (select id, due_at from matching order by due_at nulls last, id limit $5 offset $6)
       select t.*, i.process_key, i.business_key, (select count(*) from matching) as total
       from page join user_task t on t.id = page.id join process_instance i on i.id = t.instance_id
       order by page.due_at nulls last, page.id`,
      [...params, Math.max(1, Math.min(filter.limit, 1000)), Math.max(0, filter.offset)]);
    // Past the last page there are no rows to carry the count: ask for it alone.
    const total = rows[0] ? Number(rows[0].total) : Number((await this.db.query<{ n: string | number }>(`select count(*) as n from user_task t ${where}`, params)).rows[0]?.n ?? 0);
    return { tasks: rows.map((r) => ({ ...taskView(r), businessKey: r.business_key })), total };
  }

  async getTask(id: number): Promise<TaskView> {
    const { rows } = await this.db.query<TaskRow>(`${TASK_SELECT} where t.id = $1`, [id]);
    if (!rows[0]) throw new GovflowError('GOVFLOW_ERR_TASK_NOT_FOUND', `task ${id} does not exist`);
    return taskView(rows[0]);
  }

  /** Claims a task for a user. Claiming a task someone else holds is a conflict; claiming your own is a no-op. */
  async claimTask(id: number, user: string): Promise<TaskView> {
    await transactionWithRetry(this.db, async (tx) => {
      const task = await this.lockTask(tx, id);
      if (task.state !== 'created') throw new GovflowError('GOVFLOW_ERR_TASK_ALREADY_COMPLETED', `task ${id} is ${task.state}`);
      if (task.assignee && task.assignee !== user) throw new GovflowError('GOVFLOW_ERR_TASK_CLAIMED', `task ${id} is claimed by ${task.assignee}`);
      if (task.assignee === user) return;
      await tx.query('update user_task set assignee = $2 where id = $1', [id, user]);
      await this.appendInstanceEvent(tx, task.instance_id, { type: 'task.claimed', elementId: task.element_id, elementInstance: task.element_instance, data: { taskId: id, assignee: user } }, user);
    });
    return this.getTask(id);
  }

  async unclaimTask(id: number, user: string): Promise<TaskView> {
    await transactionWithRetry(this.db, async (tx) => {
      const task = await this.lockTask(tx, id);
      if (task.state !== 'created') throw new GovflowError('GOVFLOW_ERR_TASK_ALREADY_COMPLETED', `task ${id} is ${task.state}`);
      if (!task.assignee) return;
      await tx.query('update user_task set assignee = null where id = $1', [id]);
      await this.appendInstanceEvent(tx, task.instance_id, { type: 'task.unclaimed', elementId: task.element_id, elementInstance: task.element_instance, data: { taskId: id, previousAssignee: task.assignee } }, user);
    });
    return this.getTask(id);
  }

  /**
   * Hands a task to someone (or to nobody) on another person's behalf — a manager reassigning work — unlike
   * {@link claimTask}, whose actor is the new assignee. The event names both, so the timeline says who did it.
   */
  async assignTask(id: number, options: { assignee: string | null; actor: string; reason?: string }): Promise<TaskView> {
    await transactionWithRetry(this.db, async (tx) => {
      const task = await this.lockTask(tx, id);
      if (task.state !== 'created') throw new GovflowError('GOVFLOW_ERR_TASK_ALREADY_COMPLETED', `task ${id} is ${task.state}`);
      if (task.assignee === options.assignee) return;
      await tx.query('update user_task set assignee = $2 where id = $1', [id, options.assignee]);
      await this.appendInstanceEvent(tx, task.instance_id, { type: 'task.assigned', elementId: task.element_id, elementInstance: task.element_instance, data: { taskId: id, assignee: options.assignee, previousAssignee: task.assignee, ...(options.reason ? { reason: options.reason } : {}) } }, options.actor);
    });
    return this.getTask(id);
  }

  /**
   * Sends an open task to other candidate groups (escalation to `<department>/manager`): nobody holds it afterwards,
   * and the event keeps the groups it came from, the reason and who escalated it.
   */
  async escalateTask(id: number, options: { candidateGroups: readonly string[]; actor: string; reason: string }): Promise<TaskView> {
    await transactionWithRetry(this.db, async (tx) => {
      const { rows } = await tx.query<{ candidate_groups: string[] }>('select candidate_groups from user_task where id = $1', [id]);
      const task = await this.lockTask(tx, id);
      if (task.state !== 'created') throw new GovflowError('GOVFLOW_ERR_TASK_ALREADY_COMPLETED', `task ${id} is ${task.state}`);
      await tx.query('update user_task set candidate_groups = $2::text[], assignee = null where id = $1', [id, [...options.candidateGroups]]);
      await this.appendInstanceEvent(tx, task.instance_id, { type: 'task.escalated', elementId: task.element_id, elementInstance: task.element_instance, data: { taskId: id, from: rows[0]?.candidate_groups ?? [], to: [...options.candidateGroups], previousAssignee: task.assignee, reason: options.reason } }, options.actor);
    });
    return this.getTask(id);
  }

  /** The BPMN XML a process definition was deployed from (e.g. for a diagram of a case). */
  async getProcessXml(definitionId: number): Promise<string> {
    const { rows } = await this.db.query<{ content: string }>(
      'select r.content from process_definition d join deployment_resource r on r.deployment_id = d.deployment_id and r.name = d.resource_name where d.id = $1 limit 1', [definitionId]);
    if (!rows[0]) throw new GovflowError('GOVFLOW_ERR_PROCESS_NOT_FOUND', `process definition ${definitionId} does not exist`);
    return rows[0].content;
  }

  /**
   * Completes a user task with variables. Two people completing the same task: the instance row lock orders
   * them, the second finds the task completed and gets a conflict — never two completions.
   */
  async completeTask(id: number, options: { variables?: unknown; actor?: string } = {}): Promise<TaskView> {
    const variables = checkVariables(options.variables);
    const actor = options.actor ?? null;
    await transactionWithRetry(this.db, async (tx) => {
      const peek = await tx.query<{ instance_id: number }>('select instance_id from user_task where id = $1', [id]);
      if (!peek.rows[0]) throw new GovflowError('GOVFLOW_ERR_TASK_NOT_FOUND', `task ${id} does not exist`);
      await lockInstance(tx, peek.rows[0].instance_id);
      const task = await this.lockTask(tx, id);
      if (task.state !== 'created') throw new GovflowError('GOVFLOW_ERR_TASK_ALREADY_COMPLETED', `task ${id} was already ${task.state}`);
      if (task.assignee && actor && task.assignee !== actor) throw new GovflowError('GOVFLOW_ERR_TASK_CLAIMED', `task ${id} is claimed by ${task.assignee}`);
      await tx.query("update user_task set state = 'completed', completed_at = $2, completed_by = $3 where id = $1", [id, this.clock.now(), actor]);
      await this.process(tx, [{ instanceId: task.instance_id, command: { type: 'taskCompleted', elementInstance: task.element_instance, variables } }], actor);
    });
    return this.getTask(id);
  }

  private async lockTask(tx: Queryable, id: number): Promise<{ id: number; instance_id: number; element_id: string; element_instance: string; state: string; assignee: string | null }> {
    const { rows } = await tx.query<{ id: number; instance_id: number; element_id: string; element_instance: string; state: string; assignee: string | null }>(
      'select id, instance_id, element_id, element_instance, state, assignee from user_task where id = $1 for update', [id]);
    if (!rows[0]) throw new GovflowError('GOVFLOW_ERR_TASK_NOT_FOUND', `task ${id} does not exist`);
    return rows[0];
  }

  /**
   * Records something that happened to a case outside the process model (a note, a registry call, a decision
   * issued, a document uploaded) in the case's event log, with the next sequence number, so timelines, mining and
   * the ledger see it. In the caller's transaction when `tx` is given.
   */
  async recordCaseEvent(instanceId: number, event: { type: string; elementId?: string; data: Record<string, unknown> }, options: { actor?: string | null; tx?: Queryable } = {}): Promise<void> {
    const run = async (tx: Queryable): Promise<void> => {
      const { rows } = await tx.query<{ id: number }>('select id from process_instance where id = $1', [instanceId]);
      if (!rows[0]) throw new GovflowError('GOVFLOW_ERR_INSTANCE_NOT_FOUND', `process instance ${instanceId} does not exist`);
      await this.appendInstanceEvent(tx, instanceId, event, options.actor ?? null);
    };
    if (options.tx) await run(options.tx);
    else await this.db.transaction(run);
  }

  /** An event that does not change execution state (claims, job failures) still gets the next sequence number. */
  private async appendInstanceEvent(tx: Queryable, instanceId: number, event: { type: string; elementId?: string; elementInstance?: string; data: Record<string, unknown> }, actor: string | null): Promise<void> {
    const { rows } = await tx.query<{ last_seq: number }>('update process_instance set last_seq = last_seq + 1 where id = $1 returning last_seq', [instanceId]);
    await appendEvents(tx, instanceId, rows[0]!.last_seq, [event], actor, this.clock.now());
  }

  // ------------------------------------------------------------------ jobs (external workers)

  /**
   * Locks up to `maxJobs` ready jobs of a type for a worker (`FOR UPDATE SKIP LOCKED`, so many workers and many
   * govflow processes never get the same job). Jobs whose lock expired are handed out again. With `processKeys`, only
   * jobs of cases whose top-level process is one of them (including the processes those cases called): an agency
   * system's API key works only for its services.
   */
  async activateJobs(options: { type: string; worker: string; maxJobs?: number; lockMs?: number; processKeys?: readonly string[] }): Promise<ActivatedJob[]> {
    const scoped = options.processKeys !== undefined;
    const now = this.clock.now();
    const lockUntil = new Date(now.getTime() + (options.lockMs ?? this.defaultJobLockMs));
    const { rows } = await this.db.query<{
      id: number; type: string; instance_id: number; element_id: string; element_instance: string; retries: number; headers: Record<string, string>; lock_expires_at: Date; idempotency_key: string;
      process_key: string; variables: Variables; execution: ExecutionState; definition_id: number; business_key: string | null; last_seq: number; instance_state: InstanceStatus; parent_instance_id: number | null;
      parent_element_instance: string | null; started_at: Date; row_version: string;
    }>(
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
         i.definition_id, i.business_key, i.last_seq, i.state as instance_state, i.parent_instance_id, i.parent_element_instance, i.started_at, i.xmin::text as row_version`,
      [options.type, now, Math.max(1, Math.min(options.maxJobs ?? 10, 1000)), options.worker, lockUntil, ...(scoped ? [[...options.processKeys!]] : [])],
      { name: scoped ? 'govflow_activate_jobs_scoped_v1' : 'govflow_activate_jobs_v1' },
    );
    for (const r of rows) {
      // What the instance looked like at activation: completing the job tries that version first (one round trip).
      this.activatedSnapshots.delete(r.id);
      this.activatedSnapshots.set(r.id, {
        job: { elementInstance: r.element_instance },
        instance: {
          id: r.instance_id, definition_id: r.definition_id, process_key: r.process_key, business_key: r.business_key, state: r.instance_state, execution: r.execution, variables: r.variables,
          parent_instance_id: r.parent_instance_id, parent_element_instance: r.parent_element_instance, last_seq: r.last_seq, started_at: r.started_at, ended_at: null, row_version: r.row_version,
        },
      });
    }
    while (this.activatedSnapshots.size > MAX_ACTIVATED_SNAPSHOTS) this.activatedSnapshots.delete(this.activatedSnapshots.keys().next().value!);
    return rows.sort((a, b) => a.id - b.id).map((r) => ({
      id: r.id, type: r.type, instanceId: r.instance_id, processKey: r.process_key, elementId: r.element_id, elementInstance: r.element_instance,
      retries: r.retries, headers: r.headers, variables: visibleVariables(r.variables, r.execution.tokens, r.element_instance),
      lockExpiresAt: iso(r.lock_expires_at)!, idempotencyKey: r.idempotency_key,
    }));
  }

  /** Completes a job locked by this worker and moves its instance on, in one transaction. */
  async completeJob(id: number, options: { worker: string; variables?: unknown }): Promise<void> {
    const variables = checkVariables(options.variables);
    if (await this.completeJobOptimistically(id, options.worker, variables)) return;
    await transactionWithRetry(this.db, async (tx) => {
      // Job and instance locked in one statement; the job is deleted by the step's own write.
      const locked = await lockJobAndInstance(tx, id);
      if (!locked) throw new GovflowError('GOVFLOW_ERR_JOB_NOT_FOUND', `job ${id} does not exist (it may have been completed or cancelled)`);
      const { instance, job } = locked;
      if (job.state !== 'locked' || job.lock_owner !== options.worker) {
        throw new GovflowError('GOVFLOW_ERR_JOB_NOT_LOCKED', `job ${id} is not locked by worker '${options.worker}'${job.lock_owner ? ` (held by '${job.lock_owner}')` : ''}`);
      }
      await this.process(tx, [{ instanceId: instance.id, command: { type: 'jobCompleted', elementInstance: job.element_instance, variables } }], options.worker, instance, id);
    });
  }

  /**
   * The common completion in two round trips and no lock held while the runtime runs: read the job and its
   * instance, run the step, write it in one statement that first checks (under row locks) that the instance is
   * unchanged and the job still locked by this worker. A concurrent change means a fresh read and another try;
   * a step with effects beyond new jobs, or anything unexpected, goes the general, locking way (false).
   */
  private async completeJobOptimistically(id: number, worker: string, variables: Variables): Promise<boolean> {
    const snapshot = this.activatedSnapshots.get(id);
    this.activatedSnapshots.delete(id);
    for (let attempt = 0; attempt < 3; attempt++) {
      let instance: VersionedInstanceRow;
      let job: { element_instance: string };
      if (attempt === 0 && snapshot) {
        // The instance as it was when the job was activated; the write checks that it still is.
        instance = snapshot.instance;
        job = { element_instance: snapshot.job.elementInstance };
      } else {
        const read = await readJobAndInstance(this.db, id);
        if (!read || read.job.state !== 'locked' || read.job.lock_owner !== worker || read.instance.state !== 'active') return false;
        ({ instance, job } = read);
      }
      const definition = await this.definition(this.db, instance.definition_id);
      const now = this.clock.now();
      const command: Command = { type: 'jobCompleted', elementInstance: job.element_instance, variables };
      let result: Awaited<ReturnType<typeof applyCommand>>;
      try {
        result = await applyCommand(
          { model: definition.model, state: Object.keys(instance.execution.tokens).length > 0 ? instance.execution : null, variables: instance.variables, now, hasParent: instance.parent_instance_id !== null },
          command,
          { inlineHandlers: this.inlineHandlers, evaluateDecision: (decisionId, context) => this.evaluateDecisionIn(this.db, decisionId, context) },
        );
      } catch {
        if (attempt === 0 && snapshot) continue;
        return false;
      }
      const { jobs, cancels, rest } = foldEffects(result.effects);
      if (rest.length > 0) return false;
      const saved = await saveJobStepIfUnchanged(this.db, instance, { id, worker }, { execution: result.state, variables: result.variables, state: result.status, events: withCommand(result.events, command), jobs, cancels },
        worker, now, false);
      if (saved) {
        this.wakeWorkers(jobs);
        return true;
      }
    }
    return false;
  }

  /**
   * NOTIFY for jobs committed by a single-statement step, sent after the commit, coalesced per job type, with at
   * most one notifying statement in flight. A NOTIFY takes a database-wide lock from its commit until the commit
   * is flushed, so a NOTIFY in every step's transaction would serialise all committing steps.
   */
  private wakeWorkers(jobs: readonly NewJob[]): void {
    if (this.db.backend !== 'postgres') return;
    for (const job of jobs) this.pendingWakeTypes.add(job.jobType);
    if (this.wakeScheduled || this.pendingWakeTypes.size === 0) return;
    this.wakeScheduled = true;
    setImmediate(() => {
      const types = [...this.pendingWakeTypes];
      this.pendingWakeTypes.clear();
      this.db.query('select pg_notify($1, t) from unnest($2::text[]) as n(t)', [WAKE_CHANNEL, types]).catch((error: unknown) => {
        this.log.warn({ err: error }, 'job wake-up notification failed; workers find the jobs on their next poll');
      }).finally(() => {
        this.wakeScheduled = false;
        if (this.pendingWakeTypes.size > 0) this.wakeWorkers([]);
      });
    });
  }

  /** Reports a failed attempt: retried after a backoff while retries remain, then an incident. */
  async failJob(id: number, options: { worker: string; retries?: number; errorMessage?: string; backoffMs?: number }): Promise<{ retries: number; incident: boolean }> {
    return transactionWithRetry(this.db, async (tx) => {
      const job = await this.lockJob(tx, id, options.worker);
      const retries = Math.max(0, options.retries ?? job.retries - 1);
      const now = this.clock.now();
      const message = options.errorMessage ?? 'the worker reported a failure';
      if (retries > 0) {
        await tx.query("update job set state = 'ready', retries = $2, due_at = $3, lock_owner = null, lock_expires_at = null, error_message = $4 where id = $1",
          [id, retries, new Date(now.getTime() + Math.max(0, options.backoffMs ?? 0)), message]);
      } else {
        await tx.query("update job set state = 'failed', retries = 0, lock_owner = null, lock_expires_at = null, error_message = $2 where id = $1", [id, message]);
      }
      await this.appendInstanceEvent(tx, job.instance_id, { type: 'job.failed', elementId: job.element_id, elementInstance: job.element_instance, data: { jobId: id, retries, errorMessage: message } }, options.worker);
      if (retries === 0) {
        await this.recordIncident(tx, job.instance_id, job.element_instance, 'job-failed', message, now, job.element_id, id);
        await this.appendInstanceEvent(tx, job.instance_id, { type: 'incident.raised', elementId: job.element_id, elementInstance: job.element_instance, data: { kind: 'job-failed', message, jobId: id } }, options.worker);
      }
      return { retries, incident: retries === 0 };
    });
  }

  /** The worker reports a business error (BPMN error): caught by a boundary or event sub-process, else an incident. */
  async throwJobError(id: number, options: { worker: string; errorCode: string; errorMessage?: string; variables?: unknown }): Promise<void> {
    const variables = checkVariables(options.variables);
    await transactionWithRetry(this.db, async (tx) => {
      const job = await this.lockJob(tx, id, options.worker);
      await tx.query('delete from job where id = $1', [id]);
      await this.process(tx, [{ instanceId: job.instance_id, command: { type: 'jobError', elementInstance: job.element_instance, errorCode: options.errorCode, ...(options.errorMessage ? { message: options.errorMessage } : {}), variables } }], options.worker);
    });
  }

  private async lockJob(tx: Queryable, id: number, worker: string): Promise<{ id: number; instance_id: number; element_id: string; element_instance: string; retries: number }> {
    // Instance first, then job: the same lock order as every instance step, so the two cannot deadlock.
    const peek = await tx.query<{ instance_id: number }>("select instance_id from job where id = $1 and kind = 'task'", [id]);
    if (!peek.rows[0]) throw new GovflowError('GOVFLOW_ERR_JOB_NOT_FOUND', `job ${id} does not exist (it may have been completed or cancelled)`);
    await lockInstance(tx, peek.rows[0].instance_id);
    const { rows } = await tx.query<{ id: number; instance_id: number; element_id: string; element_instance: string; retries: number; state: string; lock_owner: string | null }>(
      'select id, instance_id, element_id, element_instance, retries, state, lock_owner from job where id = $1 for update', [id]);
    const job = rows[0];
    if (!job) throw new GovflowError('GOVFLOW_ERR_JOB_NOT_FOUND', `job ${id} does not exist (it may have been completed or cancelled)`);
    if (job.state !== 'locked' || job.lock_owner !== worker) {
      throw new GovflowError('GOVFLOW_ERR_JOB_NOT_LOCKED', `job ${id} is not locked by worker '${worker}'${job.lock_owner ? ` (held by '${job.lock_owner}')` : ''}`);
    }
    return job;
  }

  // ------------------------------------------------------------------ incidents

  async listIncidents(filter: { instanceId?: number; state?: string } = {}): Promise<IncidentView[]> {
    const { rows } = await this.db.query<{ id: number; instance_id: number; element_id: string; element_instance: string | null; job_id: number | null; kind: string; message: string; state: string; created_at: Date }>(
      'select * from incident where ($1::bigint is null or instance_id = $1) and ($2::text is null or state = $2) order by id', [filter.instanceId ?? null, filter.state ?? 'open']);
    return rows.map((r) => ({ id: r.id, instanceId: r.instance_id, elementId: r.element_id, elementInstance: r.element_instance, jobId: r.job_id, kind: r.kind, message: r.message, state: r.state, createdAt: iso(r.created_at)! }));
  }

  /** Resolves an incident: a failed job gets its retries back; an expression or handler failure is retried now. */
  async resolveIncident(id: number, options: { retries?: number; actor?: string } = {}): Promise<void> {
    await transactionWithRetry(this.db, async (tx) => {
      const { rows } = await tx.query<{ id: number; instance_id: number; element_id: string; element_instance: string | null; job_id: number | null; state: string }>('select * from incident where id = $1', [id]);
      const incident = rows[0];
      if (!incident) throw new GovflowError('GOVFLOW_ERR_INCIDENT_NOT_FOUND', `incident ${id} does not exist`);
      if (incident.state !== 'open') throw new GovflowError('GOVFLOW_ERR_CONFLICT', `incident ${id} is already resolved`);
      await lockInstance(tx, incident.instance_id);
      const now = this.clock.now();
      await tx.query("update incident set state = 'resolved', resolved_at = $2 where id = $1", [id, now]);
      if (incident.job_id !== null) {
        await tx.query("update job set state = 'ready', retries = $2, due_at = $3, error_message = null where id = $1", [incident.job_id, Math.max(1, options.retries ?? 1), now]);
        await this.appendInstanceEvent(tx, incident.instance_id, { type: 'incident.resolved', elementId: incident.element_id, elementInstance: incident.element_instance ?? undefined, data: { incidentId: id, retries: Math.max(1, options.retries ?? 1) } }, options.actor ?? null);
        return;
      }
      if (incident.element_instance === null) return;
      await this.process(tx, [{ instanceId: incident.instance_id, command: { type: 'resolveIncident', elementInstance: incident.element_instance } }], options.actor ?? null);
    });
  }

  // ------------------------------------------------------------------ messages and signals

  /**
   * Publishes a message: it goes to every instance waiting for it (name + correlation key), else starts an instance
   * through a message start event, else waits in the buffer for `timeToLiveMs`. With neither a waiter nor a
   * time to live it is refused, so a caller learns that nobody heard it.
   */
  async publishMessage(options: { name: string; correlationKey?: string | null; variables?: unknown; timeToLiveMs?: number; messageId?: string; actor?: string }): Promise<{ correlatedInstances: number[]; startedInstances: number[]; buffered: boolean }> {
    const variables = checkVariables(options.variables);
    if (!options.name) throw new GovflowError('GOVFLOW_ERR_VALIDATION', 'a message needs a name');
    return transactionWithRetry(this.db, async (tx) => {
      const items: WorkItem[] = [];
      const result = await this.correlateIn(tx, { name: options.name, correlationKey: options.correlationKey ?? null, variables, timeToLiveMs: options.timeToLiveMs ?? this.defaultMessageTtlMs, messageId: options.messageId }, items, this.clock.now(), options.actor ?? null);
      await this.process(tx, items, options.actor ?? null);
      if (!result.buffered && result.correlatedInstances.length === 0 && result.startedInstances.length === 0) {
        throw new GovflowError('GOVFLOW_ERR_MESSAGE_NOT_CORRELATED', `no process instance waits for message '${options.name}'${options.correlationKey ? ` with key '${options.correlationKey}'` : ''}`);
      }
      return result;
    });
  }

  private async correlateIn(tx: Queryable, message: { name: string; correlationKey: string | null; variables: Variables; timeToLiveMs: number; messageId?: string }, items: WorkItem[], now: Date, actor: string | null = null): Promise<{ correlatedInstances: number[]; startedInstances: number[]; buffered: boolean }> {
    if (message.messageId) {
      // Claim the message id first with a marker that is never delivered (expires at -infinity): a repeated or
      // concurrent publish of the same message waits on the unique index, then finds the id taken and does nothing.
      const claimed = await tx.query(`insert into message_buffer (name, correlation_key, message_id, variables, expires_at, created_at)
        values ($1, $2, $3, '{}'::jsonb, '-infinity', $4) on conflict (message_id) do nothing returning id`, [message.name, message.correlationKey, message.messageId, now]);
      if (claimed.rows.length === 0) return { correlatedInstances: [], startedInstances: [], buffered: true };
    }
    // One subscription per instance (the oldest): a message is one event for each instance that waits for it.
    const { rows } = await tx.query<{ id: number; instance_id: number; element_id: string; element_instance: string }>(
      `delete from event_subscription where id in (
         select s.id from event_subscription s
         where s.kind = 'message' and s.name = $1 and s.correlation_key is not distinct from $2 and s.instance_id is not null
           and not exists (select 1 from event_subscription o where o.kind = 'message' and o.name = $1 and o.correlation_key is not distinct from $2
                           and o.instance_id = s.instance_id and o.id < s.id)
         for update skip locked)
       returning id, instance_id, element_id, element_instance`,
      [message.name, message.correlationKey],
    );
    const correlatedInstances = rows.map((r) => r.instance_id).sort((a, b) => a - b);
    for (const r of rows.sort((a, b) => a.instance_id - b.instance_id)) {
      // The waiter's other subscriptions for the same element instance stay until the step cancels them.
      items.push({ instanceId: r.instance_id, command: { type: 'trigger', trigger: 'message', elementId: r.element_id, elementInstance: r.element_instance, variables: message.variables } });
    }
    const startedInstances: number[] = [];
    if (rows.length === 0) {
      const starts = await tx.query<{ definition_id: number; element_id: string }>(
        "select definition_id, element_id from event_subscription where kind = 'message' and name = $1 and instance_id is null order by definition_id", [message.name]);
      for (const start of starts.rows) {
        if (message.correlationKey !== null) {
          // Only one running instance per correlation key may be started by the same message start event.
          const running = await tx.query("select 1 from process_instance i where i.definition_id = $1 and i.business_key = $2 and i.state = 'active' limit 1", [start.definition_id, message.correlationKey]);
          if (running.rows.length > 0) continue;
        }
        const definition = await this.definition(tx, start.definition_id);
        startedInstances.push(await this.createAndStart(tx, definition, { variables: message.variables, businessKey: message.correlationKey, actor, startEventId: start.element_id }));
      }
    }
    let buffered = false;
    if (rows.length === 0 && startedInstances.length === 0 && message.timeToLiveMs > 0) {
      await tx.query(`insert into message_buffer (name, correlation_key, message_id, variables, expires_at, created_at) values ($1, $2, $3, $4::jsonb, $5, $6)
        on conflict (message_id) do update set variables = excluded.variables, expires_at = excluded.expires_at`,
        [message.name, message.correlationKey, message.messageId ?? null, JSON.stringify(message.variables), new Date(now.getTime() + message.timeToLiveMs), now]);
      await appendEvents(tx, null, 0, [{ type: 'message.buffered', data: { name: message.name, correlationKey: message.correlationKey, timeToLiveMs: message.timeToLiveMs } }], actor, now);
      buffered = true;
    }
    return { correlatedInstances, startedInstances, buffered };
  }

  /** Broadcasts a signal to every instance waiting for it and starts processes with a matching signal start. */
  async broadcastSignal(options: { name: string; variables?: unknown; actor?: string }): Promise<{ triggeredInstances: number[]; startedInstances: number[] }> {
    const variables = checkVariables(options.variables);
    return transactionWithRetry(this.db, async (tx) => {
      const items: WorkItem[] = [];
      const result = await this.signalIn(tx, options.name, variables, items, options.actor ?? null);
      await this.process(tx, items, options.actor ?? null);
      return result;
    });
  }

  private async signalIn(tx: Queryable, name: string, variables: Variables, items: WorkItem[], actor: string | null = null): Promise<{ triggeredInstances: number[]; startedInstances: number[] }> {
    const { rows } = await tx.query<{ instance_id: number; element_id: string; element_instance: string }>(
      "delete from event_subscription where kind = 'signal' and name = $1 and instance_id is not null returning instance_id, element_id, element_instance", [name]);
    for (const r of rows.sort((a, b) => a.instance_id - b.instance_id || a.element_instance.localeCompare(b.element_instance))) {
      items.push({ instanceId: r.instance_id, command: { type: 'trigger', trigger: 'signal', elementId: r.element_id, elementInstance: r.element_instance, variables } });
    }
    const starts = await tx.query<{ definition_id: number; element_id: string }>("select definition_id, element_id from event_subscription where kind = 'signal' and name = $1 and instance_id is null order by definition_id", [name]);
    const startedInstances: number[] = [];
    for (const start of starts.rows) {
      const definition = await this.definition(tx, start.definition_id);
      startedInstances.push(await this.createAndStart(tx, definition, { variables, businessKey: null, actor, startEventId: start.element_id }));
    }
    return { triggeredInstances: [...new Set(rows.map((r) => r.instance_id))], startedInstances };
  }

  // ------------------------------------------------------------------ timers

  /**
   * Fires timers that are due by the engine clock, each in its own transaction (one failure does not hold up
   * the others). Claiming uses SKIP LOCKED, so several processes can run this at once. Returns how many fired.
   */
  async runDueTimers(limit = 100): Promise<number> {
    let fired = 0;
    for (; fired < limit; fired++) {
      const didFire = await transactionWithRetry(this.db, async (tx) => {
        const now = this.clock.now();
        const { rows } = await tx.query<{ id: number; instance_id: number | null; definition_id: number; element_id: string; element_instance: string | null; timer_cycle: string | null; due_at: Date }>(
          "select id, instance_id, definition_id, element_id, element_instance, timer_cycle, due_at from job where kind = 'timer' and state = 'ready' and due_at <= $1 order by due_at, id limit 1 for update skip locked", [now]);
        const timer = rows[0];
        if (!timer) return false;
        if (timer.timer_cycle) {
          // Repeating: schedule the next occurrence from the due time (not from now), so a late run does not drift.
          const next = computeTimer('cycle', timer.timer_cycle, new Date(Math.max(new Date(timer.due_at).getTime(), now.getTime() - 1)), timer.element_id);
          await tx.query('update job set due_at = $2, timer_cycle = $3, idempotency_key = $4 where id = $1', [timer.id, next.dueAt, next.cycle ?? null, `${timer.id}-${next.dueAt}`]);
        } else {
          await tx.query('delete from job where id = $1', [timer.id]);
        }
        if (timer.instance_id === null) {
          const definition = await this.definition(tx, timer.definition_id);
          await this.createAndStart(tx, definition, { variables: {}, businessKey: null, actor: 'timer', startEventId: timer.element_id });
        } else {
          // A timer whose instance or element has moved on is stale: undo the step to the savepoint and drop the
          // timer (its deletion above stands) rather than roll back everything and fire it again forever.
          await tx.query('savepoint timer_step');
          try {
            await this.process(tx, [{ instanceId: timer.instance_id, command: { type: 'trigger', trigger: 'timer', elementId: timer.element_id, elementInstance: timer.element_instance!, variables: {} } }], 'timer');
            await tx.query('release savepoint timer_step');
          } catch (error) {
            if (!(error instanceof GovflowError) || error.kind !== 'user') throw error;
            await tx.query('rollback to savepoint timer_step');
            this.log.warn({ timerId: timer.id, instanceId: timer.instance_id, code: error.code }, 'dropped a stale timer');
          }
        }
        return true;
      });
      if (!didFire) break;
    }
    return fired;
  }

  /** When the next timer is due (for a poller to sleep until then), or null. */
  async nextTimerDue(): Promise<Date | null> {
    const { rows } = await this.db.query<{ due_at: Date }>("select min(due_at) as due_at from job where kind = 'timer' and state = 'ready'");
    return rows[0]?.due_at ? new Date(rows[0].due_at) : null;
  }

  /** Subscribes to job wake-ups (PostgreSQL NOTIFY when a job is created); resolves to an unsubscribe function. */
  onJobsAvailable(listener: (type: string) => void): Promise<() => Promise<void>> {
    return this.db.listen(WAKE_CHANNEL, listener);
  }

  // ------------------------------------------------------------------ decisions

  /** Evaluates the latest deployed version of a decision. */
  async evaluateDecision(key: string, variables: unknown): Promise<DecisionOutcome> {
    const context = checkVariables(variables);
    return this.evaluateDecisionIn(this.db, key, context);
  }

  private async evaluateDecisionIn(db: Queryable, key: string, context: Variables): Promise<DecisionOutcome> {
    if (!this.decisions) throw new GovflowError('GOVFLOW_ERR_DECISION_NOT_FOUND', 'no decision service is configured');
    const { rows } = await db.query<{ id: number; version: number; resource_id: number }>('select id, version, resource_id from decision_definition where key = $1 order by version desc limit 1', [key]);
    const definition = rows[0];
    if (!definition) throw new GovflowError('GOVFLOW_ERR_DECISION_NOT_FOUND', `no decision '${key}' is deployed`);
    let source = this.dmnSources.get(definition.resource_id);
    if (!source) {
      const res = await db.query<{ content: string; name: string }>('select content, name from deployment_resource where id = $1', [definition.resource_id]);
      source = { xml: res.rows[0]!.content, name: res.rows[0]!.name };
      this.dmnSources.set(definition.resource_id, source);
    }
    const result = this.decisions.evaluate(source.xml, source.name, key, context);
    return { value: result.value, explanation: result.explanation, decisionKey: key, version: definition.version };
  }
}

/** Handlers every deployment has: `govflow:noop` does nothing; `govflow:set` copies its task headers into variables. */
export const BUILTIN_HANDLERS: Readonly<Record<string, InlineHandler>> = {
  'govflow:noop': () => undefined,
  'govflow:set': ({ headers }) => ({ ...headers }),
};

type TaskRow = {
  id: number; instance_id: number; process_key: string; element_id: string; name: string | null; state: string; assignee: string | null;
  candidate_groups: string[]; candidate_users: string[]; form_key: string | null; due_at: Date | null; follow_up_at: Date | null;
  priority: number; created_at: Date; completed_at: Date | null; completed_by: string | null;
};
const TASK_SELECT = 'select t.*, i.process_key from user_task t join process_instance i on i.id = t.instance_id';
function taskView(r: TaskRow): TaskView {
  return {
    id: r.id, instanceId: r.instance_id, processKey: r.process_key, elementId: r.element_id, name: r.name, state: r.state, assignee: r.assignee,
    candidateGroups: r.candidate_groups, candidateUsers: r.candidate_users, formKey: r.form_key, dueAt: iso(r.due_at), followUpAt: iso(r.follow_up_at),
    priority: r.priority, createdAt: iso(r.created_at)!, completedAt: iso(r.completed_at), completedBy: r.completed_by,
  };
}

/** Process variables overlaid by the locals of every scope around an element instance (what a worker sees). */
function visibleVariables(variables: Variables, tokens: Record<string, Token>, elementInstance: string): Variables {
  const chain: Token[] = [];
  for (let t: Token | undefined = tokens[elementInstance]; t; t = t.scope ? tokens[t.scope] : undefined) chain.push(t);
  let context: Variables = { ...variables };
  for (let i = chain.length - 1; i >= 0; i--) if (chain[i]!.vars) context = { ...context, ...chain[i]!.vars };
  return context;
}

/**
 * The effects at the head of a step's effects that are written with the step itself (createJob, cancelWaits),
 * and the effects after them, applied one by one. A cancellation of a job created in the same run stops the
 * folding: the statement's parts do not see each other's rows, so that one keeps its order.
 */
function foldEffects(effects: readonly Effect[]): { jobs: NewJob[]; cancels: CancelWaits[]; rest: readonly Effect[] } {
  const jobs: NewJob[] = [];
  const cancels: CancelWaits[] = [];
  let n = 0;
  for (; n < effects.length; n++) {
    const effect = effects[n]!;
    if (effect.type === 'createJob') jobs.push(effect);
    else if (effect.type === 'cancelWaits' && !jobs.some((j) => j.elementInstance === effect.elementInstance)) cancels.push({ elementInstance: effect.elementInstance, elementIds: effect.elementIds });
    else break;
  }
  return { jobs, cancels, rest: effects.slice(n) };
}

/** The command that caused a step is recorded with its first event, so a history can be replayed. */
function withCommand(events: readonly EngineEvent[], command: Command): EngineEvent[] {
  return events.length > 0 ? [{ ...events[0]!, data: { ...events[0]!.data, command } }, ...events.slice(1)] : [...events];
}

export function createEngine(db: Database, options: EngineOptions = {}): Engine {
  return new Engine(db, options);
}
