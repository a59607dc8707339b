import { GovflowError } from '../../kernel/index.js';
import { isExpression, stripEquals } from '../model/feel.js';
import { addDuration, parseIsoDate, parseIsoDuration } from '../model/iso-time.js';
import type { DecisionSpec, ElementModel } from '../model/types.js';
import { IncidentSignal, withPath, type Operation } from './step-flow.js';
import { StepTaskListeners } from './task-listeners.js';
import type { StepInput, StepResult } from './step-types.js';
import { computeTimer } from './timers.js';
import type { Command, Effect, RuntimeHooks, Token, Variables } from './types.js';

export type { StepInput, StepResult } from './step-types.js';
export { computeTimer } from './timers.js';

/** Event triggers that listen while their activity or scope is active (the others are caught when thrown). */
const LISTENING_KINDS: ReadonlySet<string> = new Set(['message', 'timer', 'signal', 'conditional']);

/** A step that activates more than this many elements is a runaway loop the deploy check could not see. */
const MAX_OPERATIONS_PER_STEP = 20_000;

/**
 * Applies one command to one process instance. Pure, deterministic and synchronous: the same model, state,
 * variables, clock, bound decisions and command always give the same result, which is what the replay tests check
 * after every engine change. Nothing is read from outside its input (no database, no machine clock).
 */
export function applyCommand(input: StepInput, command: Command, hooks: RuntimeHooks): StepResult {
  const step = new Step(input, hooks);
  step.run(command);
  return step.result();
}

class Step extends StepTaskListeners {
  // ---------------------------------------------------------------- the loop

  run(command: Command): void {
    this.dispatch(command);
    this.drain();
  }

  private drain(): void {
    for (;;) {
      while (this.queue.length > 0) {
        if (++this.operations > MAX_OPERATIONS_PER_STEP) {
          throw new GovflowError('GOVFLOW_ERR_BPMN_INVALID', `process ${this.model.id} ran ${MAX_OPERATIONS_PER_STEP} steps without waiting; a loop in the model never reaches a wait state`);
        }
        const operation = this.queue.shift()!;
        if (operation.op === 'activate') this.activate(operation);
        else if (operation.op === 'complete') this.complete(operation.token, operation.vars, operation.takeFlows, operation.listenersDone);
        else if (operation.op === 'retry') this.retryBehaviour(operation);
        else this.checkScope(operation.scope);
      }
      // Inclusive joins may become ready because a token elsewhere ended, and conditions because variables changed
      // (or a conditional event started listening): look once the queue is empty.
      if (!this.fireReadyInclusiveJoins() && !this.evaluateConditions()) break;
    }
  }

  private dispatch(command: Command): void {
    switch (command.type) {
      case 'start':
        this.start(command.variables, command.startEventId);
        return;
      case 'jobCompleted':
      case 'taskCompleted': {
        const token = this.waitingToken(command.elementInstance, command.type === 'jobCompleted' ? 'job' : 'task');
        if (command.type === 'jobCompleted' && token.taskListener) {
          this.taskListenerCompleted(token, command.variables, command.result);
          return;
        }
        if (command.type === 'jobCompleted' && command.result) {
          throw new GovflowError('GOVFLOW_ERR_VALIDATION', `a job result (denied, corrections) is only for a user task listener's job; the job of ${token.elementId} completes with variables`);
        }
        if (command.type === 'jobCompleted' && token.listener) {
          this.emit('job.completed', token, { variables: command.variables, listener: token.listener.event });
          this.listenerCompleted(token, command.variables);
          return;
        }
        this.emit(command.type === 'jobCompleted' ? 'job.completed' : 'task.completed', token, { variables: command.variables });
        this.queue.push({ op: 'complete', token: token.id, vars: command.variables });
        return;
      }
      case 'taskTransition':
        this.taskTransition(command);
        return;
      case 'jobError': {
        const token = this.waitingToken(command.elementInstance, 'job');
        this.refuseListenerError(token);
        this.emit('error.thrown', token, { errorCode: command.errorCode, message: command.message ?? null });
        this.throwError(token, command.errorCode, command.variables);
        return;
      }
      case 'trigger':
        this.trigger(command.trigger, command.elementId, command.elementInstance, command.variables);
        return;
      case 'childCompleted': {
        const token = this.waitingToken(command.elementInstance, 'call');
        const element = this.element(token.elementId);
        const vars = element.calledElement?.propagateAllChildVariables === false && !element.outputs ? {} : command.variables;
        this.queue.push({ op: 'complete', token: token.id, vars });
        return;
      }
      case 'childError': {
        const token = this.waitingToken(command.elementInstance, 'call');
        this.throwError(token, command.errorCode, command.variables);
        return;
      }
      case 'resolveIncident':
        this.resolveIncident(command.elementInstance);
        return;
      case 'setVariables':
        for (const [name, value] of Object.entries(command.variables)) {
          const token = command.elementInstance ? this.token(command.elementInstance) : undefined;
          if (command.local && token) {
            this.variableChanged(name, token.vars && Object.hasOwn(token.vars, name) ? 'update' : 'create', token.id);
            token.vars = { ...token.vars, [name]: value };
          } else this.propagate(token?.id ?? null, name, value);
        }
        this.emit('variables.updated', command.elementInstance ? this.token(command.elementInstance) : undefined, { variables: command.variables });
        return;
      case 'cancel': {
        const root = this.root();
        if (!root) return;
        this.cancelToken(root, true);
        this.status = 'terminated';
        this.emit('process.terminated', undefined, { reason: command.reason ?? null });
        return;
      }
    }
  }

