import { evaluate, parseExpression, parseUnaryTests, unaryTest, FeelFunction } from 'feelin';
import { GovflowError } from '../kernel/index.js';
import { FeelDecimal, parseFeelNumber } from './decimal.js';
import { compileFastUnaryTests } from './fast-unary.js';
import { extraBuiltins, rangeTypeText } from './feel-builtins.js';
import { rewriteExpression, rewriteFunctions, withWarningSink } from './feel-rewrite.js';

/** Collects runtime warnings; a FEEL type error yields null plus a warning, never a throw. */
export type Warnings = string[];
export type Scope = Record<string, unknown>;
export type CompiledExpression = (scope: Scope, warnings: Warnings) => unknown;
export type CompiledUnaryTests = (input: unknown, scope: Scope, warnings: Warnings) => boolean;

export interface SyntaxProblem {
  readonly where: string;
  readonly expression: string;
  readonly message: string;
  readonly column?: number;
}

interface LezerTree {
  iterate(spec: { enter(node: { type: { isError: boolean }; from: number }): boolean | void }): void;
}

function findSyntaxError(tree: LezerTree): number | undefined {
  let at: number | undefined;
  tree.iterate({
    enter(node) {
      if (at !== undefined) return false;
      if (node.type.isError) at = node.from;
      return undefined;
    },
  });
  return at;
}

export function checkSyntax(text: string, where: string, unary: boolean, names: readonly string[] = [], globals: Scope = {}): SyntaxProblem | undefined {
  // FEEL names may contain spaces, dots and operators; the parser only reads them as names if it knows them.
  const known: Record<string, unknown> = { ...extraBuiltins, ...globals };
  for (const n of names) known[n] = null;
  try {
    const tree = (unary ? parseUnaryTests(text, known, undefined) : parseExpression(text, known, undefined)) as unknown as LezerTree;
    const at = findSyntaxError(tree);
    if (at === undefined) return undefined;
    return { where, expression: text, column: at + 1, message: `FEEL syntax error at column ${at + 1} in '${text}'` };
  } catch (error) {
    return { where, expression: text, message: error instanceof Error ? error.message : String(error) };
  }
}

export function syntaxError(problem: SyntaxProblem): GovflowError {
  return new GovflowError('GOVFLOW_ERR_FEEL_SYNTAX', `${problem.where}: FEEL syntax error in '${problem.expression}'`, [
    { where: problem.where, message: problem.message, ...(problem.column === undefined ? {} : { column: problem.column }), expression: problem.expression },
  ]);
}

const KEYWORDS = new Set(['true', 'false', 'null', 'not', 'for', 'if', 'some', 'every', 'function', 'and', 'or', 'in', 'return', 'then', 'else', 'satisfies', 'instance', 'of', 'between']);
const NUMBER = /^-?(?:\d+(?:\.\d+)?|\.\d+)$/;
const SIMPLE_NAME = /^[A-Za-z_?][A-Za-z0-9_?]*$/;
const STRING = /^"((?:[^"\\\n]|\\.)*)"$/;

function withBuiltins(scope: Scope, globals: Scope): Scope {
  // Extra built-ins and model globals (item definition type tests) sit below the caller's names, so that a model
  // may shadow them, as the spec allows.
  return { ...extraBuiltins, ...globals, ...scope };
}

function runFeel(text: string, scope: Scope, warnings: Warnings, globals: Scope = {}): unknown {
  try {
    const context = withBuiltins(Object.fromEntries(Object.entries(scope).map(([n, v]) => [n, normaliseValue(v)])), globals);
    const rewritten = rewriteExpression(text, context);
    const result = withWarningSink(warnings, () => (rewritten === undefined ? evaluate(text, context) : evaluate(rewritten, { ...context, ...rewriteFunctions })));
    for (const w of result.warnings) warnings.push(w.message);
    return normaliseValue(result.value);
  } catch (error) {
    warnings.push(`FEEL error in '${text}': ${error instanceof Error ? error.message : String(error)}`);
    return null;
  }
}

/** feelin may hand back `undefined` for a missing value; DMN has only null. */
export function normaliseValue(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}

/** Names feelin's parser cannot take as FEEL names: it finds them on Object.prototype (TCK 0076's `valueOf`). */
const PROTOTYPE_NAMES = new Set(Object.getOwnPropertyNames(Object.prototype));
const aliasOf = (name: string): string => `__js_${name}`;

