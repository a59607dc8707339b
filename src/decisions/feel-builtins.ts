/**
 * FEEL built-ins that feelin lacks or leaves unimplemented, layered in as ordinary FEEL function values so a model
 * may still shadow them. Each entry exists because a TCK case showed the gap (1156-range-function, 1130-feel-interval).
 */
import { evaluate, FeelDate, FeelDateTime, FeelDuration, FeelFunction, FeelRange, FeelTime, now as machineNow, parseDate, parseDateTime, today as machineToday } from 'feelin';
import { compareNumbers, isFeelNumber } from './decimal.js';
import { numberBuiltins, original } from './feel-numbers.js';

/**
 * The time of the evaluation running now, when its caller gave one (evaluation is synchronous, so one slot is
 * enough): a process step passes its own clock, so a decision that uses now() or today() replays identically
 * on any later date. Without one, FEEL reads the machine's clock as feelin does.
 */
let feelClock: Date | undefined;

export function withFeelClock<T>(at: Date, run: () => T): T {
  const previous = feelClock;
  feelClock = at;
  try {
    return run();
  } finally {
    feelClock = previous;
  }
}

type Tri = boolean | null;

// Comparison goes through FEEL itself, so numbers, strings, dates, times and durations order exactly as in FEEL.
// Compiled once as a FEEL function value; invoking it does not re-parse. feelin alone orders the two kinds of
// duration against each other, and a duration against a number or a date, which govflow's FEEL refuses: so does cmp.
const compareFn = evaluate('function(a, b) if a < b then -1 else if a = b then 0 else if a > b then 1 else null').value as FeelFunction;

function cmp(a: unknown, b: unknown): number | null {
  if (a === null || a === undefined || b === null || b === undefined || (a instanceof FeelDuration ? !(b instanceof FeelDuration) || a.yearsMonths !== b.yearsMonths : b instanceof FeelDuration)) return null;
  if (isFeelNumber(a) && isFeelNumber(b)) return compareNumbers(a, b);
  const r: unknown = compareFn.invoke([a, b]);
  return typeof r === 'number' ? r : null;
}

const lt = (a: unknown, b: unknown): Tri => nullable(cmp(a, b), (c) => c < 0);
const gt = (a: unknown, b: unknown): Tri => nullable(cmp(a, b), (c) => c > 0);
// FEEL's =: null equals only null, so two unbounded endpoints (table 78 reads them as null) are equal.
const eq = (a: unknown, b: unknown): Tri => (a == null || b == null ? a == null && b == null : nullable(cmp(a, b), (c) => c === 0));

function nullable(c: number | null, test: (c: number) => boolean): Tri {
  return c === null ? null : test(c);
}

function and(...xs: Tri[]): Tri {
  if (xs.some((x) => x === false)) return false;
  if (xs.some((x) => x === null)) return null;
  return true;
}

function or(...xs: Tri[]): Tri {
  if (xs.some((x) => x === true)) return true;
  if (xs.some((x) => x === null)) return null;
  return false;
}

interface R {
  start: unknown;
  end: unknown;
  si: boolean;
  ei: boolean;
}

function asRange(v: unknown): R | undefined {
  if (!(v instanceof FeelRange)) return undefined;
  return { start: v.start, end: v.end, si: v['start included'], ei: v['end included'] };
}

function fn(overloads: Overloads, impl: (...args: unknown[]) => unknown): FeelFunction {
  return byName(overloads, new FeelFunction((...args: unknown[]) => {
    if (args.length !== 2 || args.some((a) => a === null || a === undefined)) return null;
    return impl(...args);
  }, [...(overloads[0] ?? [])]));
}

/** A point or range pair, dispatched the way DMN 1.5 table 78 defines each interval function. */
function interval(pointPoint: ((a: unknown, b: unknown) => Tri) | undefined, pointRange: ((p: unknown, r: R) => Tri) | undefined, rangePoint: ((r: R, p: unknown) => Tri) | undefined, rangeRange: (a: R, b: R) => Tri): FeelFunction {
  return fn(overloadNames(pointPoint, pointRange, rangePoint), (a, b) => {
    const ra = asRange(a);
    const rb = asRange(b);
    if (ra && rb) return rangeRange(ra, rb);
    if (ra && !rb) return rangePoint ? rangePoint(ra, b) : null;
    if (!ra && rb) return pointRange ? pointRange(a, rb) : null;
    return pointPoint ? pointPoint(a, b) : null;
  });
}

