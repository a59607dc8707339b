// Issue 24, acceptance 2: FEEL numbers are decimals. For random decimal strings, FEEL's arithmetic, comparisons and
// numeric built-ins give what decimal.js (34 significant digits, half-even) computes directly; numbers cross the
// edges (literals, JSON inputs as text, JSON results) without losing a digit; and the demo benefit schedule
// (examples/benefit-schedule.dmn) sums exactly to its award for any amount and number of periods.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Decimal } from 'decimal.js';
import fc from 'fast-check';
import { evaluateDecision, evaluateFeel, parseDmn, toJsonValue } from '../../src/decisions/index.js';

const RUNS = Number(process.env.GOVFLOW_PROPERTY_RUNS ?? 100);
const D = Decimal.clone({ precision: 34, rounding: Decimal.ROUND_HALF_EVEN });

/** Decimal text with up to 18 integer and 12 fraction digits, either sign: more than a double holds. */
const decimalText = fc
  .tuple(fc.boolean(), fc.stringMatching(/^(0|[1-9]\d{0,17})$/), fc.option(fc.stringMatching(/^\d{1,12}$/), { nil: undefined }))
  .map(([negative, whole, fraction]) => `${negative ? '-' : ''}${whole}${fraction === undefined ? '' : `.${fraction}`}`);

/** A FEEL result as exact decimal text: a JSON number prints its decimal, a long decimal leaves as a string. */
function asDecimal(value: unknown, what: string): Decimal {
  const json = toJsonValue(value);
  assert.ok(typeof json === 'number' || typeof json === 'string', `${what} gave ${JSON.stringify(json)}`);
  return new D(json);
}

function assertEqualDecimal(value: unknown, expected: Decimal, what: string): void {
  const actual = asDecimal(value, what);
  assert.ok(actual.eq(expected), `${what}: FEEL gave ${actual.toString()}, decimal.js ${expected.toString()}`);
}

/** A literal in FEEL text: negative numbers in parentheses, so `a - -b` stays arithmetic. */
const lit = (s: string): string => (s.startsWith('-') ? `(${s})` : s);

const opsModel = parseDmn(
  `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="ops" name="ops" namespace="https://govflow.example/test/ops">
  <inputData id="ia" name="a"><variable name="a" typeRef="number"/></inputData>
  <inputData id="ib" name="b"><variable name="b" typeRef="number"/></inputData>
  <decision id="ops" name="ops">
    <informationRequirement><requiredInput href="#ia"/></informationRequirement>
    <informationRequirement><requiredInput href="#ib"/></informationRequirement>
    <literalExpression><text>{sum: a + b, difference: a - b, product: a * b, quotient: if b = 0 then null else a / b, less: a &lt; b, same: a = b}</text></literalExpression>
  </decision>
</definitions>`,
  'ops.dmn',
);

