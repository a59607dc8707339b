import { GovflowError } from '../../kernel/index.js';
import { evaluateValue } from '../model/feel.js';
import type { ElementModel, ListenerSpec } from '../model/types.js';
import { IncidentSignal, StepFlow } from './step-flow.js';
import type { Token, Variables } from './types.js';

type ListenerState = NonNullable<Token['listener']>;

/**
 * Zeebe execution listeners, as jobs on the element's own token. Start listeners run after the input mappings and
 * before the element subscribes to events or does its work; their variables become the element's locals (the
 * process's variables for the process). End listeners run after the output mappings, once the element's event
 * subscriptions are closed, and before the flow moves on; their variables go to the enclosing scope, as output
 * mappings do. The element waits for each listener in model order. A listener whose job type cannot be evaluated
 * raises an incident; resolving it runs every listener of that kind again from the first (as Zeebe does), while a
 * failed listener job is retried alone (its incident belongs to the job).
 */
export abstract class StepListeners extends StepFlow {
  /** What the element or process does once its start listeners have all completed. */
  protected abstract afterStartListeners(token: Token, element: ElementModel | undefined, state: ListenerState): void;

  private listenersOf(element: ElementModel | undefined, event: 'start' | 'end'): ListenerSpec[] {
    return ((element ? element.listeners : this.model.listeners) ?? []).filter((l) => l.eventType === event);
  }

  protected beginStartListeners(token: Token, element: ElementModel | undefined, triggered?: Variables, startEventId?: string): boolean {
    if (this.listenersOf(element, 'start').length === 0) return false;
    token.listener = { event: 'start', index: 0, ...(triggered ? { vars: triggered } : {}), ...(startEventId ? { startEventId } : {}) };
    this.runListener(token, element);
    return true;
  }

  protected beginEndListeners(token: Token, element: ElementModel | undefined, resultContext: Variables, takeFlows?: string[]): boolean {
    if (this.listenersOf(element, 'end').length === 0) return false;
    // The element has completed its work: boundary events and event sub-processes no longer apply to it.
    if (token.hasWaits) this.effects.push({ type: 'cancelWaits', elementInstance: token.id });
    // Only an inner multi-instance instance needs its result context afterwards (for the output element).
    token.listener = { event: 'end', index: 0, ...(token.index !== undefined ? { vars: resultContext } : {}), ...(takeFlows ? { takeFlows } : {}) };
    this.runListener(token, element);
    return true;
  }

  /** A listener job completed (or an inline handler returned): merge its variables, then the next listener or move on. */
  protected listenerCompleted(token: Token, variables: Variables): void {
    const state = token.listener!;
    const element = this.model.elements[token.elementId];
    delete token.wait;
    if (token.scope === null) this.variables = { ...this.variables, ...variables };
    else if (state.event === 'start') token.vars = { ...token.vars, ...variables };
    else for (const [name, value] of Object.entries(variables)) this.propagate(token.scope, name, value);
    state.index++;
    if (state.index < this.listenersOf(element, state.event).length) {
      this.runListener(token, element);
      return;
    }
    delete token.listener;
    if (state.event === 'start') {
      this.afterStartListeners(token, element, state);
    } else if (!element) {
      this.finishProcess(token);
    } else {
      this.queue.push({ op: 'complete', token: token.id, ...(state.vars ? { vars: state.vars } : {}), ...(state.takeFlows ? { takeFlows: state.takeFlows } : {}), listenersDone: true });
    }
  }

  /** After an incident on a listener is resolved: every listener of that kind runs again from the first. */
  protected restartListeners(token: Token): void {
    token.listener!.index = 0;
    delete token.wait;
    this.runListener(token, this.model.elements[token.elementId]);
  }

  protected refuseListenerError(token: Token): void {
    if (token.taskListener) {
      throw new GovflowError('GOVFLOW_ERR_VALIDATION', `element instance ${token.id} (${token.elementId}) waits for a user task listener job; a task listener cannot throw a BPMN error (as in Camunda 8), deny the transition or fail the job instead`);
    }
    if (token.listener) {
      throw new GovflowError('GOVFLOW_ERR_VALIDATION', `element instance ${token.id} (${token.elementId}) waits for an execution listener job; a listener cannot throw a BPMN error (as in Zeebe), fail the job instead`);
    }
  }

  /** Creates the job of the token's current listener, or runs it inline; a job type that does not evaluate is an incident. */
  private runListener(token: Token, element: ElementModel | undefined): void {
    const state = token.listener!;
    const spec = this.listenersOf(element, state.event)[state.index]!;
    let jobType: string;
    try {
      jobType = String(evaluateValue(spec.jobType, this.context(token.id), { elementId: token.elementId, what: `${state.event} listener job type`, line: element?.line }, this.input.now) ?? '');
      if (!jobType) throw new IncidentSignal('configuration', `${state.event} listener ${state.index + 1} of ${token.elementId} has an empty job type`);
    } catch (error) {
      const signal = error instanceof IncidentSignal ? error : new IncidentSignal('expression', error instanceof Error ? error.message : String(error));
      this.raiseIncident(token, signal.kind, signal.message, { phase: 'activate' });
      return;
    }
    const headers = { ...(element?.headers ?? {}), ...(spec.headers ?? {}) };
    const handler = this.hooks.inlineHandlers.get(jobType);
    if (handler) {
      let result: Variables | undefined;
      try {
        result = handler({ variables: this.context(token.id), headers, elementId: token.elementId });
      } catch (error) {
        this.raiseIncident(token, 'handler', `listener handler '${jobType}' failed: ${error instanceof Error ? error.message : String(error)}`, { phase: 'activate' });
        return;
      }
      this.emit('job.completed', token, { variables: result ?? {}, listener: state.event, jobType, inline: true });
      this.listenerCompleted(token, result ?? {});
      return;
    }
    token.wait = 'job';
    token.hasWaits = true;
    this.emit('job.created', token, { jobType, retries: spec.retries, listener: state.event, listenerIndex: state.index });
    this.effects.push({ type: 'createJob', elementId: token.elementId, elementInstance: token.id, jobType, retries: spec.retries, headers, listener: { event: state.event, index: state.index } });
  }
}