const includesPoint = (r: R, p: unknown): Tri => or(and(lt(r.start, p), gt(r.end, p)), and(eq(r.start, p), r.si), and(eq(r.end, p), r.ei));
const includesRange = (a: R, b: R): Tri =>
  and(or(lt(a.start, b.start), and(eq(a.start, b.start), or(a.si, !b.si))), or(gt(a.end, b.end), and(eq(a.end, b.end), or(a.ei, !b.ei))));
const startsPoint = (p: unknown, r: R): Tri => and(eq(r.start, p), r.si);
const startsRange = (a: R, b: R): Tri => and(eq(a.start, b.start), a.si === b.si, or(lt(a.end, b.end), and(eq(a.end, b.end), or(!a.ei, b.ei))));
const finishesPoint = (p: unknown, r: R): Tri => and(r.ei, eq(r.end, p));
const finishesRange = (a: R, b: R): Tri => and(a.ei === b.ei, eq(a.end, b.end), or(gt(a.start, b.start), and(eq(a.start, b.start), or(!a.si, b.si))));
const overlapsBefore = (a: R, b: R): Tri =>
  and(
    or(lt(a.start, b.start), and(eq(a.start, b.start), a.si, !b.si)),
    or(gt(a.end, b.start), and(eq(a.end, b.start), a.ei, b.si)),
    or(lt(a.end, b.end), and(eq(a.end, b.end), or(!a.ei, b.ei))),
  );

