/**
 * Decision tables compiled to plain JavaScript closures at deploy time, for {@link compileDecision}'s value-only
 * path (no explanation). Cells that are simple (comparisons, ranges, lists of literals, strings, booleans, `-`)
 * are direct comparisons on plain values (fast-unary.ts; a long decimal input takes the exact decimal comparison);
 * any other cell keeps the interpreter's compiled test, called with the table's scope, which is built only when such
 * a cell is reached. The hit policy is chosen once. Anything the interpreter would warn about (UNIQUE with several
 * matches, ANY disagreeing, an input outside its allowed values or of the wrong type) is not handled here: the
 * evaluation returns FALLBACK and is run again by the interpreter, so results and warnings are the interpreter's.
 * An evaluation allocates nothing on this path: match positions go to a buffer kept with the table.
 */
import { compareNumbers, decimalArith, isFeelNumber } from './decimal.js';
import type { FeelNumber } from './decimal.js';
import { compileFastUnaryTests } from './fast-unary.js';
import { normaliseValue } from './feel.js';
import type { CompiledExpression, CompiledUnaryTests, Scope, Warnings } from './feel.js';
import { coerce } from './types.js';
import type { DmnType } from './types.js';

/** Returned when this evaluation must be done by the interpreter instead. */
export const FALLBACK: unique symbol = Symbol('fallback');

/** What decision-table.ts hands over: the parsed table, with each cell's text beside its interpreter closure. */
export interface TableSource {
  readonly id: string;
  readonly hit: string;
  readonly aggregation: string | undefined;
  readonly inputs: readonly { text: string; type: DmnType; allowedText: string | undefined }[];
  readonly outputs: readonly { type: DmnType; defaultText: string | undefined; defaultValue: CompiledExpression | undefined }[];
  readonly rules: readonly { id: string | undefined; tests: readonly { text: string; test: CompiledUnaryTests }[]; outputs: readonly { text: string; expr: CompiledExpression }[] }[];
}

export interface FastTable {
  /** Each input column's expression: a name the caller resolves (a required input or decision). */
  readonly inputNames: readonly string[];
  /**
   * The table's value (before the decision's own type check) from its column values, which the caller has already
   * normalised. `scope` builds the interpreter's scope for cells and outputs that need it.
   */
  run(columns: readonly unknown[], scope: () => Scope, warnings: Warnings): unknown;
}

type Cell = (value: unknown) => boolean;

/** A value the table can take without conversion: what `coerce` would return unchanged and without a warning. */
export function plainType(type: DmnType): boolean {
  if (type.kind === 'any' || type.kind === 'unknown') return true;
  return type.kind === 'builtin' && !type.base && !type.allowed && (type.builtin === 'number' || type.builtin === 'string' || type.builtin === 'boolean');
}

/** True when `value` conforms to a {@link plainType} as it is. */
export function plainValue(value: unknown, type: DmnType): boolean {
  if (value === null) return true;
  const t = typeof value;
  if (t === 'number') return Number.isFinite(value) && (type.kind !== 'builtin' || type.builtin === 'number');
  if (t === 'string') return type.kind !== 'builtin' || type.builtin === 'string';
  if (t === 'boolean') return type.kind !== 'builtin' || type.builtin === 'boolean';
  return false;
}

const LITERAL = /^(?:-?(?:\d+(?:\.\d*)?|\.\d+)|true|false|null|"[^"\\]*")$/;

/** An output the table can compute once: a literal, already converted to the output's type. */
function constantOutput(text: string, expr: CompiledExpression, type: DmnType): { value: unknown } | undefined {
  if (!LITERAL.test(text.trim())) return undefined;
  const warnings: Warnings = [];
  const value = coerce(normaliseValue(expr({}, warnings)), type, warnings, 'constant');
  return warnings.length === 0 ? { value } : undefined;
}

const HIT_POLICIES = new Set(['U', 'A', 'F', 'C']);

