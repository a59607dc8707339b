/**
 * A source-to-source layer over feelin, using feelin's own parser:
 *
 * - Arithmetic feelin 8 refuses or gets wrong: scaling durations by numbers, dividing durations, a date plus or
 *   minus a days-and-time duration (which must stay a date), differences between zoned and local date-times.
 *   Every arithmetic node is rewritten at compile time into `__arith(op, a, b)`; those cases are computed here,
 *   all others are handed back to feelin's own operator, so its semantics (and warnings) stay where it is right.
 * - `time("…")` and `date and time("…")` become `__time(…)` and `__date_and_time(…)`, which reject zone offsets
 *   beyond ±18:00 and an offset combined with a zone id before calling feelin's constructor. (They cannot simply
 *   be shadowed by context entries: a name like `time` in the context changes how feelin parses
 *   `days and time duration`.)
 */
import { javaFunction } from './java-functions.js';
import { compareNumbers, Dec, decimalArith, FeelDecimal, isFeelNumber, negate, parseFeelNumber, toDec, toDouble, literalIsExactDouble } from './decimal.js';
import type { FeelNumber } from './decimal.js';
import { builtinType, coerce, isInstance } from './types.js';
import type { DmnType } from './types.js';
import { cycleYear, FeelWideDate, FeelWideDateTime, isWideYear, wideArithmetic, widen, wideYearOrder } from './wide-dates.js';
import { evaluate, parseExpression, FeelDate, FeelDateTime, FeelDuration, FeelFunction, FeelRange, FeelTime } from 'feelin';

export const ARITH = '__arith';

/** Warnings raised inside `__arith` go to the evaluation that is running (evaluation is synchronous). */
let sink: string[] | undefined;

export function withWarningSink<T>(warnings: string[], run: () => T): T {
  const previous = sink;
  sink = warnings;
  try {
    return run();
  } finally {
    sink = previous;
  }
}

function warn(message: string): null {
  sink?.push(message);
  return null;
}

interface Native {
  fn: FeelFunction;
  warnings: { message: string }[];
}

function native(src: string): Native {
  const r = evaluate(src);
  return { fn: r.value as FeelFunction, warnings: r.warnings };
}

const NATIVE: Record<string, Native> = {
  '+': native('function(a, b) a + b'),
  '-': native('function(a, b) a - b'),
  '*': native('function(a, b) a * b'),
  '/': native('function(a, b) a / b'),
  '**': native('function(a, b) a ** b'),
  neg: native('function(a) -a'),
};

function delegate(op: string, args: unknown[]): unknown {
  const n = NATIVE[op];
  if (!n) return null;
  const value: unknown = invokeInRange(n.fn, args);
  if (n.warnings.length > 0) {
    for (const w of n.warnings) sink?.push(w.message);
    n.warnings.length = 0;
  }
  return value === undefined ? null : value;
}

function ymMonths(d: FeelDuration): number {
  return d.years * 12 + d.months;
}

function dtSeconds(d: FeelDuration): number {
  return ((d.days * 24 + d.hours) * 60 + d.minutes) * 60 + d.seconds;
}

function durationOf(text: string): unknown {
  try {
    return evaluate(`duration(${JSON.stringify(text)})`).value ?? null;
  } catch {
    return null;
  }
}

function ymDuration(months: number): unknown {
  const m = Math.trunc(months);
  const abs = Math.abs(m);
  return durationOf(`${m < 0 ? '-' : ''}P${Math.floor(abs / 12)}Y${abs % 12}M`);
}

function dtDuration(seconds: number): unknown {
  const sign = seconds < 0 ? '-' : '';
  let rest = Math.abs(seconds);
  const days = Math.floor(rest / 86400);
  rest -= days * 86400;
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  rest -= minutes * 60;
  const secs = Math.round(rest * 1e9) / 1e9;
  return durationOf(`${sign}P${days}DT${hours}H${minutes}M${secs}S`);
}

function scale(d: FeelDuration, factor: number): unknown {
  if (!Number.isFinite(factor)) return warn('duration scaled by a non-finite number');
  return d.yearsMonths ? ymDuration(ymMonths(d) * factor) : dtDuration(dtSeconds(d) * factor);
}

function dateShift(date: FeelDate, d: FeelDuration, sign: 1 | -1): unknown {
  // A date with a days-and-time duration is a date: the date part of midnight shifted by the duration.
  const shifted: unknown = delegate(sign > 0 ? '+' : '-', [new FeelDateTime(date.value.toPlainDateTime()), d]);
  if (!(shifted instanceof FeelDateTime)) return null;
  return new FeelDate(shifted.value.toPlainDate());
}

/** Epoch nanoseconds of a zoned date and time (a date counts as midnight UTC); undefined for a local one. */
function instant(v: FeelDateTime | FeelDate): bigint | undefined {
  try {
    if (v instanceof FeelDate) return v.value.toZonedDateTime('UTC').epochNanoseconds;
    if (v.zone === null) return undefined;
    return v.value.toZonedDateTime(v.zone === 'Z' ? 'UTC' : v.zone).epochNanoseconds;
  } catch {
    return undefined;
  }
}

