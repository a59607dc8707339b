// What govflow adds on top of feelin, one behaviour per test, each checked against FEEL's definition (DMN 1.5
// chapter 10) rather than against what the code happens to return.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateDecision, evaluateFeel, parseDmn, toJsonValue } from '../../src/decisions/index.js';

const feel = (expression: string, context: Record<string, unknown> = {}): unknown => toJsonValue(evaluateFeel(expression, context).value);

describe('FEEL layer over feelin', () => {
  it('scales and divides durations by numbers, truncating years-and-months to whole months', () => {
    assert.equal(feel('1.5 * @"P4DT1H"'), 'P6DT1H30M');
    assert.equal(feel('@"P1Y11M" * -2.5'), '-P4Y9M'); // -57.5 months → -57
    assert.equal(feel('@"P10DT23H" / 2.5'), 'P4DT9H12M');
    assert.equal(feel('@"P10Y" / @"P5Y"'), 2);
    assert.equal(feel('@"P10D" / 0'), null);
    assert.equal(feel('-@"P1D"'), '-P1D');
  });

  it('keeps a date a date when a days-and-time duration is added or subtracted', () => {
    assert.equal(feel('@"2021-01-01" + @"PT36H"'), '2021-01-02');
    assert.equal(feel('@"2021-01-02" - @"PT25H"'), '2020-12-31');
  });

  it('subtracts date-times as instants when both are zoned, and refuses to mix local and zoned', () => {
    assert.equal(feel('@"2021-01-02T10:10:10@Europe/Paris" - @"2021-01-01T10:10:10@Asia/Dhaka"'), 'P1DT5H');
    assert.equal(feel('@"2021-01-02T10:10:10@Europe/Paris" - @"2021-01-01"'), 'P1DT9H10M10S');
    assert.equal(feel('@"2021-01-02T10:10:10@Europe/Paris" - @"2021-01-01T10:10:10"'), null);
    assert.equal(feel('@"10:10:10" + @"P1Y"'), null);
  });

  it('reads 24:00:00 as the next midnight', () => {
    assert.equal(feel('@"2021-01-01T24:00:00" + @"PT1S"'), '2021-01-02T00:00:01');
  });

  it('compares only values of one type; mixing types or duration kinds is null with a warning', () => {
    assert.equal(feel('1 < 2'), true);
    const mixed = evaluateFeel('1 < "2"');
    assert.equal(mixed.value, null);
    assert.match(mixed.warnings.join(), /cannot compare/);
    assert.equal(feel('duration("P1Y") = duration("P365D")'), null);
    assert.deepEqual(feel('[1, 2, 3][item >= 2]'), [2, 3], 'a comparison in a filter stays a filter');
  });

  it('iterates integer and date ranges, and refuses decimal or huge ones instead of hanging', () => {
    assert.deepEqual(feel('for i in 3..1 return i'), [3, 2, 1]);
    assert.deepEqual(feel('for d in @"2024-02-28"..@"2024-03-01" return d'), ['2024-02-28', '2024-02-29', '2024-03-01']);
    assert.equal(feel('for i in 1.5..3 return i'), null);
    assert.equal(feel('for i in 1..100000000000 return i'), null);
  });

  it('filters a single value as a one-item list, and treats null range ends as errors', () => {
    assert.deepEqual(feel('"foo"[true]'), ['foo']);
    assert.equal(feel('5 in (null..10]'), null);
  });

  it('adds range() and the interval functions feelin leaves unimplemented', () => {
    assert.equal(feel('2 in range("[1..3]")'), true);
    assert.equal(feel('range("[3..1]")'), null);
    assert.equal(feel('during(5, [1..10])'), true);
    assert.equal(feel('during(10, [1..10))'), false);
    assert.equal(feel('starts([1..5], [1..10])'), true);
    assert.equal(feel('finished by([1..10], 10)'), true);
    assert.equal(feel('overlaps before([1..5], [3..8])'), true);
    assert.equal(feel('coincides([1..5], [1..5])'), true);
  });

  it('answers instance of range<T>, which feelin 8 cannot parse', () => {
    assert.equal(feel('[1..3] instance of range<number>'), true);
    assert.equal(feel('[1..3] instance of range<string>'), false);
    assert.equal(feel('[@"2024-01-01"..@"2024-12-31"] instance of range<date>'), true);
  });

  it('holds years up to ±999,999,999, beyond Temporal, with their real calendar', () => {
    // ISO weekday (1 = Monday) by Howard Hinnant's days-from-civil count, computed here without any date library.
    const weekday = (y: number, m: number, d: number): number => {
      const yy = m <= 2 ? y - 1 : y;
      const era = Math.floor(yy / 400);
      const yoe = yy - era * 400;
      const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
      const days = era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
      return ((((days + 3) % 7) + 7) % 7) + 1;
    };
    assert.equal(feel('string(date("999999999-12-31"))'), '999999999-12-31');
    assert.equal(feel('string(date(-999999999, 12, 31))'), '-999999999-12-31');
    assert.equal(feel('date("-999999999-12-31").year'), -999999999);
    assert.equal(feel('date(999999999, 12, 31).weekday'), weekday(999999999, 12, 31));
    assert.equal(feel('date(-999999996, 2, 29).weekday'), weekday(-999999996, 2, 29));
    assert.equal(feel('date(999999999, 2, 29)'), null, '999,999,999 is not a leap year');
    assert.equal(feel('string(date and time("999999999-12-31T23:59:59.999999999@Europe/Paris"))'), '999999999-12-31T23:59:59.999999999@Europe/Paris');
    assert.equal(feel('date("999999999-12-31") = date(999999999, 12, 31)'), true);
    assert.equal(feel('date("999999999-01-01") > date("2020-06-01")'), true);
    assert.equal(feel('date(-999999999, 12, 31) < date(-999999998, 1, 1)'), true);
    assert.equal(feel('date("999999999-12-31") - date("999999999-12-01")'), 'P30D');
    assert.equal(feel('date("999999999-12-31") - date("2020-01-01")'), null, 'not computed on the shifted year');
  });

  it('reads years before 1 and after 9999', () => {
    assert.equal(feel('string(@"-2021-01-01T10:10:10+11:00" + @"P1M")'), '-2021-02-01T10:10:10+11:00');
    assert.equal(feel('string(date and time("99999-12-31T11:22:33"))'), '99999-12-31T11:22:33');
    assert.equal(feel('date and time("+99999-12-01T11:22:33")'), null, 'XML Schema years have no plus sign');
  });

  it('reads XPath regular expressions: the x flag and class subtraction', () => {
    assert.equal(feel('matches("hello world", "he ll o[ ]worl d", "x")'), true);
    assert.equal(feel('matches("X", "[A-Z-[OI]]")'), true);
    assert.equal(feel('matches("O", "[A-Z-[OI]]")'), false);
    assert.equal(feel('matches("a", "a", "k")'), null, 'an unknown flag is an error');
  });

  it('checks temporal constructor text: offsets beyond ±18:00 and offset-plus-zone are errors', () => {
    assert.equal(feel('time("13:20:00+02:00")'), '13:20:00+02:00');
    assert.equal(feel('time("13:20:00+19:00")'), null);
    assert.equal(feel('date and time("2017-12-31T13:20:00+02:00@Europe/Paris")'), null);
    assert.equal(feel('duration("P1D") instance of days and time duration'), true, 'the guard does not disturb names containing "time"');
  });

  it('binds a few side-effect-free JDK methods for Java functions, and nothing else', () => {
    const fn = 'function(a, b) external {java: {class: "java.lang.Math", method signature: "max(double, double)"}}';
    assert.equal(feel(`{m: ${fn}, r: m(3, 4.5)}.r`), 4.5);
    assert.equal(feel('{p: function(s) external {java: {class: "java.lang.Integer", method signature: "valueOf(java.lang.String)"}}, r: p("12")}.r'), 12);
    assert.equal(feel('{f: function(s) external {java: {class: "java.lang.System", method signature: "exit(int)"}}, r: f(1)}.r'), null);
  });

  it('makes item definitions usable with instance of', () => {
    const xml = `<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="x" name="x" namespace="urn:x">
      <itemDefinition name="tApplicant"><itemComponent name="name"><typeRef>string</typeRef></itemComponent>
        <itemComponent name="age"><typeRef>number</typeRef></itemComponent></itemDefinition>
      <decision id="d" name="d"><literalExpression><text>[{name: "A", age: 3} instance of tApplicant, {name: "A"} instance of tApplicant, 3 instance of tApplicant]</text></literalExpression></decision>
    </definitions>`;
    assert.deepEqual(evaluateDecision(parseDmn(xml), 'd', {}).value, [true, false, false]);
  });
});
