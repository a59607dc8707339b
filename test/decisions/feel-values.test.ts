// The value layer under the FEEL evaluator (src/decisions/values.ts): the one FEEL → JSON conversion, the XML
// Schema → FEEL temporal reading of TCK inputs, and the equality the TCK runner judges results with. Expectations
// come from DMN 1.5 (chapter 10: a duration is a value, not a spelling; a context is its entries) and from the
// documented contract of each function, not from what the code returns. Pure: no database.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluate, FeelDate, FeelDateTime, FeelDuration, FeelTime } from 'feelin';
import { evaluateFeel } from '../../src/decisions/index.js';
// values.ts is the module's value layer, reached from outside only through runTck and toJsonValue; these are unit
// tests of its own contracts (mutation testing, issue 26), so they import it directly.
// eslint-disable-next-line govflow/module-boundaries -- unit tests of the decisions module's value layer
import { describeValue, temporalFromText, temporalFromXsd, toJsonValue, valuesEqual } from '../../src/decisions/values.js';

const feel = (expression: string): unknown => evaluate(expression).value;
/** A FEEL number literal through govflow's evaluator: more digits than a double holds give a FeelDecimal. */
const num = (literal: string): unknown => evaluateFeel(literal).value;
const duration = (iso: string): FeelDuration => {
  const d = feel(`duration(${JSON.stringify(iso)})`);
  assert.ok(d instanceof FeelDuration, iso);
  return d;
};
const date = (iso: string): unknown => feel(`date(${JSON.stringify(iso)})`);
const dateTime = (iso: string): unknown => feel(`date and time(${JSON.stringify(iso)})`);
const time = (iso: string): unknown => feel(`time(${JSON.stringify(iso)})`);
const isoOf = (v: unknown): string | undefined => (v instanceof FeelDate || v instanceof FeelDateTime || v instanceof FeelTime || v instanceof FeelDuration ? v.iso : undefined);

describe('toJsonValue', () => {
  it('writes JavaScript dates as ISO instants and an invalid date as null', () => {
    assert.equal(toJsonValue(new Date(Date.UTC(2024, 1, 29, 12, 30))), '2024-02-29T12:30:00.000Z');
    assert.equal(toJsonValue(new Date(Number.NaN)), null);
  });

  it('gives functions no JSON form, whether a FEEL function or a plain JavaScript one (feelin built-ins)', () => {
    assert.equal(toJsonValue(feel('function(a) a + 1')), null);
    assert.equal(toJsonValue(feel('abs')), null);
    assert.equal(toJsonValue((x: number) => x + 1), null);
    assert.deepEqual(toJsonValue({ f: () => 1, n: 1 }), { f: null, n: 1 });
  });

  it('writes a value of another class as its own printed form, or null when it has none', () => {
    class Printable {
      toString(): string {
        return 'printed';
      }
    }
    class Opaque {
      readonly secret = 1;
    }
    assert.equal(toJsonValue(new Printable()), 'printed');
    assert.equal(toJsonValue(new Opaque()), null);
    assert.deepEqual(toJsonValue([new Printable(), new Opaque()]), ['printed', null]);
  });

  it('writes a context without a prototype as its entries, like any other context', () => {
    const bare = Object.create(null) as Record<string, unknown>;
    bare['a'] = 1;
    bare['b'] = [true, 'x'];
    assert.deepEqual(toJsonValue(bare), { a: 1, b: [true, 'x'] });
  });

  it('writes decimals, temporals and ranges as their text, and undefined or non-finite numbers as null', () => {
    assert.equal(toJsonValue(num('0.1234567890123456789')), '0.1234567890123456789');
    assert.equal(toJsonValue(date('2024-02-29')), '2024-02-29');
    assert.equal(toJsonValue(duration('PT36H')), 'P1DT12H');
    assert.equal(toJsonValue(feel('[1..3)')), '[1..3)');
    assert.equal(toJsonValue(undefined), null);
    assert.equal(toJsonValue(Number.POSITIVE_INFINITY), null);
  });
});

