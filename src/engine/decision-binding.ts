import { GovflowError } from '../kernel/index.js';
import type { Queryable } from '../store/index.js';
import { addBindings, bindingRequests, loadDecisionSources, resolveBindings, type BindingRequest } from './persistence/definition-store.js';
import type { DefinitionRow } from './persistence/instance-store.js';
import type { BoundDecision, DecisionBindings } from './runtime/types.js';
import type { DecisionEngine } from './views.js';

/**
 * Decisions bound per case. When an instance starts, each business-rule task's decision is resolved to one
 * deployed version (latest, deployment, version or versionTag, see DecisionBindingSpec) and recorded on the
 * instance; every later step runs that version, passed into the pure step with its DMN file already loaded. A
 * decision not deployed when the case started is bound, once, when it first is (a step after its deployment,
 * e.g. resolving the incident the unbound task raised).
 */
export class DecisionBinder {
  /** Deployed resources never change: a decision definition's DMN file is loaded once. */
  private readonly sources = new Map<number, { xml: string; name: string }>();
  private readonly requests = new WeakMap<DefinitionRow, BindingRequest[]>();

  constructor(private readonly decisions: DecisionEngine | undefined) {}

  /** The business-rule tasks of a definition (none for most processes, which then cost nothing here). */
  requestsOf(definition: DefinitionRow): BindingRequest[] {
    let requests = this.requests.get(definition);
    if (!requests) {
      requests = bindingRequests(definition.model);
      this.requests.set(definition, requests);
    }
    return requests;
  }

  /** The bindings a new instance of `definition` records. */
  async bindAtStart(db: Queryable, definition: DefinitionRow): Promise<DecisionBindings> {
    const requests = this.requestsOf(definition);
    return requests.length === 0 ? {} : resolveBindings(db, definition.id, requests);
  }

  /**
   * The instance's bindings, completed with decisions deployed since it started (recorded on the instance row,
   * which the caller has locked). Cheap when nothing is missing: no query.
   */
  async completeBindings(tx: Queryable, instanceId: number, definition: DefinitionRow, bindings: DecisionBindings): Promise<DecisionBindings> {
    const missing = this.requestsOf(definition).filter((r) => !bindings[r.elementId]);
    if (missing.length === 0) return bindings;
    const found = await resolveBindings(tx, definition.id, missing);
    if (Object.keys(found).length === 0) return bindings;
    await addBindings(tx, instanceId, found);
    return { ...bindings, ...found };
  }

  /** Whether every business-rule task of the definition is bound (the optimistic job path needs no write then). */
  isComplete(definition: DefinitionRow, bindings: DecisionBindings): boolean {
    return this.requestsOf(definition).every((r) => bindings[r.elementId] !== undefined);
  }

  /** The bound decisions with their evaluators, for StepInput.decisions; undefined when there are none. */
  async boundDecisions(db: Queryable, bindings: DecisionBindings): Promise<Record<string, BoundDecision> | undefined> {
    const entries = Object.entries(bindings);
    if (entries.length === 0) return undefined;
    const decisions = this.decisions;
    if (!decisions) return undefined;
    const missing = entries.map(([, b]) => b.decisionDefinitionId).filter((id) => !this.sources.has(id));
    if (missing.length > 0) for (const [id, source] of await loadDecisionSources(db, missing)) this.sources.set(id, source);
    const out: Record<string, BoundDecision> = {};
    for (const [elementId, binding] of entries) {
      const source = this.sources.get(binding.decisionDefinitionId);
      if (!source) continue;
      out[elementId] = { ...binding, evaluate: (context, now) => decisions.evaluate(source.xml, source.name, binding.decisionKey, context, now) };
    }
    return out;
  }

  /** The newest deployed version of a decision, evaluated now (the API's direct evaluation, not a case's). */
  async evaluateLatest(db: Queryable, key: string, context: Record<string, unknown>, now: Date): Promise<{ value: unknown; explanation: unknown; decisionKey: string; version: number }> {
    if (!this.decisions) throw new GovflowError('GOVFLOW_ERR_DECISION_NOT_FOUND', 'no decision service is configured');
    // A latest binding does not look at the process definition, so none is named (0).
    const resolved = await resolveBindings(db, 0, [{ elementId: key, decisionKey: key, binding: undefined }]);
    // Own keys only: a key such as 'constructor' must not find Object.prototype's.
    const binding = Object.hasOwn(resolved, key) ? resolved[key] : undefined;
    if (!binding) throw new GovflowError('GOVFLOW_ERR_DECISION_NOT_FOUND', `no decision '${key}' is deployed`);
    const bound = (await this.boundDecisions(db, { [key]: binding }))![key]!;
    const result = bound.evaluate(context, now);
    return { value: result.value, explanation: result.explanation, decisionKey: key, version: binding.version };
  }
}