  private waitingToken(id: string, wait: Token['wait']): Token {
    const token = this.token(id);
    if (!token || (token.wait !== wait && !(token.wait === 'incident' && token.incident === undefined))) {
      throw new GovflowError('GOVFLOW_ERR_CONFLICT', `element instance ${id} is not waiting for ${wait === 'job' ? 'a job' : wait === 'task' ? 'a user task' : 'a called process'}`);
    }
    return token;
  }

  private start(variables: Variables, startEventId?: string): void {
    if (this.root()) throw new GovflowError('GOVFLOW_ERR_CONFLICT', 'the instance has already started');
    const startId = startEventId ?? this.model.startEvent;
    if (!startId) {
      throw new GovflowError('GOVFLOW_ERR_BPMN_INVALID', `process ${this.model.id} has no none start event; it can only be started by a message, timer or signal`);
    }
    const root = this.newToken(this.model.id, null);
    root.wait = 'scope';
    this.variables = { ...this.variables, ...(startEventId ? {} : variables) };
    this.emit('process.started', undefined, { processId: this.model.id, variables, startEventId: startId });
    if (this.beginStartListeners(root, undefined, startEventId ? variables : undefined, startId)) return;
    this.subscribeEventSubProcesses(root, this.model.eventSubProcesses);
    this.queue.push({ op: 'activate', elementId: startId, scope: root.id, ...(startEventId ? { triggered: variables } : {}) });
  }

  // ---------------------------------------------------------------- activation

  private activate(operation: Extract<Operation, { op: 'activate' }>): void {
    const element = this.element(operation.elementId);
    const scope = this.token(operation.scope);
    if (!scope) return; // the scope was cancelled earlier in this step

    if (operation.flow !== undefined && element.incoming.length > 1 && (element.type === 'parallelGateway' || element.type === 'inclusiveGateway')) {
      const key = `${operation.scope}|${element.id}`;
      (this.state.joins[key] ??= []).push(operation.flow);
      if (!this.joinReady(element, operation.scope)) return;
      this.consumeJoin(element, operation.scope);
    }

    if (element.multiInstance && !operation.inner) {
      this.activateMultiInstanceBody(element, operation.scope);
      return;
    }

    const token = this.newToken(element.id, operation.scope);
    if (operation.inner) {
      token.index = operation.inner.index;
      const spec = element.multiInstance!;
      // As in Zeebe, an output element that names a variable is created local (null) on each inner instance, so
      // parallel instances do not overwrite each other's result through a shared outer variable.
      const outputVariable = spec.outputElement && /^[A-Za-z_][\w]*$/.test(spec.outputElement) ? spec.outputElement : undefined;
      token.vars = {
        ...(outputVariable ? { [outputVariable]: null } : {}),
        loopCounter: operation.inner.index + 1,
        ...(spec.inputElement ? { [spec.inputElement]: operation.inner.item } : {}),
      };
    }
    this.emit('element.activated', token, operation.inner ? { loopCounter: operation.inner.index + 1 } : {});
    this.runBehaviour(token, element, operation.triggered);
  }