describe('describeValue', () => {
  it('renders a value as its JSON text', () => {
    assert.equal(describeValue(5), '5');
    assert.equal(describeValue({ a: [1, 'x'] }), '{"a":[1,"x"]}');
    assert.equal(describeValue(date('2024-02-29')), '"2024-02-29"');
  });

  it('never throws: a value that cannot be converted is rendered with String()', () => {
    const hostile = {
      get broken(): unknown {
        throw new Error('no');
      },
      toString: () => 'hostile value',
    };
    assert.equal(describeValue(hostile), 'hostile value');
  });
});

describe('temporalFromXsd', () => {
  it('reads all three XML Schema duration types as FEEL durations', () => {
    assert.equal(isoOf(temporalFromXsd('duration', 'PT90M')), 'PT1H30M');
    assert.equal(isoOf(temporalFromXsd('dayTimeDuration', 'P1DT2H')), 'P1DT2H');
    assert.equal(isoOf(temporalFromXsd('yearMonthDuration', 'P14M')), 'P1Y2M');
    assert.equal(isoOf(temporalFromXsd('date', '2024-02-29')), '2024-02-29');
    assert.equal(isoOf(temporalFromXsd('time', '10:30:00')), '10:30:00');
    assert.equal(isoOf(temporalFromXsd('dateTime', '2024-02-29T10:30:00Z')), '2024-02-29T10:30:00Z');
  });

  it('leaves the text of any other XML Schema type as it is', () => {
    assert.equal(temporalFromXsd('string', 'P1D'), 'P1D');
    assert.equal(temporalFromXsd('decimal', '2024-02-29'), '2024-02-29');
  });

  it('ignores whitespace around the text (XML Schema collapses it for these types)', () => {
    assert.equal(isoOf(temporalFromXsd('date', '  2024-02-29\n')), '2024-02-29');
    assert.equal(isoOf(temporalFromXsd('duration', ' P1D ')), 'P1D');
    assert.equal(isoOf(temporalFromXsd('date', ' 12345-01-02')), '+012345-01-02');
    assert.equal(isoOf(temporalFromXsd('date', '12345-01-02 ')), '+012345-01-02');
    assert.equal(isoOf(temporalFromXsd('dateTime', ' -0001-06-30T12:00:00 ')), '-000001-06-30T12:00:00');
  });

  it('reads an extended year only as a date or date-time: as a time or duration it is not a valid value', () => {
    assert.equal(isoOf(temporalFromXsd('date', '12345-01-02')), '+012345-01-02');
    assert.equal(temporalFromXsd('time', '12345-01-02'), null);
    assert.equal(temporalFromXsd('duration', '12345-01-02'), null);
    assert.equal(temporalFromXsd('time', 'not a time'), null);
  });

  it('gives null, never throws, for a negative year of fewer than four digits (not an XML Schema year)', () => {
    assert.equal(temporalFromXsd('date', '-1-01-01'), null);
    assert.equal(temporalFromXsd('dateTime', '-12-01-01T10:00:00'), null);
  });
});

describe('temporalFromText', () => {
  it('builds a temporal through FEEL constructors, ignoring surrounding whitespace', () => {
    assert.equal(isoOf(temporalFromText('date', ' 2024-02-29 ')), '2024-02-29');
    assert.equal(isoOf(temporalFromText('duration', '\tP2D')), 'P2D');
    assert.equal(temporalFromText('date', '2024-02-30'), null);
  });

  it('never throws, and gives a value or null for a text feelin cannot build (a negative year)', () => {
    const v = temporalFromText('date', '-0001-01-01');
    assert.ok(v === null || v instanceof FeelDate, `got ${String(v)}`);
  });
});