/**
 * `date and time - date and time` (or with a date, taken as midnight UTC): both local, or both with a zone or
 * offset, compared as instants; a local one against a zoned one is an error (TCK 0100).
 */
function temporalDifference(a: FeelDateTime | FeelDate, b: FeelDateTime | FeelDate): unknown {
  const aLocal = a instanceof FeelDateTime && a.zone === null;
  const bLocal = b instanceof FeelDateTime && b.zone === null;
  if (aLocal && bLocal) {
    const x = a.value.toZonedDateTime('UTC').epochNanoseconds;
    const y = b.value.toZonedDateTime('UTC').epochNanoseconds;
    return dtDuration(Number(x - y) / 1e9);
  }
  if (aLocal || bLocal) return warn('cannot subtract a local date and time from a zoned one');
  const x = instant(a);
  const y = instant(b);
  if (x === undefined || y === undefined) return null;
  return dtDuration(Number(x - y) / 1e9);
}

export function arith(op: unknown, a: unknown, b: unknown): unknown {
  if (wideArithmetic(op, a, b) === null) return warn('date arithmetic is limited to years within ±270,000');
  // A time has no date: it cannot take years and months, nor be subtracted from or by a date (TCK 0100 errors).
  if ((op === '+' || op === '-') && ((a instanceof FeelTime && b instanceof FeelDuration && b.yearsMonths) || (b instanceof FeelTime && a instanceof FeelDuration && a.yearsMonths))) {
    return warn('a time cannot be combined with a years-and-months duration');
  }
  if (op === '-' && ((a instanceof FeelTime && (b instanceof FeelDate || b instanceof FeelDateTime)) || (b instanceof FeelTime && (a instanceof FeelDate || a instanceof FeelDateTime)))) {
    return warn('a time cannot be subtracted from or by a date');
  }
  if (op === '-' && (a instanceof FeelDateTime || a instanceof FeelDate) && (b instanceof FeelDateTime || b instanceof FeelDate) && (a instanceof FeelDateTime || b instanceof FeelDateTime)) {
    return temporalDifference(a, b);
  }
  if (typeof op !== 'string') return null;
  if (isFeelNumber(a)) {
    if (op === 'neg') return negate(a);
    if (isFeelNumber(b)) return decimalArith(op, a, b);
  }
  if (op === '*') {
    if (a instanceof FeelDuration && isFeelNumber(b)) return scale(a, toDouble(b));
    if (isFeelNumber(a) && b instanceof FeelDuration) return scale(b, toDouble(a));
  }
  if (op === '/') {
    if (a instanceof FeelDuration && isFeelNumber(b)) return toDouble(b) === 0 ? warn('division of a duration by zero') : scale(a, 1 / toDouble(b));
    if (a instanceof FeelDuration && b instanceof FeelDuration) {
      if (a.yearsMonths !== b.yearsMonths) return warn('cannot divide durations of different kinds');
      const divisor = a.yearsMonths ? ymMonths(b) : dtSeconds(b);
      if (divisor === 0) return warn('division by a zero duration');
      return decimalArith('/', a.yearsMonths ? ymMonths(a) : dtSeconds(a), divisor);
    }
    if (isFeelNumber(a) && b instanceof FeelDuration) return warn('cannot divide a number by a duration');
  }
  if (op === 'neg' && a instanceof FeelDuration) return scale(a, -1);
  if ((op === '+' || op === '-') && a instanceof FeelDate && b instanceof FeelDuration && !b.yearsMonths) return dateShift(a, b, op === '+' ? 1 : -1);
  if (op === '+' && a instanceof FeelDuration && !a.yearsMonths && b instanceof FeelDate) return dateShift(b, a, 1);
  return delegate(op, op === 'neg' ? [a] : [a, b]);
}

export const arithFunction = new FeelFunction((op: unknown, a: unknown, b: unknown) => arith(op, a, b), ['op', 'a', 'b']);

const COMPARE = '__compare';
const SEQUENCE = '__sequence';
const AS_LIST = '__as_list';
const ITERABLE = '__iterable';

/** `for i in [1..3]`: a range to iterate must have integer ends, ascending; a list or single value is itself. */
function iterable(v: unknown): unknown {
  if (!(v instanceof FeelRange)) return v ?? null;
  const { start, end } = v;
  if (typeof start !== 'number' || typeof end !== 'number' || !Number.isInteger(start) || !Number.isInteger(end) || start > end) {
    return warn('only a range of integers in ascending order can be iterated');
  }
  const from = v['start included'] ? start : start + 1;
  const to = v['end included'] ? end : end - 1;
  return from > to ? [] : sequence(from, to);
}
const INVALID = '__invalid';
const NUMBER = '__number';
const CONFORM = '__conform';
const INSTANCE = '__instance';
const UNARY_RANGE = '__unary_range';