  /**
   * The activation, as in Zeebe: input mappings, start listeners, boundary events, then what the element type does.
   * Expression failures become incidents; resolving one runs the activation again from where it failed.
   */
  private runBehaviour(token: Token, element: ElementModel, triggered?: Variables): void {
    if (!this.mapInputs(token, element, triggered)) return;
    if (this.beginStartListeners(token, element, triggered)) return;
    this.enter(token, element, triggered);
  }

  /**
   * The input mappings into the token's locals, all or nothing (Zeebe maps them as one context). One that fails is
   * an incident whose resolution maps them all again and goes on with the activation; false then.
   */
  private mapInputs(token: Token, element: ElementModel, triggered: Variables | undefined): boolean {
    if (!element.inputs) return true;
    const locals = token.vars;
    try {
      for (const mapping of element.inputs) {
        const value = this.feel(element, mapping.source, token.id, `input mapping '${mapping.target}'`);
        const [head, ...path] = mapping.target.split('.');
        token.vars = { ...token.vars, [head!]: withPath(token.vars?.[head!], path, value) };
      }
      return true;
    } catch (error) {
      if (!(error instanceof IncidentSignal)) throw error;
      if (locals) token.vars = locals;
      else delete token.vars;
      this.raiseIncident(token, error.kind, error.message, { phase: 'inputs', ...(triggered ? { vars: triggered } : {}) });
      return false;
    }
  }

  /**
   * The boundary events subscribe, then the element does its work. A boundary event that cannot subscribe is an
   * incident that leaves nothing listening (those subscribed before it are withdrawn: nothing of the step is stored
   * yet), and resolving it subscribes them all again. Work that fails leaves them listening; resolving it runs the
   * work again.
   */
  private enter(token: Token, element: ElementModel, triggered: Variables | undefined): void {
    const effects = this.effects.length;
    const hadWaits = token.hasWaits;
    try {
      if (token.index === undefined) this.subscribeBoundaries(token, element);
    } catch (error) {
      if (!(error instanceof IncidentSignal)) throw error;
      this.effects.splice(effects);
      this.unwatchConditions(token.id, element.boundaryEvents ?? []);
      if (!hadWaits) delete token.hasWaits;
      this.raiseIncident(token, error.kind, error.message, { phase: 'boundaries', ...(triggered ? { vars: triggered } : {}) });
      return;
    }
    this.work(token, element, triggered);
  }

  private work(token: Token, element: ElementModel, triggered: Variables | undefined): void {
    try {
      this.behave(token, element, triggered);
    } catch (error) {
      if (!(error instanceof IncidentSignal)) throw error;
      this.raiseIncident(token, error.kind, error.message, { phase: 'activate' });
    }
  }

  protected afterStartListeners(token: Token, element: ElementModel | undefined, state: NonNullable<Token['listener']>): void {
    if (!element) {
      // The process: its event sub-processes open, then its start event runs.
      token.wait = 'scope';
      this.subscribeEventSubProcesses(token, this.model.eventSubProcesses);
      this.queue.push({ op: 'activate', elementId: state.startEventId!, scope: token.id, ...(state.vars ? { triggered: state.vars } : {}) });
      return;
    }
    this.enter(token, element, state.vars);
  }

  private resolveIncident(tokenId: string): void {
    const token = this.token(tokenId);
    if (this.resolveConditionIncident(tokenId, token?.wait === 'incident')) return;
    if (!token || token.wait !== 'incident' || !token.incident) {
      throw new GovflowError('GOVFLOW_ERR_CONFLICT', `element instance ${tokenId} has no open incident to resolve`);
    }
    const incident = token.incident;
    delete token.incident;
    delete token.wait;
    this.effects.push({ type: 'resolveIncidents', elementInstance: token.id });
    this.emit('incident.resolved', token);
    if (incident.phase === 'complete') {
      this.queue.push({
        op: 'complete', token: token.id, ...(incident.vars ? { vars: incident.vars } : {}), ...(incident.takeFlows ? { takeFlows: incident.takeFlows } : {}), ...(incident.listenersDone ? { listenersDone: true } : {}),
      });
      return;
    }
    if (incident.phase === 'inputs' || incident.phase === 'boundaries') {
      this.queue.push({ op: 'retry', token: token.id, from: incident.phase, ...(incident.vars ? { triggered: incident.vars } : {}) });
      return;
    }
    if (token.listener) {
      this.queue.push({ op: 'retry', token: token.id });
      return;
    }
    const element = this.element(token.elementId);
    if (element.multiInstance && token.mi) {
      this.startMultiInstance(token, element);
      return;
    }
    // Re-run the behaviour only (activation was already logged and boundaries are still subscribed).
    this.queue.push({ op: 'retry', token: token.id });
  }

