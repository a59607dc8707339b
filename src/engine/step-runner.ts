import { GovflowError, type Logger } from '../kernel/index.js';
import { transactionWithRetry, type Database, type Queryable } from '../store/index.js';
import type { Clock } from './clock.js';
import type { DecisionBinder } from './decision-binding.js';
import * as effects from './persistence/effect-store.js';
import {
  appendEvents, insertInstance, insertStartedInstance, latestDefinitionId, loadDefinition, lockInstance, notifyJobTypes, readJobAndInstance, saveJobStepIfUnchanged, saveStep,
  type CancelWaits, type DefinitionRow, type InstanceRow, type NewJob, type NewTask, type VersionedInstanceRow,
} from './persistence/instance-store.js';
import { updateTask } from './persistence/task-listener-store.js';
import * as work from './persistence/work-store.js';
import { applyCommand } from './runtime/execution.js';
import type { StepResult } from './runtime/step-types.js';
import type { Command, DecisionBindings, Effect, EngineEvent, InlineHandler, Variables } from './runtime/types.js';
import { activeElementsOf, iso, type ProcessInstanceView } from './views.js';

export interface WorkItem {
  readonly instanceId: number;
  readonly command: Command;
}

export interface MessageToCorrelate { name: string; correlationKey: string | null; variables: Variables; timeToLiveMs: number; messageId?: string | undefined }

const MAX_ACTIVATED_SNAPSHOTS = 10_000;

/**
 * Runs steps: locks an instance, hands the pure runtime its model, state, variables, clock and bound decisions,
 * writes the result (state, events and the folded jobs in one statement on the hot paths) and applies the other
 * effects, following work that a step sets off in other instances (called processes, signals, messages) within
 * the same transaction. The public operations of `Engine` are built on it.
 */
export class StepRunner {
  private readonly definitions = new Map<number, DefinitionRow>();
  /** The latest version of each process key seen here; checked by the statement that uses it (see startFast). */
  private readonly latestByKey = new Map<string, DefinitionRow>();
  private readonly pendingWakeTypes = new Set<string>();
  private wakeScheduled = false;
  /** Instance versions seen by activateJobs, by job id (bounded; see completeJobOptimistically). */
  private readonly activatedSnapshots = new Map<number, { elementInstance: string; instance: VersionedInstanceRow }>();

  constructor(
    private readonly db: Database,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly inlineHandlers: ReadonlyMap<string, InlineHandler>,
    private readonly binder: DecisionBinder,
  ) {}

  async definition(tx: Queryable, id: number): Promise<DefinitionRow> {
    const cached = this.definitions.get(id);
    if (cached) return cached;
    const row = await loadDefinition(tx, id);
    if (!row) throw new GovflowError('GOVFLOW_ERR_PROCESS_NOT_FOUND', `process definition ${id} does not exist`);
    this.definitions.set(id, row);
    return row;
  }

  /** The pure step, given the decisions the instance is bound to. */
  private async step(db: Queryable, definition: DefinitionRow, row: Pick<InstanceRow, 'execution' | 'variables' | 'parent_instance_id'> | null, bindings: DecisionBindings, now: Date, command: Command): Promise<StepResult> {
    const decisions = await this.binder.boundDecisions(db, bindings);
    const state = row && Object.keys(row.execution.tokens).length > 0 ? row.execution : null;
    return applyCommand({ model: definition.model, state, variables: row?.variables ?? {}, now, hasParent: row !== null && row.parent_instance_id !== null, ...(decisions ? { decisions } : {}) },
      command, { inlineHandlers: this.inlineHandlers });
  }

  /** Runs one command against one instance, plus everything it sets off, in one transaction. */
  async run(instanceId: number, command: Command, actor: string | null): Promise<void> {
    await transactionWithRetry(this.db, (tx) => this.process(tx, [{ instanceId, command }], actor));
  }

