import { GovflowError } from '../../kernel/index.js';
import { evaluateFeel, evaluateValue, type ExpressionSite } from '../model/feel.js';
import type { ElementModel, ProcessModel } from '../model/types.js';
import type { RuntimeEventType } from '../event-types.js';
import type { Effect, EngineEvent, ExecutionState, InstanceStatus, RuntimeHooks, Token, Variables } from './types.js';
import type { StepInput, StepResult } from './step-types.js';

/**
 * The half of a runtime step that moves tokens on: state and variables, FEEL with the step's clock, completion
 * (output mappings, outgoing flows, scopes ending), joins, multi-instance bookkeeping and cancellation. The
 * behaviours of the element types and the events live in `execution.ts`, which extends this class.
 */

export type Operation =
  | { op: 'activate'; elementId: string; scope: string; flow?: string; triggered?: Variables; inner?: { body: string; index: number; item: unknown } }
  | { op: 'complete'; token: string; vars?: Variables; takeFlows?: string[]; listenersDone?: boolean }
  | { op: 'checkScope'; scope: string }
  | { op: 'retry'; token: string; from?: 'inputs' | 'boundaries'; triggered?: Variables };

/** Thrown inside a behaviour to park its token in an incident instead of failing the whole step. */
export class IncidentSignal extends Error {
  constructor(readonly kind: string, message: string) {
    super(message);
  }
}

export abstract class StepFlow {
  protected readonly model: ProcessModel;
  protected readonly state: ExecutionState;
  protected variables: Variables;
  protected readonly events: EngineEvent[] = [];
  protected readonly effects: Effect[] = [];
  protected readonly queue: Operation[] = [];
  protected status: InstanceStatus = 'active';
  protected operations = 0;

  constructor(protected readonly input: StepInput, protected readonly hooks: RuntimeHooks) {
    this.model = input.model;
    this.state = input.state ? (structuredClone(input.state) as ExecutionState) : { nextId: 1, tokens: {}, joins: {} };
    this.variables = structuredClone(input.variables);
  }

  result(): StepResult {
    return { state: this.state, variables: this.variables, events: this.events, effects: this.effects, status: this.status };
  }

  protected get now(): string {
    return this.input.now.toISOString();
  }

  protected emit(type: RuntimeEventType, token: Token | undefined, data: Record<string, unknown> = {}): void {
    if (token) {
      const element = this.model.elements[token.elementId];
      this.events.push({ type, elementId: token.elementId, elementInstance: token.id, data: element ? { name: element.name ?? null, elementType: element.type, ...data } : data });
    } else {
      this.events.push({ type, data });
    }
  }

  // Execution listeners (step-listeners.ts): true when the token now waits for a listener job instead.
  protected abstract beginStartListeners(token: Token, element: ElementModel | undefined, triggered?: Variables, startEventId?: string): boolean;
  protected abstract beginEndListeners(token: Token, element: ElementModel | undefined, resultContext: Variables, takeFlows?: string[]): boolean;
  // Compensation (compensation.ts): completions are recorded, cancelled scopes forgotten, a throw event's handlers run.
  protected abstract compensableCompleted(token: Token, element: ElementModel): void;
  protected abstract compensableCancelled(scopeId: string): void;
  protected abstract nextCompensation(thrower: Token): void;
  // Conditional events (conditional-events.ts): variable changes they may be evaluated on.
  protected abstract variableChanged(name: string, change: 'create' | 'update', scope: string | null): void;

  protected element(id: string): ElementModel {
    const element = this.model.elements[id];
    if (!element) throw new GovflowError('GOVFLOW_ERR_INTERNAL', `element ${id} is not in process ${this.model.id}`);
    return element;
  }

  protected token(id: string): Token | undefined {
    return this.state.tokens[id];
  }

  protected newToken(elementId: string, scope: string | null): Token {
    const token: Token = { id: String(this.state.nextId++), elementId, scope };
    this.state.tokens[token.id] = token;
    return token;
  }

