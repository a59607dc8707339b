import { GovflowError } from '../../kernel/index.js';
import { evaluateFeel, evaluateValue, isExpression, stripEquals, type ExpressionSite } from '../model/feel.js';
import { addDuration, parseIsoCycle, parseIsoDate, parseIsoDuration } from '../model/iso-time.js';
import type { ElementModel, ProcessModel } from '../model/types.js';
import type { Command, Effect, EngineEvent, ExecutionState, InstanceStatus, RuntimeHooks, Token, Variables } from './types.js';

/** A step that activates more than this many elements is a runaway loop the deploy check could not see. */
const MAX_OPERATIONS_PER_STEP = 20_000;

export interface StepInput {
  readonly model: ProcessModel;
  readonly state: ExecutionState | null;
  readonly variables: Variables;
  /** The step's clock: every time the runtime computes comes from here, so replays are exact. */
  readonly now: Date;
  readonly hasParent: boolean;
}

export interface StepResult {
  readonly state: ExecutionState;
  readonly variables: Variables;
  readonly events: EngineEvent[];
  readonly effects: Effect[];
  readonly status: InstanceStatus;
}

type Operation =
  | { op: 'activate'; elementId: string; scope: string; flow?: string; triggered?: Variables; inner?: { body: string; index: number; item: unknown } }
  | { op: 'complete'; token: string; vars?: Variables; takeFlows?: string[] }
  | { op: 'checkScope'; scope: string }
  | { op: 'retry'; token: string };

/** Thrown inside a behaviour to park its token in an incident instead of failing the whole step. */
class IncidentSignal extends Error {
  constructor(readonly kind: string, message: string) {
    super(message);
  }
}

/**
 * Applies one command to one process instance. Pure and deterministic: the same model, state, variables,
 * clock and command always give the same result, which is what the replay tests check after every engine change.
 */
export async function applyCommand(input: StepInput, command: Command, hooks: RuntimeHooks): Promise<StepResult> {
  const step = new Step(input, hooks);
  await step.run(command);
  return step.result();
}

class Step {
  private readonly model: ProcessModel;
  private readonly state: ExecutionState;
  private variables: Variables;
  private readonly events: EngineEvent[] = [];
  private readonly effects: Effect[] = [];
  private readonly queue: Operation[] = [];
  private status: InstanceStatus = 'active';
  private operations = 0;

  constructor(private readonly input: StepInput, private readonly hooks: RuntimeHooks) {
    this.model = input.model;
    this.state = input.state ? (structuredClone(input.state) as ExecutionState) : { nextId: 1, tokens: {}, joins: {} };
    this.variables = structuredClone(input.variables);
  }

  result(): StepResult {
    return { state: this.state, variables: this.variables, events: this.events, effects: this.effects, status: this.status };
  }

  private get now(): string {
    return this.input.now.toISOString();
  }

  private emit(type: string, token: Token | undefined, data: Record<string, unknown> = {}): void {
    if (token) {
      const element = this.model.elements[token.elementId];
      this.events.push({ type, elementId: token.elementId, elementInstance: token.id, data: element ? { name: element.name ?? null, elementType: element.type, ...data } : data });
    } else {
      this.events.push({ type, data });
    }
  }

  private element(id: string): ElementModel {
    const element = this.model.elements[id];
    if (!element) throw new GovflowError('GOVFLOW_ERR_INTERNAL', `element ${id} is not in process ${this.model.id}`);
    return element;
  }

  private token(id: string): Token | undefined {
    return this.state.tokens[id];
  }

  private newToken(elementId: string, scope: string | null): Token {
    const token: Token = { id: String(this.state.nextId++), elementId, scope };
    this.state.tokens[token.id] = token;
    return token;
  }

  private root(): Token | undefined {
    return Object.values(this.state.tokens).find((t) => t.scope === null);
  }

  // ---------------------------------------------------------------- variables

