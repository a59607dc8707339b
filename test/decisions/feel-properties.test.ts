// Property tests on the FEEL layer: it never crashes, and its arithmetic and comparisons agree with a simple
// reference (decimal.js for numbers, JavaScript strings and UTC dates) on generated values.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { evaluateFeel, evaluateUnaryTests, toJsonValue } from '../../src/decisions/index.js';
import { isGovflowError } from '../../src/kernel/index.js';

const RUNS = Number(process.env.GOVFLOW_PROPERTY_RUNS ?? 300);

/** Fragments that make generated text look like FEEL often enough to reach the evaluator, not just the parser. */
const feelish = fc
  .array(
    fc.oneof(
      fc.constantFrom('1', '2.5', '-3', '"a"', 'null', 'true', 'x', 'date("2020-02-29")', 'duration("P1D")', '[1,2]', '{a: 1}', 'for i in 1..3 return', 'if', 'then', 'else', 'some', 'satisfies', 'instance of', 'number', 'function(a)', 'a'),
      fc.constantFrom('+', '-', '*', '/', '**', '=', '!=', '<', '>=', 'and', 'or', 'in', 'between', '..', ',', '(', ')', '[', ']', '{', '}', '.', ':', '?'),
      fc.string({ maxLength: 4 }),
    ),
    { maxLength: 12 },
  )
  .map((parts) => parts.join(' '));

function neverCrashes(text: string): void {
  try {
    const r = evaluateFeel(text, { x: 7 });
    // Whatever comes back must be a FEEL value we can hand to JSON.
    JSON.stringify(toJsonValue(r.value));
  } catch (error) {
    if (isGovflowError(error) && error.code === 'GOVFLOW_ERR_FEEL_SYNTAX') return;
    throw error;
  }
}