  private retryBehaviour(operation: Extract<Operation, { op: 'retry' }>): void {
    const token = this.token(operation.token);
    if (!token) return;
    if (token.listener) {
      this.restartListeners(token);
      return;
    }
    if (token.taskListener) {
      this.restartTaskListeners(token);
      return;
    }
    const element = this.element(token.elementId);
    if (operation.from === 'inputs' && token.esp) this.openEventSubProcess(token, element, operation.triggered ?? {});
    else if (operation.from === 'inputs') this.runBehaviour(token, element, operation.triggered);
    else if (operation.from === 'boundaries') this.enter(token, element, operation.triggered);
    else this.work(token, element, undefined);
  }

  private behave(token: Token, element: ElementModel, triggered?: Variables): void {
    const event = element.event;
    switch (element.type) {
      case 'startEvent':
      case 'boundaryEvent':
        this.queue.push({ op: 'complete', token: token.id, ...(triggered ? { vars: triggered } : {}) });
        return;
      case 'intermediateCatchEvent':
      case 'receiveTask':
        if (triggered || event?.kind === 'link') {
          this.queue.push({ op: 'complete', token: token.id, ...(triggered ? { vars: triggered } : {}) });
          return;
        }
        this.subscribeCatch(token, element, token.id);
        if (element.type === 'receiveTask' || event?.kind === 'message') token.wait = 'message';
        else if (event?.kind === 'timer') token.wait = 'timer';
        else if (event?.kind === 'conditional') token.wait = 'conditional';
        else token.wait = 'signal';
        return;
      case 'endEvent':
      case 'intermediateThrowEvent':
        this.throwEvent(token, element);
        return;
      case 'task':
      case 'manualTask':
        this.queue.push({ op: 'complete', token: token.id });
        return;
      case 'userTask':
        this.createUserTask(token, element);
        return;
      case 'serviceTask':
      case 'sendTask':
        this.runJob(token, element);
        return;
      case 'businessRuleTask':
        if (element.decision) this.evaluateDecision(token, element);
        else this.runJob(token, element);
        return;
      case 'scriptTask': {
        if (!element.script) {
          this.runJob(token, element);
          return;
        }
        const value = this.feel(element, element.script.expression, token.id, 'script');
        const vars = element.script.resultVariable ? { [element.script.resultVariable]: value } : {};
        this.queue.push({ op: 'complete', token: token.id, vars });
        return;
      }
      case 'exclusiveGateway':
      case 'inclusiveGateway': {
        const flows = this.chooseFlows(token, element, element.type === 'exclusiveGateway');
        this.queue.push({ op: 'complete', token: token.id, takeFlows: flows });
        return;
      }
      case 'parallelGateway':
        this.queue.push({ op: 'complete', token: token.id });
        return;
      case 'eventBasedGateway':
        token.wait = 'gateway';
        for (const flowId of element.outgoing) {
          const target = this.element(this.model.flows[flowId]!.target);
          this.subscribeCatch(token, target, token.id);
        }
        return;
      case 'subProcess': {
        token.wait = 'scope';
        this.subscribeEventSubProcesses(token, element.eventSubProcesses ?? []);
        if (!element.startEvent) {
          this.queue.push({ op: 'checkScope', scope: token.id });
          return;
        }
        this.queue.push({ op: 'activate', elementId: element.startEvent, scope: token.id });
        return;
      }
      case 'callActivity': {
        const spec = element.calledElement!;
        const processId = String(this.value(element, spec.processId, token.id, 'called process id') ?? '');
        if (!processId) throw new IncidentSignal('expression', `call activity ${element.id} evaluated to an empty process id`);
        token.wait = 'call';
        token.hasWaits = true;
        const variables = spec.propagateAllParentVariables ? { ...this.context(token.id) } : { ...token.vars };
        this.effects.push({ type: 'startChild', elementInstance: token.id, processId, variables });
        return;
      }
    }
  }

