import type { CompiledExpression, CompiledUnaryTests, Scope } from './feel.js';
import { compareNumbers, decimalArith, isFeelNumber } from './decimal.js';
import type { FeelNumber } from './decimal.js';
import { normaliseValue } from './feel.js';
import type { Compiler, EvalContext, Evaluator } from './model.js';
import { child, childrenNamed, childText } from './xml-tree.js';
import type { XmlElement } from './xml-tree.js';
import { coerce } from './types.js';
import { splitAtTopLevelCommas } from './fast-unary.js';
import { compileFastTable } from './compiled-table.js';
import type { FastTable } from './compiled-table.js';
import type { DmnType } from './types.js';

/** The part of a decision's explanation that a table adds: which rules matched and on what inputs. */
export interface TableTrace {
  readonly hitPolicy: string;
  readonly matchedRules: readonly { index: number; id: string | undefined }[];
  readonly inputs: readonly { expression: string; value: unknown }[];
  readonly outputs: readonly unknown[];
}

interface Input {
  readonly text: string;
  readonly allowedText: string | undefined;
  readonly expression: CompiledExpression;
  readonly allowed: CompiledUnaryTests | undefined;
  readonly type: DmnType;
}

interface Output {
  readonly name: string;
  readonly type: DmnType;
  /** Output values in priority order, for P and O hit policies. */
  readonly priorities: readonly CompiledUnaryTests[];
  readonly defaultValue: CompiledExpression | undefined;
  readonly defaultText: string | undefined;
}

interface Rule {
  readonly id: string | undefined;
  readonly index: number;
  readonly tests: readonly CompiledUnaryTests[];
  readonly outputs: readonly CompiledExpression[];
  /** The cells' texts, for the compiled form (compiled-table.ts). */
  readonly testTexts: readonly string[];
  readonly outputTexts: readonly string[];
}

const HIT_POLICIES: Record<string, string> = {
  UNIQUE: 'U',
  ANY: 'A',
  PRIORITY: 'P',
  FIRST: 'F',
  RULE_ORDER: 'R',
  OUTPUT_ORDER: 'O',
  COLLECT: 'C',
};
const AGGREGATIONS: Record<string, string> = { SUM: '+', COUNT: '#', MIN: '<', MAX: '>' };

function splitValues(text: string | undefined): string[] {
  return text === undefined ? [] : splitAtTopLevelCommas(text).parts.filter((s) => s !== '');
}