/** `range("[1..10)")`: a range from its literal text; endpoints must be literals of one type, start ≤ end. */
const LITERAL_ENDPOINT = /^(?:-?\d+(?:\.\d+)?|-?\.\d+|"(?:[^"\\]|\\.)*"|@"(?:[^"\\]|\\.)*"|(?:date|time|date and time|duration|years and months duration)\(\s*"(?:[^"\\]|\\.)*"\s*\))$/;

function rangeFromString(from: unknown): unknown {
  if (typeof from !== 'string') return null;
  const m = /^\s*([[(\]])\s*(.*?)\s*\.\.\s*(.*?)\s*([\])[])\s*$/s.exec(from);
  if (!m) return null;
  const [, open, lo = '', hi = '', close] = m;
  if (!LITERAL_ENDPOINT.test(lo) || !LITERAL_ENDPOINT.test(hi)) return null;
  try {
    const start = evaluate(lo).value;
    const end = evaluate(hi).value;
    if (start === null || end === null || start === undefined || end === undefined) return null;
    const order = cmp(start, end);
    if (order === null || order > 0) return null;
    const range = evaluate(`${open}a..b${close}`, { a: start, b: end }).value;
    return range instanceof FeelRange ? range : null;
  } catch {
    return null;
  }
}

/** `list replace(list, position | match, newItem)`, with negative positions counting from the end. */
function listReplace(value: unknown, position: unknown, newItem: unknown, match: unknown): unknown {
  if (value === null || value === undefined) return null;
  const list: unknown[] = Array.isArray(value) ? value : [value];
  const selector = match ?? position;
  if (selector instanceof FeelFunction) {
    if (selector.parameterNames.length !== 2) return null;
    const out: unknown[] = [];
    for (const item of list) {
      const hit: unknown = selector.invoke([item, newItem ?? null]);
      if (typeof hit !== 'boolean') return null;
      out.push(hit ? (newItem ?? null) : item);
    }
    return out;
  }
  if (typeof selector !== 'number') return null;
  // FEEL positions are integers; a decimal position is truncated, as for sublist.
  const pos = Math.trunc(selector);
  if (pos === 0) return null;
  const index = pos > 0 ? pos - 1 : list.length + pos;
  if (index < 0 || index >= list.length) return null;
  const out = [...list];
  out[index] = newItem ?? null;
  return out;
}

/**
 * FEEL regular expressions are XPath's (XML Schema regex plus flags s, m, i, x, q); JavaScript's differ in a few
 * places the TCK exercises: the `x` flag (ignore whitespace outside classes), class subtraction `[A-Z-[OI]]`,
 * `\p{IsBlock}` names, and `\0`, which XPath rejects. Returns undefined if the pattern is not valid XPath.
 */
export function translateXPathRegex(pattern: string, flags: string): { pattern: string; flags: string } | undefined {
  if (/[^smixq]/.test(flags)) return undefined;
  let p = pattern;
  if (flags.includes('q')) p = p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  else {
    if (/\\0/.test(p)) return undefined;
    if (flags.includes('x')) {
      let out = '';
      let inClass = false;
      for (let i = 0; i < p.length; i++) {
        const c = p[i] ?? '';
        if (c === '\\') {
          // XPath strips whitespace before reading escapes, so `\ s` is `\s`.
          let j = i + 1;
          while (!inClass && j < p.length && /\s/.test(p[j] ?? '')) j++;
          out += c + (p[j] ?? '');
          i = j;
          continue;
        }
        if (c === '[') inClass = true;
        else if (c === ']') inClass = false;
        if (!inClass && /\s/.test(c)) continue;
        out += c;
      }
      p = out;
    }
    p = p.replace(/\[((?:\\.|[^\][])*)-\[((?:\\.|[^\][])*)\]\]/g, '(?:(?![$2])[$1])');
    p = p.replace(/\\p\{IsBasicLatin\}/g, '[\\u0000-\\u007F]').replace(/\\P\{IsBasicLatin\}/g, '[^\\u0000-\\u007F]');
  }
  return { pattern: p, flags: flags.replace(/[xq]/g, '') };
}

function regexFunction(name: string, params: string[]): FeelFunction {
  const flagIndex = params.indexOf('flags');
  const withFlags = original(name, params);
  const withoutFlags = original(name, params.slice(0, flagIndex));
  return new FeelFunction(
    (...raw: unknown[]) => {
      const args = raw.map((a) => (a === undefined ? null : a));
      const pattern = args[1];
      const flags = args[flagIndex] ?? null;
      if (typeof pattern !== 'string' || (flags !== null && typeof flags !== 'string')) return null;
      const t = translateXPathRegex(pattern, flags ?? '');
      if (!t) return null;
      const call = [...args.slice(0, flagIndex)];
      call[1] = t.pattern;
      if (raw.length < flagIndex) return null;
      return t.flags === '' ? withoutFlags.invoke(call) : withFlags.invoke([...call, t.flags]);
    },
    params,
  );
}

/**
 * `x instance of range<number>`: feelin 8's grammar has no `range<T>` type, so `rangeTypeText` rewrites that phrase
 * to a guard name before parsing, and these guards (functions with Symbol.hasInstance) answer it.
 */
const RANGE_ELEMENT_TYPES: Record<string, (v: unknown) => boolean> = {
  number: isFeelNumber,
  string: (v) => typeof v === 'string',
  date: (v) => v instanceof FeelDate,
  time: (v) => v instanceof FeelTime,
  'date and time': (v) => v instanceof FeelDateTime,
  'days and time duration': (v) => v instanceof FeelDuration && !v.yearsMonths,
  'years and months duration': (v) => v instanceof FeelDuration && v.yearsMonths,
};

const rangeGuardName = (type: string): string => `__range_of_${type.replace(/ /g, '_')}`;

function rangeGuards(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [type, test] of Object.entries(RANGE_ELEMENT_TYPES)) {
    const guard = function rangeOf(): void {};
    Object.defineProperty(guard, Symbol.hasInstance, {
      value: (v: unknown) => v instanceof FeelRange && [v.start, v.end].every((e) => e === null || e === undefined || test(e)) && !(v.start == null && v.end == null),
    });
    out[rangeGuardName(type)] = guard;
  }
  return out;
}

export function rangeTypeText(text: string): string {
  if (!text.includes('range')) return text;
  return text.replace(/instance\s+of\s+range\s*<\s*([a-z ]+?)\s*>/g, (all, type: string) => {
    const t = type.replace(/\s+/g, ' ');
    return t in RANGE_ELEMENT_TYPES ? `instance of ${rangeGuardName(t)}` : all;
  });
}