/**
 * `(=10)` and `(!=10)` as values (DMN 1.5 §10.3.2.7): a range of one point, equal only to the same unary test,
 * never to `[10..10]` (TCK 0068, 0074). Other comparisons (`(<10)`) are ranges feelin builds itself.
 */
export class UnaryTestRange extends FeelRange {
  constructor(readonly operator: '=' | '!=', endpoint: unknown) {
    super({ start: endpoint, end: endpoint, 'start included': true, 'end included': true, valueType: null });
    Object.defineProperty(this, 'operator', { enumerable: false });
  }
}

function unaryTestRangesEqual(a: unknown, b: unknown): boolean | undefined {
  if (!(a instanceof UnaryTestRange) && !(b instanceof UnaryTestRange)) return undefined;
  if (!(a instanceof UnaryTestRange) || !(b instanceof UnaryTestRange) || a.operator !== b.operator) return false;
  return compare('=', a.start, b.start) === true;
}

/** A type `instance of` and typed parameters name: a built-in, or `context<name: builtin, …>`. */
function typeFromText(text: string): DmnType | undefined {
  const t = text.trim().replace(/\s+/g, ' ');
  const ctx = /^context\s*<(.*)>$/s.exec(t);
  if (!ctx) return builtinType(t);
  const components = new Map<string, DmnType>();
  for (const part of (ctx[1] ?? '').split(',')) {
    const m = /^\s*([^:]+?)\s*:\s*(.+?)\s*$/.exec(part);
    const type = m ? builtinType(m[2] ?? '') : undefined;
    if (!m || !type) return undefined;
    components.set(m[1] ?? '', type);
  }
  return { name: t, kind: 'structure', components };
}

/** A typed parameter's argument: conforming (with DMN's implicit conversions) or null (TCK 0082). */
function conformArgument(value: unknown, typeText: unknown): unknown {
  const type = typeof typeText === 'string' ? typeFromText(typeText) : undefined;
  if (!type) return value ?? null;
  const warnings: string[] = [];
  const out = coerce(value ?? null, type, warnings, 'function argument');
  for (const w of warnings) warn(w);
  return out;
}
const END_OF_DAY = '__end_of_day';
const EXTENDED_YEAR = '__extended_year';
export const EXTENDED_YEAR_TEXT = /^(?:-\d{4,}|[1-9]\d{4,})-\d{2}-\d{2}/;
const STRING = '__string';
const IS = '__is';
const EXTERNAL = '__external';

function externalFunction(params: unknown, body: unknown): unknown {
  const java = body !== null && typeof body === 'object' ? (body as Record<string, unknown>)['java'] : undefined;
  if (!Array.isArray(params) || java === null || typeof java !== 'object') return warn('only Java external functions are supported');
  const binding = java as Record<string, unknown>;
  return javaFunction(params.map(String), binding['class'], binding['method signature']) ?? warn(`Java method ${String(binding['class'])}.${String(binding['method signature'])} is not available`);
}

/** Built-ins replaced by name at their call sites; a context entry of the same name would change parsing. */
const FUNCTION_ALIASES: Record<string, string> = { string: STRING, is: IS };

const nativeIs = native('function(a, b) is(a, b)');

/** `is(a, b)`: feelin counts P0Y and P0D the same; FEEL's two duration kinds are different types. */
function isSame(a: unknown, b: unknown): unknown {
  if (a instanceof FeelDuration && b instanceof FeelDuration && a.yearsMonths !== b.yearsMonths) return false;
  const r: unknown = nativeIs.fn.invoke([a, b]);
  return r === undefined ? null : r;
}

/**
 * `@"-2021-01-01T10:10:10+11:00"`: years before 1 or after 9999. feelin's parser refuses them, Temporal holds them (to
 * ±271,821): built in year 2000, then moved to its year, refusing dates that do not exist. Also `@` text with a zone the constructors refuse.
 */
export function extendedYear(text: unknown): unknown {
  if (typeof text !== 'string' || !validZoneText(text)) return typeof text === 'string' ? warn(`invalid zone in '${text}'`) : null;
  const m = /^([+-]?)(\d{4,})(-\d{2}-\d{2}.*)$/.exec(text);
  if (!m) return null;
  const year = Number(m[2]) * (m[1] === '-' ? -1 : 1);
  // Beyond Temporal's years the value is built in the same year of the 400-year cycle (wide-dates.ts).
  const wide = isWideYear(year);
  const target = wide ? cycleYear(year) : year;
  try {
    const base: unknown = evaluate(`@${JSON.stringify(`2000${m[3] ?? ''}`)}`).value;
    let moved: unknown = null;
    if (base instanceof FeelDate) moved = new FeelDate(base.value.with({ year: target }, { overflow: 'reject' }));
    if (base instanceof FeelDateTime) moved = new FeelDateTime(base.value.with({ year: target }, { overflow: 'reject' }), base.zone);
    return wide && (moved instanceof FeelDate || moved instanceof FeelDateTime) ? widen(moved, year) : (moved ?? warn(`not a valid date: '${text}'`));
  } catch {
    return warn(`not a valid date: '${text}'`);
  }
}