  protected root(): Token | undefined {
    return Object.values(this.state.tokens).find((t) => t.scope === null);
  }

  // ---------------------------------------------------------------- variables

  /** All variables visible from a token: process variables overlaid by each enclosing scope's locals. */
  protected context(tokenId: string | null): Variables {
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
  protected propagate(fromScope: string | null, name: string, value: unknown): void {
    const [head, ...path] = name.split('.');
    if (!head) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `variable name '${name}' is empty or starts with a dot: a variable needs a name (a dot separates the fields of one)`);
    for (let t = fromScope ? this.token(fromScope) : undefined; t; t = t.scope ? this.token(t.scope) : undefined) {
      if (t.vars && Object.hasOwn(t.vars, head)) {
        this.variableChanged(head, 'update', t.id);
        t.vars[head] = withPath(t.vars[head], path, value);
        return;
      }
    }
    this.variableChanged(head, Object.hasOwn(this.variables, head) ? 'update' : 'create', null);
    this.variables = { ...this.variables, [head]: withPath(this.variables[head], path, value) };
  }

  protected site(element: ElementModel, what: string): ExpressionSite {
    return { elementId: element.id, what, line: element.line };
  }

  protected feel(element: ElementModel, expression: string, tokenId: string | null, what: string, extra?: Variables): unknown {
    const context = extra ? { ...this.context(tokenId), ...extra } : this.context(tokenId);
    try {
      return evaluateFeel(expression, context, this.site(element, what), this.input.now);
    } catch (error) {
      throw new IncidentSignal('expression', error instanceof Error ? error.message : String(error));
    }
  }

  protected value(element: ElementModel, text: string | undefined, tokenId: string, what: string): unknown {
    if (text === undefined) return undefined;
    try {
      return evaluateValue(text, this.context(tokenId), this.site(element, what), this.input.now);
    } catch (error) {
      throw new IncidentSignal('expression', error instanceof Error ? error.message : String(error));
    }
  }


  protected raiseIncident(token: Token, kind: string, message: string, incident: NonNullable<Token['incident']>): void {
    token.wait = 'incident';
    token.incident = incident;
    this.effects.push({ type: 'incident', elementId: token.elementId, elementInstance: token.id, kind, message });
    this.emit('incident.raised', token, { kind, message });
  }


