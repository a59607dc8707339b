import { evaluateFeel } from '../model/feel.js';
import type { ElementModel, ProcessModel } from '../model/types.js';
import { StepCompensation } from './compensation.js';
import { IncidentSignal } from './step-flow.js';
import type { ConditionWatch, Token, Variables } from './types.js';

type Change = 'create' | 'update';
/** A variable changed in a step: where it lives (a scope's token, null for the process) and how it changed. */
interface VariableChange {
  readonly name: string;
  readonly change: Change;
  readonly scope: string | null;
}

/**
 * Conditional events. A conditional intermediate catch event, boundary event or event sub-process start listens
 * from when its scope is active (the catch event or the activity entered, the scope started): it is then recorded
 * in the instance state (`state.conditions`) and its condition is evaluated once the step has nothing else to do.
 * Afterwards it is evaluated again each time a variable changes in the step (a job or user task completed with
 * variables, a message correlated with variables, variables set through the API, an output mapping or script
 * result), unless its filter (variable names, create/update) leaves that change out. A catch event and an
 * interrupting event fire the first time it is true; a non-interrupting one each time it becomes true again after
 * having been false. A condition that cannot be evaluated raises an incident naming the event and the FEEL error:
 * on the catch event itself, or for a boundary or event sub-process start, on the activity or scope that owns it
 * (resolving it evaluates the condition again).
 */
export abstract class StepConditions extends StepCompensation {
  /** Variables changed in this step since the conditions were last evaluated, by scope and name. */
  private changes = new Map<string, VariableChange>();

  protected abstract triggerBoundary(owner: Token, boundary: ElementModel, variables: Variables): void;
  protected abstract triggerEventSubProcess(scope: Token, esp: ElementModel, start: ElementModel, variables: Variables): void;

  protected variableChanged(name: string, change: Change, scope: string | null): void {
    // The first change of a variable in a step says whether it was created.
    const key = `${scope ?? ''}|${name}`;
    if (!this.changes.has(key)) this.changes.set(key, { name, change, scope });
  }

  /** A conditional event starts listening (subscribeCatch): evaluated when the step is otherwise done. */
  protected watchCondition(owner: Token, target: ElementModel): void {
    const watches = (this.state.conditions ??= []);
    if (watches.some((w) => w.owner === owner.id && w.elementId === target.id)) return;
    watches.push({ owner: owner.id, elementId: target.id, fresh: true });
  }

  /** An interrupting event sub-process started: the scope's other event sub-process starts stop listening. */
  protected unwatchConditions(owner: string, elementIds: readonly string[]): void {
    this.keepWatches((w) => !(w.owner === owner && elementIds.includes(w.elementId)));
  }

  /**
   * Evaluates what listens and is due (fresh, or a variable it cares about changed); fires what holds. Called by
   * the step's loop when its queue is empty; true when something fired (the loop then runs again).
   */
  protected evaluateConditions(): boolean {
    const changes = this.changes;
    this.changes = new Map();
    if (!this.state.conditions) return false;
    // What listened in a token that ended (completed, cancelled, interrupted) listens no more; an incident its
    // condition raised is moot.
    for (const w of this.state.conditions) if (w.failed && !this.token(w.owner)) this.effects.push({ type: 'resolveIncidents', elementInstance: w.owner });
    this.keepWatches((w) => this.token(w.owner) !== undefined);
    let fired = false;
    for (const watch of [...(this.state.conditions ?? [])]) {
      if (!this.state.conditions?.includes(watch)) continue; // an earlier firing in this round ended its owner
      const owner = this.token(watch.owner);
      if (!owner || watch.failed || owner.listener?.event === 'end') continue;
      const element = this.element(watch.elementId);
      if (!watch.fresh && !concerns(element, [...changes.values()], this.visibleScopes(owner))) continue;
      delete watch.fresh;
      let holds: boolean;
      try {
        holds = this.feel(element, element.event!.condition!, owner.id, 'conditional event condition') === true;
      } catch (error) {
        if (!(error instanceof IncidentSignal)) throw error;
        this.conditionFailed(watch, owner, element, error);
        fired = true;
        continue;
      }
      const rising = holds && !watch.held;
      watch.held = holds;
      if (!rising) continue;
      this.fireCondition(watch, owner, element);
      fired = true;
    }
    if (this.state.conditions?.length === 0) delete this.state.conditions;
    return fired;
  }

