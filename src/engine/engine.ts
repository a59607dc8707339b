import { GovflowError, createLogger, type Logger } from '../kernel/index.js';
import { transactionWithRetry, type Database, type Queryable } from '../store/index.js';
import { systemClock, type Clock } from './clock.js';
import { DecisionBinder } from './decision-binding.js';
import { createDmnDecisionService } from './decision-service.js';
import { deployResources } from './deployment.js';
import type { CaseEventType } from './event-types.js';
import { insertIncident } from './persistence/effect-store.js';
import { JOB_WAKE_CHANNEL, latestDefinitionId, latestDefinitionIds, lockInstance, lockJobAndInstance } from './persistence/instance-store.js';
import { conditionalStartsHolding } from './runtime/conditional-events.js';
import * as reads from './persistence/read-store.js';
import { taskAttributes, taskOwner } from './persistence/task-listener-store.js';
import * as work from './persistence/work-store.js';
import { computeTimer } from './runtime/timers.js';
import type { Command, DecisionOutcome, InlineHandler, TaskAction, Token, Variables } from './runtime/types.js';
import { StepRunner, type WorkItem } from './step-runner.js';
import { checkJobResult, hasTaskListeners, refusePendingTask } from './task-transitions.js';
import {
  checkVariables, iso, visibleVariables,
  type ActivatedJob, type DecisionEngine, type DeploymentResult, type DeployResource, type EngineOptions, type EventView, type IncidentView, type ProcessInstanceView, type TaskView,
} from './views.js';

export type {
  ActivatedJob, DecisionEngine, DeployedProcess, DeploymentResult, DeployResource, EngineOptions, EventView, IncidentView, ProcessInstanceView, TaskView,
} from './views.js';
export { instanceWithEventsJson, parseInstanceWithEvents } from './persistence/read-store.js';

const DEFAULT_MESSAGE_TTL_MS = 60 * 60 * 1000;
const DEFAULT_LOCK_MS = 5 * 60 * 1000;

/**
 * The process engine. Every public operation is one database transaction that locks the instances it touches,
 * runs the pure runtime, writes the new state, appends the events and applies the effects (jobs, tasks, timers,
 * subscriptions, called processes). Many engines can share one PostgreSQL server. The steps themselves are run
 * by `StepRunner`; the SQL lives in `persistence/`.
 */
export class Engine {
  readonly clock: Clock;
  private readonly log: Logger;
  private readonly decisions: DecisionEngine | undefined;
  private readonly binder: DecisionBinder;
  private readonly runner: StepRunner;
  private readonly defaultMessageTtlMs: number;
  private readonly defaultJobLockMs: number;

  constructor(readonly db: Database, options: EngineOptions = {}) {
    this.clock = options.clock ?? systemClock;
    this.log = options.logger ?? createLogger({ name: 'engine' });
    this.decisions = options.decisions ?? createDmnDecisionService();
    this.binder = new DecisionBinder(this.decisions);
    this.runner = new StepRunner(db, this.clock, this.log, new Map(Object.entries({ ...BUILTIN_HANDLERS, ...options.inlineHandlers })), this.binder);
    this.defaultMessageTtlMs = options.defaultMessageTtlMs ?? DEFAULT_MESSAGE_TTL_MS;
    this.defaultJobLockMs = options.defaultJobLockMs ?? DEFAULT_LOCK_MS;
  }

  // ------------------------------------------------------------------ deployment

  /**
   * Deploys BPMN (and DMN, forms) in one transaction. Everything is parsed and validated before anything is
   * written, so a bad file leaves no trace. A process whose compiled model equals its latest version is kept.
   */
  async deploy(resources: readonly DeployResource[], options: { name?: string; actor?: string } = {}): Promise<DeploymentResult> {
    return deployResources({ db: this.db, clock: this.clock, decisions: this.decisions, definition: (tx, id) => this.runner.definition(tx, id) }, resources, options);
  }

  /** The BPMN XML a process definition was deployed from (e.g. for a diagram of a case). */
  async getProcessXml(definitionId: number): Promise<string> {
    return reads.readProcessXml(this.db, definitionId);
  }

  // ------------------------------------------------------------------ instances