/**
 * An expression that uses such a name is compiled with the name renamed (outside string literals) and evaluated
 * against a scope with the same renaming; undefined when the expression needs none.
 */
function compileWithAliases(text: string, where: string, problems: SyntaxProblem[] | undefined, names: readonly string[], globals: Scope): CompiledExpression | undefined {
  const clashing = names.filter((n) => PROTOTYPE_NAMES.has(n) && /^\w+$/.test(n) && new RegExp(`\\b${n}\\b`).test(text));
  if (clashing.length === 0) return undefined;
  const pattern = new RegExp(`"(?:[^"\\\\]|\\\\.)*"|\\b(${clashing.join('|')})\\b`, 'g');
  const renamed = text.replace(pattern, (all, name: string | undefined) => (name ? aliasOf(name) : all));
  const inner = compileExpression(renamed, where, problems, names.map((n) => (clashing.includes(n) ? aliasOf(n) : n)), globals);
  return (scope, warnings) => {
    const aliased: Scope = { ...scope };
    for (const n of clashing) if (Object.hasOwn(scope, n)) aliased[aliasOf(n)] = scope[n];
    return inner(aliased, warnings);
  };
}

/**
 * Compiles an expression once. Literals and plain names (most table inputs and outputs) become direct closures,
 * so evaluating them never reaches the FEEL parser; everything else is handed to feelin.
 */
export function compileExpression(source: string, where: string, problems?: SyntaxProblem[], names?: readonly string[], globals: Scope = {}): CompiledExpression {
  const text = rangeTypeText(source.trim());
  if (text === '') return () => null;
  if (NUMBER.test(text)) {
    const n = parseFeelNumber(text) ?? null;
    return () => n;
  }
  if (text === 'true') return () => true;
  if (text === 'false') return () => false;
  if (text === 'null') return () => null;
  const str = STRING.exec(text);
  if (str && !(str[1] ?? '').includes('\\')) {
    const s = str[1] ?? '';
    return () => s;
  }
  if (SIMPLE_NAME.test(text) && !KEYWORDS.has(text)) {
    return (scope, warnings) => {
      if (Object.prototype.hasOwnProperty.call(scope, text)) return normaliseValue(scope[text]);
      return runFeel(text, scope, warnings, globals);
    };
  }
  const aliased = names ? compileWithAliases(text, where, problems, names, globals) : undefined;
  if (aliased) return aliased;
  const problem = checkSyntax(text, where, false, names, globals);
  // Without the names in scope a parse failure may only mean an unknown name with a dot or operator in it; such
  // an expression is left to run time, where the names are known.
  if (problem && names) {
    if (!problems) throw syntaxError(problem);
    problems.push(problem);
    return (_scope, warnings) => {
      warnings.push(problem.message);
      return null;
    };
  }
  if (names) {
    const lambda = compileLambda(text, names, globals);
    if (lambda) return lambda;
  }
  return (scope, warnings) => runFeel(text, scope, warnings, globals);
}

const NAME_OK = /^[A-Za-z_\u00C0-\uFFFF][A-Za-z0-9_ \u00C0-\uFFFF]*$/;

/**
 * feelin parses and builds its evaluation tree on every `evaluate` call. A FEEL function value keeps that tree, so
 * an expression whose free names are known at load time is compiled once as `function(<names>) <expression>` and
 * then only invoked. Returns undefined (caller falls back to `evaluate`) if the names cannot be parameters.
 */
