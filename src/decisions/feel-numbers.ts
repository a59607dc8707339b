/**
 * FEEL's numeric built-ins on decimals (see decimal.ts): feelin's own versions compute in doubles, so
 * `round half up(2.675, 2)` would give 2.67 and `sum(0.1, 0.2)` 0.30000000000000004. Each one here takes over
 * when its arguments are FEEL numbers and hands anything else (a duration to `abs`, strings to `min`, wrong
 * types) to feelin's original, so its type errors and warnings stay as they were.
 */
import { Decimal } from 'decimal.js';
import { evaluate, FeelFunction } from 'feelin';
import { compareNumbers, Dec, fromDec, isFeelNumber, parseFeelNumber, toDec } from './decimal.js';
import type { FeelDecimal, FeelNumber } from './decimal.js';

/** feelin's own built-in, reached through a FEEL lambda compiled once (its definition scope has no overrides). */
export function original(name: string, params: string[]): FeelFunction {
  return evaluate(`function(${params.join(', ')}) ${name}(${params.join(', ')})`).value as FeelFunction;
}

function nativeList(name: string): FeelFunction {
  return evaluate(`function(list) ${name}(list)`).value as FeelFunction;
}

// decimal128's exponent range: a rounding scale outside it is an error, not a no-op.
const MIN_SCALE = -6111;
const MAX_SCALE = 6176;

function validScale(scale: unknown): scale is FeelNumber {
  if (!isFeelNumber(scale)) return false;
  const s = toDec(scale);
  return s.gte(MIN_SCALE) && s.lte(MAX_SCALE);
}

/** Rounds to `scale` decimal places (negative: tens, hundreds…) with a decimal.js rounding mode. */
export function roundTo(n: FeelNumber, scale: FeelNumber, mode: Decimal.Rounding): FeelNumber | null {
  const s = Math.trunc(typeof scale === 'number' ? scale : scale.value.toNumber());
  const d = toDec(n);
  if (s >= 0) return fromDec(d.toDecimalPlaces(s, mode));
  const unit = new Dec(10).pow(-s);
  return fromDec(d.div(unit).toDecimalPlaces(0, mode).times(unit));
}

function scaled(name: string, mode: Decimal.Rounding, defaultScale: number | undefined): FeelFunction {
  const base = original(name, defaultScale === undefined ? ['n', 'scale'] : ['n']);
  const withScale = defaultScale === undefined ? base : original(name, ['n', 'scale']);
  return new FeelFunction(
    (n: unknown, scale: unknown) => {
      const s = scale === undefined && defaultScale !== undefined ? defaultScale : scale;
      if (isFeelNumber(n) && validScale(s)) return roundTo(n, s, mode);
      if (isFeelNumber(n) && isFeelNumber(s)) return null;
      return scale === undefined ? base.invoke([n]) : withScale.invoke([n, scale]);
    },
    ['n', 'scale'],
  );
}

/** A one-argument numeric function: decimal when given a number, feelin's original otherwise. */
function unary(name: string, param: string, impl: (d: Decimal) => FeelNumber | boolean | null): FeelFunction {
  const base = original(name, [param]);
  return new FeelFunction((n: unknown) => (isFeelNumber(n) ? impl(toDec(n)) : base.invoke([n])), [param]);
}

function listArgs(args: unknown[]): unknown[] {
  return args.length === 1 && Array.isArray(args[0]) ? (args[0] as unknown[]) : args;
}

/** `sum(1, 2)` or `sum([1, 2])`: numbers only; anything else is feelin's (its type error). */
function listFunction(name: string, impl: (xs: Decimal[], raw: FeelNumber[]) => FeelNumber | null): FeelFunction {
  const base = nativeList(name);
  return new FeelFunction(
    (...args: unknown[]) => {
      const list = listArgs(args);
      if (list.length > 0 && list.every(isFeelNumber)) return impl(list.map((x) => toDec(x as FeelNumber)), list as FeelNumber[]);
      return base.invoke([list]);
    },
    ['...list'],
  );
}

function sumOf(xs: Decimal[]): Decimal {
  return xs.reduce((acc, x) => acc.plus(x), new Dec(0));
}

function median(xs: Decimal[]): FeelNumber | null {
  const sorted = [...xs].sort((a, b) => a.cmp(b));
  const mid = Math.floor(sorted.length / 2);
  const hi = sorted[mid] as Decimal;
  if (sorted.length % 2 === 1) return fromDec(hi);
  return fromDec((sorted[mid - 1] as Decimal).plus(hi).div(2));
}

