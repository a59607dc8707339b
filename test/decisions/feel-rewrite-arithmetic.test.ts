// The FEEL rewrite layer's own arithmetic, iteration, typed parameters, external functions and literals
// (src/decisions/feel-rewrite.ts, first half): each expectation follows DMN 1.5 chapter 10 — an operation FEEL does
// not define is null with a warning saying why, never an internal error — not what the code happens to return.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { evaluateFeel, runTck, toJsonValue } from '../../src/decisions/index.js';

const run = (expression: string, context: Record<string, unknown> = {}): { value: unknown; warnings: string } => {
  const r = evaluateFeel(expression, context);
  return { value: toJsonValue(r.value), warnings: r.warnings.join('\n') };
};

/** Null, with a warning matching `why` and no internal error. */
function refused(expression: string, why: RegExp, context: Record<string, unknown> = {}): string {
  const r = run(expression, context);
  assert.equal(r.value, null, expression);
  assert.match(r.warnings, why, expression);
  assert.doesNotMatch(r.warnings, /FEEL error/, expression);
  return r.warnings;
}

describe('FEEL rewrite: arithmetic', () => {
  it('evaluates a rewritten expression without warnings', () => {
    assert.deepEqual(run('1 + 1'), { value: 2, warnings: '' });
  });

  it('scales and divides days-and-time durations counting hours, minutes and seconds', () => {
    assert.equal(run('@"PT1H1M1S" * 2').value, 'PT2H2M2S');
    assert.equal(run('@"PT1M30S" / @"PT30S"').value, 3);
    assert.equal(run('@"PT1H30M" / @"PT1M"').value, 90);
  });

  it('a duration scaled beyond what a number can hold is null with a warning', () => {
    refused(`@"P1D" * 1${'0'.repeat(400)}`, /duration scaled by a non-finite number/);
  });

  it('refuses duration divisions FEEL does not define, each with its own reason', () => {
    refused('@"P10D" / 0', /division of a duration by zero/);
    refused('@"P1Y" / @"P1D"', /cannot divide durations of different kinds/);
    refused('@"P1D" / @"PT0S"', /division by a zero duration/);
    const w = refused('10 / @"P1D"', /cannot divide a number by a duration/);
    assert.doesNotMatch(w, /different kinds/);
  });

  it('a time takes neither a years-and-months duration nor a date, and a local date-time does not mix with a zoned one', () => {
    refused('@"10:10:10" + @"P1Y"', /a time cannot be combined with a years-and-months duration/);
    refused('@"10:00:00" - @"2021-01-01"', /a time cannot be subtracted from or by a date/);
    refused('@"2021-01-02T10:10:10@Europe/Paris" - @"2021-01-01T10:10:10"', /cannot subtract a local date and time from a zoned one/);
    refused('@"2021-01-02T10:10:10" - @"2021-01-01T10:10:10@Europe/Paris"', /cannot subtract a local date and time from a zoned one/);
  });

  it('date arithmetic beyond the years Temporal holds is null with a warning', () => {
    refused('@"999999999-01-01" + @"P1D"', /limited to years within/);
  });

  it('an operation undefined for its operand types is null, warned about, and not blamed on another operation', () => {
    const cases: [string, RegExp][] = [
      ['@"10:00:00" * @"P1Y"', /years-and-months|cannot be combined/],
      ['@"10:00:00" + @"2021-01-01"', /cannot be subtracted/],
      ['1 - @"2021-01-01T00:00:00"', /local date and time/],
      ['"a" * 2', /duration/],
      ['"a" * "b"', /duration/],
      ['@"P1D" * @"P1D"', /duration/],
      ['"a" / 2', /duration/],
      ['"a" / @"P1D"', /a number by a duration/],
    ];
    for (const [expression, wrong] of cases) {
      const r = run(expression);
      assert.equal(r.value, null, expression);
      assert.doesNotMatch(r.warnings, wrong, expression);
      assert.doesNotMatch(r.warnings, /FEEL error/, expression);
    }
    // Negating what is not a number or a duration is an error, and says so.
    const negated = run('-@"2021-01-01"');
    assert.equal(negated.value, null);
    assert.match(negated.warnings, /2021-01-01/);
    assert.doesNotMatch(negated.warnings, /not found|FEEL error/);
  });

  it('negates a decimal without rounding it to a double', () => {
    assert.equal(run('string(-(12345678901234567890 + 1))').value, '-12345678901234567891');
  });

  it('subtracts two date-times with a Z offset as instants', () => {
    assert.equal(run('@"2021-01-02T00:00:00Z" - @"2021-01-01T12:00:00Z"').value, 'PT12H');
  });

  it('a date or date-time moved beyond the years Temporal holds is null with a warning, and the rest of the expression goes on', () => {
    // 99,999,999 days is some 273,785 years: Temporal threw, and the whole expression ended in an internal error.
    refused('@"2021-01-01" + duration("P99999999D")', /date arithmetic is limited to years within ±270,000/);
    refused('duration("P99999999D") + @"2021-01-01"', /date arithmetic is limited/);
    refused('@"2021-01-01T00:00:00" + duration("P99999999D")', /date arithmetic is limited/);
    const r = run('[@"2021-01-01" + duration("P99999999D"), 1]');
    assert.deepEqual(r.value, [null, 1]);
    assert.doesNotMatch(r.warnings, /FEEL error/);
    assert.deepEqual(run('@"2021-01-01" + duration("P999999D")'), { value: '4758-11-28', warnings: '' });
  });
});

