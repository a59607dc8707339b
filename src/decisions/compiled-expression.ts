/**
 * Literal expressions of the plainest kind (names of required decisions and inputs, number, string, boolean and
 * null literals, `+ - * /`, comparisons, parentheses, `if … then … else …`) compiled to closures for
 * compiled-decision.ts. Numbers are FEEL's exact decimals (decimalArith, compareNumbers), as the rewrite layer
 * computes them. Any value the interpreter might treat with a warning or a conversion (a null operand, values of
 * different types, a non-boolean condition, division by zero) makes the closure return FALLBACK, and the
 * evaluation is done by the interpreter; anything else in the text (functions, `**`, names with spaces,
 * keywords such as `and`) is not compiled at all.
 */
import { compareNumbers, decimalArith, isFeelNumber, parseFeelNumber } from './decimal.js';
import { FALLBACK } from './compiled-table.js';

/** Evaluates over the values of the decision's requirements, in the order of the names it was compiled with. */
export type ValuesExpression = (values: readonly unknown[]) => unknown;

const TOKEN = /\s*(?:(\d+(?:\.\d+)?|\.\d+)|("[^"\\]*")|([A-Za-z_][A-Za-z0-9_]*)|(<=|>=|!=|[-+*/=<>()]))/y;
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const CONSTANTS: Record<string, unknown> = { true: true, false: false, null: null };
const KEYWORDS = new Set(['if', 'then', 'else', 'and', 'or', 'not', 'in', 'between', 'instance', 'of', 'for', 'return', 'some', 'every', 'satisfies', 'function', 'true', 'false', 'null']);

function tokenize(text: string): string[] | undefined {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const m = TOKEN.exec(text);
    if (!m) return undefined;
    tokens.push(m[1] ?? m[2] ?? m[3] ?? m[4] ?? '');
  }
  return tokens;
}

function arithmetic(op: string, left: ValuesExpression, right: ValuesExpression): ValuesExpression {
  return (values) => {
    const a = left(values);
    const b = right(values);
    if (!isFeelNumber(a) || !isFeelNumber(b)) return FALLBACK;
    const r = decimalArith(op, a, b);
    return r === null ? FALLBACK : r;
  };
}

function order(op: string, c: number): boolean {
  return op === '<' ? c < 0 : op === '<=' ? c <= 0 : op === '>' ? c > 0 : op === '>=' ? c >= 0 : op === '=' ? c === 0 : c !== 0;
}

function comparison(op: string, left: ValuesExpression, right: ValuesExpression): ValuesExpression {
  const equality = op === '=' || op === '!=';
  return (values) => {
    const a = left(values);
    const b = right(values);
    if (a === FALLBACK || b === FALLBACK) return FALLBACK;
    if (a === null || b === null) return equality ? (a === b) === (op === '=') : FALLBACK;
    if (isFeelNumber(a) && isFeelNumber(b)) return order(op, compareNumbers(a, b));
    if (typeof a === 'string' && typeof b === 'string') return order(op, a < b ? -1 : a > b ? 1 : 0);
    if (typeof a === 'boolean' && typeof b === 'boolean' && equality) return (a === b) === (op === '=');
    return FALLBACK;
  };
}

/** The closure for `text`, or undefined when it is not in the small grammar above. */
export function compileValuesExpression(text: string, names: readonly string[]): ValuesExpression | undefined {
  // A requirement named `a-b` or `monthly fee` would be read differently by this tokenizer than by FEEL.
  if (names.some((n) => !IDENTIFIER.test(n) || KEYWORDS.has(n))) return undefined;
  const tokens = tokenize(text);
  if (!tokens || tokens.length === 0) return undefined;
  let at = 0;
  const peek = (): string | undefined => tokens[at];
  const take = (t: string): boolean => (tokens[at] === t ? (at++, true) : false);

  const primary = (): ValuesExpression | undefined => {
    const t = tokens[at++];
    if (t === undefined) return undefined;
    if (t === '(') {
      const inner = expression();
      return inner && take(')') ? inner : undefined;
    }
    if (t === '-' && /^[\d.]/.test(peek() ?? '')) {
      const n = parseFeelNumber(`-${tokens[at++] ?? ''}`);
      return n === undefined ? undefined : () => n;
    }
    if (/^[\d.]/.test(t)) {
      const n = parseFeelNumber(t);
      return n === undefined ? undefined : () => n;
    }
    if (t.startsWith('"')) {
      const s = t.slice(1, -1);
      return () => s;
    }
    if (Object.hasOwn(CONSTANTS, t)) {
      const c = CONSTANTS[t];
      return () => c;
    }
    const index = names.indexOf(t);
    if (index < 0) return undefined;
    return (values) => values[index];
  };
  const binary = (next: () => ValuesExpression | undefined, ops: readonly string[]): ValuesExpression | undefined => {
    let left = next();
    while (left && ops.includes(peek() ?? '')) {
      const op = tokens[at++] as string;
      const right = next();
      if (!right) return undefined;
      left = arithmetic(op, left, right);
    }
    return left;
  };
  const multiplicative = (): ValuesExpression | undefined => binary(primary, ['*', '/']);
  const additive = (): ValuesExpression | undefined => binary(multiplicative, ['+', '-']);
  const compared = (): ValuesExpression | undefined => {
    const left = additive();
    const op = peek();
    if (!left || !op || !['=', '!=', '<', '<=', '>', '>='].includes(op)) return left;
    at++;
    const right = additive();
    return right ? comparison(op, left, right) : undefined;
  };
  function expression(): ValuesExpression | undefined {
    if (!take('if')) return compared();
    const condition = expression();
    if (!condition || !take('then')) return undefined;
    const then = expression();
    if (!then || !take('else')) return undefined;
    const otherwise = expression();
    if (!otherwise) return undefined;
    return (values) => {
      const c = condition(values);
      if (c === true) return then(values);
      return c === false ? otherwise(values) : FALLBACK;
    };
  }
  const compiled = expression();
  return compiled && at === tokens.length ? compiled : undefined;
}
