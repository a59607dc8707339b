import { GovflowError, parseIsoDate } from '../../kernel/index.js';
import { evaluateValue } from '../model/feel.js';
import type { ElementModel, TaskListenerSpec } from '../model/types.js';
import { IncidentSignal } from './step-flow.js';
import { StepConditions } from './conditional-events.js';
import type { Command, JobResult, TaskAttributes, TaskListenerEvent, TaskListenerState, Token, Variables } from './types.js';

type Transition = Extract<Command, { type: 'taskTransition' }>;

/** The task attributes a listener may correct, by Camunda's names (also the names in `changedAttributes`). */
const ATTRIBUTE_NAMES: Readonly<Record<keyof TaskAttributes, string>> = {
  assignee: 'assignee', candidateGroups: 'candidateGroups', candidateUsers: 'candidateUsers', dueAt: 'dueDate', followUpAt: 'followUpDate', priority: 'priority',
};

/**
 * Zeebe user task listeners, as jobs on the user task's own token. A lifecycle transition (creating the task,
 * changing its assignee, completing it) waits until every listener of its event has completed, one after the other
 * in model order; meanwhile the token waits for a job and the task is "pending" (a second transition is refused).
 * A listener job may correct the task's attributes (later listeners see the corrections, and they are applied when
 * the transition goes through) or deny the transition (assigning and completing only): the task then stays as it
 * was, corrections discarded. A listener job cannot set variables or throw a BPMN error (as in Camunda 8). A job
 * type that does not evaluate raises an incident; resolving it runs the whole transition again from the first
 * listener, while a failed listener job is retried alone.
 */
export abstract class StepTaskListeners extends StepConditions {
  private taskListenersOf(element: ElementModel, event: TaskListenerEvent): TaskListenerSpec[] {
    return (element.taskListeners ?? []).filter((l) => l.eventType === event);
  }

  /** Creating: true when the task now waits for its creating listeners (it is offered once they completed). */
  protected beginCreatingListeners(token: Token, element: ElementModel, task: TaskAttributes): boolean {
    if (this.taskListenersOf(element, 'creating').length === 0) return false;
    this.beginTransition(token, element, { event: 'creating', action: 'create', before: task, task });
    return true;
  }

  /**
   * A new task with an assignee on an element with assigning listeners (as in Camunda 8.8): it is offered without
   * one, and the process's assignee goes through the assigning listeners like any other assignment.
   */
  protected offerWithAssigningListeners(token: Token, element: ElementModel, task: TaskAttributes, corrected: string[] = []): boolean {
    if (task.assignee === null || this.taskListenersOf(element, 'assigning').length === 0) return false;
    this.offer(token, element, { ...task, assignee: null }, corrected);
    this.beginTransition(token, element, { event: 'assigning', action: 'assign', before: { ...task, assignee: null }, task });
    return true;
  }

  private offer(token: Token, element: ElementModel, task: TaskAttributes, corrected: string[]): void {
    this.effects.push({
      type: 'createTask', elementId: element.id, elementInstance: token.id, name: element.name ?? null, assignee: task.assignee, candidateGroups: task.candidateGroups,
      candidateUsers: task.candidateUsers, dueAt: task.dueAt, followUpAt: task.followUpAt, formKey: element.userTask?.formKey ?? null, priority: task.priority,
    });
    this.emit('task.created', token, { assignee: task.assignee, candidateGroups: task.candidateGroups, dueAt: task.dueAt, corrected });
  }

  /** A transition the engine asks for on a task with listeners of its event (assigning, completing). */
  protected taskTransition(command: Transition): void {
    const token = this.token(command.elementInstance);
    if (!token || token.taskListener) {
      throw new GovflowError('GOVFLOW_ERR_CONFLICT', `user task ${command.taskId} waits for its task listeners${token?.taskListener ? ` (${token.taskListener.event})` : ''}; try again when they are done`);
    }
    if (token.wait !== 'task') throw new GovflowError('GOVFLOW_ERR_CONFLICT', `element instance ${command.elementInstance} is not waiting for a user task`);
    const element = this.element(token.elementId);
    const task = command.event === 'assigning' ? { ...command.task, assignee: command.assignee ?? null } : command.task;
    this.beginTransition(token, element, {
      event: command.event, action: command.action, before: command.task, task, taskId: command.taskId, actor: command.actor,
      ...(command.variables ? { vars: command.variables } : {}),
    });
  }