const nativeString = native('function(v) string(v)');

/** `string(v)`, writing extended years as XML Schema does (`-2021-…`, not Temporal's `-002021-…`). */
function toFeelString(v: unknown): unknown {
  if (v instanceof FeelDecimal) return v.toString();
  const s: unknown = nativeString.fn.invoke([v]);
  if (typeof s === 'string' && (v instanceof FeelDate || v instanceof FeelDateTime)) {
    return s.replace(/^([+-])0*(\d{4,})/, (_all, sign: string, digits: string) => (sign === '-' ? '-' : '') + digits);
  }
  return s === undefined ? null : s;
}

/** `2021-01-01T24:00:00` is ISO 8601's end of day, the next day's midnight; feelin rejects it. */
function endOfDay(text: unknown): unknown {
  if (typeof text !== 'string') return null;
  const m = /^(\d{4}-\d{2}-\d{2})T24:00:00(?:\.0+)?(.*)$/.exec(text);
  if (!m) return null;
  try {
    const start = evaluate(`@${JSON.stringify(`${m[1] ?? ''}T00:00:00${m[2] ?? ''}`)}`).value;
    if (!(start instanceof FeelDateTime)) return null;
    return new FeelDateTime(start.value.add({ days: 1 }), start.zone);
  } catch {
    return null;
  }
}

/** Longest `for i in a..b` sequence: feelin would build any length, and a step blocks its process while it builds (a million dates took 6 s). */
export const MAX_SEQUENCE = 100_000;

/**
 * `for i in a..b`: integers or dates, ascending or descending, both ends included (TCK 0084). Anything else is an
 * error: feelin 8 never ends on decimal bounds, which would take the process down.
 */
export function sequence(a: unknown, b: unknown): unknown {
  if (typeof a === 'number' && typeof b === 'number') {
    if (!Number.isInteger(a) || !Number.isInteger(b)) return warn('a for-loop range needs integer bounds');
    if (Math.abs(b - a) + 1 > MAX_SEQUENCE) return warn(`a for-loop range is limited to ${MAX_SEQUENCE} items`);
    const step = b >= a ? 1 : -1;
    const out: number[] = [];
    for (let i = a; step > 0 ? i <= b : i >= b; i += step) out.push(i);
    return out;
  }
  if (a instanceof FeelDate && b instanceof FeelDate) {
    const days = a.value.until(b.value, { largestUnit: 'days' }).days;
    if (Math.abs(days) + 1 > MAX_SEQUENCE) return warn(`a for-loop range is limited to ${MAX_SEQUENCE} items`);
    const step = days >= 0 ? 1 : -1;
    const out: FeelDate[] = [];
    for (let i = 0; i <= Math.abs(days); i++) out.push(new FeelDate(a.value.add({ days: i * step })));
    return out;
  }
  return warn('a for-loop range needs two integers or two dates');
}

const NATIVE_COMPARE: Record<string, Native> = {
  '<': native('function(a, b) a < b'),
  '<=': native('function(a, b) a <= b'),
  '>': native('function(a, b) a > b'),
  '>=': native('function(a, b) a >= b'),
  '=': native('function(a, b) a = b'),
  '!=': native('function(a, b) a != b'),
};

function primitiveKind(v: unknown): string | undefined {
  if (isFeelNumber(v)) return 'number';
  if ( typeof v === 'string' || typeof v === 'boolean') return typeof v;
  return undefined;
}

/**
 * FEEL comparison: values of different types are not comparable (null), and neither are the two kinds of
 * duration; feelin orders a number against a string (`-1 < ""` is true). Everything else is feelin's.
 */
export function compare(op: unknown, a: unknown, b: unknown): unknown {
  if (typeof op !== 'string') return null;
  if (op === '=' || op === '!=') {
    const same = unaryTestRangesEqual(a, b);
    if (same !== undefined) return op === '=' ? same : !same;
  }
  if (a !== null && a !== undefined && b !== null && b !== undefined) {
    const ka = primitiveKind(a);
    const kb = primitiveKind(b);
    if ((ka !== undefined || kb !== undefined) && ka !== kb) return warn(`cannot compare ${ka ?? 'a value'} with ${kb ?? 'a value'}`);
    if (a instanceof FeelDuration && b instanceof FeelDuration && a.yearsMonths !== b.yearsMonths) return warn('cannot compare a years-and-months duration with a days-and-time duration');
    if (a instanceof FeelDuration !== b instanceof FeelDuration) return warn('cannot compare a duration with a value of another type');
    if (ka === 'number' && kb === 'number') return numberComparison(op, compareNumbers(a as FeelNumber, b as FeelNumber));
    if ((a instanceof FeelDate && b instanceof FeelDate) || (a instanceof FeelDateTime && b instanceof FeelDateTime)) {
      const order = wideYearOrder(a, b);
      if (order !== undefined) return numberComparison(op, order);
    }
  }
  const n = NATIVE_COMPARE[op];
  if (!n) return null;
  const value: unknown = n.fn.invoke([a ?? null, b ?? null]); // a host function's nothing is null (DMN has no undefined)
  if (n.warnings.length > 0) {
    for (const w of n.warnings) sink?.push(w.message);
    n.warnings.length = 0;
  }
  return value === undefined ? null : value;
}