describe('FEEL layer properties', () => {
  it('no input string crashes the evaluator: a coded syntax error or a value (maybe null with warnings)', () => {
    fc.assert(fc.property(fc.string({ maxLength: 40 }), neverCrashes), { numRuns: RUNS });
    fc.assert(fc.property(feelish, neverCrashes), { numRuns: RUNS * 3 });
  });

  it('for-loops over any numeric bounds terminate (feelin alone loops forever on 1.5..3)', () => {
    const bound = fc.oneof(fc.integer({ min: -50, max: 50 }), fc.double({ min: -50, max: 50, noNaN: true }));
    fc.assert(
      fc.property(bound, bound, (a, b) => {
        const r = evaluateFeel('for i in a..b return i', { a, b });
        if (Number.isInteger(a) && Number.isInteger(b)) assert.equal((r.value as unknown[]).length, Math.abs(b - a) + 1);
        else assert.equal(r.value, null);
      }),
      { numRuns: RUNS },
    );
    assert.equal(evaluateFeel('for i in 1..100000000000 return i').value, null, 'huge sequences are refused, not built');
  });

  it('no input string crashes unary tests either', () => {
    fc.assert(
      fc.property(fc.oneof(feelish, fc.string({ maxLength: 30 })), fc.oneof(fc.integer(), fc.string(), fc.constant(null)), (tests, input) => {
        try {
          const r = evaluateUnaryTests(tests, input);
          assert.equal(typeof r.value, 'boolean');
        } catch (error) {
          if (isGovflowError(error) && error.code === 'GOVFLOW_ERR_FEEL_SYNTAX') return;
          throw error;
        }
      }),
      { numRuns: RUNS },
    );
  });

  const int = fc.integer({ min: -1_000_000, max: 1_000_000 });
  const cents = fc.integer({ min: -10_000_000, max: 10_000_000 }).map((n) => n / 100);

  // FEEL numbers are decimals (decimal128, 34 digits): the reference is decimal.js itself, not doubles.
  const D = Decimal.clone({ precision: 34, rounding: Decimal.ROUND_HALF_EVEN });
  const exact = (actual: unknown, expected: Decimal, what: string): void => {
    const json = toJsonValue(actual);
    assert.ok(typeof json === 'number' || typeof json === 'string', `${what} gave ${String(json)}`);
    assert.ok(new D(json).eq(expected), `${what}: ${String(json)} vs ${expected.toString()}`);
  };
  const d = (n: number): Decimal => new D(String(n));

  it('arithmetic on numbers agrees with the reference, as literals and as variables', () => {
    fc.assert(
      fc.property(fc.oneof(int, cents), fc.oneof(int, cents), (a, b) => {
        exact(evaluateFeel('a + b', { a, b }).value, d(a).plus(d(b)), `${a} + ${b}`);
        exact(evaluateFeel('a - b', { a, b }).value, d(a).minus(d(b)), `${a} - ${b}`);
        exact(evaluateFeel('a * b', { a, b }).value, d(a).times(d(b)), `${a} * ${b}`);
        exact(evaluateFeel(`${a} + ${b}`.replace('+ -', '- '), {}).value, d(a).plus(d(b)), `literal ${a} + ${b}`);
        if (b !== 0) exact(evaluateFeel('a / b', { a, b }).value, d(a).div(d(b)), `${a} / ${b}`);
        else assert.equal(evaluateFeel('a / b', { a, b }).value, null, 'division by zero is null');
      }),
      { numRuns: RUNS },
    );
  });

  it('comparisons on numbers, strings and dates agree with the reference', () => {
    const word = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABC XYZ019'), maxLength: 8 });
    fc.assert(
      fc.property(fc.oneof(int, cents), fc.oneof(int, cents), word, word, (a, b, s, t) => {
        assert.equal(evaluateFeel('a < b', { a, b }).value, a < b);
        assert.equal(evaluateFeel('a >= b', { a, b }).value, a >= b);
        assert.equal(evaluateFeel('a = b', { a, b }).value, a === b);
        assert.equal(evaluateFeel('s < t', { s, t }).value, s < t, `"${s}" < "${t}"`);
        assert.equal(evaluateFeel('s = t', { s, t }).value, s === t);
        assert.equal(evaluateFeel('s + t', { s, t }).value, s + t);
        assert.equal(evaluateFeel('string length(s)', { s }).value, s.length);
        // Mixed types are not comparable: null, never an exception.
        assert.equal(evaluateFeel('a = s', { a, s }).value, null);
      }),
      { numRuns: RUNS },
    );
  });

  // feelin 8 alone orders a number against a string (`-1 < ""` is true); the comparison layer makes it null.
  it('ordering values of different types is null with a warning', () => {
    fc.assert(
      fc.property(int, fc.string({ maxLength: 3 }), fc.boolean(), (a, s, b) => {
        for (const [x, y] of [
          [a, s],
          [s, a],
          [b, a],
        ] as const) {
          const r = evaluateFeel('x < y', { x, y });
          assert.equal(r.value, null, `${JSON.stringify(x)} < ${JSON.stringify(y)}`);
          assert.ok(r.warnings.length > 0);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('date arithmetic and comparison agree with UTC calendar arithmetic', () => {
    const day = fc.integer({ min: Date.UTC(1901, 0, 1) / 86400000, max: Date.UTC(2099, 11, 31) / 86400000 });
    const iso = (d: number): string => new Date(d * 86400000).toISOString().slice(0, 10);
    fc.assert(
      fc.property(day, day, fc.integer({ min: -2000, max: 2000 }), (d1, d2, n) => {
        const a = iso(d1);
        const b = iso(d2);
        assert.equal(evaluateFeel(`date("${a}") < date("${b}")`).value, d1 < d2, `${a} < ${b}`);
        assert.equal(evaluateFeel(`date("${a}") = date("${b}")`).value, d1 === d2);
        const plus = toJsonValue(evaluateFeel(`date("${a}") + duration("P${Math.abs(n)}D") * 1`.replace(' * 1', ''), {}).value);
        assert.equal(plus, iso(d1 + Math.abs(n)), `${a} + P${Math.abs(n)}D`);
        const minus = evaluateFeel(`(date("${a}") - date("${b}")).days`).value;
        assert.equal(minus, d1 - d2, `${a} - ${b} in days`);
      }),
      { numRuns: RUNS },
    );
  });
});