  async startInstance(processKey: string, options: { variables?: unknown; businessKey?: string | null; version?: number; actor?: string } = {}): Promise<ProcessInstanceView> {
    const variables = checkVariables(options.variables);
    if (options.version === undefined) {
      const started = await this.runner.startFast(processKey, variables, options.businessKey ?? null, options.actor ?? null);
      if (started) return started;
    }
    const id = await transactionWithRetry(this.db, async (tx) => {
      const definitionId = await latestDefinitionId(tx, processKey, options.version);
      if (definitionId === undefined) {
        throw new GovflowError('GOVFLOW_ERR_PROCESS_NOT_FOUND', `no process '${processKey}'${options.version ? ` version ${options.version}` : ''} is deployed`);
      }
      const definition = await this.runner.definition(tx, definitionId);
      return this.runner.createAndStart(tx, definition, { variables, businessKey: options.businessKey ?? null, actor: options.actor ?? null });
    });
    return this.getInstance(id);
  }

  async getInstance(id: number, db: Queryable = this.db): Promise<ProcessInstanceView> {
    return reads.readInstance(db, id);
  }

  /**
   * `candidateGroups` keeps the cases that have (or had) a user task for one of these groups — a department's
   * view of the cases; `processKeys` keeps the cases of these processes (an API client's services).
   */
  async listInstances(filter: reads.InstanceFilter = {}): Promise<ProcessInstanceView[]> {
    return reads.listInstances(this.db, filter);
  }

  async cancelInstance(id: number, options: { actor?: string; reason?: string } = {}): Promise<ProcessInstanceView> {
    await this.runner.run(id, { type: 'cancel', ...(options.reason ? { reason: options.reason } : {}) }, options.actor ?? null);
    return this.getInstance(id);
  }

  async setVariables(id: number, variables: unknown, options: { actor?: string } = {}): Promise<ProcessInstanceView> {
    await this.runner.run(id, { type: 'setVariables', variables: checkVariables(variables) }, options.actor ?? null);
    return this.getInstance(id);
  }

  async getEvents(instanceId: number, options: { afterSeq?: number } = {}): Promise<EventView[]> {
    return reads.readEvents(this.db, instanceId, options.afterSeq ?? 0);
  }

  /**
   * An instance and its events (sequence order) in one named statement, for reads that need both on every view
   * (the citizen's status page): one round trip, planned once per connection.
   */
  async getInstanceWithEvents(id: number): Promise<{ instance: ProcessInstanceView; events: EventView[] }> {
    return reads.readInstanceWithEvents(this.db, id);
  }

  /**
   * Several instances at once (a work list's page of cases), each with its events of the elements in
   * `eventsOfElements` (none when empty), in one statement. Unknown ids are left out of the map.
   */
  async getInstancesWithEvents(ids: readonly number[], options: { eventsOfElements?: readonly string[] } = {}): Promise<Map<number, { instance: ProcessInstanceView; events: EventView[] }>> {
    return reads.readInstancesWithEvents(this.db, [...new Set(ids)], options.eventsOfElements ?? []);
  }

  /**
   * Records something that happened to a case outside the process model (a note, a registry call, a decision
   * issued, a form submitted) in the case's event log, with the next sequence number, so timelines, mining and
   * the ledger see it. In the caller's transaction when `tx` is given.
   */
  async recordCaseEvent(instanceId: number, event: { type: CaseEventType; elementId?: string; data: Record<string, unknown> }, options: { actor?: string | null; tx?: Queryable } = {}): Promise<void> {
    const run = async (tx: Queryable): Promise<void> => {
      if (!(await work.instanceExists(tx, instanceId))) throw new GovflowError('GOVFLOW_ERR_INSTANCE_NOT_FOUND', `process instance ${instanceId} does not exist`);
      await work.appendInstanceEvent(tx, instanceId, event, options.actor ?? null, this.clock.now());
    };
    if (options.tx) await run(options.tx);
    else await this.db.transaction(run);
  }

  // ------------------------------------------------------------------ user tasks

  /**
   * The candidate groups of every user task the case has (open or done): who works, or worked, the case. Callers
   * decide case scope from it (identity's inCaseScope) without reading the tasks themselves.
   */
  async caseCandidateGroups(instanceId: number): Promise<string[]> {
    return reads.caseCandidateGroups(this.db, instanceId);
  }

  async listTasks(filter: reads.TaskFilter = {}): Promise<TaskView[]> {
    return reads.listTasks(this.db, filter);
  }