function numberComparison(op: string, c: number): boolean | null {
  switch (op) {
    case '<':
      return c < 0;
    case '<=':
      return c <= 0;
    case '>':
      return c > 0;
    case '>=':
      return c >= 0;
    case '=':
      return c === 0;
    case '!=':
      return c !== 0;
    default:
      return null;
  }
}

/** Zone offsets beyond ±18:00, and an offset together with a zone id, are not valid FEEL temporal text. */
function validZoneText(text: string): boolean {
  const m = /([+-])(\d{2}):(\d{2})(?::\d{2})?(@.*)?/.exec(text);
  if (!m) return true;
  if (m[4]) return false;
  const hours = Number(m[2]);
  return hours < 18 || (hours === 18 && Number(m[3]) === 0);
}

/**
 * A guarded temporal constructor: calls DMN 1.5 does not define, which feelin would read leniently, are refused first
 * (`refused`); everything else is passed to feelin's constructor with the same arity (named arguments arrive as a full array with gaps).
 */
function guardedConstructor(name: string, params: string[]): FeelFunction {
  const arities = params.map((_, i) => {
    const names = params.slice(0, i + 1).map((_p, j) => `a${j}`);
    return evaluate(`function(${names.join(', ')}) ${name}(${names.join(', ')})`).value as FeelFunction;
  });
  const fromIndex = params.indexOf('from');
  return new FeelFunction(
    (...raw: unknown[]) => {
      let args: unknown[] = raw;
      if (raw.length === params.length && raw[fromIndex] !== undefined && raw.slice(0, fromIndex).every((a) => a === undefined)) args = [raw[fromIndex]];
      while (args.length > 1 && args[args.length - 1] === undefined) args = args.slice(0, -1);
      args = args.map((a) => (a === undefined ? null : a));
      if (refused(name, args)) return null;
      // XML Schema allows a decimal point with no digits after it (`PT0.S`); Temporal does not.
      if (name === 'duration' && args.length === 1 && typeof args[0] === 'string') args = [args[0].replace(/(\d)\.S$/, '$1S')];
      if (args.length === 1 && typeof args[0] === 'string' && EXTENDED_YEAR_TEXT.test(args[0])) {
        const value = extendedYear(args[0]);
        const wanted = name === 'date' ? FeelDate : FeelDateTime;
        return value instanceof wanted ? value : warn(`${name}: not a valid value '${args[0]}'`);
      }
      // feelin reads numbers as doubles only, and drops the fraction of `second` (TCK 0007: 01.3 seconds).
      args = args.map((a) => (a instanceof FeelDecimal ? a.valueOf() : a));
      if (name === 'date' && args.length === 3 && typeof args[0] === 'number' && isWideYear(args[0])) return wideDate(args[0], args[1], args[2]);
      const second = name === 'time' && args.length >= 3 && typeof args[2] === 'number' ? args[2] : undefined;
      if (second !== undefined && !Number.isInteger(second)) return timeWithFraction(args[0], args[1], second, args.slice(3));
      const target = arities[args.length - 1];
      return target ? keepWideYear(target.invoke(args), args[0]) : null;
    },
    params,
  );
}

/** `date(999999999, 12, 31)`: built in the cycle year, then moved to its real year. */
const dateOfParts = evaluate('function(y, m, d) date(y, m, d)').value as FeelFunction;

function wideDate(year: number, month: unknown, day: unknown): unknown {
  const base: unknown = dateOfParts.invoke([cycleYear(year), month, day]);
  return base instanceof FeelDate ? widen(base, year) : warn(`date: not a valid date ${year}-${String(month)}-${String(day)}`);
}

const timeOf = guardedConstructor('time', ['hour', 'minute', 'second', 'offset', 'from']);

/** `time(h, m, 1.3, offset)`: the whole seconds through feelin, then the fraction to the nanosecond. */
function timeWithFraction(hour: unknown, minute: unknown, second: number, rest: unknown[]): unknown {
  const whole = Math.floor(second);
  const base: unknown = timeOf.invoke([hour, minute, whole, ...rest]);
  if (!(base instanceof FeelTime)) return base ?? null;
  const nanos = new Dec(String(second)).minus(whole).times(1e9).round().toNumber();
  return new FeelTime(base.value.with({ millisecond: Math.floor(nanos / 1e6), microsecond: Math.floor(nanos / 1e3) % 1000, nanosecond: nanos % 1000 }), base.zone);
}