describe('FEEL decimal numbers (issue 24)', () => {
  it('the classic binary errors are gone', () => {
    assert.equal(evaluateFeel('0.1 + 0.2').value, 0.3);
    assert.equal(evaluateFeel('0.1 + 0.2 = 0.3').value, true);
    assert.equal(evaluateFeel('round half up(2.675, 2)').value, 2.68);
    assert.equal(toJsonValue(evaluateFeel('1 / 3').value), '0.3333333333333333333333333333333333');
    assert.equal(toJsonValue(evaluateFeel('12345678901234567890.12 + 1').value), '12345678901234567891.12');
    assert.equal(evaluateFeel('sum([0.1, 0.2, 0.3]) = 0.6').value, true);
  });

  it('arithmetic and comparison on decimal literals equal decimal.js', () => {
    fc.assert(
      fc.property(decimalText, decimalText, (a, b) => {
        const x = new D(a);
        const y = new D(b);
        assertEqualDecimal(evaluateFeel(`${lit(a)} + ${lit(b)}`).value, x.plus(y), `${a} + ${b}`);
        assertEqualDecimal(evaluateFeel(`${lit(a)} - ${lit(b)}`).value, x.minus(y), `${a} - ${b}`);
        assertEqualDecimal(evaluateFeel(`${lit(a)} * ${lit(b)}`).value, x.times(y), `${a} * ${b}`);
        if (!y.isZero()) assertEqualDecimal(evaluateFeel(`${lit(a)} / ${lit(b)}`).value, x.div(y), `${a} / ${b}`);
        assert.equal(evaluateFeel(`${lit(a)} < ${lit(b)}`).value, x.lt(y), `${a} < ${b}`);
        assert.equal(evaluateFeel(`${lit(a)} = ${lit(b)}`).value, x.eq(y), `${a} = ${b}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('sums and differences of money-sized numbers, passed as variables (plain doubles), equal decimal.js', () => {
    // Up to 15 digits and 9 decimals: the range decimal.ts adds on scaled integers instead of decimal.js.
    const money = fc.tuple(fc.bigInt({ min: -(10n ** 15n) + 1n, max: 10n ** 15n - 1n }), fc.integer({ min: 0, max: 9 })).map(([m, k]) => new D(m.toString()).div(new D(10).pow(k)));
    fc.assert(
      fc.property(money, money, (x, y) => {
        const context = { a: x.toNumber(), b: y.toNumber() };
        assertEqualDecimal(evaluateFeel('a + b', context).value, new D(context.a).plus(context.b), `${x} + ${y}`);
        assertEqualDecimal(evaluateFeel('a - b', context).value, new D(context.a).minus(context.b), `${x} - ${y}`);
      }),
      { numRuns: RUNS },
    );
  });

  it('numeric built-ins equal decimal.js', () => {
    const scale = fc.integer({ min: -3, max: 6 });
    fc.assert(
      fc.property(decimalText, decimalText, decimalText, scale, (a, b, c, s) => {
        const [x, y, z] = [new D(a), new D(b), new D(c)];
        const round = (name: string, mode: Decimal.Rounding): void => {
          const unit = new D(10).pow(-s);
          const expected = s >= 0 ? x.toDecimalPlaces(s, mode) : x.div(unit).toDecimalPlaces(0, mode).times(unit);
          assertEqualDecimal(evaluateFeel(`${name}(${lit(a)}, ${s})`).value, expected, `${name}(${a}, ${s})`);
        };
        round('round half up', Decimal.ROUND_HALF_UP);
        round('round half down', Decimal.ROUND_HALF_DOWN);
        round('round up', Decimal.ROUND_UP);
        round('round down', Decimal.ROUND_DOWN);
        round('decimal', Decimal.ROUND_HALF_EVEN);
        round('floor', Decimal.ROUND_FLOOR);
        round('ceiling', Decimal.ROUND_CEIL);
        assertEqualDecimal(evaluateFeel(`sum([${a}, ${b}, ${c}])`).value, x.plus(y).plus(z), `sum(${a}, ${b}, ${c})`);
        assertEqualDecimal(evaluateFeel(`mean(${a}, ${b}, ${c})`).value, x.plus(y).plus(z).div(3), `mean(${a}, ${b}, ${c})`);
        assertEqualDecimal(evaluateFeel(`abs(${lit(a)})`).value, x.abs(), `abs(${a})`);
        if (!x.isNeg()) assertEqualDecimal(evaluateFeel(`sqrt(${a})`).value, x.sqrt(), `sqrt(${a})`);
        if (x.gt(0)) assertEqualDecimal(evaluateFeel(`log(${a})`).value, x.ln(), `log(${a})`);
      }),
      { numRuns: RUNS },
    );
  });

  it('decision inputs sent as decimal text keep every digit, and results come back exact', () => {
    fc.assert(
      fc.property(decimalText, decimalText, (a, b) => {
        const x = new D(a);
        const y = new D(b);
        const r = evaluateDecision(opsModel, 'ops', { a, b });
        assert.deepEqual(r.warnings, []);
        const v = r.value as Record<string, unknown>;
        assertEqualDecimal(v['sum'], x.plus(y), `${a} + ${b} (inputs as text)`);
        assertEqualDecimal(v['difference'], x.minus(y), `${a} - ${b}`);
        assertEqualDecimal(v['product'], x.times(y), `${a} * ${b}`);
        if (!y.isZero()) assertEqualDecimal(v['quotient'], x.div(y), `${a} / ${b}`);
        assert.equal(v['less'], x.lt(y));
        assert.equal(v['same'], x.eq(y));
        // A result a double holds exactly is a JSON number; only a longer one is text.
        for (const key of ['sum', 'difference', 'product'] as const) {
          const json = v[key];
          if (typeof json === 'string') assert.notEqual(new D(Number(json)).toString(), new D(json).toString(), `${key} ${json} should have been a JSON number`);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a benefit schedule of any award and period sums exactly to the award', () => {
    const model = parseDmn(readFileSync(new URL('../../examples/benefit-schedule.dmn', import.meta.url), 'utf8'), 'benefit-schedule.dmn');
    const cents = fc.bigInt({ min: 0n, max: 10_000_000_000n });
    fc.assert(
      fc.property(cents, fc.integer({ min: 1, max: 60 }), fc.boolean(), (minor, periods, asText) => {
        const award = new D(minor.toString()).div(100);
        // An award within a double's exact range may come as a JSON number; any award may come as text.
        const input = asText || minor > 900_000_000_000n ? award.toFixed(2) : award.toNumber();
        const r = evaluateDecision(model, 'benefit-schedule', { award: input, periods });
        assert.deepEqual(r.warnings, []);
        const schedule = r.value as unknown[];
        assert.equal(schedule.length, periods);
        const amounts = schedule.map((v, i) => asDecimal(v, `instalment ${i + 1}`));
        for (const a of amounts) assert.ok(a.decimalPlaces() <= 2 && !a.isNeg(), `instalment ${a.toString()} is whole cents, not negative`);
        const total = amounts.reduce((s, a) => s.plus(a), new D(0));
        assert.ok(total.eq(award), `${periods} instalments of ${award.toFixed(2)} sum to ${total.toString()}`);
        // The rule stated in the decision: all but the last are the award / periods rounded down to the cent.
        const each = award.div(periods).toDecimalPlaces(2, Decimal.ROUND_DOWN);
        for (const a of amounts.slice(0, -1)) assert.ok(a.eq(each));
      }),
      { numRuns: RUNS },
    );
  });
});