  /** All variables visible from a token: process variables overlaid by each enclosing scope's locals. */
  private context(tokenId: string | null): Variables {
    const chain: Token[] = [];
    for (let t = tokenId ? this.token(tokenId) : undefined; t; t = t.scope ? this.token(t.scope) : undefined) chain.push(t);
    let context: Variables = this.variables;
    for (let i = chain.length - 1; i >= 0; i--) {
      const vars = chain[i]!.vars;
      if (vars && Object.keys(vars).length > 0) context = { ...context, ...vars };
    }
    return context;
  }

  /** Sets a variable where it already lives (nearest scope outward), else on the process. */
  private propagate(fromScope: string | null, name: string, value: unknown): void {
    const [head, ...path] = name.split('.');
    if (!head) return;
    for (let t = fromScope ? this.token(fromScope) : undefined; t; t = t.scope ? this.token(t.scope) : undefined) {
      if (t.vars && Object.hasOwn(t.vars, head)) {
        t.vars[head] = withPath(t.vars[head], path, value);
        return;
      }
    }
    this.variables = { ...this.variables, [head]: withPath(this.variables[head], path, value) };
  }

  private site(element: ElementModel, what: string): ExpressionSite {
    return { elementId: element.id, what, line: element.line };
  }

  private feel(element: ElementModel, expression: string, tokenId: string | null, what: string, extra?: Variables): unknown {
    const context = extra ? { ...this.context(tokenId), ...extra } : this.context(tokenId);
    try {
      return evaluateFeel(expression, context, this.site(element, what), this.input.now);
    } catch (error) {
      throw new IncidentSignal('expression', error instanceof Error ? error.message : String(error));
    }
  }

  private value(element: ElementModel, text: string | undefined, tokenId: string, what: string): unknown {
    if (text === undefined) return undefined;
    try {
      return evaluateValue(text, this.context(tokenId), this.site(element, what), this.input.now);
    } catch (error) {
      throw new IncidentSignal('expression', error instanceof Error ? error.message : String(error));
    }
  }

  // ---------------------------------------------------------------- the loop

  async run(command: Command): Promise<void> {
    this.dispatch(command);
    await this.drain();
  }