const CONSTRUCTORS: Record<string, { alias: string; fn: FeelFunction }> = {
  time: { alias: '__time', fn: timeOf },
  'date and time': { alias: '__date_and_time', fn: guardedConstructor('date and time', ['date', 'time', 'from']) },
  date: { alias: '__date', fn: guardedConstructor('date', ['year', 'month', 'day', 'from']) },
  duration: { alias: '__duration', fn: guardedConstructor('duration', ['from']) },
};

/** The functions a rewritten expression may call; added to its definition context. */
export const rewriteFunctions: Record<string, unknown> = {
  [ARITH]: arithFunction,
  [EXTENDED_YEAR]: new FeelFunction((t: unknown) => extendedYear(t), ['text']),
  [STRING]: new FeelFunction((v: unknown) => toFeelString(v), ['from']),
  [EXTERNAL]: new FeelFunction((params: unknown, body: unknown) => externalFunction(params, body), ['params', 'body']),
  [IS]: new FeelFunction((a: unknown, b: unknown) => isSame(a, b), ['value1', 'value2']),
  [END_OF_DAY]: new FeelFunction((t: unknown) => endOfDay(t), ['text']),
  [CONFORM]: new FeelFunction((v: unknown, t: unknown) => conformArgument(v, t), ['value', 'type']),
  [INSTANCE]: new FeelFunction((v: unknown, t: unknown) => {
    const type = typeof t === 'string' ? typeFromText(t) : undefined;
    return type ? isInstance(v, type) : null;
  }, ['value', 'type']),
  [UNARY_RANGE]: new FeelFunction((op: unknown, v: unknown) => (op === '=' || op === '!=' ? new UnaryTestRange(op, v ?? null) : null), ['op', 'v']),
  [NUMBER]: new FeelFunction((t: unknown) => (typeof t === 'string' ? (parseFeelNumber(t) ?? null) : null), ['text']),
  [INVALID]: new FeelFunction((message: unknown) => warn(String(message)), ['message']),
  [ITERABLE]: new FeelFunction((v: unknown) => iterable(v), ['v']),
  [AS_LIST]: new FeelFunction((v: unknown) => (v === null || v === undefined || Array.isArray(v) ? (v ?? null) : [v]), ['v']),
  [SEQUENCE]: new FeelFunction((a: unknown, b: unknown) => sequence(a, b), ['a', 'b']),
  [COMPARE]: new FeelFunction((op: unknown, a: unknown, b: unknown) => compare(op, a, b), ['op', 'a', 'b']),
  ...Object.fromEntries(Object.values(CONSTRUCTORS).map((c) => [c.alias, c.fn])),
};

interface SyntaxNodeLike {
  readonly name: string;
  readonly from: number;
  readonly to: number;
  readonly firstChild: SyntaxNodeLike | null;
  readonly nextSibling: SyntaxNodeLike | null;
}

function children(node: SyntaxNodeLike): SyntaxNodeLike[] {
  const out: SyntaxNodeLike[] = [];
  for (let c = node.firstChild; c; c = c.nextSibling) out.push(c);
  return out;
}

/**
 * A function definition's rewrite, or undefined when it needs none: typed parameters coerce their arguments (a
 * non-conforming one becomes null, DMN 1.5 §10.3.2.13.2), and `function(a) external {java: {...}}` evaluates its body
 * as a context bound by `__external`.
 */
function rewriteFunctionDefinition(text: string, node: SyntaxNodeLike, kids: SyntaxNodeLike[], render: (node: SyntaxNodeLike) => string): string | undefined {
  const body = kids.find((k) => k.name === 'FunctionBody');
  const parameters = kids.filter((k) => k.name === 'FormalParameters').flatMap((k) => children(k));
  if (kids.some((k) => k.name === 'external')) {
    const params = parameters.filter((k) => k.name === 'FormalParameter').map((k) => {
      const nameNode = k.firstChild;
      return JSON.stringify(nameNode ? text.slice(nameNode.from, nameNode.to).trim() : '');
    });
    return `${EXTERNAL}([${params.join(', ')}], ${body ? render(body) : 'null'})`;
  }
  const typed = parameters
    .map((p) => children(p))
    .filter((pk) => pk.length === 2 && pk[1]?.name === 'Type')
    .map((pk) => ({ name: text.slice((pk[0] as SyntaxNodeLike).from, (pk[0] as SyntaxNodeLike).to).trim(), type: text.slice((pk[1] as SyntaxNodeLike).from, (pk[1] as SyntaxNodeLike).to).trim() }))
    .filter((p) => typeFromText(p.type));
  if (typed.length === 0 || !body) return undefined;
  const entries = typed.map((p) => `${p.name}: ${CONFORM}(${p.name}, ${JSON.stringify(p.type)})`).join(', ');
  return `${text.slice(node.from, body.from)}{${entries}, __body: (${render(body)})}.__body`;
}

