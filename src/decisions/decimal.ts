/**
 * FEEL numbers are decimals (DMN 1.5 §10.3.2.3: IEEE 754 decimal128, 34 significant digits), not binary doubles.
 *
 * Representation, chosen for speed with exactness: a FEEL number is either a JavaScript number, which stands for
 * the decimal it prints as (its shortest round-trip text, so `0.1` means exactly one tenth), or a {@link FeelDecimal}
 * when the exact value has more digits than a double carries. Every arithmetic operation and numeric built-in is
 * computed with decimal.js at 34 digits, half-even, on those decimals; the result goes back to a plain number
 * whenever the number prints as exactly that decimal. So money (fees, amounts, schedules: well under 15 digits)
 * stays a plain number that feelin, JSON and the decision-table fast path handle as before, and is still exact:
 * `0.1 + 0.2` is `0.3`. Integer arithmetic within 2^53 skips decimal.js altogether.
 */
import { Decimal } from 'decimal.js';

/** decimal128: 34 digits, exponents as in IEEE 754 (plain notation always, as FEEL's `string()` writes numbers). */
export const Dec = Decimal.clone({ precision: 34, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -9e15, toExpPos: 9e15, minE: -6176, maxE: 6144 });
export type Dec = Decimal;

/** A FEEL number with more significant digits than a double holds exactly. Immutable. */
export class FeelDecimal {
  constructor(readonly value: Decimal) {}
  toString(): string {
    return this.value.toString();
  }
  toJSON(): string {
    return this.value.toString();
  }
  /** JavaScript coercion (`Number(x)`, `x < 1` in foreign code) gets the nearest double. */
  valueOf(): number {
    return this.value.toNumber();
  }
}

export type FeelNumber = number | FeelDecimal;

export function isFeelNumber(v: unknown): v is FeelNumber {
  return typeof v === 'number' || v instanceof FeelDecimal;
}

export function toDec(v: FeelNumber): Decimal {
  return v instanceof FeelDecimal ? v.value : new Dec(v);
}

/**
 * The FEEL number for a decimal: a plain number when that number prints as exactly this decimal, else a
 * FeelDecimal. Infinities and NaN (overflow beyond decimal128) have no FEEL value: null.
 */
export function fromDec(d: Decimal): FeelNumber | null {
  if (!d.isFinite()) return null;
  if (d.isZero()) return 0;
  const n = d.toNumber();
  if (!Number.isFinite(n)) return new FeelDecimal(d);
  if (Number.isSafeInteger(n)) return d.isInteger() ? n : new FeelDecimal(d);
  // A double's shortest text has at most 17 significant digits; a decimal with more is never a plain number.
  if (d.sd() > 17) return new FeelDecimal(d);
  return new Dec(n).eq(d) ? n : new FeelDecimal(d);
}

const DECIMAL_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A FEEL number from decimal text (a literal, XML or JSON input); undefined if the text is not a number. */
export function parseFeelNumber(text: string): FeelNumber | null | undefined {
  const t = text.trim();
  if (!DECIMAL_TEXT.test(t)) return undefined;
  return fromDec(new Dec(t));
}

/** True when the number literal means what `Number(text)` gives (the double prints as the same decimal). */
export function literalIsExactDouble(text: string): boolean {
  const n = Number(text);
  return Number.isFinite(n) && new Dec(n).eq(new Dec(text));
}

const SAFE = Number.MAX_SAFE_INTEGER;

/** `a op b` on FEEL numbers; null for division by zero or overflow (FEEL's null, never Infinity). */
export function decimalArith(op: string, a: FeelNumber, b: FeelNumber): FeelNumber | null {
  // Fast path: integers within 2^53 whose exact result is again such an integer are exact as doubles.
  if (typeof a === 'number' && typeof b === 'number' && Number.isInteger(a) && Number.isInteger(b)) {
    const r = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : undefined;
    if (r !== undefined && r >= -SAFE && r <= SAFE) return r === 0 ? 0 : r;
  }
  if ((op === '+' || op === '-') && typeof a === 'number' && typeof b === 'number') {
    const r = exactScaledSum(a, op === '+' ? b : -b);
    if (r !== undefined) return r;
  }
  if (op === '/' && typeof a === 'number' && typeof b === 'number') {
    const q = exactIntegerQuotient(a, b);
    if (q !== undefined) return q;
  }
  const x = toDec(a);
  const y = toDec(b);
  switch (op) {
    case '+':
      return fromDec(x.plus(y));
    case '-':
      return fromDec(x.minus(y));
    case '*':
      return fromDec(x.times(y));
    case '/':
      return y.isZero() ? null : fromDec(x.div(y));
    case '**':
      return power(x, y);
    default:
      return null;
  }
}

/**
 * `a + b` without decimal.js when both are decimals of at most 9 fraction digits and 15 significant digits (money):
 * then a = m/10^k and b = n/10^k exactly for integers m, n below 10^15 (two decimals of 15 digits never share a
 * double), and when |m + n| < 10^15 the double nearest (m + n)/10^k prints as exactly that decimal. Undefined
 * otherwise, and decimal.js decides.
 */
function exactScaledSum(a: number, b: number): number | undefined {
  for (let k = 1, p = 10; k <= 9; k++, p *= 10) {
    const m = Math.round(a * p);
    const n = Math.round(b * p);
    if (m / p !== a || n / p !== b) continue;
    const sum = m + n;
    if (Math.abs(m) >= 1e15 || Math.abs(n) >= 1e15 || Math.abs(sum) >= 1e15) return undefined;
    const r = sum / p;
    return r === 0 ? 0 : r;
  }
  return undefined;
}

/**
 * `a / b` for integers when the quotient is a decimal of at most 15 significant digits, which the double nearest
 * to it prints exactly: b = 2^i·5^j with i, j ≤ 6 gives at most 6 decimal places, and |a| < 10^9 at most 9 more
 * digits. (`income / 1000` in a decision graph.) Undefined when this cannot be known cheaply.
 */
function exactIntegerQuotient(a: number, b: number): number | undefined {
  if (!Number.isInteger(a) || !Number.isInteger(b) || b === 0 || Math.abs(a) >= 1e9) return undefined;
  let rest = Math.abs(b);
  let twos = 0;
  let fives = 0;
  while (rest % 2 === 0 && twos <= 6) {
    rest /= 2;
    twos++;
  }
  while (rest % 5 === 0 && fives <= 6) {
    rest /= 5;
    fives++;
  }
  if (rest !== 1 || twos > 6 || fives > 6) return undefined;
  const q = a / b;
  return q === 0 ? 0 : q;
}

function power(x: Decimal, y: Decimal): FeelNumber | null {
  if (x.isZero() && y.isNeg()) return null;
  // decimal.js computes integer powers by repeated squaring at the working precision, others through exp/ln.
  if (!y.isInteger() && x.isNeg()) return null;
  if (y.abs().gt(999_999_999)) return null;
  return fromDec(x.pow(y));
}

export function negate(a: FeelNumber): FeelNumber | null {
  if (typeof a === 'number') return a === 0 ? 0 : -a;
  return fromDec(a.value.neg());
}

/** -1, 0 or 1; plain numbers compare natively (a double's order is its decimal's order). */
export function compareNumbers(a: FeelNumber, b: FeelNumber): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  return toDec(a).cmp(toDec(b));
}

/** The nearest double, for the few places that need one (duration scaling, list positions). */
export function toDouble(v: FeelNumber): number {
  return typeof v === 'number' ? v : v.value.toNumber();
}
