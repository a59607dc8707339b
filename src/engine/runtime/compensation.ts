import type { ElementModel } from '../model/types.js';
import { StepListeners } from './step-listeners.js';
import type { Compensable, Token } from './types.js';

/**
 * Compensation and transactions. An activity with a compensation boundary event is recorded in the instance state
 * when it completes (`state.compensable`, in order of completion; each inner instance of a multi-instance activity
 * on its own), so the record survives a restart like the rest of the state. A compensation throw or end event takes
 * the records of its scope (and of the embedded sub-processes that completed inside it) out of the state and runs
 * their handlers one at a time, in reverse order of completion, as children of the throw event's token, which waits
 * until the last has completed (Camunda 8 waits too; it starts the handlers together, govflow in the BPMN order).
 * A record is removed in the same step that starts its handler, and a handler that is a service task is a job like
 * any other, committed with the step: each handler runs exactly once. Activities of a scope that is cancelled are
 * never compensated (as in Camunda 8, terminated activities are not).
 *
 * A cancel end event inside a transaction sub-process ends everything else in the transaction, compensates the
 * transaction's completed activities the same way, then leaves the transaction through its cancel boundary event.
 */
export abstract class StepCompensation extends StepListeners {
  /**
   * A token completed (step-flow.ts calls this for every completion, inner instances and multi-instance bodies
   * included). A scope's records move out to its enclosing scope; an activity with a handler is recorded.
   */
  protected compensableCompleted(token: Token, element: ElementModel): void {
    const records = this.state.compensable;
    if (records && token.scope !== null) {
      for (const record of records) {
        if (record.scope !== token.id) continue;
        record.scope = token.scope;
        record.within = [...(record.within ?? []), element.id];
        // Inside an instance of a multi-instance sub-process, a handler sees that instance's locals (its item).
        if (token.index !== undefined && token.vars && !record.vars) record.vars = structuredClone(token.vars);
      }
    }
    // A multi-instance body is not compensated as a whole: each of its completed inner instances is.
    if (!element.compensationHandler || token.mi || token.scope === null) return;
    const locals = token.index !== undefined && token.vars ? { vars: structuredClone(token.vars) } : {};
    (this.state.compensable ??= []).push({ elementId: element.id, scope: token.scope, ...locals });
  }

  /** A scope is cancelled: what completed inside it is never compensated. */
  protected compensableCancelled(scopeId: string): void {
    const records = this.state.compensable;
    if (!records) return;
    const kept = records.filter((r) => r.scope !== scopeId);
    if (kept.length === 0) delete this.state.compensable;
    else if (kept.length !== records.length) this.state.compensable = kept;
  }

  /** A compensation intermediate throw or end event: compensate (one activity, or all of its scope), then complete. */
  protected throwCompensation(token: Token, element: ElementModel): void {
    const scope = this.token(token.scope!)!;
    // In an event sub-process, compensation reaches the activities of the scope the event sub-process belongs to.
    const scopes = scope.esp && scope.scope !== null ? [scope.id, scope.scope] : [scope.id];
    const ref = element.event?.activityRef;
    this.emit('compensation.thrown', token, { activityRef: ref ?? null });
    this.beginCompensation(token, this.takeCompensable((r) => scopes.includes(r.scope) && (!ref || r.elementId === ref || (r.within ?? []).includes(ref))), false);
  }

  /** A cancel end event: the rest of the transaction ends, its completed activities are compensated, then it is left. */
  protected cancelTransaction(token: Token): void {
    const transaction = this.token(token.scope!)!;
    for (const other of Object.values(this.state.tokens).filter((t) => t.scope === transaction.id && t.id !== token.id)) this.cancelToken(other, false);
    this.dropQueuedActivations(transaction.id);
    this.clearJoins(transaction.id);
    this.emit('transaction.cancelled', token, { transaction: transaction.elementId });
    this.beginCompensation(token, this.takeCompensable((r) => r.scope === transaction.id), true);
  }

  /** A handler completed (its throw event's scope is empty again): the next one, or the throw event moves on. */
  protected nextCompensation(thrower: Token): void {
    const compensation = thrower.compensation!;
    const record = compensation.pending.shift();
    if (!record) {
      delete thrower.compensation;
      delete thrower.wait;
      delete thrower.vars;
      if (compensation.cancel) this.leaveTransaction(thrower);
      else this.queue.push({ op: 'complete', token: thrower.id });
      return;
    }
    // The handler sees an inner multi-instance instance's locals (its item) through the throw event's token.
    if (record.vars) thrower.vars = structuredClone(record.vars);
    else delete thrower.vars;
    const handler = this.element(record.elementId).compensationHandler!;
    this.emit('compensation.started', thrower, { activityId: record.elementId, handlerId: handler });
    this.queue.push({ op: 'activate', elementId: handler, scope: thrower.id });
  }

  private takeCompensable(matches: (record: Compensable) => boolean): Compensable[] {
    const records = this.state.compensable ?? [];
    const taken = records.filter(matches);
    const kept = records.filter((r) => !matches(r));
    if (kept.length === 0) delete this.state.compensable;
    else this.state.compensable = kept;
    return taken.reverse();
  }

  private beginCompensation(thrower: Token, pending: Compensable[], cancel: boolean): void {
    thrower.wait = 'compensation';
    thrower.compensation = { pending, ...(cancel ? { cancel } : {}) };
    this.nextCompensation(thrower);
  }

  private leaveTransaction(cancelEnd: Token): void {
    const transaction = this.token(cancelEnd.scope!)!;
    const element = this.element(transaction.elementId);
    const boundary = (element.boundaryEvents ?? []).map((id) => this.element(id)).find((b) => b.event?.kind === 'cancel')!;
    this.emit('element.completed', cancelEnd);
    delete this.state.tokens[cancelEnd.id];
    this.cancelToken(transaction, false);
    this.queue.push({ op: 'activate', elementId: boundary.id, scope: transaction.scope!, triggered: {} });
  }
}