/**
 * Rewrites `a * b` into `__arith("*", a, b)` and the guarded constructors throughout an expression, innermost
 * first, using feelin's own parse (with the names in scope, since FEEL names may contain spaces and operators).
 * Returns undefined if there is nothing to rewrite or the expression does not parse.
 */
export function rewriteExpression(text: string, names: Record<string, unknown>): string | undefined {
  let top: SyntaxNodeLike;
  try {
    const tree = parseExpression(text, names, undefined) as unknown as { topNode: SyntaxNodeLike };
    top = tree.topNode;
  } catch {
    return undefined;
  }
  let changed = false;
  // feelin decides between `list[index]` and `list[condition]` by the node type of what is in the brackets, so a
  // comparison directly inside a filter must stay a comparison.
  const render = (node: SyntaxNodeLike, filterTop = false, parent = ''): string => {
    const kids = children(node);
    if (node.name === 'AtLiteral' && (EXTENDED_YEAR_TEXT.test(text.slice(node.from + 2, node.to)) || !validZoneText(text.slice(node.from + 2, node.to)))) {
      changed = true;
      return `${EXTENDED_YEAR}(${text.slice(node.from + 1, node.to)})`;
    }
    if (node.name === 'NumericLiteral' && !literalIsExactDouble(text.slice(node.from, node.to))) {
      // More digits than a double holds, or `- 1` (feelin and `Number` read a spaced sign as NaN): read as a decimal at run time.
      changed = true;
      return `${NUMBER}("${text.slice(node.from, node.to).replace(/\s+/g, '')}")`;
    }
    // Only as a value compared or asked for its properties: `x in (!=1)` stays a test.
    if (node.name === 'ParenthesizedExpression' && (parent === 'Comparison' || parent === 'PathExpression') && kids.length === 3 && kids[1]?.name === 'SimplePositiveUnaryTest') {
      const [opNode, valueNode] = children(kids[1]);
      const op = opNode?.name === 'CompareOp' ? text.slice(opNode.from, opNode.to) : '';
      if ((op === '=' || op === '!=') && valueNode) {
        changed = true;
        return `${UNARY_RANGE}("${op}", ${render(valueNode)})`;
      }
    }
    if (node.name === 'InstanceOfExpression' && kids[0] && kids[kids.length - 1]?.name === 'Type') {
      const typeText = text.slice((kids[kids.length - 1] as SyntaxNodeLike).from, node.to).trim();
      // feelin knows only doubles as numbers and ignores null entries' types in context<…>.
      if (/^(number|context\s*<[^<>]*>)$/.test(typeText) && typeFromText(typeText)) {
        changed = true;
        return `${INSTANCE}(${render(kids[0])}, ${JSON.stringify(typeText)})`;
      }
    }
    if (node.name === 'FunctionDefinition') {
      const rewritten = rewriteFunctionDefinition(text, node, kids, (n) => render(n));
      if (rewritten !== undefined) {
        changed = true;
        return rewritten;
      }
    }
    if (node.name === 'Context') {
      // A context literal may not name an entry twice (TCK 0057).
      const keys = kids.filter((k) => k.name === 'ContextEntry').map((e) => {
        const key = e.firstChild;
        const raw = key ? text.slice(key.from, key.to).trim() : '';
        return raw.startsWith('"') ? raw.slice(1, -1) : raw.replace(/\s+/g, ' ');
      });
      if (new Set(keys).size !== keys.length) {
        changed = true;
        return `${INVALID}("a context literal names an entry twice")`;
      }
    }
    const callee = node.name === 'FunctionInvocation' && kids[0]?.name === 'VariableName' ? FUNCTION_ALIASES[text.slice(kids[0].from, kids[0].to)] : undefined;
    if (callee && kids[0]) {
      changed = true;
      let out = callee;
      let at = kids[0].to;
      for (const k of kids.slice(1)) {
        out += text.slice(at, k.from) + render(k);
        at = k.to;
      }
      return out + text.slice(at, node.to);
    }
    if (node.name === 'AtLiteral' && /T24:00:00(?:\.0+)?(?![0-9])/.test(text.slice(node.from, node.to))) {
      changed = true;
      return `${END_OF_DAY}(${text.slice(node.from + 1, node.to)})`;
    }
    if (node.name === 'DateTimeConstructor') {
      const ctor = CONSTRUCTORS[text.slice(node.from, node.to).replace(/\s+/g, ' ')];
      if (ctor) {
        changed = true;
        return ctor.alias;
      }
    }
    if (node.name === 'Interval' && kids.some((k) => k.name === 'null')) {
      // A range literal's ends must be values: `(null..10]` is an error, not an open range (TCK 0068, 0072).
      changed = true;
      return `${INVALID}("range literal with a null end: ${text.slice(node.from, node.to).replace(/["\\]/g, '')}")`;
    }
    if (node.name === 'FilterExpression' && kids.length >= 2 && kids[1]?.name === '[') {
      // Filtering a single value filters the list of that value: `true[true]` is `[true]` (TCK 0069).
      changed = true;
      const target = kids[0] as SyntaxNodeLike;
      let out = `${AS_LIST}(${render(target)})`;
      let at = target.to;
      kids.slice(1).forEach((k, i) => {
        out += text.slice(at, k.from) + render(k, kids[i]?.name === '[');
        at = k.to;
      });
      return out + text.slice(at, node.to);
    }
    if (node.name === 'IterationContext' && kids.length === 1) {
      changed = true;
      return `${ITERABLE}(${render(kids[0] as SyntaxNodeLike)})`;
    }
    if (node.name === 'IterationContext' && kids.length === 3 && kids[1]?.name === '..') {
      changed = true;
      return `${SEQUENCE}(${render(kids[0] as SyntaxNodeLike)}, ${render(kids[2] as SyntaxNodeLike)})`;
    }
    if (node.name === 'Comparison' && !filterTop && kids.length === 3 && kids[1]?.name === 'CompareOp') {
      const op = text.slice(kids[1].from, kids[1].to);
      if (op === '<' || op === '<=' || op === '>' || op === '>=' || op === '=' || op === '!=') {
        changed = true;
        return `${COMPARE}("${op}", ${render(kids[0] as SyntaxNodeLike, false, node.name)}, ${render(kids[2] as SyntaxNodeLike, false, node.name)})`;
      }
    }
    if (node.name === 'ArithmeticExpression') {
      const opIndex = kids.findIndex((k) => k.name === 'ArithOp');
      const opNode = kids[opIndex];
      if (opNode) {
        const op = text.slice(opNode.from, opNode.to);
        const operands = kids.filter((k) => k.name !== 'ArithOp');
        if (operands.length === 2 && opIndex === 1) {
          changed = true;
          return `${ARITH}("${op}", ${render(operands[0] as SyntaxNodeLike)}, ${render(operands[1] as SyntaxNodeLike)})`;
        }
        if (operands.length === 1 && opIndex === 0 && op === '-') {
          changed = true;
          return `${ARITH}("neg", ${render(operands[0] as SyntaxNodeLike)}, null)`;
        }
      }
    }
    let out = '';
    let at = node.from;
    // A filter whose second child is not `[` (a parse with an error node) was not handled at 641: no filter top here.
    kids.forEach((k, i) => {
      out += text.slice(at, k.from) + render(k, false, node.name);
      at = k.to;
    });
    return out + text.slice(at, node.to);
  };
  const result = render(top);
  return changed ? result : undefined;
}