  private async drain(): Promise<void> {
    for (;;) {
      while (this.queue.length > 0) {
        if (++this.operations > MAX_OPERATIONS_PER_STEP) {
          throw new GovflowError('GOVFLOW_ERR_BPMN_INVALID', `process ${this.model.id} ran ${MAX_OPERATIONS_PER_STEP} steps without waiting; a loop in the model never reaches a wait state`);
        }
        const operation = this.queue.shift()!;
        if (operation.op === 'activate') await this.activate(operation);
        else if (operation.op === 'complete') this.complete(operation.token, operation.vars, operation.takeFlows);
        else if (operation.op === 'retry') await this.retryBehaviour(operation.token);
        else this.checkScope(operation.scope);
      }
      // Inclusive joins may become ready because a token elsewhere ended; look once the queue is empty.
      if (!this.fireReadyInclusiveJoins()) break;
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
        this.emit(command.type === 'jobCompleted' ? 'job.completed' : 'task.completed', token, { variables: command.variables });
        this.queue.push({ op: 'complete', token: token.id, vars: command.variables });
        return;
      }
      case 'jobError': {
        const token = this.waitingToken(command.elementInstance, 'job');
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
          if (command.local && token) token.vars = { ...token.vars, [name]: value };
          else this.propagate(token?.id ?? null, name, value);
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
    this.subscribeEventSubProcesses(root, this.model.eventSubProcesses);
    this.queue.push({ op: 'activate', elementId: startId, scope: root.id, ...(startEventId ? { triggered: variables } : {}) });
  }

  // ---------------------------------------------------------------- activation

  private async activate(operation: Extract<Operation, { op: 'activate' }>): Promise<void> {
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
    await this.runBehaviour(token, element, operation.triggered);
  }

  /** Input mappings, boundary events, then what the element type does; expression failures become incidents. */
  private async runBehaviour(token: Token, element: ElementModel, triggered?: Variables): Promise<void> {
    try {
      if (element.inputs) {
        for (const mapping of element.inputs) {
          const value = this.feel(element, mapping.source, token.id, `input mapping '${mapping.target}'`);
          const [head, ...path] = mapping.target.split('.');
          if (head) token.vars = { ...token.vars, [head]: withPath(token.vars?.[head], path, value) };
        }
      }
      if (token.index === undefined) this.subscribeBoundaries(token, element);
      await this.behave(token, element, triggered);
    } catch (error) {
      if (!(error instanceof IncidentSignal)) throw error;
      this.raiseIncident(token, error.kind, error.message, { phase: 'activate' });
    }
  }

  private raiseIncident(token: Token, kind: string, message: string, incident: NonNullable<Token['incident']>): void {
    token.wait = 'incident';
    token.incident = incident;
    this.effects.push({ type: 'incident', elementId: token.elementId, elementInstance: token.id, kind, message });
    this.emit('incident.raised', token, { kind, message });
  }

  private resolveIncident(tokenId: string): void {
    const token = this.token(tokenId);
    if (!token || token.wait !== 'incident' || !token.incident) {
      throw new GovflowError('GOVFLOW_ERR_CONFLICT', `element instance ${tokenId} has no open incident to resolve`);
    }
    const incident = token.incident;
    delete token.incident;
    delete token.wait;
    this.effects.push({ type: 'resolveIncidents', elementInstance: token.id });
    this.emit('incident.resolved', token);
    if (incident.phase === 'complete') {
      this.queue.push({ op: 'complete', token: token.id, ...(incident.vars ? { vars: incident.vars } : {}), ...(incident.takeFlows ? { takeFlows: incident.takeFlows } : {}) });
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

  private async retryBehaviour(tokenId: string): Promise<void> {
    const token = this.token(tokenId);
    if (!token) return;
    const element = this.element(token.elementId);
    try {
      await this.behave(token, element, undefined);
    } catch (error) {
      if (!(error instanceof IncidentSignal)) throw error;
      this.raiseIncident(token, error.kind, error.message, { phase: 'activate' });
    }
  }

  private async behave(token: Token, element: ElementModel, triggered?: Variables): Promise<void> {
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
        if (element.decision) await this.evaluateDecision(token, element);
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
    this.effects.push(effect);
    this.emit('task.created', token, { assignee: effect.assignee, candidateGroups: effect.candidateGroups, dueAt: effect.dueAt });
  }

  private async evaluateDecision(token: Token, element: ElementModel): Promise<void> {
    const spec = element.decision!;
    if (!this.hooks.evaluateDecision) throw new IncidentSignal('decision', `no decision engine is configured to evaluate '${spec.decisionId}'`);
    let outcome;
    try {
      outcome = await this.hooks.evaluateDecision(spec.decisionId, this.context(token.id));
    } catch (error) {
      throw new IncidentSignal('decision', `decision '${spec.decisionId}' failed: ${error instanceof Error ? error.message : String(error)}`);
    }
    this.emit('decision.evaluated', token, { decisionId: spec.decisionId, decisionKey: outcome.decisionKey, version: outcome.version ?? null, output: outcome.value, explanation: outcome.explanation });
    this.queue.push({ op: 'complete', token: token.id, vars: { [spec.resultVariable]: outcome.value } });
  }

  /** Exclusive: the first flow whose condition holds, else the default. Inclusive: all that hold, else the default. */
  private chooseFlows(token: Token, element: ElementModel, firstOnly: boolean): string[] {
    const chosen: string[] = [];
    for (const flowId of element.outgoing) {
      if (flowId === element.defaultFlow) continue;
      const flow = this.model.flows[flowId]!;
      if (flow.condition === undefined) {
        chosen.push(flowId);
      } else if (this.feel(element, flow.condition, token.id, `condition of flow ${flowId}`) === true) {
        chosen.push(flowId);
      }
      if (firstOnly && chosen.length > 0) break;
    }
    if (chosen.length === 0 && element.defaultFlow) chosen.push(element.defaultFlow);
    if (chosen.length === 0) throw new IncidentSignal('condition', `no outgoing flow of ${element.id} has a condition that holds, and there is no default flow`);
    return chosen;
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
      if (boundary.event?.kind === 'error' || boundary.event?.kind === 'escalation') continue; // caught when thrown
      this.subscribeCatch(token, boundary, token.id);
    }
  }

  private subscribeEventSubProcesses(scope: Token, eventSubProcesses: readonly string[]): void {
    for (const espId of eventSubProcesses) {
      const esp = this.element(espId);
      if (!esp.startEvent) continue;
      const start = this.element(esp.startEvent);
      const kind = start.event?.kind;
      if (kind === 'message' || kind === 'timer' || kind === 'signal') this.subscribeCatch(scope, start, scope.id);
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

  private triggerBoundary(owner: Token, boundary: ElementModel, variables: Variables): void {
    const scope = owner.scope!;
    if (boundary.cancelActivity !== false) this.cancelToken(owner, false);
    this.queue.push({ op: 'activate', elementId: boundary.id, scope, triggered: variables });
  }

  private triggerEventSubProcess(scope: Token, esp: ElementModel, start: ElementModel, variables: Variables): void {
    if (start.cancelActivity !== false) {
      for (const child of Object.values(this.state.tokens).filter((t) => t.scope === scope.id)) this.cancelToken(child, false);
      this.clearJoins(scope.id);
      const container = scope.scope === null ? this.model.eventSubProcesses : (this.model.elements[scope.elementId]?.eventSubProcesses ?? []);
      const starts = container.map((id) => this.model.elements[id]?.startEvent).filter((s): s is string => s !== undefined);
      if (starts.length > 0) this.effects.push({ type: 'cancelWaits', elementInstance: scope.id, elementIds: starts });
    }
    const instance = this.newToken(esp.id, scope.id);
    instance.wait = 'scope';
    instance.esp = true;
    this.emit('element.activated', instance);
    this.subscribeEventSubProcesses(instance, esp.eventSubProcesses ?? []);
    this.queue.push({ op: 'activate', elementId: start.id, scope: instance.id, triggered: variables });
  }

  // ---------------------------------------------------------------- events: throw side

  private throwEvent(token: Token, element: ElementModel): void {
    const event = element.event ?? { kind: 'none' as const };
    switch (event.kind) {
      case 'terminate':
        this.emit('element.completed', token);
        delete this.state.tokens[token.id];
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

  private startMultiInstance(body: Token, element: ElementModel): void {
    const spec = element.multiInstance!;
    const mi = body.mi!;
    try {
      if (spec.inputCollection) {
        const items = this.feel(element, spec.inputCollection, body.id, 'input collection');
        if (!Array.isArray(items)) throw new IncidentSignal('expression', `input collection of ${element.id} is not a list (got ${JSON.stringify(items)})`);
        mi.items = items;
        mi.total = items.length;
      } else {
        const n = this.feel(element, spec.loopCardinality!, body.id, 'loop cardinality');
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new IncidentSignal('expression', `loop cardinality of ${element.id} is not a whole number ≥ 0`);
        mi.total = n;
      }
    } catch (error) {
      if (!(error instanceof IncidentSignal)) throw error;
      this.raiseIncident(body, error.kind, error.message, { phase: 'activate' });
      return;
    }
    body.wait = 'mi';
    if (mi.total === 0) {
      this.finishMultiInstance(body, element);
      return;
    }
    const first = mi.sequential ? 1 : mi.total;
    for (let i = 0; i < first; i++) this.activateInner(body, element);
  }

  private activateInner(body: Token, element: ElementModel): void {
    const mi = body.mi!;
    const index = mi.next++;
    mi.active++;
    this.queue.push({ op: 'activate', elementId: element.id, scope: body.id, inner: { body: body.id, index, item: mi.items ? mi.items[index] : index + 1 } });
  }

  private innerCompleted(inner: Token, element: ElementModel, resultContext: Variables): void {
    const body = this.token(inner.scope!)!;
    const mi = body.mi!;
    const spec = element.multiInstance!;
    if (spec.outputElement) mi.outputs[inner.index!] = this.feel(element, spec.outputElement, inner.id, 'output element', resultContext);
    mi.completed++;
    mi.active--;
    this.emit('element.completed', inner, { loopCounter: inner.index! + 1 });
    if (inner.hasWaits) this.effects.push({ type: 'cancelWaits', elementInstance: inner.id });
    delete this.state.tokens[inner.id];
    const done = spec.completionCondition
      ? this.feel(element, spec.completionCondition, body.id, 'completion condition', {
          numberOfInstances: mi.total, numberOfCompletedInstances: mi.completed, numberOfActiveInstances: mi.active, ...resultContext,
        }) === true
      : false;
    if (done) {
      for (const other of Object.values(this.state.tokens).filter((t) => t.scope === body.id)) this.cancelToken(other, false);
      mi.active = 0;
      this.finishMultiInstance(body, element);
    } else if (mi.sequential && mi.next < mi.total) {
      this.activateInner(body, element);
    } else if (mi.next === mi.total && mi.active === 0) {
      this.finishMultiInstance(body, element);
    }
  }

  private finishMultiInstance(body: Token, element: ElementModel): void {
    const spec = element.multiInstance!;
    if (spec.outputCollection) this.propagate(body.scope, spec.outputCollection, body.mi!.outputs.map((v) => (v === undefined ? null : v)));
    this.emit('element.completed', body, { multiInstanceBody: true });
    if (body.hasWaits) this.effects.push({ type: 'cancelWaits', elementInstance: body.id });
    delete this.state.tokens[body.id];
    this.leave(element, body.scope!, undefined);
  }

  // ---------------------------------------------------------------- completion

  private complete(tokenId: string, vars?: Variables, takeFlows?: string[]): void {
    const token = this.token(tokenId);
    if (!token) return;
    const element = this.model.elements[token.elementId];
    if (!element) {
      // The process scope itself.
      this.checkScope(token.id);
      return;
    }
    let resultContext: Variables = vars ?? {};
    try {
      resultContext = this.applyResult(token, element, vars);
      if (token.index !== undefined) {
        this.innerCompleted(token, element, resultContext);
        return;
      }
      const flows = takeFlows ?? this.outgoingFlows(token, element);
      this.emit('element.completed', token);
      if (token.hasWaits) this.effects.push({ type: 'cancelWaits', elementInstance: token.id });
      delete this.state.tokens[token.id];
      this.leave(element, token.scope!, flows);
    } catch (error) {
      if (!(error instanceof IncidentSignal)) throw error;
      this.raiseIncident(token, error.kind, error.message, { phase: 'complete', ...(vars ? { vars } : {}), ...(takeFlows ? { takeFlows } : {}) });
    }
  }

  /** Writes a completion's variables: through output mappings when there are any, else straight outwards. */
  private applyResult(token: Token, element: ElementModel, vars: Variables | undefined): Variables {
    const result = vars ?? {};
    if (element.outputs) {
      const context = { ...this.context(token.id), ...result };
      const values = element.outputs.map((m) => [m.target, this.feel(element, m.source, token.id, `output mapping '${m.target}'`, result)] as const);
      for (const [target, value] of values) this.propagate(token.scope, target, value);
      return context;
    }
    // An inner multi-instance instance keeps results in its own locals when it has them (input/output element).
    const from = token.index !== undefined ? token.id : token.scope;
    for (const [name, value] of Object.entries(result)) this.propagate(from, name, value);
    return result;
  }

  private outgoingFlows(token: Token, element: ElementModel): string[] {
    if (element.type === 'exclusiveGateway' || element.type === 'inclusiveGateway') return this.chooseFlows(token, element, element.type === 'exclusiveGateway');
    const conditional = element.outgoing.filter((f) => this.model.flows[f]?.condition !== undefined && f !== element.defaultFlow);
    if (conditional.length === 0) return element.outgoing.filter((f) => f !== element.defaultFlow || element.outgoing.length === 1);
    const taken = element.outgoing.filter((f) => {
      if (f === element.defaultFlow) return false;
      const condition = this.model.flows[f]!.condition;
      return condition === undefined || this.feel(element, condition, null, `condition of flow ${f}`, this.context(token.id)) === true;
    });
    const anyConditionHeld = taken.some((f) => conditional.includes(f));
    if (!anyConditionHeld && element.defaultFlow) taken.push(element.defaultFlow);
    return taken;
  }

  private leave(element: ElementModel, scope: string, flows: string[] | undefined): void {
    const outgoing = flows ?? element.outgoing;
    for (const flowId of outgoing) {
      const flow = this.model.flows[flowId];
      if (flow) this.queue.push({ op: 'activate', elementId: flow.target, scope, flow: flowId });
    }
    this.queue.push({ op: 'checkScope', scope });
  }

  /** A scope with no tokens left is complete: a sub-process leaves, the process ends. */
  private checkScope(scopeId: string): void {
    const scope = this.token(scopeId);
    if (!scope || scope.wait === 'mi' || scope.wait === 'incident') return;
    for (const t of Object.values(this.state.tokens)) if (t.scope === scopeId) return;
    if (this.queue.some((o) => o.op === 'activate' && o.scope === scopeId)) return;
    // A token that waits at an inclusive join is still in the scope: the join fires once nothing else can arrive.
    for (const [key, flows] of Object.entries(this.state.joins)) {
      if (flows.length > 0 && key.startsWith(`${scopeId}|`) && this.model.elements[key.slice(scopeId.length + 1)]?.type === 'inclusiveGateway') return;
    }
    if (scope.scope === null) {
      if (scope.hasWaits) this.effects.push({ type: 'cancelWaits', elementInstance: scope.id });
      delete this.state.tokens[scope.id];
      this.clearJoins(scope.id);
      this.status = 'completed';
      this.emit('process.completed', undefined, {});
      if (this.input.hasParent) this.effects.push({ type: 'notifyParent', command: { type: 'childCompleted', elementInstance: '', variables: this.variables } });
      return;
    }
    this.clearJoins(scope.id);
    if (scope.esp) {
      this.emit('element.completed', scope);
      if (scope.hasWaits) this.effects.push({ type: 'cancelWaits', elementInstance: scope.id });
      delete this.state.tokens[scope.id];
      this.queue.push({ op: 'checkScope', scope: scope.scope });
      return;
    }
    delete scope.wait;
    this.queue.push({ op: 'complete', token: scope.id });
  }

  private terminateScope(scopeId: string): void {
    const scope = this.token(scopeId);
    if (!scope) return;
    for (const child of Object.values(this.state.tokens).filter((t) => t.scope === scopeId)) this.cancelToken(child, false);
    this.clearJoins(scopeId);
    this.queue.push({ op: 'checkScope', scope: scopeId });
  }

  /** Cancels a token and everything inside it: jobs, timers, subscriptions, tasks and called processes. */
  private cancelToken(token: Token, includeSelf: boolean): void {
    for (const child of Object.values(this.state.tokens).filter((t) => t.scope === token.id)) this.cancelToken(child, true);
    this.clearJoins(token.id);
    if (token.hasWaits) this.effects.push({ type: 'cancelWaits', elementInstance: token.id });
    if (token.wait === 'call') this.effects.push({ type: 'cancelChild', elementInstance: token.id });
    if (token.wait === 'incident') this.effects.push({ type: 'resolveIncidents', elementInstance: token.id });
    if (includeSelf || token.scope !== null) {
      this.emit('element.terminated', token);
      delete this.state.tokens[token.id];
    }
    if (token.scope !== null && this.token(token.scope)?.mi) {
      const mi = this.token(token.scope)!.mi!;
      mi.active = Math.max(0, mi.active - 1);
    }
  }

  private clearJoins(scopeId: string): void {
    for (const key of Object.keys(this.state.joins)) if (key.startsWith(`${scopeId}|`)) delete this.state.joins[key];
  }

  // ---------------------------------------------------------------- joins

  private joinReady(gateway: ElementModel, scopeId: string): boolean {
    const arrived = this.state.joins[`${scopeId}|${gateway.id}`] ?? [];
    if (gateway.type === 'parallelGateway') return gateway.incoming.every((f) => arrived.includes(f));
    if (arrived.length === 0) return false;
    if (gateway.incoming.every((f) => arrived.includes(f))) return true;
    // Inclusive: wait while any token in this scope could still arrive on a flow that has not.
    const sources = new Set(this.model.inclusiveJoinSources[gateway.id] ?? []);
    for (const t of Object.values(this.state.tokens)) if (t.scope === scopeId && sources.has(t.elementId)) return false;
    for (const [key, flows] of Object.entries(this.state.joins)) {
      const [joinScope, joinId] = key.split('|');
      if (joinScope === scopeId && joinId !== gateway.id && flows.length > 0 && joinId && sources.has(joinId)) return false;
    }
    for (const o of this.queue) if (o.op === 'activate' && o.scope === scopeId && sources.has(o.elementId)) return false;
    return true;
  }

  private consumeJoin(gateway: ElementModel, scopeId: string): void {
    const key = `${scopeId}|${gateway.id}`;
    const arrived = this.state.joins[key] ?? [];
    for (const flow of gateway.incoming) {
      const at = arrived.indexOf(flow);
      if (at >= 0) arrived.splice(at, 1);
    }
    if (arrived.length === 0) delete this.state.joins[key];
  }

  private fireReadyInclusiveJoins(): boolean {
    for (const [key, flows] of Object.entries(this.state.joins)) {
      const [scopeId, gatewayId] = key.split('|') as [string, string];
      const gateway = this.model.elements[gatewayId];
      if (!gateway || gateway.type !== 'inclusiveGateway' || flows.length === 0) continue;
      if (this.joinReady(gateway, scopeId)) {
        this.consumeJoin(gateway, scopeId);
        const token = this.newToken(gateway.id, scopeId);
        this.emit('element.activated', token);
        this.queue.push({ op: 'complete', token: token.id });
        return true;
      }
    }
    return false;
  }
}

/** Due time (and remaining cycle) of a timer from its ISO 8601 text. */
export function computeTimer(type: 'duration' | 'date' | 'cycle', raw: string, now: Date, elementId: string): { dueAt: string; cycle?: string } {
  const fail = () => new GovflowError('GOVFLOW_ERR_FEEL_EVALUATION', `timer ${type} '${raw}' of ${elementId} is not valid ISO 8601`, [{ where: elementId, message: `timer ${type} '${raw}' is not valid` }]);
  if (type === 'duration') {
    const d = parseIsoDuration(raw);
    if (!d) throw fail();
    return { dueAt: addDuration(now, d).toISOString() };
  }
  if (type === 'date') {
    const d = parseIsoDate(raw);
    if (!d) throw fail();
    return { dueAt: d.toISOString() };
  }
  const cycle = parseIsoCycle(raw);
  if (!cycle) throw fail();
  const first = cycle.start && cycle.start.getTime() > now.getTime() ? cycle.start : addDuration(now, cycle.interval);
  const remaining = cycle.repetitions === undefined ? undefined : cycle.repetitions - 1;
  const interval = raw.trim().split('/').at(-1)!;
  const next = remaining === undefined ? `R/${interval}` : remaining > 0 ? `R${remaining}/${interval}` : undefined;
  return { dueAt: first.toISOString(), ...(next ? { cycle: next } : {}) };
}

function withPath(base: unknown, path: readonly string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const object = base !== null && typeof base === 'object' && !Array.isArray(base) ? { ...(base as Record<string, unknown>) } : {};
  const [head, ...rest] = path;
  object[head!] = withPath(object[head!], rest, value);
  return object;
}