export function compileDecisionTable(el: XmlElement, id: string, c: Compiler, decisionName: string | undefined, names?: readonly string[]): Evaluator {
  // The schema spells them 'RULE ORDER' and 'OUTPUT ORDER'; some tools write underscores.
  const hitPolicyName = (el.attrs.hitPolicy ?? 'UNIQUE').trim().toUpperCase().replace(/\s+/g, '_');
  const hit = HIT_POLICIES[hitPolicyName] ?? unknownHitPolicy(c, id, decisionName, el.attrs.hitPolicy ?? '');
  const aggregation = el.attrs.aggregation ? AGGREGATIONS[el.attrs.aggregation] : undefined;
  const label = `${hit}${aggregation ?? ''}`;
  const inputs: Input[] = childrenNamed(el, 'input').map((input, i) => {
    const exprEl = child(input, 'inputExpression');
    const text = (exprEl ? childText(exprEl, 'text') : undefined) ?? '';
    const valuesText = childText(child(input, 'inputValues') ?? input, 'text');
    const allowedText = child(input, 'inputValues') ? valuesText : undefined;
    return {
      text,
      allowedText,
      expression: c.expr(text, `${id}/input[${i}]`, names),
      allowed: allowedText ? c.unary(allowedText, `${id}/input[${i}]/inputValues`) : undefined,
      type: c.resolveType(exprEl?.attrs.typeRef),
    };
  });
  const outputEls = childrenNamed(el, 'output');
  const outputs: Output[] = outputEls.map((output, i) => {
    const valuesEl = child(output, 'outputValues');
    const priorities = splitValues(valuesEl ? childText(valuesEl, 'text') : undefined).map((v, j) => c.unary(v, `${id}/output[${i}]/outputValues[${j}]`));
    const def = child(output, 'defaultOutputEntry');
    const defText = def ? childText(def, 'text') : undefined;
    return {
      name: output.attrs.name ?? (outputEls.length === 1 ? (decisionName ?? '') : `output${i}`),
      type: c.resolveType(output.attrs.typeRef),
      priorities,
      defaultValue: defText !== undefined ? c.expr(defText, `${id}/output[${i}]/default`, names) : undefined,
      defaultText: defText,
    };
  });
  const rules: Rule[] = childrenNamed(el, 'rule').map((rule, r) => ({
    id: rule.attrs.id,
    index: r + 1,
    testTexts: childrenNamed(rule, 'inputEntry').map((e) => childText(e, 'text') ?? '-'),
    outputTexts: childrenNamed(rule, 'outputEntry').map((e) => childText(e, 'text') ?? ''),
    tests: childrenNamed(rule, 'inputEntry').map((e, i) => c.unary(childText(e, 'text') ?? '-', `${rule.attrs.id ?? `${id}/rule[${r + 1}]`}/inputEntry[${i}]`, names)),
    outputs: childrenNamed(rule, 'outputEntry').map((e, i) => c.expr(childText(e, 'text') ?? '', `${rule.attrs.id ?? `${id}/rule[${r + 1}]`}/outputEntry[${i}]`, names)),
  }));
  const single = outputs.length === 1;
  const nInputs = inputs.length;

  const ruleOutput = (rule: Rule, scope: Scope, ec: EvalContext): unknown => {
    if (single) {
      const o = rule.outputs[0];
      const out = outputs[0] as Output;
      return o ? coerce(normaliseValue(o(scope, ec.warnings)), out.type, ec.warnings, `${rule.id ?? id}/output`) : null;
    }
    const result: Record<string, unknown> = {};
    outputs.forEach((out, i) => {
      const o = rule.outputs[i];
      result[out.name] = o ? coerce(normaliseValue(o(scope, ec.warnings)), out.type, ec.warnings, `${rule.id ?? id}/${out.name}`) : null;
    });
    return result;
  };

  const defaultOutput = (scope: Scope, ec: EvalContext): unknown => {
    if (!outputs.some((o) => o.defaultValue)) return null;
    if (single) return outputs[0]?.defaultValue?.(scope, ec.warnings) ?? null;
    const result: Record<string, unknown> = {};
    for (const out of outputs) result[out.name] = out.defaultValue ? out.defaultValue(scope, ec.warnings) : null;
    return result;
  };

  /** Priority rank of a rule's output: position of the first output value its entry matches, per output column. */
  const rank = (value: unknown, scope: Scope, ec: EvalContext): number[] =>
    outputs.map((out) => {
      const v = single ? value : (value as Record<string, unknown>)[out.name];
      const idx = out.priorities.findIndex((p) => p(v, scope, ec.warnings));
      return idx < 0 ? out.priorities.length : idx;
    });
  const evaluator: Evaluator = (scope, ec) => {
    const inputValues: unknown[] = new Array<unknown>(nInputs);
    for (let i = 0; i < nInputs; i++) {
      const input = inputs[i] as Input;
      let v = normaliseValue(input.expression(scope, ec.warnings));
      v = coerce(v, input.type, ec.warnings, `${id}/input[${i}]`);
      if (input.allowed && v !== null && !input.allowed(v, scope, ec.warnings)) {
        ec.warnings.push(`${id}: input '${input.text}' value is not among the allowed input values`);
        ec.tableTrace = { hitPolicy: label, matchedRules: [], inputs: inputs.map((inp, j) => ({ expression: inp.text, value: inputValues[j] ?? null })), outputs: [] };
        return null;
      }
      inputValues[i] = v;
    }
    // Input entries may refer to `?` and to the input's own expression; feelin-evaluated tests see the scope.
    const matched: Rule[] = [];
    for (const rule of rules) {
      let ok = true;
      for (let i = 0; i < nInputs; i++) {
        const test = rule.tests[i];
        if (test && !test(inputValues[i], scope, ec.warnings)) {
          ok = false;
          break;
        }
      }
      if (ok) {
        matched.push(rule);
        if (hit === 'F') break;
      }
    }
    let result: unknown;
    let reported: Rule[] = matched;
    let outs: unknown[] = [];
    if (matched.length === 0) {
      const multi = hit === 'C' || hit === 'R' || hit === 'O';
      if (outputs.some((o) => o.defaultValue)) result = defaultOutput(scope, ec);
      else if (aggregation === '#') result = 0;
      else result = multi && !aggregation ? [] : null;
    } else {
      outs = matched.map((rule) => ruleOutput(rule, scope, ec));
      ({ result, reported } = applyHitPolicy(hit, aggregation, matched, outs, (o) => rank(o, scope, ec), ec, id));
    }
    ec.tableTrace = {
      hitPolicy: label,
      matchedRules: reported.map((r) => ({ index: r.index, id: r.id })),
      inputs: inputs.map((inp, j) => ({ expression: inp.text, value: inputValues[j] ?? null })),
      outputs: outs,
    };
    return result;
  };
  const fast = compileFastTable({
    id,
    hit,
    aggregation,
    inputs,
    outputs,
    rules: rules.map((r) => ({ id: r.id, tests: r.tests.map((test, i) => ({ test, text: r.testTexts[i] ?? '-' })), outputs: r.outputs.map((expr, i) => ({ expr, text: r.outputTexts[i] ?? '' })) })),
  });
  if (fast) FAST_TABLES.set(evaluator, fast);
  return evaluator;
}