  /**
   * One page of open tasks for a work list (the staff inbox), filtered and counted in the database so that a
   * department with thousands of tasks pages through them: unassigned or held by someone, services (process
   * keys), a part of the case's business key (reference). Each task carries its case's business key.
   */
  async listTaskPage(filter: reads.TaskPageFilter): Promise<{ tasks: (TaskView & { businessKey: string | null })[]; total: number }> {
    return reads.listTaskPage(this.db, filter);
  }

  async getTask(id: number): Promise<TaskView> {
    return reads.readTask(this.db, id);
  }

  /** Claims a task for a user. Claiming a task someone else holds is a conflict; claiming your own is a no-op. */
  async claimTask(id: number, user: string): Promise<TaskView> {
    await this.changeOpenTask(id, user, (task) => {
      if (task.assignee && task.assignee !== user) throw new GovflowError('GOVFLOW_ERR_TASK_CLAIMED', `task ${id} is claimed by ${task.assignee}`);
      if (task.assignee === user) return undefined;
      return { type: 'task.claimed', data: { taskId: id, assignee: user }, assign: { action: 'claim', assignee: user } };
    });
    return this.getTask(id);
  }

  async unclaimTask(id: number, user: string): Promise<TaskView> {
    await this.changeOpenTask(id, user, (task) => {
      if (!task.assignee) return undefined;
      return { type: 'task.unclaimed', data: { taskId: id, previousAssignee: task.assignee }, assign: { action: 'unclaim', assignee: null } };
    });
    return this.getTask(id);
  }

  /**
   * Hands a task to someone (or to nobody) on another person's behalf — a manager reassigning work — unlike
   * {@link claimTask}, whose actor is the new assignee. The event names both, so the timeline says who did it.
   */
  async assignTask(id: number, options: { assignee: string | null; actor: string; reason?: string }): Promise<TaskView> {
    await this.changeOpenTask(id, options.actor, (task) => {
      if (task.assignee === options.assignee) return undefined;
      return {
        type: 'task.assigned', data: { taskId: id, assignee: options.assignee, previousAssignee: task.assignee, ...(options.reason ? { reason: options.reason } : {}) },
        assign: { action: 'assign', assignee: options.assignee },
      };
    });
    return this.getTask(id);
  }

  /**
   * Sends an open task to other candidate groups (escalation to `<department>/manager`): nobody holds it afterwards,
   * and the event keeps the groups it came from, the reason and who escalated it.
   */
  async escalateTask(id: number, options: { candidateGroups: readonly string[]; actor: string; reason: string }): Promise<TaskView> {
    await this.changeOpenTask(id, options.actor, (task) => ({
      type: 'task.escalated', data: { taskId: id, from: task.candidate_groups, to: [...options.candidateGroups], previousAssignee: task.assignee, reason: options.reason },
      write: (tx) => work.setTaskCandidateGroups(tx, id, options.candidateGroups),
    }));
    return this.getTask(id);
  }

  /**
   * Locks an open task (after its instance), asks `change` what to do, writes it and appends its event (none:
   * nothing changed). An assignee change on a task with assigning listeners goes to the runtime instead, which
   * makes it once the listeners let it through (task-listeners.ts).
   */
  private async changeOpenTask(id: number, actor: string, change: (task: work.LockedTask) => TaskChange | undefined): Promise<void> {
    await transactionWithRetry(this.db, async (tx) => {
      // A task with listeners may be waiting for them (its instance's state says so): lock the instance first, as
      // every step does; a task without them needs only its own row.
      const owner = await taskOwner(tx, id);
      const model = owner && (await this.runner.definition(tx, owner.definition_id)).model;
      const listened = !!owner && !!model && hasTaskListeners(model, owner.element_id);
      const instance = listened ? await lockInstance(tx, owner.instance_id) : undefined;
      const task = await work.lockTask(tx, id);
      if (!task) throw new GovflowError('GOVFLOW_ERR_TASK_NOT_FOUND', `task ${id} does not exist`);
      if (task.state !== 'created') throw new GovflowError('GOVFLOW_ERR_TASK_ALREADY_COMPLETED', `task ${id} is ${task.state}`);
      refusePendingTask(instance, task);
      const planned = change(task);
      if (!planned) return;
      if (planned.assign && instance && model && hasTaskListeners(model, task.element_id, 'assigning')) {
        const command: Command = {
          type: 'taskTransition', event: 'assigning', action: planned.assign.action, elementInstance: task.element_instance, taskId: id,
          task: (await taskAttributes(tx, id))!, assignee: planned.assign.assignee, actor,
        };
        await this.runner.process(tx, [{ instanceId: task.instance_id, command }], actor, instance);
        return;
      }
      if (planned.assign) await work.setTaskAssignee(tx, id, planned.assign.assignee);
      else await planned.write?.(tx);
      await work.appendInstanceEvent(tx, task.instance_id, { type: planned.type, data: planned.data, elementId: task.element_id, elementInstance: task.element_instance }, actor, this.clock.now());
    });
  }

