/**
 * A decision compiled for repeated evaluation of its value (no explanation trace): decision tables through their
 * compiled form (compiled-table.ts), the plainest literal expressions through compiled-expression.ts and others
 * through the interpreter's compiled closure, required decisions and
 * input data read straight from the caller's JSON. Each node keeps its buffers, so an evaluation of a table on
 * plain values allocates nothing. Whatever this path does not cover, per evaluation (a value that needs
 * conversion, a warning the interpreter would give) or per model (contexts, BKMs, imports, a decision required
 * twice), is evaluated by the interpreter, so the value and warnings are always the interpreter's.
 */
import { toJsonValue } from './values.js';
import { FAST_TABLES } from './decision-table.js';
import { FALLBACK, plainType, plainValue } from './compiled-table.js';
import type { FastTable } from './compiled-table.js';
import { normaliseValue } from './feel.js';
import type { Scope, Warnings } from './feel.js';
import { findNode } from './model.js';
import type { CompiledModel, DecisionNode, EvalContext, InputNode } from './model.js';
import { coerce } from './types.js';
import { compileValuesExpression } from './compiled-expression.js';
import { childText } from './xml-tree.js';

/**
 * Evaluates the decision for one JSON context; appends warnings to `warnings` when given. `path` says whether the
 * decision was compiled ('compiled': evaluations on plain values skip the interpreter) or is interpreted throughout.
 */
export type CompiledDecision = ((context: Readonly<Record<string, unknown>>, warnings?: Warnings) => unknown) & { readonly path: 'compiled' | 'interpreter' };

type NodeFn = (context: Readonly<Record<string, unknown>>, warnings: Warnings) => unknown;

const NO_INPUTS: ReadonlyMap<string, Readonly<Record<string, unknown>>> = new Map();

function inputFn(node: InputNode): NodeFn | undefined {
  if (!plainType(node.type)) return undefined;
  const { name, type } = node;
  return (context) => {
    const raw = Object.hasOwn(context, name) ? context[name] : null;
    const v = raw === undefined ? null : raw;
    return plainValue(v, type) ? v : FALLBACK;
  };
}

/** The node's evaluator on this path, or undefined when the model needs the interpreter. */
function decisionFn(model: CompiledModel, node: DecisionNode, seen: Set<DecisionNode>): NodeFn | undefined {
  if (seen.has(node) || node.model !== model) return undefined;
  seen.add(node);
  const names: string[] = [];
  const parts: NodeFn[] = [];
  for (const req of node.requirements) {
    const target = req.target;
    if (!target || target.model !== model) return undefined;
    const part = target.kind === 'input' ? inputFn(target) : target.kind === 'decision' ? decisionFn(model, target, seen) : undefined;
    if (!part) return undefined;
    names.push(target.name);
    parts.push(part);
  }
  const n = parts.length;
  const values: unknown[] = new Array<unknown>(n).fill(null);
  let scope: Scope | undefined;
  const scopeOf = (): Scope => {
    if (!scope) {
      scope = {};
      for (let i = 0; i < n; i++) scope[names[i] as string] = values[i];
    }
    return scope;
  };
  const body = bodyFn(node, names, values, scopeOf);
  if (!body) return undefined;
  const { type, id } = node;
  return (context, warnings) => {
    for (let i = 0; i < n; i++) {
      const v = (parts[i] as NodeFn)(context, warnings);
      if (v === FALLBACK) return FALLBACK;
      values[i] = v;
    }
    scope = undefined;
    const raw = body(warnings);
    if (raw === FALLBACK) return FALLBACK;
    return coerce(normaliseValue(raw), type, warnings, id);
  };
}

function bodyFn(node: DecisionNode, names: readonly string[], values: unknown[], scopeOf: () => Scope): ((warnings: Warnings) => unknown) | undefined {
  const table: FastTable | undefined = node.expressionKind === 'decisionTable' ? FAST_TABLES.get(node.evaluator) : undefined;
  if (table) {
    const positions = table.inputNames.map((name) => names.indexOf(name));
    if (positions.some((p) => p < 0)) return undefined;
    const columns: unknown[] = new Array<unknown>(positions.length).fill(null);
    return (warnings) => {
      for (let i = 0; i < positions.length; i++) columns[i] = values[positions[i] as number];
      return table.run(columns, scopeOf, warnings);
    };
  }
  if (node.expressionKind !== 'literalExpression') return undefined;
  const literal = node.el.children.find((c) => c.name === 'literalExpression');
  const simple = literal && !literal.attrs.typeRef ? compileValuesExpression(childText(literal, 'text') ?? '', names) : undefined;
  if (simple) return () => simple(values);
  // A literal expression reads only the warnings of its evaluation context; one context object serves every call.
  let current: Warnings = [];
  const ec: EvalContext = {
    get warnings() {
      return current;
    },
    traces: [],
    decisionValues: new Map(),
    inputs: {},
    inputsByNamespace: NO_INPUTS,
    depth: 0,
  };
  const evaluator = node.evaluator;
  return (warnings) => {
    current = warnings;
    return evaluator(scopeOf(), ec);
  };
}

/**
 * Compiles `idOrName` of `model` for {@link CompiledDecision}s; `interpret` evaluates one context with the
 * interpreter (JSON value, warnings appended) and is used wherever this path does not apply.
 */
export function compileDecisionEvaluator(model: CompiledModel, idOrName: string, interpret: (context: Readonly<Record<string, unknown>>, warnings: Warnings) => unknown): CompiledDecision {
  const node = findNode(model, idOrName);
  const fast = node?.kind === 'decision' ? decisionFn(model, node, new Set()) : undefined;
  if (!fast) return Object.assign((context: Readonly<Record<string, unknown>>, warnings: Warnings = []) => interpret(context, warnings), { path: 'interpreter' as const });
  const evaluate = (context: Readonly<Record<string, unknown>>, warnings: Warnings = []): unknown => {
    const before = warnings.length;
    const value = fast(context, warnings);
    if (value !== FALLBACK) return toJsonValue(value);
    // The interpreter starts again from the inputs: drop what this attempt reported so nothing is reported twice.
    warnings.length = before;
    return interpret(context, warnings);
  };
  return Object.assign(evaluate, { path: 'compiled' as const });
}