  /** `deleteJobId`: the completed job, deleted in the first step's write (one round trip fewer). */
  async process(tx: Queryable, items: WorkItem[], actor: string | null, firstRow?: InstanceRow, deleteJobId?: number): Promise<void> {
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
      const bindings = await this.binder.completeBindings(tx, row.id, definition, row.decision_bindings ?? {});
      const now = this.clock.now();
      const result = await this.step(tx, definition, row, bindings, now, item.command);
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
    const owner = { instanceId: row.id, definitionId: definition.id };
    switch (effect.type) {
      case 'createJob':
        return effects.insertTaskJob(tx, owner, effect, now, this.db.backend === 'postgres');
      case 'createTimer':
        return effects.insertTimer(tx, owner, effect, now);
      case 'createTask':
        return effects.insertUserTask(tx, owner, effect, now);
      case 'updateTask':
        return updateTask(tx, row.id, effect, now);
      case 'subscribe': {
        const message = await effects.subscribe(tx, owner, effect, now);
        if (message) items.push({ instanceId: row.id, command: { type: 'trigger', trigger: 'message', elementId: effect.elementId, elementInstance: effect.elementInstance, variables: message.variables } });
        return;
      }
      case 'cancelWaits':
        return effects.cancelWaits(tx, row.id, effect, now);
      case 'startChild': {
        const childDefinitionId = await latestDefinitionId(tx, effect.processId);
        if (childDefinitionId === undefined) {
          await effects.insertIncident(tx, { instanceId: row.id, elementInstance: effect.elementInstance, kind: 'call-activity', message: `the called process '${effect.processId}' is not deployed`, now });
          return;
        }
        const childDefinition = await this.definition(tx, childDefinitionId);
        const child = await insertInstance(tx, childDefinition, {
          businessKey: row.business_key, parentInstanceId: row.id, parentElementInstance: effect.elementInstance, now, decisionBindings: await this.binder.bindAtStart(tx, childDefinition),
        });
        items.push({ instanceId: child.id, command: { type: 'start', variables: effect.variables } });
        return;
      }
      case 'cancelChild':
        for (const child of await effects.activeChildren(tx, row.id, effect.elementInstance)) items.push({ instanceId: child, command: { type: 'cancel', reason: 'the calling activity was cancelled' } });
        return;
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
      case 'incident':
        return effects.insertIncident(tx, { instanceId: row.id, elementInstance: effect.elementInstance, kind: effect.kind, message: effect.message, now, elementId: effect.elementId });
      case 'resolveIncidents':
        return effects.resolveIncidentsOf(tx, row.id, effect.elementInstance, now);
    }
  }

  // ------------------------------------------------------------------ starting instances

  /** Starts an instance inside an open transaction (API starts, call activities, message/signal/timer starts). */
  async createAndStart(tx: Queryable, definition: DefinitionRow, options: { variables: Variables; businessKey: string | null; actor: string | null; startEventId?: string }): Promise<number> {
    const now = this.clock.now();
    const row = await insertInstance(tx, definition, { businessKey: options.businessKey, parentInstanceId: null, parentElementInstance: null, now, decisionBindings: await this.binder.bindAtStart(tx, definition) });
    await this.process(tx, [{ instanceId: row.id, command: { type: 'start', variables: options.variables, ...(options.startEventId ? { startEventId: options.startEventId } : {}) } }], options.actor, row);
    return row.id;
  }