describe('FEEL rewrite: iterating over a range', () => {
  it('iterates a range of integers in order, leaving out open ends', () => {
    assert.deepEqual(run('for i in [1..3] return i').value, [1, 2, 3]);
    assert.deepEqual(run('for i in (1..3] return i').value, [2, 3]);
    assert.deepEqual(run('for i in [1..3) return i').value, [1, 2]);
    assert.deepEqual(run('for i in [2..2] return i').value, [2]);
    assert.deepEqual(run('for i in (1..2) return i').value, []);
  });

  it('refuses a range with non-integer or descending ends', () => {
    for (const e of ['for i in [1.5..3] return i', 'for i in [1..2.5] return i', 'for i in [3..1] return i', 'for i in [@"2021-01-01"..@"2021-01-03"] return i']) {
      refused(e, /only a range of integers in ascending order can be iterated/);
    }
  });
});

describe('FEEL rewrite: unary tests as values', () => {
  it('(=10) equals only the same unary test', () => {
    assert.equal(run('(=10) = (=10)').value, true);
    assert.equal(run('(=10) = (=11)').value, false);
    assert.equal(run('(=10) = (!=10)').value, false);
    assert.equal(run('(=10) = [10..10]').value, false);
    assert.equal(run('{operator: "=", start: 10} = (=10)').value, false);
    assert.equal(run('(=10) = {operator: "=", start: 10}').value, false);
  });
});

describe('FEEL rewrite: typed parameters', () => {
  it('a built-in type named with spaces, however many, checks its argument', () => {
    assert.equal(run('(function(x: days and time duration) x)(@"P1D")').value, 'P1D');
    refused('(function(x: days and time duration) x)("a")', /^function argument: .*does not conform/m);
    refused('(function(x: days  and  time  duration) x)("a")', /does not conform/);
  });

  it('a conforming argument passes without warnings', () => {
    assert.deepEqual(run('(function(x: number) x + 1)(1)'), { value: 2, warnings: '' });
  });

  it('checks context<…> types however they are spaced', () => {
    for (const type of ['context <a: number>', 'context<a: number>', 'context<ab: number>', 'context<ab : number>', 'context<ab:number>']) {
      const key = type.includes('ab') ? 'ab' : 'a';
      refused(`(function(c: ${type}) c)({${key}: "x"})`, /does not conform/);
      assert.deepEqual(run(`(function(c: ${type}) c)({${key}: 1})`).value, { [key]: 1 }, type);
    }
  });

  it('a parameter whose type is not a known one is not checked', () => {
    assert.deepEqual(run('(function(c: context<a: foo>) c)({a: "x"})'), { value: { a: 'x' }, warnings: '' });
  });
});