export const extraBuiltins: Record<string, unknown> = {
  ...rangeGuards(),
  // In UTC, as the engine's own FEEL (engine/model/feel.ts) reads the step's clock.
  now: new FeelFunction(() => (feelClock ? parseDateTime(feelClock.toISOString()) : machineNow()), []),
  today: new FeelFunction(() => (feelClock ? parseDate(feelClock.toISOString().slice(0, 10)) : machineToday()), []),
  ...numberBuiltins,
  matches: regexFunction('matches', ['input', 'pattern', 'flags']),
  replace: regexFunction('replace', ['input', 'pattern', 'replacement', 'flags']),
  'list replace': new FeelFunction(
    (...args: unknown[]) => (args.length < 3 ? null : listReplace(args[0], args[1], args[2], args[3])),
    ['list', 'position', 'newItem', 'match'],
  ),
  range: new FeelFunction((from: unknown) => rangeFromString(from), ['from']),
  includes: interval(undefined, undefined, includesPoint, includesRange),
  during: interval(
    undefined,
    (p, r) => includesPoint(r, p),
    undefined,
    (a, b) => includesRange(b, a),
  ),
  starts: interval(undefined, startsPoint, undefined, startsRange),
  'started by': interval(
    undefined,
    undefined,
    (r, p) => startsPoint(p, r),
    (a, b) => startsRange(b, a),
  ),
  finishes: interval(undefined, finishesPoint, undefined, finishesRange),
  'finished by': interval(
    undefined,
    undefined,
    (r, p) => finishesPoint(p, r),
    (a, b) => finishesRange(b, a),
  ),
  'overlaps before': interval(undefined, undefined, undefined, overlapsBefore),
  'overlaps after': interval(undefined, undefined, undefined, (a, b) => overlapsBefore(b, a)),
  coincides: interval(
    (a, b) => eq(a, b),
    undefined,
    undefined,
    (a, b) => and(eq(a.start, b.start), a.si === b.si, eq(a.end, b.end), a.ei === b.ei),
  ),
  // feelin's own before and after know neither these names nor FEEL's null, decimals or duration kinds.
  before: interval((a, b) => lt(a, b), beforePointRange, beforeRangePoint, beforeRanges),
  after: interval(
    (a, b) => gt(a, b),
    (p, r) => beforeRangePoint(r, p),
    (r, p) => beforePointRange(p, r),
    (a, b) => beforeRanges(b, a),
  ),
};

// Table 78's before; after(x, y) is before(y, x) in each of its four rows.
function beforePointRange(p: unknown, r: R): Tri {
  return or(lt(p, r.start), and(eq(p, r.start), !r.si));
}

function beforeRangePoint(r: R, p: unknown): Tri {
  return or(lt(r.end, p), and(eq(r.end, p), !r.ei));
}

function beforeRanges(a: R, b: R): Tri {
  return or(lt(a.end, b.start), and(or(!a.ei, !b.si), eq(a.end, b.start)));
}

type Overloads = readonly (readonly [string, string])[];

/**
 * DMN 1.5 table 78's parameter names of the overloads an interval function has (a range's names start with `range`);
 * every one of them takes two ranges.
 */
function overloadNames(pointPoint: unknown, pointRange: unknown, rangePoint: unknown): Overloads {
  const names: [string, string][] = [];
  if (pointPoint) names.push(['point1', 'point2']);
  if (pointRange) names.push(['point', 'range']);
  if (rangePoint) names.push(['range', 'point']);
  names.push(['range1', 'range2']);
  return names;
}

/**
 * Table 78 names the parameters per overload; a FeelFunction has one list of names (the first overload's), so a call
 * by name is resolved here: the overload whose two names it gives, in the order written where two overloads share
 * them (before and after take `point` and `range` both ways), each value of its kind. A call whose names fit no
 * overload is left to feelin's own check (a warning); values of the wrong kind match no signature: null.
 */
function byName(overloads: Overloads, f: FeelFunction): FeelFunction {
  const positional = f.invoke.bind(f);
  f.invoke = (args: unknown): unknown => {
    // feelin passes an array (positional) or a context (named); an array's keys ('0', '1') are no overload's names.
    const named = args as Record<string, unknown>;
    const [first, second, ...more] = Object.keys(named);
    const overload = more.length > 0 ? undefined : (overloads.find(([x, y]) => x === first && y === second) ?? overloads.find(([x, y]) => x === second && y === first));
    if (!overload) return positional(args);
    const values = overload.map((name) => named[name]);
    return overload.every((name, i) => name.startsWith('range') === values[i] instanceof FeelRange) ? positional(values) : null;
  };
  return f;
}