  /**
   * The common start in one statement, without a transaction around it: the first step runs before anything is
   * written (it needs no instance id), and the instance, its events, jobs and user tasks are inserted together, on the
   * condition that the cached definition is still the latest version. Returns undefined when the step needs more
   * (other effects) or the definition changed; the caller then takes the general path.
   */
  async startFast(processKey: string, variables: Variables, businessKey: string | null, actor: string | null): Promise<ProcessInstanceView | undefined> {
    const definition = this.latestByKey.get(processKey);
    if (!definition) {
      const id = await latestDefinitionId(this.db, processKey);
      if (id !== undefined) this.latestByKey.set(processKey, await this.definition(this.db, id));
      return undefined;
    }
    const now = this.clock.now();
    const command: Command = { type: 'start', variables };
    const decisionBindings = await this.binder.bindAtStart(this.db, definition);
    const result = await this.step(this.db, definition, null, decisionBindings, now, command);
    // Jobs and user tasks go in the start's one statement (different tables: their order does not matter); any
    // other effect takes the general path.
    const jobs: NewJob[] = [];
    const tasks: NewTask[] = [];
    for (const effect of result.effects) {
      if (effect.type === 'createJob') jobs.push(effect);
      else if (effect.type === 'createTask') tasks.push(effect);
      else return undefined;
    }
    const events = withCommand(result.events, command);
    const inserted = await insertStartedInstance(this.db, definition, { execution: result.state, variables: result.variables, state: result.status, events, jobs, cancels: [], tasks },
      { businessKey, actor, now, notify: false, decisionBindings });
    if (!inserted) {
      this.latestByKey.delete(processKey);
      return undefined;
    }
    this.wakeWorkers(jobs);
    return {
      id: inserted.id, definitionId: definition.id, processKey, version: definition.version, businessKey, state: result.status, variables: result.variables,
      parentInstanceId: null, startedAt: iso(inserted.startedAt)!, endedAt: result.status === 'active' ? null : iso(now), activeElements: activeElementsOf(result.state.tokens),
    };
  }

  // ------------------------------------------------------------------ completing jobs

  /** Remembers what an activated job's instance looked like, so completing it can try that version first. */
  rememberActivated(jobId: number, elementInstance: string, instance: VersionedInstanceRow): void {
    this.activatedSnapshots.delete(jobId);
    this.activatedSnapshots.set(jobId, { elementInstance, instance });
    while (this.activatedSnapshots.size > MAX_ACTIVATED_SNAPSHOTS) this.activatedSnapshots.delete(this.activatedSnapshots.keys().next().value!);
  }

  /**
   * The common completion in two round trips and no lock held while the runtime runs: read the job and its
   * instance, run the step, write it in one statement that first checks (under row locks) that the instance is
   * unchanged and the job still locked by this worker. A concurrent change means a fresh read and another try;
   * a step with effects beyond new jobs, or anything unexpected, goes the general, locking way (false).
   */
  async completeJobOptimistically(id: number, worker: string, variables: Variables): Promise<boolean> {
    const snapshot = this.activatedSnapshots.get(id);
    this.activatedSnapshots.delete(id);
    for (let attempt = 0; attempt < 3; attempt++) {
      let instance: VersionedInstanceRow;
      let elementInstance: string;
      if (attempt === 0 && snapshot) {
        // The instance as it was when the job was activated; the write checks that it still is.
        ({ instance, elementInstance } = snapshot);
      } else {
        const read = await readJobAndInstance(this.db, id);
        if (!read || read.job.state !== 'locked' || read.job.lock_owner !== worker || read.instance.state !== 'active') return false;
        instance = read.instance;
        elementInstance = read.job.element_instance;
      }
      const definition = await this.definition(this.db, instance.definition_id);
      // A decision to bind late is a write of its own: the locking way does it.
      if (!this.binder.isComplete(definition, instance.decision_bindings ?? {})) return false;
      const now = this.clock.now();
      const command: Command = { type: 'jobCompleted', elementInstance, variables };
      let result: StepResult;
      try {
        result = await this.step(this.db, definition, instance, instance.decision_bindings ?? {}, now, command);
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
      notifyJobTypes(this.db, types).catch((error: unknown) => {
        this.log.warn({ err: error }, 'job wake-up notification failed; workers find the jobs on their next poll');
      }).finally(() => {
        this.wakeScheduled = false;
        if (this.pendingWakeTypes.size > 0) this.wakeWorkers([]);
      });
    });
  }

  // ------------------------------------------------------------------ messages and signals