  private beginTransition(token: Token, element: ElementModel, start: Omit<TaskListenerState, 'index' | 'round' | 'requested'>): void {
    token.taskRound = (token.taskRound ?? 0) + 1;
    delete token.taskDenied;
    token.taskListener = { ...start, index: 0, round: token.taskRound, requested: start.task };
    token.hasWaits = true;
    this.runTaskListener(token, element);
  }

  /** After an incident on a task listener is resolved: the whole transition runs again from its first listener. */
  protected restartTaskListeners(token: Token): void {
    const state = token.taskListener!;
    state.index = 0;
    state.task = state.requested;
    delete token.wait;
    this.runTaskListener(token, this.element(token.elementId));
  }

  /** A task listener's job completed: check its result, then the next listener or the transition goes through. */
  protected taskListenerCompleted(token: Token, variables: Variables, result: JobResult | undefined): void {
    const state = token.taskListener!;
    if (Object.keys(variables).length > 0) {
      throw new GovflowError('GOVFLOW_ERR_VALIDATION', `a user task listener job cannot be completed with variables (as in Camunda 8); correct the task with result.corrections instead (${token.elementId}, ${state.event})`);
    }
    const element = this.element(token.elementId);
    this.emit('job.completed', token, { variables: {}, listener: state.event, ...(result ? { result } : {}) });
    if (result?.denied) {
      if (state.event === 'creating') throw new GovflowError('GOVFLOW_ERR_VALIDATION', `a creating task listener cannot deny the creation of ${token.elementId} (as in Camunda 8); only assigning and completing can be denied`);
      delete token.taskListener;
      token.wait = 'task';
      token.taskDenied = { event: state.event, reason: result.deniedReason ?? null };
      this.emit('task.denied', token, { taskId: state.taskId ?? null, event: state.event, action: state.action, reason: result.deniedReason ?? null, by: state.actor ?? null });
      return;
    }
    if (result?.corrections) state.task = this.corrected(token, state, result.corrections);
    state.index++;
    delete token.wait;
    if (state.index < this.taskListenersOf(element, state.event).length) {
      this.runTaskListener(token, element);
      return;
    }
    delete token.taskListener;
    token.wait = 'task';
    this.transitionDone(token, element, state);
  }

  private corrected(token: Token, state: TaskListenerState, corrections: NonNullable<JobResult['corrections']>): TaskAttributes {
    const refuse = (what: string) => new GovflowError('GOVFLOW_ERR_VALIDATION', `task listener correction of ${token.elementId}: ${what}`);
    const date = (value: string, name: string): string | null => {
      if (value === '') return null;
      const parsed = parseIsoDate(value);
      if (!parsed) throw refuse(`${name} '${value}' is not an ISO 8601 date-time`);
      return parsed.toISOString();
    };
    const task = { ...state.task };
    if (corrections.assignee !== undefined) {
      if (state.event === 'creating' && state.before.assignee !== null) {
        throw refuse('the process already set an assignee, so a creating listener cannot correct it (as in Camunda 8); correct it in an assigning listener');
      }
      task.assignee = corrections.assignee === '' ? null : corrections.assignee;
    }
    if (corrections.dueDate !== undefined) task.dueAt = date(corrections.dueDate, 'dueDate');
    if (corrections.followUpDate !== undefined) task.followUpAt = date(corrections.followUpDate, 'followUpDate');
    if (corrections.candidateGroups !== undefined) task.candidateGroups = [...corrections.candidateGroups];
    if (corrections.candidateUsers !== undefined) task.candidateUsers = [...corrections.candidateUsers];
    if (corrections.priority !== undefined) {
      if (!Number.isInteger(corrections.priority) || corrections.priority < 0 || corrections.priority > 100) throw refuse(`priority ${corrections.priority} is not a whole number from 0 to 100`);
      task.priority = corrections.priority;
    }
    return task;
  }

  /** The transition goes through with the corrected attributes. */
  private transitionDone(token: Token, element: ElementModel, state: TaskListenerState): void {
    const changes = changedAttributes(state.before, state.task);
    if (state.event === 'creating') {
      const corrected = Object.keys(changes).map((k) => ATTRIBUTE_NAMES[k as keyof TaskAttributes]);
      if (!this.offerWithAssigningListeners(token, element, state.task, corrected)) this.offer(token, element, state.task, corrected);
      return;
    }
    this.effects.push({ type: 'updateTask', elementInstance: token.id, changes, ...(state.event === 'completing' ? { completedBy: state.actor ?? null } : {}) });
    if (state.event === 'assigning') {
      this.emit('task.assigned', token, { taskId: state.taskId ?? null, assignee: state.task.assignee, previousAssignee: state.before.assignee, action: state.action, by: state.actor ?? null });
      return;
    }
    const variables = state.vars ?? {};
    this.emit('task.completed', token, { variables, by: state.actor ?? null });
    this.queue.push({ op: 'complete', token: token.id, vars: variables });
  }