  private runJob(token: Token, element: ElementModel): void {
    const jobType = element.taskType ? String(this.value(element, element.taskType, token.id, 'job type') ?? '') : '';
    if (!jobType) throw new IncidentSignal('configuration', `${element.id} has no job type`);
    const handler = this.hooks.inlineHandlers.get(jobType);
    if (handler) {
      let result: Variables | undefined;
      try {
        result = handler({ variables: this.context(token.id), headers: element.headers ?? {}, elementId: element.id });
      } catch (error) {
        throw new IncidentSignal('handler', `handler '${jobType}' failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      this.queue.push({ op: 'complete', token: token.id, ...(result ? { vars: result } : {}) });
      return;
    }
    token.wait = 'job';
    token.hasWaits = true;
    this.emit('job.created', token, { jobType, retries: element.retries ?? 3 });
    this.effects.push({ type: 'createJob', elementId: element.id, elementInstance: token.id, jobType, retries: element.retries ?? 3, headers: element.headers ?? {} });
  }

  private createUserTask(token: Token, element: ElementModel): void {
    const spec = element.userTask ?? {};
    const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : []);
    const date = (v: unknown, what: string): string | null => {
      if (v === undefined || v === null || v === '') return null;
      const d = parseIsoDate(String(v));
      if (d) return d.toISOString();
      const duration = parseIsoDuration(String(v));
      if (duration) return addDuration(this.input.now, duration).toISOString();
      throw new IncidentSignal('expression', `${what} '${String(v)}' of ${element.id} is neither an ISO 8601 date nor a duration`);
    };
    const assignee = this.value(element, spec.assignee, token.id, 'assignee');
    const priority = Number(this.value(element, spec.priority, token.id, 'priority') ?? 50);
    token.wait = 'task';
    token.hasWaits = true;
    const effect: Effect = {
      type: 'createTask', elementId: element.id, elementInstance: token.id, name: element.name ?? null,
      assignee: assignee === undefined || assignee === null || assignee === '' ? null : String(assignee),
      candidateGroups: list(this.value(element, spec.candidateGroups, token.id, 'candidate groups')),
      candidateUsers: list(this.value(element, spec.candidateUsers, token.id, 'candidate users')),
      dueAt: date(this.value(element, spec.dueDate, token.id, 'due date'), 'due date'),
      followUpAt: date(this.value(element, spec.followUpDate, token.id, 'follow-up date'), 'follow-up date'),
      formKey: spec.formKey ?? null,
      priority: Number.isFinite(priority) ? priority : 50,
    };
    const attributes = { assignee: effect.assignee, candidateGroups: effect.candidateGroups, candidateUsers: effect.candidateUsers, dueAt: effect.dueAt, followUpAt: effect.followUpAt, priority: effect.priority };
    if (this.beginCreatingListeners(token, element, attributes)) return;
    if (this.offerWithAssigningListeners(token, element, attributes)) return;
    this.effects.push(effect);
    this.emit('task.created', token, { assignee: effect.assignee, candidateGroups: effect.candidateGroups, dueAt: effect.dueAt });
  }

  /** Runs the decision the instance is bound to (see StepInput.decisions), with the step's clock. */
  private evaluateDecision(token: Token, element: ElementModel): void {
    const spec = element.decision!;
    const bound = this.input.decisions?.[element.id];
    if (!bound) throw new IncidentSignal('decision', `decision '${spec.decisionId}' of ${element.id} is not bound to a deployed version (${describeBinding(spec.binding)}); deploy it and resolve the incident`);
    let outcome;
    try {
      outcome = bound.evaluate(this.context(token.id), this.input.now);
    } catch (error) {
      throw new IncidentSignal('decision', `decision '${spec.decisionId}' failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.emit('decision.evaluated', token, { decisionId: spec.decisionId, decisionKey: bound.decisionKey, version: bound.version, output: outcome.value, explanation: outcome.explanation });
    this.queue.push({ op: 'complete', token: token.id, vars: { [spec.resultVariable]: outcome.value } });
  }


  // ---------------------------------------------------------------- events: catch side

  private subscribeCatch(owner: Token, target: ElementModel, elementInstance: string): void {
    const event = target.event;
    if (!event) return;
    owner.hasWaits = true;
    if (event.kind === 'message' && event.messageName) {
      const key = event.correlationKey ? this.feel(target, event.correlationKey, owner.id, 'correlation key') : null;
      this.effects.push({ type: 'subscribe', kind: 'message', name: event.messageName, correlationKey: key === null || key === undefined ? null : String(key), elementId: target.id, elementInstance });
    } else if (event.kind === 'signal' && event.signalName) {
      this.effects.push({ type: 'subscribe', kind: 'signal', name: event.signalName, correlationKey: null, elementId: target.id, elementInstance });
    } else if (event.kind === 'timer' && event.timer) {
      const { dueAt, cycle } = this.timerDue(target, owner.id);
      this.effects.push({ type: 'createTimer', elementId: target.id, elementInstance, dueAt, ...(cycle ? { cycle } : {}) });
    } else if (event.kind === 'conditional') {
      this.watchCondition(owner, target);
    }
  }

  private timerDue(element: ElementModel, tokenId: string): { dueAt: string; cycle?: string } {
    const timer = element.event!.timer!;
    const raw = isExpression(timer.expression) ? String(this.feel(element, stripEquals(timer.expression), tokenId, `timer ${timer.type}`) ?? '') : timer.expression;
    return computeTimer(timer.type, raw, this.input.now, element.id);
  }

  private subscribeBoundaries(token: Token, element: ElementModel): void {
    for (const boundaryId of element.boundaryEvents ?? []) {
      const boundary = this.element(boundaryId);
      // Errors and escalations are caught when thrown; compensation and cancel boundaries are not subscriptions.
      if (!LISTENING_KINDS.has(boundary.event?.kind ?? 'none')) continue;
      this.subscribeCatch(token, boundary, token.id);
    }
  }

  private subscribeEventSubProcesses(scope: Token, eventSubProcesses: readonly string[]): void {
    for (const espId of eventSubProcesses) {
      const esp = this.element(espId);
      if (!esp.startEvent) continue;
      const start = this.element(esp.startEvent);
      const kind = start.event?.kind;
      if (LISTENING_KINDS.has(kind ?? 'none')) this.subscribeCatch(scope, start, scope.id);
    }
  }

  /** A message, timer or signal arrived for a waiting element instance. */
  private trigger(kind: 'message' | 'timer' | 'signal', elementId: string, ownerId: string, variables: Variables): void {
    const owner = this.token(ownerId);
    const target = this.model.elements[elementId];
    if (!owner || !target) {
      throw new GovflowError('GOVFLOW_ERR_CONFLICT', `element instance ${ownerId} is no longer waiting for ${elementId}`);
    }
    if (kind === 'timer') this.emit('timer.fired', owner, { timerElementId: elementId });
    else if (kind === 'message') this.emit('message.correlated', owner, { timerElementId: undefined, catchElementId: elementId, variables });
    else this.emit('signal.received', owner, { catchElementId: elementId, variables });

    if (target.id === owner.elementId) {
      this.queue.push({ op: 'complete', token: owner.id, vars: variables });
    } else if (target.type === 'boundaryEvent' && target.attachedTo === owner.elementId) {
      this.triggerBoundary(owner, target, variables);
      // A non-interrupting message or signal catch can fire again: the delivery consumed its subscription.
      if (target.cancelActivity === false && kind !== 'timer') this.subscribeCatch(owner, target, owner.id);
    } else if (target.type === 'startEvent' && target.parent !== null && this.model.elements[target.parent]?.triggeredByEvent) {
      this.triggerEventSubProcess(owner, this.element(target.parent), target, variables);
      if (target.cancelActivity === false && kind !== 'timer') this.subscribeCatch(owner, target, owner.id);
    } else if (owner.wait === 'gateway') {
      // Event-based gateway: the first event wins; the others are withdrawn.
      this.effects.push({ type: 'cancelWaits', elementInstance: owner.id });
      this.emit('element.completed', owner);
      delete this.state.tokens[owner.id];
      this.queue.push({ op: 'activate', elementId: target.id, scope: owner.scope!, triggered: variables });
    } else {
      throw new GovflowError('GOVFLOW_ERR_CONFLICT', `element instance ${ownerId} cannot be triggered through ${elementId}`);
    }
  }

  protected triggerBoundary(owner: Token, boundary: ElementModel, variables: Variables): void {
    const scope = owner.scope!;
    if (boundary.cancelActivity !== false) this.cancelToken(owner, false);
    this.queue.push({ op: 'activate', elementId: boundary.id, scope, triggered: variables });
  }

  protected triggerEventSubProcess(scope: Token, esp: ElementModel, start: ElementModel, variables: Variables): void {
    if (start.cancelActivity !== false) {
      for (const child of Object.values(this.state.tokens).filter((t) => t.scope === scope.id)) this.cancelToken(child, false);
      this.dropQueuedActivations(scope.id);
      this.clearJoins(scope.id);
      const container = scope.scope === null ? this.model.eventSubProcesses : (this.model.elements[scope.elementId]?.eventSubProcesses ?? []);
      const starts = container.map((id) => this.model.elements[id]?.startEvent).filter((s): s is string => s !== undefined);
      if (starts.length > 0) this.effects.push({ type: 'cancelWaits', elementInstance: scope.id, elementIds: starts });
      this.unwatchConditions(scope.id, starts);
    }
    const instance = this.newToken(esp.id, scope.id);
    instance.esp = true;
    this.emit('element.activated', instance);
    this.openEventSubProcess(instance, esp, variables);
  }

  /**
   * An event sub-process starts as in Zeebe: its input mappings into its own scope (an incident when one fails,
   * resolved by mapping again), then its own event sub-processes listen and its start event runs with the trigger's
   * variables.
   */
  private openEventSubProcess(instance: Token, esp: ElementModel, triggered: Variables): void {
    if (!this.mapInputs(instance, esp, triggered)) return;
    instance.wait = 'scope';
    this.subscribeEventSubProcesses(instance, esp.eventSubProcesses ?? []);
    this.queue.push({ op: 'activate', elementId: esp.startEvent!, scope: instance.id, triggered });
  }

  // ---------------------------------------------------------------- events: throw side

  private throwEvent(token: Token, element: ElementModel): void {
    const event = element.event ?? { kind: 'none' as const };
    switch (event.kind) {
      case 'terminate':
        this.emit('element.completed', token);
        delete this.state.tokens[token.id];
        this.dropQueuedActivations(token.scope!);
        this.terminateScope(token.scope!);
        return;
      case 'error':
        this.emit('error.thrown', token, { errorCode: event.code ?? null });
        this.throwError(token, event.code ?? '', {});
        return;
      case 'escalation':
        this.emit('escalation.thrown', token, { escalationCode: event.code ?? null });
        if (this.throwEscalation(token, event.code ?? '') === 'interrupted') return;
        this.queue.push({ op: 'complete', token: token.id });
        return;
      case 'signal':
        this.effects.push({ type: 'broadcastSignal', name: event.signalName ?? '', variables: {} });
        this.emit('signal.thrown', token, { signalName: event.signalName ?? null });
        this.queue.push({ op: 'complete', token: token.id });
        return;
      case 'message':
        if (element.taskType) {
          this.runJob(token, element);
          return;
        }
        if (event.messageName) {
          const key = event.correlationKey ? this.feel(element, event.correlationKey, token.id, 'correlation key') : null;
          const vars = this.outputsOf(element, token, {});
          this.effects.push({ type: 'publishMessage', name: event.messageName, correlationKey: key === null || key === undefined ? null : String(key), variables: vars });
          this.emit('message.published', token, { messageName: event.messageName, correlationKey: key ?? null });
        }
        this.queue.push({ op: 'complete', token: token.id });
        return;
      case 'compensation':
        this.throwCompensation(token, element);
        return;
      case 'cancel':
        this.cancelTransaction(token);
        return;
      case 'link': {
        this.emit('element.completed', token);
        delete this.state.tokens[token.id];
        const target = Object.values(this.model.elements).find((e) => e.type === 'intermediateCatchEvent' && e.event?.kind === 'link' && e.event.linkName === event.linkName && e.parent === element.parent);
        if (!target) throw new GovflowError('GOVFLOW_ERR_BPMN_INVALID', `no link catch event named '${event.linkName ?? ''}' for ${element.id}`);
        this.queue.push({ op: 'activate', elementId: target.id, scope: token.scope! });
        return;
      }
      default:
        this.queue.push({ op: 'complete', token: token.id });
    }
  }

  /** Output mappings of a throw event evaluated into a payload (for published messages). */
  private outputsOf(element: ElementModel, token: Token, vars: Variables): Variables {
    if (!element.inputs) return vars;
    return { ...vars, ...(token.vars ?? {}) };
  }

  /**
   * Looks for a catcher from the throwing token outwards: boundary events of each enclosing activity, then event
   * sub-processes of each enclosing scope; then the calling process. Uncaught errors become incidents.
   */
  private throwError(origin: Token, code: string, variables: Variables): void {
    const matches = (kind: string, c: string | undefined) => (candidateKind: string | undefined, candidateCode: string | undefined) =>
      candidateKind === kind && (candidateCode === undefined || candidateCode === c);
    const isError = matches('error', code);
    let current: Token | undefined = origin;
    while (current) {
      const element = this.model.elements[current.elementId];
      // Boundary events belong to an activity's outermost token: the multi-instance body, not its inner instances.
      const ownsBoundaries = current.index === undefined;
      if (ownsBoundaries && (current !== origin || element?.type === 'callActivity' || element?.taskType || element?.type === 'businessRuleTask' || current.mi)) {
        const boundary = this.findCatch(element?.boundaryEvents ?? [], code, isError);
        if (boundary && current.scope !== null) {
          this.triggerBoundary(current, boundary, variables);
          return;
        }
      }
      const scope: Token | undefined = current.scope ? this.token(current.scope) : undefined;
      if (!scope) break;
      if (!current.esp) {
        const espStart = this.findEventSubProcessStart(scope, code, isError);
        if (espStart) {
          this.triggerEventSubProcess(scope, this.element(espStart.parent!), espStart, variables);
          return;
        }
      }
      current = scope;
    }
    if (this.input.hasParent) {
      const root = this.root()!;
      this.cancelToken(root, true);
      this.status = 'terminated';
      this.emit('process.terminated', undefined, { reason: `error ${code} propagated to the calling process` });
      this.effects.push({ type: 'notifyParent', command: { type: 'childError', elementInstance: '', errorCode: code, variables } });
      return;
    }
    this.raiseIncident(origin, 'unhandled-error', `error '${code}' thrown by ${origin.elementId} was not caught`, { phase: 'activate' });
  }

  private throwEscalation(origin: Token, code: string): 'interrupted' | 'continued' | 'uncaught' {
    const isEscalation = (kind: string | undefined, c: string | undefined) => kind === 'escalation' && (c === undefined || c === code);
    let current: Token | undefined = origin;
    while (current) {
      const element = this.model.elements[current.elementId];
      // As for errors: an inner multi-instance instance leaves the boundary events to its body.
      if (current !== origin && current.index === undefined) {
        const boundary = this.findCatch(element?.boundaryEvents ?? [], code, isEscalation);
        if (boundary && current.scope !== null) {
          this.triggerBoundary(current, boundary, {});
          return boundary.cancelActivity !== false ? 'interrupted' : 'continued';
        }
      }
      const scope: Token | undefined = current.scope ? this.token(current.scope) : undefined;
      if (!scope) break;
      if (!current.esp) {
        const espStart = this.findEventSubProcessStart(scope, code, isEscalation);
        if (espStart) {
          this.triggerEventSubProcess(scope, this.element(espStart.parent!), espStart, {});
          return espStart.cancelActivity !== false ? 'interrupted' : 'continued';
        }
      }
      current = scope;
    }
    return 'uncaught';
  }

  private findCatch(candidates: readonly string[], code: string, accepts: (kind: string | undefined, code: string | undefined) => boolean): ElementModel | undefined {
    const elements = candidates.map((id) => this.element(id)).filter((e) => accepts(e.event?.kind, e.event?.code));
    // An exact code beats a catch-all.
    return elements.find((e) => e.event?.code === code) ?? elements[0];
  }

  private findEventSubProcessStart(scope: Token, code: string, accepts: (kind: string | undefined, code: string | undefined) => boolean): ElementModel | undefined {
    const espIds = scope.scope === null ? this.model.eventSubProcesses : (this.model.elements[scope.elementId]?.eventSubProcesses ?? []);
    const starts = espIds.map((id) => this.model.elements[id]?.startEvent).filter((s): s is string => s !== undefined);
    return this.findCatch(starts, code, accepts);
  }

  // ---------------------------------------------------------------- multi-instance

  private activateMultiInstanceBody(element: ElementModel, scope: string): void {
    const body = this.newToken(element.id, scope);
    body.wait = 'mi';
    body.mi = { sequential: element.multiInstance!.sequential, items: null, total: 0, next: 0, completed: 0, active: 0, outputs: [] };
    this.emit('element.activated', body, { multiInstanceBody: true });
    this.subscribeBoundaries(body, element);
    this.startMultiInstance(body, element);
  }

}

function describeBinding(binding: DecisionSpec['binding']): string {
  if (!binding) return 'latest when the case started';
  if (binding.type === 'deployment') return 'the one deployed with the process';
  return binding.type === 'version' ? `version ${binding.version}` : `version tag '${binding.versionTag}'`;
}