  /**
   * Resolving an incident raised by a boundary or event sub-process condition: it is evaluated again. When the
   * owner has an incident of its own as well, that one is resolved as usual (which resolves all of the owner's).
   */
  protected resolveConditionIncident(ownerId: string, ownerHasIncident: boolean): boolean {
    const failed = (this.state.conditions ?? []).filter((w) => w.owner === ownerId && w.failed);
    if (failed.length === 0) return false;
    for (const watch of failed) {
      delete watch.failed;
      watch.fresh = true;
    }
    if (ownerHasIncident) return false;
    this.effects.push({ type: 'resolveIncidents', elementInstance: ownerId });
    this.emit('incident.resolved', this.token(ownerId));
    return true;
  }

  private fireCondition(watch: ConditionWatch, owner: Token, element: ElementModel): void {
    this.emit('condition.triggered', owner, { catchElementId: element.id });
    if (owner.wait === 'gateway') {
      // After an event-based gateway: the first event wins, the others are withdrawn.
      this.keepWatches((w) => w.owner !== owner.id);
      this.effects.push({ type: 'cancelWaits', elementInstance: owner.id });
      this.emit('element.completed', owner);
      delete this.state.tokens[owner.id];
      this.queue.push({ op: 'activate', elementId: element.id, scope: owner.scope!, triggered: {} });
      return;
    }
    if (element.id === owner.elementId) {
      this.keepWatches((w) => w !== watch);
      delete owner.wait;
      this.queue.push({ op: 'complete', token: owner.id });
      return;
    }
    if (element.cancelActivity !== false) this.keepWatches((w) => w !== watch);
    if (element.type === 'boundaryEvent') this.triggerBoundary(owner, element, {});
    else this.triggerEventSubProcess(owner, this.element(element.parent!), element, {});
  }

  private conditionFailed(watch: ConditionWatch, owner: Token, element: ElementModel, error: IncidentSignal): void {
    if (element.id === owner.elementId) {
      // The catch event itself: resolving the incident runs its behaviour again, which listens afresh.
      this.keepWatches((w) => w !== watch);
      this.raiseIncident(owner, error.kind, error.message, { phase: 'activate' });
      return;
    }
    // A boundary event or an event sub-process start: its activity or scope goes on; only the event stops listening.
    watch.failed = true;
    this.effects.push({ type: 'incident', elementId: element.id, elementInstance: owner.id, kind: error.kind, message: error.message });
    this.emit('incident.raised', owner, { kind: error.kind, message: error.message, catchElementId: element.id });
  }

  /** The token and the scopes around it: where a variable its condition can see lives (or the process). */
  private visibleScopes(owner: Token): Set<string | null> {
    const scopes = new Set<string | null>([null]);
    for (let t: Token | undefined = owner; t; t = t.scope ? this.token(t.scope) : undefined) scopes.add(t.id);
    return scopes;
  }

  private keepWatches(keep: (watch: ConditionWatch) => boolean): void {
    const watches = this.state.conditions;
    if (!watches) return;
    const kept = watches.filter(keep);
    if (kept.length === 0) delete this.state.conditions;
    else if (kept.length !== watches.length) this.state.conditions = kept;
  }
}

/** Whether one of the step's variable changes is visible to the event and passes its filter. */
function concerns(element: ElementModel, changes: readonly VariableChange[], visible: ReadonlySet<string | null>): boolean {
  const { variableNames, variableEvents } = element.event ?? {};
  for (const { name, change, scope } of changes) {
    if (!visible.has(scope)) continue;
    if (variableNames && !variableNames.includes(name)) continue;
    if (variableEvents && !variableEvents.includes(change)) continue;
    return true;
  }
  return false;
}

/**
 * The root-level conditional start events of a process whose condition holds for these variables (evaluated
 * outside any instance, when asked to: Camunda 8 evaluates them only through its API too). A FEEL failure throws.
 */
export function conditionalStartsHolding(model: ProcessModel, variables: Variables, now: Date): string[] {
  return model.triggeredStartEvents.filter((id) => {
    const start = model.elements[id];
    if (start?.event?.kind !== 'conditional') return false;
    return evaluateFeel(start.event.condition!, variables, { elementId: id, what: 'conditional start event condition', line: start.line }, now) === true;
  });
}