describe('FEEL rewrite: external functions', () => {
  it('calls a Java method named by class and signature', () => {
    assert.equal(run('(function(a, b) external {java: {class: "java.lang.Math", method signature: "max(int, int)"}})(1, 2)').value, 2);
  });

  it('refuses anything but a Java binding, and names a missing Java method', () => {
    for (const body of ['{js: {}}', '{java: null}', 'null', '{java: 1}']) {
      refused(`(function(a) external ${body})(1)`, /only Java external functions are supported/);
    }
    refused('(function(a) external {java: {class: "java.lang.Nope", method signature: "x(int)"}})(1)', /Java method java\.lang\.Nope\.x\(int\) is not available/);
  });
});

describe('FEEL rewrite: is()', () => {
  it('null is not the same as a duration', () => {
    assert.deepEqual(run('is(null, @"P1D")'), { value: false, warnings: '' });
    assert.equal(run('is(@"P1D", @"P1D")').value, true);
  });
});

describe('FEEL rewrite: extended years, string() and 24:00', () => {
  it('refuses an extended-year date that does not exist, or with text after it', () => {
    refused('@"12023-02-29"', /not a valid date: '12023-02-29'/);
    refused('@"12023-02-29T10:00:00"', /not a valid date/);
    refused('date(s)', /not a valid value/, { s: '-2021-01-01\n' });
    assert.equal(run('@"-2021-01-01\\n"').value, null);
    // Decided: a month or day out of range is as invalid as a 29 February that does not exist, and warns the same way.
    refused('@"-2021-13-45"', /not a valid date: '-2021-13-45'/);
    refused('@"999999999-13-01T10:00:00"', /not a valid date/);
  });

  it('writes numbers, strings and extended years as FEEL does', () => {
    assert.equal(run('string(12345678901234567890)').value, '12345678901234567890');
    assert.equal(run('string("-0001234")').value, '-0001234');
    assert.equal(run('string("+00012345")').value, '+00012345');
    assert.equal(run('string(@"-0500-01-01")').value, '-0500-01-01');
    assert.equal(run('string(@"12021-01-01")').value, '12021-01-01');
  });

  it('reads T24:00:00 (with zero fractions and a zone) as the next midnight, and nothing else', () => {
    assert.equal(run('@"2021-01-01T24:00:00.00"').value, '2021-01-02T00:00:00');
    assert.equal(run('@"2021-01-01T24:00:00Z"').value, '2021-01-02T00:00:00Z');
    assert.equal(run('@"2021-01-01T24:00:00@Europe/Paris"').value, '2021-01-02T00:00:00@Europe/Paris');
    const prefixed = run('@"a2021-01-01T24:00:00"');
    assert.equal(prefixed.value, null);
    assert.doesNotMatch(prefixed.warnings, /FEEL error/);
    assert.equal(run('@"2021-01-01T24:00:00\\n"').value, null);
  });
});

describe('FEEL rewrite: extended years in TCK inputs', () => {
  it('an impossible extended-year xsd:date input (29 February 12023) is null, not an exception', () => {
    const root = mkdtempSync(path.join(tmpdir(), 'govflow-tck-'));
    try {
      const folder = path.join(root, 'compliance-level-2', '9999-extended-year');
      mkdirSync(folder, { recursive: true });
      writeFileSync(path.join(folder, 'model.dmn'), `<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="m" name="m" namespace="urn:m">
  <inputData id="i_d" name="d"><variable name="d" typeRef="date"/></inputData>
  <decision id="out" name="out"><variable name="out"/><informationRequirement><requiredInput href="#i_d"/></informationRequirement>
    <literalExpression><text>d</text></literalExpression></decision>
</definitions>`);
      writeFileSync(path.join(folder, '9999-extended-year-test-01.xml'), `<testCases xmlns="http://www.omg.org/spec/DMN/20160719/testcase" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:xsd="http://www.w3.org/2001/XMLSchema">
  <modelName>model.dmn</modelName>
  <testCase id="001">
    <inputNode name="d"><value xsi:type="xsd:date">12023-02-29</value></inputNode>
    <resultNode name="out"><expected><value xsi:nil="true"/></expected></resultNode>
  </testCase>
</testCases>`);
      const summary = runTck({ root, levels: ['compliance-level-2'] });
      assert.deepEqual(summary.rows.map((r) => [r.testCase, r.result]), [['001', 'SUCCESS']]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