function stddev(xs: Decimal[]): FeelNumber | null {
  if (xs.length < 2) return null;
  const mean = sumOf(xs).div(xs.length);
  const squares = sumOf(xs.map((x) => x.minus(mean).pow(2)));
  return fromDec(squares.div(xs.length - 1).sqrt());
}

/** `modulo(a, b)`: the sign of the divisor, `a - b * floor(a / b)` (DMN 1.5 §10.3.4.5). */
function modulo(dividend: Decimal, divisor: Decimal): FeelNumber | null {
  if (divisor.isZero()) return null;
  return fromDec(dividend.minus(divisor.times(dividend.div(divisor).floor())));
}

const nativeNumber = original('number', ['from', 'grouping separator', 'decimal separator']);
const nativeModulo = original('modulo', ['dividend', 'divisor']);

/** `number(from, grouping, decimal)`: feelin checks the separators; the digits are then read exactly. */
function numberFrom(from: unknown, grouping: unknown, decimalSeparator: unknown): unknown {
  const checked: unknown = nativeNumber.invoke([from, grouping ?? null, decimalSeparator ?? null]);
  if (typeof checked !== 'number' || typeof from !== 'string') return checked ?? null;
  let text = from;
  if (typeof grouping === 'string' && grouping !== '') text = text.split(grouping).join('');
  if (typeof decimalSeparator === 'string' && decimalSeparator !== '' && decimalSeparator !== '.') text = text.split(decimalSeparator).join('.');
  const exact = parseFeelNumber(text);
  return exact === undefined ? checked : exact;
}

function comparableList(name: string, pick: (c: number) => boolean): FeelFunction {
  return listFunction(name, (_xs, raw) => raw.reduce((best, x) => (pick(compareNumbers(x, best)) ? x : best)));
}

/** The numeric built-ins, as context entries that shadow feelin's. */
export const numberBuiltins: Record<string, unknown> = {
  // A scale is an integer; a decimal one is truncated (`decimal(1/3, 2.5)` is 0.33).
  decimal: scaled('decimal', Decimal.ROUND_HALF_EVEN, undefined),
  floor: scaled('floor', Decimal.ROUND_FLOOR, 0),
  ceiling: scaled('ceiling', Decimal.ROUND_CEIL, 0),
  'round up': scaled('round up', Decimal.ROUND_UP, undefined),
  'round down': scaled('round down', Decimal.ROUND_DOWN, undefined),
  'round half up': scaled('round half up', Decimal.ROUND_HALF_UP, undefined),
  'round half down': scaled('round half down', Decimal.ROUND_HALF_DOWN, undefined),
  abs: unary('abs', 'n', (d) => fromDec(d.abs())),
  sqrt: unary('sqrt', 'number', (d) => (d.isNeg() ? null : fromDec(d.sqrt()))),
  exp: unary('exp', 'number', (d) => fromDec(d.exp())),
  log: unary('log', 'number', (d) => (d.lte(0) ? null : fromDec(d.ln()))),
  odd: unary('odd', 'number', (d) => d.isInteger() && !d.mod(2).isZero()),
  even: unary('even', 'number', (d) => d.isInteger() && d.mod(2).isZero()),
  modulo: new FeelFunction((a: unknown, b: unknown) => (isFeelNumber(a) && isFeelNumber(b) ? modulo(toDec(a), toDec(b)) : nativeModulo.invoke([a, b])), ['dividend', 'divisor']),
  sum: listFunction('sum', (xs) => fromDec(sumOf(xs))),
  mean: listFunction('mean', (xs) => fromDec(sumOf(xs).div(xs.length))),
  product: listFunction('product', (xs) => fromDec(xs.reduce((acc, x) => acc.times(x), new Dec(1)))),
  median: listFunction('median', median),
  stddev: listFunction('stddev', stddev),
  min: comparableList('min', (c) => c < 0),
  max: comparableList('max', (c) => c > 0),
  number: new FeelFunction((from: unknown, grouping: unknown, decimalSeparator: unknown) => numberFrom(from, grouping, decimalSeparator), ['from', 'grouping separator', 'decimal separator']),
};

/** `string(n)` of a long decimal: plain notation, all its digits. */
export function decimalText(v: FeelDecimal): string {
  return v.value.toString();
}