  /**
   * Completes a user task with variables. Two people completing the same task: the instance row lock orders
   * them, the second finds the task completed and gets a conflict — never two completions.
   */
  async completeTask(id: number, options: { variables?: unknown; actor?: string } = {}): Promise<TaskView> {
    const variables = checkVariables(options.variables);
    const actor = options.actor ?? null;
    await transactionWithRetry(this.db, async (tx) => {
      const instanceId = await work.taskInstanceId(tx, id);
      if (instanceId === undefined) throw new GovflowError('GOVFLOW_ERR_TASK_NOT_FOUND', `task ${id} does not exist`);
      const instance = await lockInstance(tx, instanceId);
      const task = await work.lockTask(tx, id);
      if (!task) throw new GovflowError('GOVFLOW_ERR_TASK_NOT_FOUND', `task ${id} does not exist`);
      if (task.state !== 'created') throw new GovflowError('GOVFLOW_ERR_TASK_ALREADY_COMPLETED', `task ${id} was already ${task.state}`);
      if (task.assignee && actor && task.assignee !== actor) throw new GovflowError('GOVFLOW_ERR_TASK_CLAIMED', `task ${id} is claimed by ${task.assignee}`);
      refusePendingTask(instance, task);
      if (instance && hasTaskListeners((await this.runner.definition(tx, instance.definition_id)).model, task.element_id, 'completing')) {
        // The task completes (and the case moves on) when its completing listeners let it through.
        const command: Command = { type: 'taskTransition', event: 'completing', action: 'complete', elementInstance: task.element_instance, taskId: id, task: (await taskAttributes(tx, id))!, variables, actor };
        await this.runner.process(tx, [{ instanceId: task.instance_id, command }], actor, instance);
        return;
      }
      await work.markTaskCompleted(tx, id, this.clock.now(), actor);
      await this.runner.process(tx, [{ instanceId: task.instance_id, command: { type: 'taskCompleted', elementInstance: task.element_instance, variables } }], actor);
    });
    return this.getTask(id);
  }

  // ------------------------------------------------------------------ jobs (external workers)

  /**
   * Locks up to `maxJobs` ready jobs of a type for a worker (`FOR UPDATE SKIP LOCKED`, so many workers and many
   * govflow processes never get the same job). Jobs whose lock expired are handed out again. With `processKeys`, only
   * jobs of cases whose top-level process is one of them (including the processes those cases called): an agency
   * system's API key works only for its services.
   */
  async activateJobs(options: { type: string; worker: string; maxJobs?: number; lockMs?: number; processKeys?: readonly string[] }): Promise<ActivatedJob[]> {
    const now = this.clock.now();
    const rows = await work.activateJobRows(this.db, {
      type: options.type, worker: options.worker, maxJobs: options.maxJobs ?? 10, now, lockUntil: new Date(now.getTime() + (options.lockMs ?? this.defaultJobLockMs)), processKeys: options.processKeys,
    });
    for (const r of rows) {
      // What the instance looked like at activation: completing the job tries that version first (one round trip).
      this.runner.rememberActivated(r.id, r.element_instance, {
        id: r.instance_id, definition_id: r.definition_id, process_key: r.process_key, business_key: r.business_key, state: r.instance_state, execution: r.execution, variables: r.variables,
        parent_instance_id: r.parent_instance_id, parent_element_instance: r.parent_element_instance, last_seq: r.last_seq, started_at: r.started_at, ended_at: null, row_version: r.row_version,
        decision_bindings: r.decision_bindings,
      });
    }
    return rows.sort((a, b) => a.id - b.id).map((r) => ({
      ...listenerOf(r.execution.tokens[r.element_instance]),
      id: r.id, type: r.type, instanceId: r.instance_id, processKey: r.process_key, elementId: r.element_id, elementInstance: r.element_instance,
      retries: r.retries, headers: r.headers, variables: visibleVariables(r.variables, r.execution.tokens, r.element_instance),
      lockExpiresAt: iso(r.lock_expires_at)!, idempotencyKey: r.idempotency_key,
    }));
  }