/**
 * DMN 1.5 §10.3.4.1: a constructor call that matches none of its signatures, or whose parts make no valid value, is
 * null; feelin reads such calls leniently, so they are refused here, with a warning. Returns whether it refused.
 */
function refused(name: string, args: readonly unknown[]): boolean {
  const why = refusal(name, args);
  if (why !== undefined) warn(`${name}: ${why}`);
  return why !== undefined;
}

function refusal(name: string, args: readonly unknown[]): string | undefined {
  const [first] = args;
  if (typeof first === 'string') {
    // Text is the `from` form and comes alone: feelin ignored what followed it, even the time after a date-and-time text.
    if (args.length > 1) return `text takes no other argument`;
    return validZoneText(first) ? undefined : `invalid zone in '${first}'`;
  }
  // Year, month, day, hour and minute are whole numbers (feelin truncated them); only seconds have a fraction.
  const whole = name === 'date' ? 3 : name === 'time' ? 2 : 0;
  if (args.slice(0, whole).some((a) => isFeelNumber(a) && !toDec(a).isInteger())) return `not a whole number in (${args.map(String).join(', ')})`;
  // An offset given as a duration is held to ±18:00, as an offset in text is (validZoneText).
  const offset = name === 'time' ? args[3] : undefined;
  return offset instanceof FeelDuration && Math.abs(dtSeconds(offset)) > 18 * 3600 ? `offset beyond ±18:00` : undefined;
}

/**
 * Temporal throws a RangeError for a result beyond its years (±271,821), e.g. `@"2021-01-01" + duration("P99999999D")`;
 * in FEEL that operation is null with a warning, and the rest of the expression goes on.
 */
function invokeInRange(fn: FeelFunction, args: unknown[]): unknown {
  try {
    return fn.invoke(args);
  } catch (error) {
    if (error instanceof RangeError) return warn('date arithmetic is limited to years within ±270,000');
    throw error;
  }
}

/**
 * feelin's constructors read a wide-year value (wide-dates.ts) as its cycle year, so `date(date and time(
 * "999999999-12-31T10:00:00"))` was 2399-12-31: what they build from one is moved back to its real year (a value
 * they hand back as it was, `date(date("999999999-12-31"))`, is rebuilt equal).
 */
function keepWideYear(value: unknown, from: unknown): unknown {
  const shift = from instanceof FeelWideDate || from instanceof FeelWideDateTime ? from.shift : 0;
  if (shift === 0 || !(value instanceof FeelDate || value instanceof FeelDateTime)) return value;
  return widen(value, value.value.year + shift);
}
