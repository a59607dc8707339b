import { FeelDate, FeelDateTime, FeelDuration, FeelTime, FeelRange, FeelFunction, evaluate } from 'feelin';
import { isContextValue } from './types.js';
import { Dec, FeelDecimal, isFeelNumber, toDec } from './decimal.js';
import type { FeelNumber } from './decimal.js';
import { EXTENDED_YEAR_TEXT, extendedYear } from './feel-rewrite.js';

/**
 * FEEL value → JSON, the one conversion (issue 14): DMN results and the engine's FEEL expressions (mappings,
 * scripts, conditions' variables) store values the same way. Temporals as their ISO text, functions as null
 * (they cannot leave the evaluator), JavaScript dates as ISO instants.
 */
export function toJsonValue(value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  // A decimal with more digits than a double holds leaves as its exact text, never as a rounded double.
  if (value instanceof FeelDecimal) return value.toString();
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof FeelDate || value instanceof FeelTime || value instanceof FeelDateTime || value instanceof FeelDuration) return value.toString();
  if (value instanceof FeelFunction) return null;
  if (value instanceof FeelRange) return String(value);
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Array.isArray(value)) return value.map(toJsonValue);
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as object | null;
    if (proto !== Object.prototype && proto !== null) {
      // Another value class of the evaluator: it prints itself (ISO 8601 for temporals), else it has no JSON form.
      const text = String(value);
      return text === '[object Object]' ? null : text;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = toJsonValue(v);
    return out;
  }
  return null;
}

/** Builds a FEEL temporal from its XML Schema lexical form, through FEEL's own constructors. */
export function temporalFromXsd(xsdType: string, text: string): unknown {
  const fn: Record<string, string> = { date: 'date', dateTime: 'date and time', time: 'time', duration: 'duration', dayTimeDuration: 'duration', yearMonthDuration: 'duration' };
  const name = fn[xsdType];
  if (!name) return text;
  if ((xsdType === 'date' || xsdType === 'dateTime') && EXTENDED_YEAR_TEXT.test(text.trim())) return extendedYear(text.trim());
  try {
    return evaluate(`${name}(${JSON.stringify(text.trim())})`).value ?? null;
  } catch {
    // feelin rejects some valid values (negative years); such a value is reported, not fatal.
    return null;
  }
}

/**
 * How the TCK's expected numbers were written: irrational results (exp, log, Java's Math.cos) rounded to 7–10
 * significant digits, and some financial results (0008, 0014, 0040: `**` with negative exponents) as a double
 * computation printed them, off from the decimal128 result in the 13th–15th digit. So a result matches when it
 * is equal, or equal once rounded half-even to the expected value's digits (7 or more), or within 1e-12
 * relative. (Exactness itself, `0.1 + 0.2 = 0.3`, is checked by the property tests, not through this.)
 */
const MIN_ROUNDED_DIGITS = 7;
const RELATIVE_TOLERANCE = new Dec('1e-12');

function numbersEqual(a: FeelNumber, b: FeelNumber): boolean {
  const x = toDec(a);
  const y = toDec(b);
  if (x.eq(y)) return true;
  const digits = y.sd(true);
  if (digits >= MIN_ROUNDED_DIGITS && x.sd(true) > digits && x.toSignificantDigits(digits).eq(y)) return true;
  return x.minus(y).abs().lte(Dec.max(x.abs(), y.abs()).times(RELATIVE_TOLERANCE));
}

/**
 * Equality for comparing results with expected values: numbers as exact decimals (see numbersEqual), everything
 * else structurally.
 */
export function valuesEqual(actual: unknown, expected: unknown): boolean {
  if (expected === null || expected === undefined) return actual === null || actual === undefined;
  if (actual === null || actual === undefined) return false;
  if (isFeelNumber(expected)) return isFeelNumber(actual) && numbersEqual(actual, expected);
  if (typeof expected === 'string' || typeof expected === 'boolean') return actual === expected;
  if (expected instanceof FeelDuration) {
    if (!(actual instanceof FeelDuration)) return false;
    return actual.iso === expected.iso || durationSeconds(actual) === durationSeconds(expected);
  }
  if (expected instanceof FeelDate || expected instanceof FeelTime || expected instanceof FeelDateTime) {
    // "Z", "+00:00" and "-00:00" spell the same offset.
    const zulu = (iso: string): string => iso.replace(/[+-]00:00$/, 'Z');
    return actual.constructor === expected.constructor && zulu((actual as { iso: string }).iso) === zulu(expected.iso);
  }
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return false;
    return expected.every((e, i) => valuesEqual(actual[i], e));
  }
  if (isContextValue(expected)) {
    if (!isContextValue(actual)) return false;
    const ek = Object.keys(expected);
    const ak = Object.keys(actual);
    if (ek.length !== ak.length) return false;
    return ek.every((k) => k in actual && valuesEqual(actual[k], expected[k]));
  }
  return false;
}

// feelin's `seconds` drops the fraction (PT1.5S has seconds 1): the sub-second part is keyed on its own.
function durationSeconds(d: FeelDuration): string {
  if (d.yearsMonths) return `ym:${d.years * 12 + d.months}`;
  return `dt:${((d.days * 24 + d.hours) * 60 + d.minutes) * 60 + d.seconds}:${(d.value.milliseconds * 1000 + d.value.microseconds) * 1000 + d.value.nanoseconds}`;
}

/** A short readable rendering of a FEEL value for reports. */
export function describeValue(value: unknown): string {
  try {
    return JSON.stringify(toJsonValue(value));
  } catch {
    return String(value);
  }
}

/** `date("…")`, `time("…")` and the like, through FEEL's own constructors; null if the text is not valid. */
export function temporalFromText(constructor: string, text: string): unknown {
  try {
    return evaluate(`${constructor}(${JSON.stringify(text.trim())})`).value ?? null;
  } catch {
    return null;
  }
}