  async correlateIn(tx: Queryable, message: MessageToCorrelate, items: WorkItem[], now: Date, actor: string | null = null): Promise<{ correlatedInstances: number[]; startedInstances: number[]; buffered: boolean }> {
    if (message.messageId && !(await work.claimMessageId(tx, { name: message.name, correlationKey: message.correlationKey, messageId: message.messageId }, now))) {
      return { correlatedInstances: [], startedInstances: [], buffered: true };
    }
    const waiters = await work.takeMessageWaiters(tx, message.name, message.correlationKey);
    const correlatedInstances = waiters.map((r) => r.instance_id).sort((a, b) => a - b);
    for (const r of waiters.sort((a, b) => a.instance_id - b.instance_id)) {
      // The waiter's other subscriptions for the same element instance stay until the step cancels them.
      items.push({ instanceId: r.instance_id, command: { type: 'trigger', trigger: 'message', elementId: r.element_id, elementInstance: r.element_instance, variables: message.variables } });
    }
    const startedInstances: number[] = [];
    if (waiters.length === 0) {
      for (const start of await work.startSubscriptions(tx, 'message', message.name)) {
        // Only one running instance per correlation key may be started by the same message start event.
        if (message.correlationKey !== null && await work.hasActiveInstanceWithKey(tx, start.definition_id, message.correlationKey)) continue;
        const definition = await this.definition(tx, start.definition_id);
        startedInstances.push(await this.createAndStart(tx, definition, { variables: message.variables, businessKey: message.correlationKey, actor, startEventId: start.element_id }));
      }
    }
    let buffered = false;
    if (waiters.length === 0 && startedInstances.length === 0 && message.timeToLiveMs > 0) {
      await work.bufferMessage(tx, { name: message.name, correlationKey: message.correlationKey, messageId: message.messageId ?? null, variables: message.variables, expiresAt: new Date(now.getTime() + message.timeToLiveMs) }, now);
      await appendEvents(tx, null, 0, [{ type: 'message.buffered', data: { name: message.name, correlationKey: message.correlationKey, timeToLiveMs: message.timeToLiveMs } }], actor, now);
      buffered = true;
    }
    return { correlatedInstances, startedInstances, buffered };
  }

  async signalIn(tx: Queryable, name: string, variables: Variables, items: WorkItem[], actor: string | null = null): Promise<{ triggeredInstances: number[]; startedInstances: number[] }> {
    const waiters = await work.takeSignalWaiters(tx, name);
    for (const r of waiters.sort((a, b) => a.instance_id - b.instance_id || a.element_instance.localeCompare(b.element_instance))) {
      items.push({ instanceId: r.instance_id, command: { type: 'trigger', trigger: 'signal', elementId: r.element_id, elementInstance: r.element_instance, variables } });
    }
    const startedInstances: number[] = [];
    for (const start of await work.startSubscriptions(tx, 'signal', name)) {
      const definition = await this.definition(tx, start.definition_id);
      startedInstances.push(await this.createAndStart(tx, definition, { variables, businessKey: null, actor, startEventId: start.element_id }));
    }
    return { triggeredInstances: [...new Set(waiters.map((r) => r.instance_id))], startedInstances };
  }
}

/**
 * The effects at the head of a step's effects that are written with the step itself (createJob, cancelWaits),
 * and the effects after them, applied one by one. A cancellation of a job created in the same run stops the
 * folding: the statement's parts do not see each other's rows, so that one keeps its order.
 */
function foldEffects(stepEffects: readonly Effect[]): { jobs: NewJob[]; cancels: CancelWaits[]; rest: readonly Effect[] } {
  const jobs: NewJob[] = [];
  const cancels: CancelWaits[] = [];
  let n = 0;
  for (; n < stepEffects.length; n++) {
    const effect = stepEffects[n]!;
    if (effect.type === 'createJob') jobs.push(effect);
    else if (effect.type === 'cancelWaits' && !jobs.some((j) => j.elementInstance === effect.elementInstance)) cancels.push({ elementInstance: effect.elementInstance, elementIds: effect.elementIds });
    else break;
  }
  return { jobs, cancels, rest: stepEffects.slice(n) };
}

/** The command that caused a step is recorded with its first event, so a history can be replayed. */
function withCommand(events: readonly EngineEvent[], command: Command): EngineEvent[] {
  return events.length > 0 ? [{ ...events[0]!, data: { ...events[0]!.data, command } }, ...events.slice(1)] : [...events];
}