function compileLambda(text: string, names: readonly string[], globals: Scope): CompiledExpression | undefined {
  const params = [...new Set(names)];
  if (params.some((n) => !NAME_OK.test(n) || KEYWORDS.has(n) || n !== n.trim())) return undefined;
  let fn: unknown;
  let sink: { message: string }[];
  const definitions: Scope = { ...extraBuiltins, ...globals };
  const known: Scope = { ...definitions };
  for (const p of params) known[p] = null;
  const body = rewriteExpression(text, known) ?? text;
  if (body !== text) Object.assign(definitions, rewriteFunctions);
  try {
    const result = evaluate(`function(${params.join(', ')}) ${body}`, definitions);
    fn = result.value;
    sink = result.warnings;
  } catch {
    return undefined;
  }
  if (!(fn instanceof FeelFunction) || fn.parameterNames.length !== params.length) return undefined;
  const compiled = fn;
  const warningSink = sink;
  return (scope, warnings) => {
    // Own properties only: a name like `valueOf` must not find Object.prototype's method.
    const args = params.map((p) => (Object.hasOwn(scope, p) ? normaliseValue(scope[p]) : null));
    let value: unknown;
    try {
      value = withWarningSink(warnings, () => compiled.invoke(args));
    } catch (error) {
      warningSink.length = 0;
      warnings.push(`FEEL error in '${text}': ${error instanceof Error ? error.message : String(error)}`);
      return null;
    }
    if (warningSink.length > 0) {
      for (const w of warningSink) warnings.push(w.message);
      // The function keeps its definition-time warning list; emptying it keeps one evaluation's warnings apart from the next.
      warningSink.length = 0;
    }
    if (value !== null && typeof value === 'object' && value.constructor?.name === 'InvocationFailure') return null;
    return normaliseValue(value);
  };
}

export function compileUnaryTests(source: string, where: string, problems?: SyntaxProblem[], names?: readonly string[], globals: Scope = {}): CompiledUnaryTests {
  const text = source.trim();
  if (text === '' || text === '-') return () => true;
  const fast = compileFastUnaryTests(text);
  if (fast) return fast;
  const problem = checkSyntax(text, where, true, [...(names ?? []), '?'], globals);
  if (problem && names) {
    // An input entry may also be a plain expression (DMN 1.2+ allows `? > 5` style boolean expressions).
    const asExpression = checkSyntax(text, where, false, [...names, '?'], globals);
    if (asExpression) {
      if (!problems) throw syntaxError(problem);
      problems.push(problem);
      return (_i, _s, warnings) => {
        warnings.push(problem.message);
        return false;
      };
    }
  }
  // For a boolean input, an entry that is a plain expression (no `?`) is compared with the input rather than
  // taken as the test's outcome: `Complex.aBoolean` matches false when it is false (TCK 0036).
  const asValue = !text.includes('?') && !checkSyntax(text, where, false, names ?? [], globals) ? compileExpression(text, where, [], names, globals) : undefined;
  // An entry that is an expression gets the same layer as other expressions (for-loop bounds, arithmetic). With
  // the names known, the rewrite is done once here; otherwise on each call, with the names of that call.
  const known: Scope | undefined = names ? withBuiltins(Object.fromEntries([...names, '?'].map((n) => [n, null])), globals) : undefined;
  const precomputed = known ? rewriteExpression(text, known) : undefined;
  return (input, scope, warnings) => {
    if (asValue && typeof input === 'boolean') {
      const v = asValue(scope, warnings);
      if (typeof v === 'boolean') return v === input;
    }
    try {
      // feelin's own unary tests know only doubles: a long decimal input is tested as its nearest double there.
      const context = withBuiltins({ ...scope, '?': input instanceof FeelDecimal ? input.valueOf() : input }, globals);
      const rewritten = known ? precomputed : rewriteExpression(text, context);
      const result = withWarningSink(warnings, () => (rewritten === undefined ? unaryTest(text, context) : unaryTest(rewritten, { ...context, ...rewriteFunctions })));
      for (const w of result.warnings) warnings.push(w.message);
      return result.value === true;
    } catch (error) {
      warnings.push(`FEEL error in '${text}': ${error instanceof Error ? error.message : String(error)}`);
      return false;
    }
  };
}

/** Wraps a JS implementation as a FEEL function value with named parameters. */
export function feelFunction(params: readonly string[], impl: (...args: unknown[]) => unknown): unknown {
  return new FeelFunction(impl, [...params]);
}

export function isFeelFunction(value: unknown): value is { parameterNames: string[]; invoke(args: unknown): unknown } {
  return value instanceof FeelFunction;
}

/** Calls a FEEL function value with positional or named arguments; anything else gives null and a warning. */
export function invokeFunction(fn: unknown, args: readonly unknown[] | Record<string, unknown>, warnings: Warnings, where: string): unknown {
  if (fn instanceof FeelFunction) {
    const result: unknown = fn.invoke(Array.isArray(args) ? [...args] : args);
    if (result !== null && typeof result === 'object' && result.constructor.name === 'InvocationFailure') {
      warnings.push(`${where}: invocation failed`);
      return null;
    }
    return normaliseValue(result);
  }
  warnings.push(`${where}: not a function`);
  return null;
}