  /**
   * Completes a job locked by this worker and moves its instance on, in one transaction. `result` (Camunda's job
   * result) is for a user task listener's job: deny the task's transition, or correct the task.
   */
  async completeJob(id: number, options: { worker: string; variables?: unknown; result?: unknown }): Promise<void> {
    const variables = checkVariables(options.variables);
    const result = checkJobResult(options.result);
    if (!result && await this.runner.completeJobOptimistically(id, options.worker, variables)) return;
    await transactionWithRetry(this.db, async (tx) => {
      // Job and instance locked in one statement; the job is deleted by the step's own write.
      const locked = await lockJobAndInstance(tx, id);
      if (!locked) throw new GovflowError('GOVFLOW_ERR_JOB_NOT_FOUND', `job ${id} does not exist (it may have been completed or cancelled)`);
      const { instance, job } = locked;
      if (job.state !== 'locked' || job.lock_owner !== options.worker) {
        throw new GovflowError('GOVFLOW_ERR_JOB_NOT_LOCKED', `job ${id} is not locked by worker '${options.worker}'${job.lock_owner ? ` (held by '${job.lock_owner}')` : ''}`);
      }
      await this.runner.process(tx, [{ instanceId: instance.id, command: { type: 'jobCompleted', elementInstance: job.element_instance, variables, ...(result ? { result } : {}) } }], options.worker, instance, id);
    });
  }

  /** Reports a failed attempt: retried after a backoff while retries remain, then an incident. */
  async failJob(id: number, options: { worker: string; retries?: number; errorMessage?: string; backoffMs?: number }): Promise<{ retries: number; incident: boolean }> {
    return transactionWithRetry(this.db, async (tx) => {
      const job = await this.lockJob(tx, id, options.worker);
      const retries = Math.max(0, options.retries ?? job.retries - 1);
      const now = this.clock.now();
      const message = options.errorMessage ?? 'the worker reported a failure';
      await work.recordJobFailure(tx, id, retries, new Date(now.getTime() + Math.max(0, options.backoffMs ?? 0)), message);
      const at = { elementId: job.element_id, elementInstance: job.element_instance };
      await work.appendInstanceEvent(tx, job.instance_id, { type: 'job.failed', ...at, data: { jobId: id, retries, errorMessage: message } }, options.worker, now);
      if (retries === 0) {
        await insertIncident(tx, { instanceId: job.instance_id, elementInstance: job.element_instance, kind: 'job-failed', message, now, elementId: job.element_id, jobId: id });
        await work.appendInstanceEvent(tx, job.instance_id, { type: 'incident.raised', ...at, data: { kind: 'job-failed', message, jobId: id } }, options.worker, now);
      }
      return { retries, incident: retries === 0 };
    });
  }

  /** The worker reports a business error (BPMN error): caught by a boundary or event sub-process, else an incident. */
  async throwJobError(id: number, options: { worker: string; errorCode: string; errorMessage?: string; variables?: unknown }): Promise<void> {
    const variables = checkVariables(options.variables);
    await transactionWithRetry(this.db, async (tx) => {
      const job = await this.lockJob(tx, id, options.worker);
      await work.deleteJob(tx, id);
      const command: Command = { type: 'jobError', elementInstance: job.element_instance, errorCode: options.errorCode, ...(options.errorMessage ? { message: options.errorMessage } : {}), variables };
      await this.runner.process(tx, [{ instanceId: job.instance_id, command }], options.worker);
    });
  }

  private async lockJob(tx: Queryable, id: number, worker: string): Promise<work.LockedJob> {
    const notFound = () => new GovflowError('GOVFLOW_ERR_JOB_NOT_FOUND', `job ${id} does not exist (it may have been completed or cancelled)`);
    // Instance first, then job: the same lock order as every instance step, so the two cannot deadlock.
    const instanceId = await work.jobInstanceId(tx, id);
    if (instanceId === undefined) throw notFound();
    await lockInstance(tx, instanceId);
    const job = await work.lockJobRow(tx, id);
    if (!job) throw notFound();
    if (job.state !== 'locked' || job.lock_owner !== worker) {
      throw new GovflowError('GOVFLOW_ERR_JOB_NOT_LOCKED', `job ${id} is not locked by worker '${worker}'${job.lock_owner ? ` (held by '${job.lock_owner}')` : ''}`);
    }
    return job;
  }