  /** Exclusive: the first flow whose condition holds, else the default. Inclusive: all that hold, else the default. */
  protected chooseFlows(token: Token, element: ElementModel, firstOnly: boolean): string[] {
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

  protected startMultiInstance(body: Token, element: ElementModel): void {
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

  protected activateInner(body: Token, element: ElementModel): void {
    const mi = body.mi!;
    const index = mi.next++;
    mi.active++;
    this.queue.push({ op: 'activate', elementId: element.id, scope: body.id, inner: { body: body.id, index, item: mi.items?.[index] } });
  }

  protected innerCompleted(inner: Token, element: ElementModel, resultContext: Variables): void {
    const body = this.token(inner.scope!)!;
    const mi = body.mi!;
    const spec = element.multiInstance!;
    if (spec.outputElement) mi.outputs[inner.index!] = this.feel(element, spec.outputElement, inner.id, 'output element', resultContext);
    mi.completed++;
    mi.active--;
    this.emit('element.completed', inner, { loopCounter: inner.index! + 1 });
    this.compensableCompleted(inner, element);
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

  protected finishMultiInstance(body: Token, element: ElementModel): void {
    const spec = element.multiInstance!;
    if (spec.outputCollection) this.propagate(body.scope, spec.outputCollection, body.mi!.outputs.map((v) => (v === undefined ? null : v)));
    this.emit('element.completed', body, { multiInstanceBody: true });
    this.compensableCompleted(body, element);
    if (body.hasWaits) this.effects.push({ type: 'cancelWaits', elementInstance: body.id });
    delete this.state.tokens[body.id];
    this.leave(element, body.scope!, undefined);
  }


  // ---------------------------------------------------------------- completion

  /**
   * Output mappings, then the end execution listeners (the token waits for them and comes back with
   * `listenersDone`, its result context in `vars`), then the flow moves on.
   */
  protected complete(tokenId: string, vars?: Variables, takeFlows?: string[], listenersDone = false): void {
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
      if (!listenersDone) {
        resultContext = this.applyResult(token, element, vars);
        if (this.beginEndListeners(token, element, resultContext, takeFlows)) return;
      }
      if (token.index !== undefined) {
        this.innerCompleted(token, element, resultContext);
        return;
      }
      const flows = takeFlows ?? this.outgoingFlows(token, element);
      this.emit('element.completed', token);
      this.compensableCompleted(token, element);
      if (token.hasWaits) this.effects.push({ type: 'cancelWaits', elementInstance: token.id });
      delete this.state.tokens[token.id];
      this.leave(element, token.scope!, flows);
    } catch (error) {
      if (!(error instanceof IncidentSignal)) throw error;
      this.raiseIncident(token, error.kind, error.message, {
        phase: 'complete', ...(vars || listenersDone ? { vars: listenersDone ? resultContext : vars } : {}), ...(takeFlows ? { takeFlows } : {}), ...(listenersDone ? { listenersDone } : {}),
      });
    }
  }

  /** Writes a completion's variables: through output mappings when there are any, else straight outwards. */
  protected applyResult(token: Token, element: ElementModel, vars: Variables | undefined): Variables {
    const result = vars ?? {};
    if (element.outputs) {
      const context = { ...this.context(token.id), ...result };
      const values = element.outputs.map((m) => [m.target, this.feel(element, m.source, token.id, `output mapping '${m.target}'`, result)] as const);
      for (const [target, value] of values) this.propagate(token.scope, target, value);
      return context;
    }
    // As in Zeebe, from the element's own scope: a local of its own (an input mapping, a multi-instance input or
    // output element) takes a result of the same name, and goes with the element.
    for (const [name, value] of Object.entries(result)) this.propagate(token.id, name, value);
    return result;
  }

  protected outgoingFlows(token: Token, element: ElementModel): string[] {
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

  protected leave(element: ElementModel, scope: string, flows: string[] | undefined): void {
    const outgoing = flows ?? element.outgoing;
    for (const flowId of outgoing) {
      const flow = this.model.flows[flowId];
      if (flow) this.queue.push({ op: 'activate', elementId: flow.target, scope, flow: flowId });
    }
    this.queue.push({ op: 'checkScope', scope });
  }

  /** A scope with no tokens left is complete: a sub-process leaves, the process ends. */
  protected checkScope(scopeId: string): void {
    const scope = this.token(scopeId);
    if (!scope || scope.wait === 'mi' || scope.wait === 'incident' || scope.listener) return;
    for (const t of Object.values(this.state.tokens)) if (t.scope === scopeId) return;
    if (this.queue.some((o) => o.op === 'activate' && o.scope === scopeId)) return;
    if (scope.compensation) {
      this.nextCompensation(scope);
      return;
    }
    // A token waiting at a join, inclusive or parallel, is still in the scope (as in Zeebe: a taken flow is active).
    for (const [key, flows] of Object.entries(this.state.joins)) {
      if (flows.length > 0 && key.startsWith(`${scopeId}|`)) return;
    }
    if (scope.scope === null) {
      if (this.beginEndListeners(scope, undefined, {})) return;
      this.finishProcess(scope);
      return;
    }
    this.clearJoins(scope.id);
    delete scope.wait;
    // Branches that end in the same step each queue a check of the scope: it completes once (one run of its end
    // listeners, one incident if its outgoing flow fails).
    if (!this.queue.some((o) => o.op === 'complete' && o.token === scope.id)) this.queue.push({ op: 'complete', token: scope.id });
  }

  /** The process scope is empty and its end listeners (if any) have run: the instance completes. */
  protected finishProcess(scope: Token): void {
    if (scope.hasWaits) this.effects.push({ type: 'cancelWaits', elementInstance: scope.id });
    delete this.state.tokens[scope.id];
    this.clearJoins(scope.id);
    delete this.state.compensable;
    this.status = 'completed';
    this.emit('process.completed', undefined, {});
    if (this.input.hasParent) this.effects.push({ type: 'notifyParent', command: { type: 'childCompleted', elementInstance: '', variables: this.variables } });
  }

  protected terminateScope(scopeId: string): void {
    const scope = this.token(scopeId);
    if (!scope) return;
    for (const child of Object.values(this.state.tokens).filter((t) => t.scope === scopeId)) this.cancelToken(child, false);
    this.clearJoins(scopeId);
    this.queue.push({ op: 'checkScope', scope: scopeId });
  }

  /** Cancels a token and everything inside it (jobs, timers, subscriptions, tasks, called processes) and resolves incidents, the engine's too (a job out of retries, a call to a process not deployed). */
  protected cancelToken(token: Token, includeSelf: boolean): void {
    for (const child of Object.values(this.state.tokens).filter((t) => t.scope === token.id)) this.cancelToken(child, true);
    this.clearJoins(token.id);
    this.compensableCancelled(token.id);
    if (token.hasWaits) this.effects.push({ type: 'cancelWaits', elementInstance: token.id });
    if (token.wait === 'call') this.effects.push({ type: 'cancelChild', elementInstance: token.id });
    if (token.wait === 'incident' || token.wait === 'job' || token.wait === 'call') this.effects.push({ type: 'resolveIncidents', elementInstance: token.id });
    if (includeSelf || token.scope !== null) {
      this.emit('element.terminated', token);
      delete this.state.tokens[token.id];
    }
    if (token.scope !== null && this.token(token.scope)?.mi) {
      const mi = this.token(token.scope)!.mi!;
      mi.active = Math.max(0, mi.active - 1);
    }
  }

  protected clearJoins(scopeId: string): void {
    for (const key of Object.keys(this.state.joins)) if (key.startsWith(`${scopeId}|`)) delete this.state.joins[key];
  }

  /**
   * What ends a scope also ends the branches a split in this same step started there but that have not run yet
   * (their activations still queued): without this they would start after the scope was terminated, interrupted or
   * cancelled by a transaction's cancel end event.
   */
  protected dropQueuedActivations(scopeId: string): void {
    for (let i = this.queue.length - 1; i >= 0; i--) {
      const operation = this.queue[i]!;
      if (operation.op === 'activate' && operation.scope === scopeId) this.queue.splice(i, 1);
    }
  }

  // ---------------------------------------------------------------- joins

  protected joinReady(gateway: ElementModel, scopeId: string): boolean {
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

  protected consumeJoin(gateway: ElementModel, scopeId: string): void {
    const key = `${scopeId}|${gateway.id}`;
    const arrived = this.state.joins[key] ?? [];
    for (const flow of gateway.incoming) {
      const at = arrived.indexOf(flow);
      if (at >= 0) arrived.splice(at, 1);
    }
    if (arrived.length === 0) delete this.state.joins[key];
  }

  protected fireReadyInclusiveJoins(): boolean {
    for (const [key, flows] of Object.entries(this.state.joins)) {
      const [scopeId, gatewayId] = key.split('|') as [string, string];
      const gateway = this.model.elements[gatewayId];
      if (!gateway || gateway.type !== 'inclusiveGateway' || flows.length === 0) continue;
      if (this.joinReady(gateway, scopeId)) {
        this.consumeJoin(gateway, scopeId);
        const token = this.newToken(gateway.id, scopeId);
        this.emit('element.activated', token);
        if (!this.beginStartListeners(token, gateway)) this.queue.push({ op: 'complete', token: token.id });
        return true;
      }
    }
    return false;
  }
}

export function withPath(base: unknown, path: readonly string[], value: unknown): unknown {
  if (path.length === 0) return value;
  const object = base !== null && typeof base === 'object' && !Array.isArray(base) ? { ...(base as Record<string, unknown>) } : {};
  const [head, ...rest] = path;
  object[head!] = withPath(object[head!], rest, value);
  return object;
}