  /** Creates the job of the token's current task listener; a job type that does not evaluate is an incident. */
  private runTaskListener(token: Token, element: ElementModel): void {
    const state = token.taskListener!;
    const spec = this.taskListenersOf(element, state.event)[state.index]!;
    let jobType: string;
    try {
      jobType = String(evaluateValue(spec.jobType, this.context(token.id), { elementId: token.elementId, what: `${state.event} task listener job type`, line: element.line }, this.input.now) ?? '');
      if (!jobType) throw new IncidentSignal('configuration', `${state.event} task listener ${state.index + 1} of ${token.elementId} has an empty job type`);
    } catch (error) {
      const signal = error instanceof IncidentSignal ? error : new IncidentSignal('expression', error instanceof Error ? error.message : String(error));
      this.raiseIncident(token, signal.kind, signal.message, { phase: 'activate' });
      return;
    }
    const headers = { ...(element.headers ?? {}), ...taskHeaders(state, element) };
    const handler = this.hooks.inlineHandlers.get(jobType);
    if (handler) {
      // An inline handler (govflow:noop) lets the transition through inside the step; it has no job result.
      let variables: Variables | undefined;
      try {
        variables = handler({ variables: this.context(token.id), headers, elementId: token.elementId });
      } catch (error) {
        this.raiseIncident(token, 'handler', `task listener handler '${jobType}' failed: ${error instanceof Error ? error.message : String(error)}`, { phase: 'activate' });
        return;
      }
      if (variables && Object.keys(variables).length > 0) {
        this.raiseIncident(token, 'handler', `task listener handler '${jobType}' of ${token.elementId} set variables; a user task listener cannot (as in Camunda 8)`, { phase: 'activate' });
        return;
      }
      this.taskListenerCompleted(token, {}, undefined);
      return;
    }
    token.wait = 'job';
    this.emit('job.created', token, { jobType, retries: spec.retries, listener: state.event, listenerIndex: state.index });
    this.effects.push({
      type: 'createJob', elementId: token.elementId, elementInstance: token.id, jobType, retries: spec.retries, headers,
      listener: { event: state.event, index: state.index, round: state.round },
    });
  }
}

/** The attributes that differ after the transition and its corrections, with their new values. */
function changedAttributes(before: TaskAttributes, after: TaskAttributes): Partial<TaskAttributes> {
  const changes: Record<string, unknown> = {};
  for (const key of Object.keys(ATTRIBUTE_NAMES) as (keyof TaskAttributes)[]) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) changes[key] = after[key];
  }
  return changes as Partial<TaskAttributes>;
}

/** Camunda's reserved job headers of a user task listener (`io.camunda.zeebe:…`), with the task as it is now. */
function taskHeaders(state: TaskListenerState, element: ElementModel): Record<string, string> {
  const task = state.task;
  const headers: Record<string, string> = {
    'io.camunda.zeebe:action': state.action,
    'io.camunda.zeebe:candidateGroups': JSON.stringify(task.candidateGroups),
    'io.camunda.zeebe:candidateUsers': JSON.stringify(task.candidateUsers),
    'io.camunda.zeebe:priority': String(task.priority),
    'io.camunda.zeebe:changedAttributes': JSON.stringify(Object.keys(changedAttributes(state.before, task)).map((k) => ATTRIBUTE_NAMES[k as keyof TaskAttributes])),
  };
  if (task.assignee !== null) headers['io.camunda.zeebe:assignee'] = task.assignee;
  if (task.dueAt !== null) headers['io.camunda.zeebe:dueDate'] = task.dueAt;
  if (task.followUpAt !== null) headers['io.camunda.zeebe:followUpDate'] = task.followUpAt;
  if (element.userTask?.formKey) headers['io.camunda.zeebe:formKey'] = element.userTask.formKey;
  if (state.taskId !== undefined) headers['io.camunda.zeebe:userTaskKey'] = String(state.taskId);
  return headers;
}