describe('valuesEqual', () => {
  it('treats null and undefined as the same absent value, and as unequal to anything else', () => {
    assert.equal(valuesEqual(null, undefined), true);
    assert.equal(valuesEqual(undefined, null), true);
    assert.equal(valuesEqual(undefined, undefined), true);
    assert.equal(valuesEqual(5, null), false);
    assert.equal(valuesEqual('', undefined), false);
    assert.equal(valuesEqual(null, 5), false);
    assert.equal(valuesEqual(null, date('2024-02-29')), false);
    assert.equal(valuesEqual(undefined, date('2024-02-29')), false);
    assert.equal(valuesEqual(null, duration('P1D')), false);
    assert.equal(valuesEqual(null, [1]), false);
    assert.equal(valuesEqual(undefined, {}), false);
  });

  it('compares numbers by value, never equal to a string or to another number', () => {
    assert.equal(valuesEqual(5, 5), true);
    assert.equal(valuesEqual(num('0.1234567890123456789'), num('0.12345678901234567890')), true);
    assert.equal(valuesEqual(5, 6), false);
    assert.equal(valuesEqual(6, 5), false);
    assert.equal(valuesEqual('5', 5), false);
    assert.equal(valuesEqual(true, 1), false);
  });

  it('accepts a number that rounds to the expected value only when that value has 7 or more digits', () => {
    // 0.1234567 (7 digits) is how the TCK writes an irrational result; 1 (one digit) is an exact expectation.
    assert.equal(valuesEqual(0.12345674, 0.1234567), true);
    assert.equal(valuesEqual(0.12345676, 0.1234567), false);
    assert.equal(valuesEqual(1.04, 1), false);
    assert.equal(valuesEqual(1.4, 1), false);
    assert.equal(valuesEqual(123.04, 123), false);
    // Trailing zeros of an integer are digits of the expected value: 10000000 has eight.
    assert.equal(valuesEqual(10000000.4, 10000000), true);
    assert.equal(valuesEqual(10000001, 10000000), false);
  });

  it('accepts a relative difference up to 1e-12 of the larger magnitude, no more', () => {
    assert.equal(valuesEqual(1.0000000000005, 1), true);
    assert.equal(valuesEqual(1.000000000002, 1), false);
    // Just over 1e-12 of the smaller value (1), within 1e-12 of the larger.
    assert.equal(valuesEqual(num('1.0000000000010000000000005'), 1), true);
    assert.equal(valuesEqual(1, num('1.0000000000010000000000005')), true);
  });

  it('compares strings and booleans exactly', () => {
    assert.equal(valuesEqual('a', 'a'), true);
    assert.equal(valuesEqual('a', 'b'), false);
    assert.equal(valuesEqual('true', true), false);
    assert.equal(valuesEqual(false, true), false);
  });

  it('treats durations as values: equal spellings are equal, different lengths are not', () => {
    assert.equal(valuesEqual(duration('P12M'), duration('P1Y')), true);
    assert.equal(valuesEqual(duration('PT24H'), duration('P1D')), true);
    const different: [string, string][] = [
      ['P1Y', 'P2Y'],
      ['P12Y', 'P1M'],
      ['-P1Y1M', 'P11M'],
      ['P0M', 'PT0S'],
      ['PT1H', 'P1D'],
      ['PT1H', 'PT1S'],
      ['P1D', 'PT24M'],
      ['P24D', 'PT1H'],
      ['-PT1M1S', 'PT59S'],
      ['-PT1H1M', 'PT59M'],
      ['-P1DT1H', 'PT23H'],
      ['PT1.5S', 'PT1S'],
      ['PT0.001S', 'PT0S'],
      ['PT0.001S', 'PT0.000000001S'],
      ['PT0.001001S', '-PT0.000999S'],
      ['PT0.000001001S', '-PT0.000000999S'],
    ];
    for (const [a, b] of different) {
      assert.equal(valuesEqual(duration(a), duration(b)), false, `${a} = ${b}`);
      assert.equal(valuesEqual(duration(b), duration(a)), false, `${b} = ${a}`);
    }
  });

  it('never takes a non-duration for an expected duration, even one spelled the same', () => {
    assert.equal(valuesEqual('P1D', duration('P1D')), false);
    assert.equal(valuesEqual({ iso: 'P1D' }, duration('P1D')), false);
    assert.equal(valuesEqual(date('2024-02-29'), duration('P1D')), false);
  });

  it('compares dates, times and date-times by kind and value; Z, +00:00 and -00:00 are one offset', () => {
    assert.equal(valuesEqual(date('2024-02-29'), date('2024-02-29')), true);
    assert.equal(valuesEqual(date('2024-02-28'), date('2024-02-29')), false);
    assert.equal(valuesEqual(time('10:00:00'), time('10:00:01')), false);
    assert.equal(valuesEqual(dateTime('2024-02-29T10:00:00Z'), dateTime('2024-02-29T10:00:00+00:00')), true);
    assert.equal(valuesEqual(dateTime('2024-02-29T10:00:00-00:00'), dateTime('2024-02-29T10:00:00Z')), true);
    assert.equal(valuesEqual(time('10:00:00+00:00'), time('10:00:00Z')), true);
    // An offset of ±30 seconds is not UTC: only a whole zero offset is Z.
    assert.equal(valuesEqual(time('10:00:00+00:00:30'), time('10:00:00-00:00:30')), false);
    assert.equal(valuesEqual(time('10:00:00+00:00:30'), time('10:00:00Z')), false);
    assert.equal(valuesEqual(dateTime('2024-02-29T10:00:00+01:00'), dateTime('2024-02-29T10:00:00Z')), false);
    assert.equal(valuesEqual(dateTime('2024-02-29T00:00:00'), date('2024-02-29')), false);
    assert.equal(valuesEqual({ iso: '2024-02-29' }, date('2024-02-29')), false);
    assert.equal(valuesEqual('2024-02-29', date('2024-02-29')), false);
  });

  it('compares lists element by element, and lists of another length or non-lists as unequal', () => {
    assert.equal(valuesEqual([1, 'a', [true]], [1, 'a', [true]]), true);
    assert.equal(valuesEqual([1, 2, 3], [1, 2]), false);
    assert.equal(valuesEqual([1, 2], [1, 2, 3]), false);
    assert.equal(valuesEqual([1, 3], [1, 2]), false);
    assert.equal(valuesEqual('ab', ['a', 'b']), false);
    assert.equal(valuesEqual({ 0: 'a', 1: 'b', length: 2 }, ['a', 'b']), false);
  });

  it('compares contexts entry by entry: the same keys, each value equal', () => {
    assert.equal(valuesEqual({ a: 1, b: { c: 'x' } }, { b: { c: 'x' }, a: 1 }), true);
    assert.equal(valuesEqual({ a: 1, b: 2 }, { a: 1 }), false);
    assert.equal(valuesEqual({ a: 1 }, { a: 1, b: 2 }), false);
    assert.equal(valuesEqual({ a: 2 }, { a: 1 }), false);
    assert.equal(valuesEqual({ a: 1, b: 3 }, { a: 1, b: 2 }), false);
    assert.equal(valuesEqual({ b: 1 }, { a: 1 }), false);
    assert.equal(valuesEqual({ a: undefined }, { b: null }), false);
    assert.equal(valuesEqual([], {}), false);
    assert.equal(valuesEqual(5, { a: 1 }), false);
    assert.equal(valuesEqual(feel('[1..2]'), { start: 1, end: 2, 'start included': true, 'end included': true }), false);
  });

  it('finds no equality for an expected value of a kind it does not compare (a range, a function, a JS date)', () => {
    const range = feel('[1..3]');
    assert.equal(valuesEqual(5, range), false);
    assert.equal(valuesEqual({ ...(range as object) }, range), false);
    assert.equal(valuesEqual({}, new Date(0)), false);
    assert.equal(valuesEqual({}, feel('function(a) a')), false);
  });
});