  /** Subscribes to job wake-ups (PostgreSQL NOTIFY when a job is created); resolves to an unsubscribe function. */
  onJobsAvailable(listener: (type: string) => void): Promise<() => Promise<void>> {
    return this.db.listen(JOB_WAKE_CHANNEL, listener);
  }

  // ------------------------------------------------------------------ incidents

  async listIncidents(filter: { instanceId?: number; state?: string } = {}): Promise<IncidentView[]> {
    return reads.listIncidents(this.db, filter);
  }

  /** Resolves an incident: a failed job gets its retries back; an expression or handler failure is retried now. */
  async resolveIncident(id: number, options: { retries?: number; actor?: string } = {}): Promise<void> {
    await transactionWithRetry(this.db, async (tx) => {
      const incident = await work.readIncident(tx, id);
      if (!incident) throw new GovflowError('GOVFLOW_ERR_INCIDENT_NOT_FOUND', `incident ${id} does not exist`);
      if (incident.state !== 'open') throw new GovflowError('GOVFLOW_ERR_CONFLICT', `incident ${id} is already resolved`);
      await lockInstance(tx, incident.instance_id);
      const now = this.clock.now();
      await work.markIncidentResolved(tx, id, now);
      if (incident.job_id !== null) {
        const retries = Math.max(1, options.retries ?? 1);
        await work.rearmJob(tx, incident.job_id, retries, now);
        await work.appendInstanceEvent(tx, incident.instance_id, { type: 'incident.resolved', elementId: incident.element_id, elementInstance: incident.element_instance ?? undefined, data: { incidentId: id, retries } }, options.actor ?? null, now);
        return;
      }
      if (incident.element_instance === null) return;
      await this.runner.process(tx, [{ instanceId: incident.instance_id, command: { type: 'resolveIncident', elementInstance: incident.element_instance } }], options.actor ?? null);
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
      const message = { name: options.name, correlationKey: options.correlationKey ?? null, variables, timeToLiveMs: options.timeToLiveMs ?? this.defaultMessageTtlMs, messageId: options.messageId };
      const result = await this.runner.correlateIn(tx, message, items, this.clock.now(), options.actor ?? null);
      await this.runner.process(tx, items, options.actor ?? null);
      if (!result.buffered && result.correlatedInstances.length === 0 && result.startedInstances.length === 0) {
        throw new GovflowError('GOVFLOW_ERR_MESSAGE_NOT_CORRELATED', `no process instance waits for message '${options.name}'${options.correlationKey ? ` with key '${options.correlationKey}'` : ''}`);
      }
      return result;
    });
  }

  /** Broadcasts a signal to every instance waiting for it and starts processes with a matching signal start. */
  async broadcastSignal(options: { name: string; variables?: unknown; actor?: string }): Promise<{ triggeredInstances: number[]; startedInstances: number[] }> {
    const variables = checkVariables(options.variables);
    return transactionWithRetry(this.db, async (tx) => {
      const items: WorkItem[] = [];
      const result = await this.runner.signalIn(tx, options.name, variables, items, options.actor ?? null);
      await this.runner.process(tx, items, options.actor ?? null);
      return result;
    });
  }

  /**
   * Evaluates the root-level conditional start events of the latest version of every deployed process (of one
   * when `processKey` is given) against `variables`, and starts an instance at each one whose condition holds, with
   * those variables (Camunda 8.8's `POST /v2/conditionals/evaluation`). A condition that cannot be evaluated fails
   * the whole call, naming the event, and starts nothing.
   */
  async evaluateConditionalStarts(options: { variables?: unknown; processKey?: string; businessKey?: string | null; actor?: string } = {}): Promise<{ startedInstances: number[] }> {
    const variables = checkVariables(options.variables);
    return transactionWithRetry(this.db, async (tx) => {
      const now = this.clock.now();
      const starts: { definition: Awaited<ReturnType<StepRunner['definition']>>; startEventId: string }[] = [];
      for (const id of await latestDefinitionIds(tx, options.processKey)) {
        const definition = await this.runner.definition(tx, id);
        for (const startEventId of conditionalStartsHolding(definition.model, variables, now)) starts.push({ definition, startEventId });
      }
      const startedInstances: number[] = [];
      for (const { definition, startEventId } of starts) {
        startedInstances.push(await this.runner.createAndStart(tx, definition, { variables, businessKey: options.businessKey ?? null, actor: options.actor ?? null, startEventId }));
      }
      return { startedInstances };
    });
  }

