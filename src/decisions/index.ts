/**
 * Decisions: DMN 1.1–1.5 models with FEEL (through feelin), compiled once into closures and evaluated purely.
 * Other modules use only what this file exports.
 */
import { compileModel, evaluateInModel, findNode, reviveJsonInputs } from './model.js';
import { compileDecisionEvaluator } from './compiled-decision.js';
import type { CompiledDecision } from './compiled-decision.js';
import type { CompiledModel, DecisionTrace } from './model.js';
import { toJsonValue } from './values.js';
import { compileExpression, compileUnaryTests } from './feel.js';
import { withFeelClock } from './feel-builtins.js';

export type { DecisionTrace } from './model.js';
export type { CompiledDecision } from './compiled-decision.js';
export { toJsonValue } from './values.js';
export { runTck } from './tck-runner.js';
export type { TckCounts, TckSummary, TckOptions } from './tck-runner.js';

export interface DmnModel {
  readonly namespace: string;
  readonly name: string;
  /** `versionTag`: Camunda 7 `camunda:versionTag` or Zeebe `zeebe:versionTag`, when the decision has one. */
  readonly decisions: readonly { id: string; name: string; versionTag?: string }[];
  /** @internal compiled evaluators; do not rely on its shape. */
  readonly compiled: CompiledModel;
}

export interface DecisionResult {
  readonly decisionId: string;
  /** The decision's output as JSON (dates, times and durations as ISO strings). */
  readonly value: unknown;
  readonly warnings: readonly string[];
  /** One entry per decision evaluated in the requirements graph, in evaluation order. */
  readonly explanation: readonly DecisionTrace[];
}

export interface ParseOptions {
  /**
   * Load a model whose expressions have FEEL syntax errors or references that do not resolve, making those parts
   * evaluate to null with a warning instead of refusing the file. The TCK needs this; deployment keeps the
   * strict default.
   */
  readonly lenient?: boolean;
  /** Models this one imports (`<import namespace=…>`), matched by namespace. */
  readonly imports?: readonly DmnModel[];
}

/**
 * Reads and compiles a DMN model. Throws `GOVFLOW_ERR_DMN_PARSE` (not XML / not DMN), `GOVFLOW_ERR_DMN_INVALID`
 * (unknown references, unsupported elements, an unknown hit policy) or `GOVFLOW_ERR_FEEL_SYNTAX`, each naming the element and the problem.
 */
export function parseDmn(xml: string, source = 'model.dmn', options: ParseOptions = {}): DmnModel {
  const compiled = compileModel(xml, source, { ...(options.lenient === undefined ? {} : { lenient: options.lenient }), imports: (options.imports ?? []).map((m) => m.compiled) });
  return { namespace: compiled.namespace, name: compiled.name, decisions: compiled.decisions, compiled };
}

export interface EvaluateOptions {
  /**
   * The time FEEL's now() and today() return (UTC). A process engine passes its step's clock, so a decision
   * replayed on a later date gives the result it gave then; without it they read the machine's clock.
   */
  readonly now?: Date;
}

/** Evaluates a decision (or decision service) and the decisions it requires; never throws for runtime type errors. */
export function evaluateDecision(model: DmnModel, decisionIdOrName: string, context: Record<string, unknown>, options: EvaluateOptions = {}): DecisionResult {
  // Callers pass JSON: ISO strings become dates, times and durations where the input data is declared so.
  const inputs = reviveJsonInputs(model.compiled, context);
  const raw = options.now ? withFeelClock(options.now, () => evaluateDecisionRaw(model, decisionIdOrName, inputs)) : evaluateDecisionRaw(model, decisionIdOrName, inputs);
  return {
    ...raw,
    value: toJsonValue(raw.value),
    explanation: raw.explanation.map((t) => ({ ...t, value: toJsonValue(t.value), ...(t.outputs ? { outputs: t.outputs.map(toJsonValue) } : {}), ...(t.inputs ? { inputs: t.inputs.map((i) => ({ expression: i.expression, value: toJsonValue(i.value) })) } : {}) })),
  };
}

/**
 * Compiles a decision for evaluating many contexts: each call gives the value {@link evaluateDecision} gives (as
 * JSON, warnings appended to the array passed), without the explanation. Decision tables on plain numbers,
 * strings and booleans run as compiled JavaScript comparisons that allocate nothing; everything else, per cell,
 * per evaluation or per model, goes through the same interpreter as evaluateDecision. Throws
 * `GOVFLOW_ERR_DECISION_NOT_FOUND` at once for an unknown decision.
 */
export function compileDecision(model: DmnModel, decisionIdOrName: string): CompiledDecision {
  const node = findNode(model.compiled, decisionIdOrName);
  // evaluateInModel refuses what is not a decision or decision service, with the error evaluateDecision gives.
  if (!node || node.kind === 'input' || node.kind === 'bkm') evaluateInModel(model.compiled, decisionIdOrName, {});
  return compileDecisionEvaluator(model.compiled, decisionIdOrName, (context, warnings) => {
    const raw = evaluateDecisionRaw(model, decisionIdOrName, reviveJsonInputs(model.compiled, context));
    for (const w of raw.warnings) warnings.push(w);
    return toJsonValue(raw.value);
  });
}

/** As {@link evaluateDecision} but keeps FEEL values (FeelDate, FeelDuration, functions) in the result. */
export function evaluateDecisionRaw(
  model: DmnModel,
  decisionIdOrName: string,
  context: Record<string, unknown>,
  inputsByNamespace?: ReadonlyMap<string, Record<string, unknown>>,
): DecisionResult {
  const { node, value, ec } = evaluateInModel(model.compiled, decisionIdOrName, context, inputsByNamespace);
  return { decisionId: node.id, value, warnings: [...ec.warnings], explanation: [...ec.traces] };
}

/**
 * Evaluates one FEEL expression against a context (names → values). A syntax error throws
 * `GOVFLOW_ERR_FEEL_SYNTAX` naming the expression; a runtime type error gives null and a warning.
 */
export function evaluateFeel(expression: string, context: Record<string, unknown> = {}): { value: unknown; warnings: readonly string[] } {
  const compiled = compileExpression(expression, 'expression', undefined, Object.keys(context));
  const warnings: string[] = [];
  const value = compiled(context, warnings);
  return { value, warnings };
}

/** Evaluates FEEL unary tests (a decision-table input entry) against an input value. */
export function evaluateUnaryTests(tests: string, input: unknown, context: Record<string, unknown> = {}): { value: boolean; warnings: readonly string[] } {
  const compiled = compileUnaryTests(tests, 'unary tests', undefined, Object.keys(context));
  const warnings: string[] = [];
  return { value: compiled(input, context, warnings), warnings };
}
