/**
 * Closures for the unary tests that make up most decision tables (literals, comparisons, intervals, lists of
 * them, `not(...)`). They are compiled once, so evaluating a table row costs a few comparisons instead of a FEEL
 * parse. Anything outside this small grammar returns undefined and goes to feelin; semantics match FEEL: values
 * of different types are not comparable, so the test does not match.
 */
import { compareNumbers, FeelDecimal, literalIsExactDouble } from './decimal.js';

type Test = (input: unknown) => boolean;
type Literal = number | string | boolean | null;

/**
 * Splits FEEL text at commas outside strings, parentheses and brackets (unary-test lists, output values).
 * `unterminated` says a string literal was left open.
 */
export function splitAtTopLevelCommas(text: string): { parts: string[]; unterminated: boolean } {
  const parts: string[] = [];
  let depth = 0;
  let inString = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '(' || c === '[') depth++;
    else if (c === ')' || c === ']') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return { parts, unterminated: inString };
}

function splitTopLevel(text: string): string[] | undefined {
  const { parts, unterminated } = splitAtTopLevelCommas(text);
  return unterminated ? undefined : parts;
}

const NUMBER = /^-?(?:\d+(?:\.\d+)?|\.\d+)$/;
const STRING = /^"([^"\\]*)"$/;

function literal(text: string): { value: Literal } | undefined {
  const t = text.trim();
  // A literal with more digits than a double holds goes to the full FEEL path, which reads it as a decimal.
  if (NUMBER.test(t)) return literalIsExactDouble(t) ? { value: Number(t) } : undefined;
  const s = STRING.exec(t);
  if (s) return { value: s[1] ?? '' };
  if (t === 'true') return { value: true };
  if (t === 'false') return { value: false };
  if (t === 'null') return { value: null };
  return undefined;
}

function comparable(a: unknown, b: Literal): boolean {
  return (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
}

/**
 * A long decimal input (a FeelDecimal, e.g. a rent share of 1/3) is compared exactly with a number literal. It is
 * never equal to one: a decimal that a double holds exactly is always a plain number.
 */
function decimalOrder(input: unknown, v: Literal, test: (c: number) => boolean): boolean {
  return input instanceof FeelDecimal && typeof v === 'number' && test(compareNumbers(input, v));
}

function compileOne(text: string): Test | undefined {
  const t = text.trim();
  // A whole `-` is caught by the callers. Inside a list or not(...) it is no FEEL (`-` is only ever a whole entry),
  // so it takes no fast test: the interpreter refuses it, as it does when another part of the list is not a literal.
  const notMatch = /^not\s*\((.*)\)$/s.exec(t);
  if (notMatch) {
    const inner = compileFastUnaryTests(notMatch[1] ?? '');
    if (!inner) return undefined;
    return (input) => !inner(input, {}, []);
  }
  const cmp = /^(<=|>=|!=|<|>|=)\s*(.+)$/s.exec(t);
  if (cmp) {
    const lit = literal(cmp[2] ?? '');
    if (!lit) return undefined;
    const v = lit.value;
    switch (cmp[1]) {
      case '=':
        return (input) => input === v;
      case '!=':
        // FEEL's `!=` is the negation of `=`: null equals only null (`null != 5` is true), values of the same type
        // compare by value (`false != true`), a long decimal is never a plain number, other types give null.
        return (input) => (input === null || v === null ? input !== v : (typeof input === typeof v || (input instanceof FeelDecimal && typeof v === 'number')) && input !== v);
      case '<':
        return v === null || typeof v === 'boolean' ? undefined : (input) => (comparable(input, v) ? (input as number) < (v as number) : decimalOrder(input, v, (c) => c < 0));
      case '<=':
        return v === null || typeof v === 'boolean' ? undefined : (input) => (comparable(input, v) ? (input as number) <= (v as number) : decimalOrder(input, v, (c) => c <= 0));
      case '>':
        return v === null || typeof v === 'boolean' ? undefined : (input) => (comparable(input, v) ? (input as number) > (v as number) : decimalOrder(input, v, (c) => c > 0));
      case '>=':
        return v === null || typeof v === 'boolean' ? undefined : (input) => (comparable(input, v) ? (input as number) >= (v as number) : decimalOrder(input, v, (c) => c >= 0));
      default:
        return undefined;
    }
  }
  const range = /^([[(\]])\s*(.+?)\s*\.\.\s*(.+?)\s*([\])[])$/s.exec(t);
  if (range) {
    const lo = literal(range[2] ?? '');
    const hi = literal(range[3] ?? '');
    if (!lo || !hi) return undefined;
    const a = lo.value;
    const b = hi.value;
    if (typeof a !== typeof b || (typeof a !== 'number' && typeof a !== 'string')) return undefined;
    const openLo = range[1] !== '[';
    const openHi = range[4] !== ']';
    return (input) => {
      if (!comparable(input, a)) {
        return input instanceof FeelDecimal && decimalOrder(input, a, (c) => (openLo ? c > 0 : c >= 0)) && decimalOrder(input, b, (c) => (openHi ? c < 0 : c <= 0));
      }
      const x = input as number;
      const okLo = openLo ? x > (a as number) : x >= (a as number);
      const okHi = openHi ? x < (b as number) : x <= (b as number);
      return okLo && okHi;
    };
  }
  const lit = literal(t);
  if (lit) {
    const v = lit.value;
    return (input) => input === v;
  }
  return undefined;
}

export function compileFastUnaryTests(text: string): ((input: unknown, scope?: unknown, warnings?: unknown) => boolean) | undefined {
  const parts = splitTopLevel(text);
  if (!parts || parts.some((p) => p === '')) return undefined;
  const tests: Test[] = [];
  for (const p of parts) {
    const test = compileOne(p);
    if (!test) return undefined;
    tests.push(test);
  }
  if (tests.length === 1) return tests[0] as Test;
  return (input) => {
    for (const test of tests) if (test(input)) return true;
    return false;
  };
}