  // ------------------------------------------------------------------ timers

  /**
   * Fires timers that are due by the engine clock, each in its own transaction (one failure does not hold up
   * the others). Claiming uses SKIP LOCKED, so several processes can run this at once. Returns how many fired.
   */
  async runDueTimers(limit = 100): Promise<number> {
    let fired = 0;
    for (; fired < limit; fired++) {
      if (!(await transactionWithRetry(this.db, (tx) => this.fireNextTimer(tx)))) break;
    }
    return fired;
  }

  private async fireNextTimer(tx: Queryable): Promise<boolean> {
    const now = this.clock.now();
    const timer = await work.claimDueTimer(tx, now);
    if (!timer) return false;
    if (timer.timer_cycle) {
      // Repeating: schedule the next occurrence from the due time (not from now), so a late run does not drift.
      const next = computeTimer('cycle', timer.timer_cycle, new Date(Math.max(new Date(timer.due_at).getTime(), now.getTime() - 1)), timer.element_id);
      await work.rescheduleTimer(tx, timer.id, next.dueAt, next.cycle ?? null);
    } else {
      await work.deleteJob(tx, timer.id);
    }
    if (timer.instance_id === null) {
      const definition = await this.runner.definition(tx, timer.definition_id);
      await this.runner.createAndStart(tx, definition, { variables: {}, businessKey: null, actor: 'timer', startEventId: timer.element_id });
      return true;
    }
    // A timer whose instance or element has moved on is stale: undo the step to the savepoint and drop the
    // timer (its deletion above stands) rather than roll back everything and fire it again forever.
    await tx.query('savepoint timer_step');
    try {
      await this.runner.process(tx, [{ instanceId: timer.instance_id, command: { type: 'trigger', trigger: 'timer', elementId: timer.element_id, elementInstance: timer.element_instance!, variables: {} } }], 'timer');
      await tx.query('release savepoint timer_step');
    } catch (error) {
      if (!(error instanceof GovflowError) || error.kind !== 'user') throw error;
      await tx.query('rollback to savepoint timer_step');
      this.log.warn({ timerId: timer.id, instanceId: timer.instance_id, code: error.code }, 'dropped a stale timer');
    }
    return true;
  }

  /** When the next timer is due (for a poller to sleep until then), or null. */
  async nextTimerDue(): Promise<Date | null> {
    return reads.nextTimerDue(this.db);
  }

  // ------------------------------------------------------------------ decisions

  /** Evaluates the latest deployed version of a decision, with the engine's clock as FEEL's now(). */
  async evaluateDecision(key: string, variables: unknown): Promise<DecisionOutcome> {
    return this.binder.evaluateLatest(this.db, key, checkVariables(variables), this.clock.now());
  }
}

/** Handlers every deployment has: `govflow:noop` does nothing; `govflow:set` copies its task headers into variables. */
export const BUILTIN_HANDLERS: Readonly<Record<string, InlineHandler>> = {
  'govflow:noop': () => undefined,
  'govflow:set': ({ headers }) => ({ ...headers }),
};

export function createEngine(db: Database, options: EngineOptions = {}): Engine {
  return new Engine(db, options);
}

export type { Variables };

/** The listener event type of a job whose token waits for an execution listener or a user task listener. */
function listenerOf(token: Token | undefined): Pick<ActivatedJob, 'listener'> {
  if (token?.taskListener) return { listener: token.taskListener.event };
  return token?.listener ? { listener: token.listener.event } : {};
}

/** What a task change writes and records; `assign` changes the assignee (through assigning listeners if any). */
interface TaskChange {
  readonly type: 'task.claimed' | 'task.unclaimed' | 'task.assigned' | 'task.escalated';
  readonly data: Record<string, unknown>;
  readonly assign?: { readonly action: TaskAction; readonly assignee: string | null };
  readonly write?: (tx: Queryable) => Promise<void>;
}