/** The compiled form of a single-output table with hit policy U, A, F or C with an aggregation; else undefined. */
export function compileFastTable(src: TableSource): FastTable | undefined {
  if (src.outputs.length !== 1 || !HIT_POLICIES.has(src.hit) || (src.hit === 'C' && !src.aggregation)) return undefined;
  const output = src.outputs[0] as TableSource['outputs'][number];
  if (!plainType(output.type)) return undefined;
  const inputNames = src.inputs.map((i) => i.text.trim());
  if (src.inputs.some((i) => !plainType(i.type))) return undefined;
  const allowed: (Cell | undefined)[] = [];
  for (const input of src.inputs) {
    const test = input.allowedText === undefined ? undefined : compileFastUnaryTests(input.allowedText.trim());
    if (input.allowedText !== undefined && !test) return undefined;
    allowed.push(test);
  }
  // The scope and warnings of the evaluation that is running, for the cells that need the interpreter.
  let scopeOf: () => Scope = () => ({});
  let sink: Warnings = [];
  const inputTypes = src.inputs.map((i) => i.type);
  const nRules = src.rules.length;
  const nInputs = src.inputs.length;
  // Per rule: the columns it tests (don't-cares left out) and their tests, flattened.
  const starts = new Int32Array(nRules + 1);
  const columnsOf: number[] = [];
  const cells: Cell[] = [];
  src.rules.forEach((rule, r) => {
    starts[r] = cells.length;
    for (let i = 0; i < nInputs; i++) {
      const entry = rule.tests[i];
      const text = entry?.text.trim() ?? '-';
      if (!entry || text === '-' || text === '') continue;
      const fast = compileFastUnaryTests(text);
      const interpreted = entry.test;
      columnsOf.push(i);
      cells.push(fast ?? ((v) => interpreted(v, scopeOf(), sink)));
    }
  });
  starts[nRules] = cells.length;
  const constants: unknown[] = [];
  const computed: (((warnings: Warnings) => unknown) | undefined)[] = [];
  src.rules.forEach((rule, r) => {
    const out = rule.outputs[0];
    const where = `${rule.id ?? src.id}/output`;
    const constant = out ? constantOutput(out.text, out.expr, output.type) : { value: null };
    constants.push(constant?.value);
    const expr = out?.expr;
    computed.push(constant || !expr ? undefined : (warnings) => coerce(normaliseValue(expr(scopeOf(), warnings)), output.type, warnings, where));
  });
  // COUNT compares outputs pairwise; computing an output twice would repeat its warnings.
  if (src.aggregation === '#' && computed.some((c) => c !== undefined)) return undefined;
  const defaultExpr = output.defaultValue;
  const hasDefault = defaultExpr !== undefined;
  const matched = new Int32Array(nRules);
  const first = src.hit === 'F';

  const outputOf = (r: number, warnings: Warnings): unknown => {
    const c = computed[r];
    return c ? c(warnings) : constants[r];
  };
  const pick = pickerFor(src.hit, src.aggregation, outputOf);
  return {
    inputNames,
    run(columns, scope, warnings) {
      for (let i = 0; i < nInputs; i++) {
        const v = columns[i];
        if (!plainValue(v, inputTypes[i] as DmnType)) return FALLBACK;
        const test = allowed[i];
        if (test && v !== null && !test(v)) return FALLBACK;
      }
      scopeOf = scope;
      sink = warnings;
      let m = 0;
      for (let r = 0; r < nRules; r++) {
        let ok = true;
        for (let k = starts[r] as number, end = starts[r + 1] as number; k < end; k++) {
          if (!(cells[k] as Cell)(columns[columnsOf[k] as number])) {
            ok = false;
            break;
          }
        }
        if (ok) {
          matched[m++] = r;
          if (first) break;
        }
      }
      if (m === 0) {
        if (hasDefault) return defaultExpr(scope(), warnings);
        return src.aggregation === '#' ? 0 : null;
      }
      return pick(matched, m, warnings);
    },
  };
}

type Picker = (matched: Int32Array, m: number, warnings: Warnings) => unknown;

/** The hit policy, chosen once per table. */
function pickerFor(hit: string, aggregation: string | undefined, outputOf: (r: number, warnings: Warnings) => unknown): Picker {
  switch (hit) {
    case 'F':
      return (matched, _m, warnings) => outputOf(matched[0] as number, warnings);
    case 'U':
      // Several matches: the interpreter warns which rules matched.
      return (matched, m, warnings) => (m > 1 ? FALLBACK : outputOf(matched[0] as number, warnings));
    case 'A':
      return (matched, m, warnings) => {
        const value = outputOf(matched[0] as number, warnings);
        for (let k = 1; k < m; k++) if (outputOf(matched[k] as number, warnings) !== value) return FALLBACK;
        return value;
      };
    default:
      return aggregator(aggregation ?? '+', outputOf);
  }
}

/** COLLECT with an aggregation, as decision-table.ts's `aggregate`; mixed or non-numeric outputs go back. */
function aggregator(op: string, outputOf: (r: number, warnings: Warnings) => unknown): Picker {
  if (op === '#') {
    return (matched, m, warnings) => {
      let distinct = 0;
      for (let k = 0; k < m; k++) {
        const v = outputOf(matched[k] as number, warnings);
        if (v !== null && typeof v === 'object') return FALLBACK;
        let seen = false;
        for (let j = 0; j < k && !seen; j++) seen = outputOf(matched[j] as number, warnings) === v;
        if (!seen) distinct++;
      }
      return distinct;
    };
  }
  return (matched, m, warnings) => {
    let acc: FeelNumber | null | undefined;
    for (let k = 0; k < m; k++) {
      const v = outputOf(matched[k] as number, warnings);
      if (v === null) continue;
      if (!isFeelNumber(v)) return FALLBACK;
      if (acc === undefined) acc = op === '+' ? decimalArith('+', 0, v) : v;
      else if (acc === null) continue;
      else if (op === '+') acc = decimalArith('+', acc, v);
      else if (op === '<' ? compareNumbers(v, acc) < 0 : compareNumbers(v, acc) > 0) acc = v;
    }
    return acc ?? null;
  };
}