/** The compiled form of a table's evaluator, where the table has one (compiled-decision.ts). */
export const FAST_TABLES = new WeakMap<Evaluator, FastTable>();

function compareRanks(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The table's result from the outputs of the matched rules (at least one), and the rules the trace reports. */
function applyHitPolicy(hit: string, aggregation: string | undefined, matched: Rule[], outs: unknown[], rank: (output: unknown) => number[], ec: EvalContext, id: string): { result: unknown; reported: Rule[] } {
  switch (hit) {
    case 'U':
      if (matched.length > 1) {
        ec.warnings.push(`${id}: hit policy UNIQUE but rules ${matched.map((r) => r.index).join(', ')} matched`);
        return { result: null, reported: matched };
      }
      return { result: outs[0], reported: matched };
    case 'A': {
      const first = JSON.stringify(outs[0]);
      if (outs.some((o) => JSON.stringify(o) !== first)) {
        ec.warnings.push(`${id}: hit policy ANY but matching rules ${matched.map((r) => r.index).join(', ')} disagree`);
        return { result: null, reported: matched };
      }
      return { result: outs[0], reported: matched };
    }
    case 'F':
      return { result: outs[0], reported: matched.slice(0, 1) };
    case 'P': {
      let best = 0;
      let bestRank = rank(outs[0]);
      for (let i = 1; i < outs.length; i++) {
        const r = rank(outs[i]);
        if (compareRanks(r, bestRank) < 0) {
          best = i;
          bestRank = r;
        }
      }
      return { result: outs[best], reported: [matched[best] as Rule] };
    }
    case 'R':
      return { result: outs, reported: matched };
    case 'O': {
      const ranked = outs.map((o, i) => ({ o, i, r: rank(o) }));
      ranked.sort((a, b) => compareRanks(a.r, b.r) || a.i - b.i);
      return { result: ranked.map((x) => x.o), reported: matched };
    }
    case 'C':
      return { result: aggregation ? aggregate(aggregation, outs, ec, id) : outs, reported: matched };
    default:
      return { result: outs[0], reported: matched };
  }
}

function aggregate(op: string, values: unknown[], ec: EvalContext, id: string): unknown {
  if (op === '#') return new Set(values.map((v) => JSON.stringify(v))).size;
  const present = values.filter((v) => v !== null);
  if (present.length === 0) return null;
  if (op === '+') {
    if (!present.every(isFeelNumber)) {
      ec.warnings.push(`${id}: C+ needs numeric outputs`);
      return null;
    }
    return present.reduce((a: FeelNumber | null, b) => (a === null ? null : decimalArith('+', a, b)), 0);
  }
  if (present.every(isFeelNumber)) return present.reduce((a, b) => ((op === '<' ? compareNumbers(b, a) < 0 : compareNumbers(b, a) > 0) ? b : a));
  const sameKind = present.every((v) => typeof v === typeof present[0]) && typeof present[0] === 'string';
  if (!sameKind) {
    ec.warnings.push(`${id}: C${op} needs comparable outputs`);
    return null;
  }
  const sorted = [...(present as (number | string)[])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return op === '<' ? sorted[0] : sorted[sorted.length - 1];
}

/**
 * DMN's schema admits only the seven hit policies, so a misspelt one (`UNIQE`) is refused, naming the decision and the
 * value: read as UNIQUE it would run a table its author meant otherwise. A lenient parse (problems reported, not
 * thrown) goes on with UNIQUE.
 */
function unknownHitPolicy(c: Compiler, id: string, decisionName: string | undefined, written: string): string {
  c.invalid.push({ where: id, message: `decision '${decisionName ?? id}' has an unknown hit policy '${written}' (DMN allows UNIQUE, ANY, PRIORITY, FIRST, RULE ORDER, OUTPUT ORDER, COLLECT)` });
  return 'U';
}
