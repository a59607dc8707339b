// The FEEL layer's for-loop ranges, comparisons and guarded temporal constructors (src/decisions/feel-rewrite.ts),
// each expectation taken from DMN 1.5 chapter 10 (or the TCK case named), not from what the code returns. Every test
// stands alone: the mutation runner runs only the tests that reach a mutant.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { evaluateFeel, evaluateUnaryTests, toJsonValue } from '../../src/decisions/index.js';

const feel = (expression: string): unknown => toJsonValue(evaluateFeel(expression).value);

/** The longest for-loop range (MAX_SEQUENCE in feel-rewrite.ts): feelin would build any length. */
const MAX = 100_000;

function nullWith(expression: string, warning: RegExp): void {
  const r = evaluateFeel(expression);
  assert.equal(r.value, null, expression);
  assert.match(r.warnings.join('\n'), warning, expression);
}

it('a for-loop range runs over integers or days, both ends included, up or down (TCK 0084)', () => {
  assert.deepEqual(feel('for i in 1..3 return i'), [1, 2, 3]);
  assert.deepEqual(feel('for i in 3..1 return i'), [3, 2, 1]);
  assert.deepEqual(feel('for i in -1..1 return i'), [-1, 0, 1]);
  assert.deepEqual(feel('for i in 2..2 return i'), [2]);
  assert.deepEqual(feel('for i in @"2021-01-30"..@"2021-02-02" return i'), ['2021-01-30', '2021-01-31', '2021-02-01', '2021-02-02']);
  assert.deepEqual(feel('for i in @"2021-02-02"..@"2021-01-31" return i'), ['2021-02-02', '2021-02-01', '2021-01-31']);
  assert.deepEqual(feel('for i in @"2021-02-02"..@"2021-02-02" return i'), ['2021-02-02']);
});

it('a for-loop range of anything but two integers or two dates is null, with a warning that says which', () => {
  nullWith('for i in 1.5..3 return i', /needs integer bounds/);
  nullWith('for i in 1..2.5 return i', /needs integer bounds/);
  nullWith('for i in @"2021-01-01"..3 return i', /needs two integers or two dates/);
  nullWith('for i in 1..@"2021-01-01" return i', /needs two integers or two dates/);
  nullWith('for i in "a".."b" return i', /needs two integers or two dates/);
});

it('a for-loop range holds at most 100,000 integers', () => {
  nullWith(`for i in 1..${MAX + 1} return i`, /limited to 100000 items/);
  nullWith(`for i in ${MAX + 1}..1 return i`, /limited to 100000 items/);
  nullWith(`for i in ${-MAX}..0 return i`, /limited to 100000 items/);
  // Far from zero, the length is the distance between the ends, not their sum.
  assert.deepEqual(feel(`for i in ${MAX}..${MAX + 1} return i`), [MAX, MAX + 1]);
});

it('a for-loop range of exactly 100,000 integers is built', () => {
  assert.equal(feel(`count(for i in 1..${MAX} return i)`), MAX);
});

it('a for-loop range holds at most 100,000 days', () => {
  // 2000-01-01 + 100,000 days is 2273-10-16: one day too many.
  nullWith('for d in @"2000-01-01"..@"2273-10-16" return d', /limited to 100000 items/);
  nullWith('for d in @"2273-10-16"..@"2000-01-01" return d', /limited to 100000 items/);
});

it('a for-loop range of exactly 100,000 days is built', () => {
  assert.equal(feel('count(for d in @"2000-01-01"..@"2273-10-15" return d)'), MAX);
});

it('numbers compare by value with each of the six operators', () => {
  const pairs: [number, number][] = [[1, 2], [2, 1], [1, 1], [-1.5, -1.25]];
  const expected: Record<string, (a: number, b: number) => boolean> = {
    '<': (a, b) => a < b,
    '<=': (a, b) => a <= b,
    '>': (a, b) => a > b,
    '>=': (a, b) => a >= b,
    '=': (a, b) => a === b,
    '!=': (a, b) => a !== b,
  };
  for (const [op, want] of Object.entries(expected)) {
    for (const [a, b] of pairs) assert.equal(feel(`${a} ${op} ${b}`), want(a, b), `${a} ${op} ${b}`);
  }
});

it('an operand of another kind than a number, string or boolean is not comparable with one: the warning names both', () => {
  const cases: [string, string][] = [
    ['1 < @"2021-01-01"', 'cannot compare number with a value'],
    ['@"2021-01-01" >= 1', 'cannot compare a value with number'],
    ['"a" < @"2021-01-01"', 'cannot compare string with a value'],
    ['@"2021-01-01" < "a"', 'cannot compare a value with string'],
    ['true = @"2021-01-01"', 'cannot compare boolean with a value'],
    ['[1] != false', 'cannot compare a value with boolean'],
    ['"1" = 1', 'cannot compare string with number'],
    ['true < "a"', 'cannot compare boolean with string'],
  ];
  for (const [expression, warning] of cases) {
    const r = evaluateFeel(expression);
    assert.equal(r.value, null, expression);
    assert.deepEqual(r.warnings, [warning], expression);
  }
  // Values of one kind still compare.
  assert.equal(feel('"a" < "b"'), true);
  assert.equal(feel('true = true'), true);
  assert.equal(feel('false != true'), true);
});

it('null equals only null, and orders against nothing (DMN 1.5 §10.3.2.2)', () => {
  assert.equal(feel('null = 1'), false);
  assert.equal(feel('1 = null'), false);
  assert.equal(feel('null != "a"'), true);
  assert.equal(feel('null = null'), true);
  const order = evaluateFeel('null < 1');
  assert.equal(order.value, null);
  assert.doesNotMatch(order.warnings.join(), /cannot compare/);
});

it('durations compare only with durations of the same kind', () => {
  assert.equal(feel('duration("P1Y") < duration("P2Y")'), true);
  assert.equal(feel('duration("P1D") >= duration("PT25H")'), false);
  const r = evaluateFeel('duration("P1Y") < duration("P400D")');
  assert.equal(r.value, null);
  assert.deepEqual(r.warnings, ['cannot compare a years-and-months duration with a days-and-time duration']);
  // Fixed with this test: feelin ordered a duration against a date (`@"P1D" < @"2021-01-01"` was true).
  for (const expression of ['@"P1D" < @"2021-01-01"', 'date(999999999, 12, 31) > duration("P1D")', '@"P1Y" >= @"10:00:00"']) {
    const mixed = evaluateFeel(expression);
    assert.equal(mixed.value, null, expression);
    assert.deepEqual(mixed.warnings, ['cannot compare a duration with a value of another type'], expression);
  }
});

it('a unary test as a value equals only the same unary test, and is not ordered (DMN 1.5 §10.3.2.7, TCK 0068)', () => {
  assert.equal(feel('(=10) = (=10)'), true);
  assert.equal(feel('(=10) != (=10)'), false);
  assert.equal(feel('(=10) = [10..10]'), false);
  assert.equal(feel('(=10) != [10..10]'), true);
  assert.equal(feel('(=10) != (!=10)'), true);
  assert.equal(feel('(=10) < (=10)'), null);
});

it('dates and date-times beyond Temporal’s years compare by their real year', () => {
  assert.equal(feel('date(999999999, 12, 31) > date(2021, 1, 1)'), true);
  assert.equal(feel('date(999999999, 12, 31) <= date(2021, 1, 1)'), false);
  assert.equal(feel('date("-999999999-12-31") < date("2021-01-01")'), true);
  assert.equal(feel('date and time("999999999-12-31T00:00:00") > date and time("2021-01-01T00:00:00")'), true);
  assert.equal(feel('date and time("999999999-12-31T00:00:00") < date and time("2021-01-01T00:00:00")'), false);
  assert.equal(feel('date(999999999, 12, 31) = date(999999999, 12, 31)'), true);
  // Against years whose order the 400-year cycle (wide-dates.ts) would reverse: 999999999 is held in 2399, -999999999 in 2001.
  assert.equal(feel('date(999999999, 12, 31) > date(2500, 1, 1)'), true);
  assert.equal(feel('date(999999999, 12, 31) = date(2399, 12, 31)'), false);
  assert.equal(feel('date("-999999999-12-31") < date(1900, 1, 1)'), true);
  assert.equal(feel('date and time("999999999-12-31T00:00:00") > date and time("2500-01-01T00:00:00")'), true);
  assert.equal(feel('date and time("999999999-12-31T00:00:00") != date and time("2399-12-31T00:00:00")'), true);
  // A date and a date-time are different types: not comparable (null), wide or not.
  assert.equal(feel('date(999999999, 12, 31) < date and time("2021-01-01T00:00:00")'), null);
  assert.equal(feel('date and time("999999999-12-31T00:00:00") > date("2021-01-01")'), null);
  assert.equal(feel('date(999999999, 12, 31) > [1]'), null);
});

it('a zone offset in temporal text is at most ±18:00, and never together with a zone id', () => {
  assert.equal(feel('time("10:00:00+18:00")'), '10:00:00+18:00');
  assert.equal(feel('time("10:00:00-17:59")'), '10:00:00-17:59');
  assert.equal(feel('time("10:00:00+01:00:30")'), '10:00:00+01:00:30');
  nullWith('time("10:00:00+18:30")', /time: invalid zone in '10:00:00\+18:30'/);
  nullWith('time("10:00:00+19:00:30")', /invalid zone/);
  // Fixed with this test: text after an invalid offset hid it, and feelin read `10:00:00+19:00Z` as `10:00:00Z`.
  nullWith('time("10:00:00+19:00Z")', /invalid zone/);
  nullWith('date("2021-01-01T10:00:00+19:00")', /date: invalid zone/);
  nullWith('date and time("2021-01-01T10:00:00+01:00@Europe/Paris")', /date and time: invalid zone/);
  nullWith('date and time("2021-01-01T10:00:00+01:00:30@Europe/Paris")', /invalid zone/);
  assert.equal(feel('date and time("2021-01-01T10:00:00@Europe/Paris")'), '2021-01-01T10:00:00@Europe/Paris');
});

it('temporal constructors take their `from` argument by name as well as by position', () => {
  assert.equal(feel('date(from: "2021-01-01")'), '2021-01-01');
  assert.equal(feel('time(from: "10:00:00")'), '10:00:00');
  assert.equal(feel('date and time(from: "2021-01-01T10:00:00")'), '2021-01-01T10:00:00');
  assert.equal(feel('duration(from: "P1D")'), 'P1D');
  assert.equal(feel('date(year: 2021, month: 2, day: 3)'), '2021-02-03');
  assert.equal(feel('time(hour: 10, minute: 20, second: 30)'), '10:20:30');
  assert.equal(feel('date and time(date: date("2021-01-01"), time: time("10:00:00"))'), '2021-01-01T10:00:00');
  assert.equal(feel('date(2021, 2, 3)'), '2021-02-03');
  assert.equal(feel('time(10, 20, 30)'), '10:20:30');
  assert.equal(feel('time(10, 20, 30, duration("PT1H"))'), '10:20:30+01:00');
  // By name, `from` gets the checks a positional text gets: zone, wide year.
  nullWith('time(from: "10:00:00+18:30")', /time: invalid zone/);
  assert.equal(feel('date(from: "999999999-12-31")'), '999999999-12-31');
  // No signature mixes `from` with the parts.
  assert.equal(feel('time(hour: 10, from: "11:00:00")'), null);
});

it('time keeps a fractional second (TCK 0007), and a null second is null', () => {
  assert.equal(feel('time(10, 20, 30.5)'), '10:20:30.5');
  assert.equal(feel('time(hour: 10, minute: 20, second: 1.25, offset: duration("PT1H"))'), '10:20:01.25+01:00');
  const noSecond = evaluateFeel('time(10, 20, null)');
  assert.equal(noSecond.value, null);
  assert.doesNotMatch(noSecond.warnings.join(), /FEEL error/);
  assert.equal(feel('time(999999999, 1, 1)'), null);
});

it('a duration with a decimal point and no digits after it is read as XML Schema reads it', () => {
  assert.equal(feel('duration("PT1.S")'), 'PT1S');
  assert.equal(feel('duration("PT0.S")'), 'PT0S');
  assert.equal(feel('duration("PT1.5S")'), 'PT1.5S');
  const r = evaluateFeel('duration(1)');
  assert.equal(r.value, null);
  assert.doesNotMatch(r.warnings.join(), /FEEL error/);
});

it('dates with years beyond Temporal’s range are built from text and from parts', () => {
  assert.equal(feel('date(999999999, 12, 31)'), '999999999-12-31');
  assert.equal(feel('date("999999999-12-31")'), '999999999-12-31');
  assert.equal(feel('date(date("999999999-12-31"))'), '999999999-12-31');
  assert.equal(feel('date and time("999999999-12-31T10:00:00")'), '999999999-12-31T10:00:00');
  nullWith('date(999999999, 2, 30)', /date: not a valid date 999999999-2-30/);
  // Not three parts: no date signature, so not read as a wide date's parts either.
  const two = evaluateFeel('date(999999999, 12)');
  assert.equal(two.value, null);
  assert.doesNotMatch(two.warnings.join(), /not a valid date/);
  nullWith('date and time("999999999-12-31")', /date and time: not a valid value '999999999-12-31'/);
  nullWith('date("999999999-12-31T00:00:00")', /date: not a valid value/);
});

it('a constructor given text takes nothing else: text and more arguments match no signature (DMN 1.5 §10.3.4.1)', () => {
  // date and time(date, time) takes a date or date and time first; feelin read text there and dropped the time.
  nullWith('date and time("2021-01-01T10:00:00", time("11:00:00"))', /date and time: text takes no other argument/);
  nullWith('date and time("2021-01-01T10:00:00+18:30", time("10:00:00"))', /date and time: text takes no other argument/);
  assert.equal(feel('date and time(date("2021-01-01"), time("11:00:00"))'), '2021-01-01T11:00:00');
  assert.equal(feel('date and time(date and time("2021-01-01T05:00:00"), time("11:00:00"))'), '2021-01-01T11:00:00');
  // feelin ignored what followed the text, except for a wide year, which it could not read: now alike, and null.
  nullWith('date("2021-01-01", null)', /date: text takes no other argument/);
  nullWith('date("999999999-12-31", null)', /date: text takes no other argument/);
  nullWith('time("10:00:00", 5)', /time: text takes no other argument/);
  assert.equal(feel('date("2021-01-01")'), '2021-01-01');
});

it('year, month, day, hour and minute are whole numbers; only the second has a fraction', () => {
  nullWith('date(2021, 1, 1.5)', /date: not a whole number in \(2021, 1, 1\.5\)/);
  nullWith('date(2021, 1.5, 1)', /date: not a whole number/);
  nullWith('date(2021.5, 1, 1)', /date: not a whole number/);
  nullWith('date(year: 2021, month: 1, day: 1.5)', /date: not a whole number/);
  nullWith('date(999999999.5, 12, 31)', /date: not a whole number/);
  nullWith('date(2021, 1, 1.00000000000000000001)', /date: not a whole number/);
  nullWith('time(10.5, 0, 0)', /time: not a whole number in \(10\.5, 0, 0\)/);
  nullWith('time(10, 0.5, 0)', /time: not a whole number/);
  // A whole number written with a point is whole.
  assert.equal(feel('date(2021, 1, 1.0)'), '2021-01-01');
  assert.equal(feel('time(10.0, 30, 1.5)'), '10:30:01.5');
});

it('an offset given to time as a duration is at most ±18:00, as an offset in text is', () => {
  assert.equal(feel('time(10, 0, 0, duration("PT18H"))'), '10:00:00+18:00');
  assert.equal(feel('time(10, 0, 0, duration("-PT18H"))'), '10:00:00-18:00');
  // feelin built 10:00:00+19:00, a time whose text no constructor reads back.
  nullWith('time(10, 0, 0, duration("PT19H"))', /time: offset beyond ±18:00/);
  nullWith('time(10, 0, 0, duration("-PT18H30M"))', /time: offset beyond ±18:00/);
  nullWith('time(10, 0, 0, duration("PT18H0M1S"))', /time: offset beyond ±18:00/);
  nullWith('time(10, 0, 1.5, duration("PT19H"))', /time: offset beyond ±18:00/);
});

it('the parts of a wide-year date given by name are read as its parts', () => {
  // A named call fills every parameter slot; the empty `from` slot must not make it a four-argument call.
  assert.equal(feel('date(year: 999999999, month: 12, day: 31)'), '999999999-12-31');
  assert.equal(feel('date(year: -999999999, month: 1, day: 1)'), '-999999999-01-01');
});

it('only time reads its third argument as seconds: date and time has no third part (DMN 1.5 §10.3.4.1)', () => {
  // Three numbers are a time's parts, not a date and time's: no signature of date and time takes them.
  assert.equal(feel('date and time(10, 30, 1.5)'), null);
  assert.equal(feel('date and time(date("2021-01-01"), time("10:00:00"), 1.5)'), null);
  // Nor are they a whole-number part or an offset of anything but time: no such warning for a call that has none.
  for (const call of ['date and time(10.5, 30)', 'date(2021, 1, 1, duration("PT19H"))']) {
    const r = evaluateFeel(call);
    assert.equal(r.value, null, call);
    assert.doesNotMatch(r.warnings.join(), /whole number|offset/, call);
  }
  assert.equal(feel('date and time(date("2021-01-01"), time("10:00:00"))'), '2021-01-01T10:00:00');
  assert.equal(feel('time(10, 0, 1.5)'), '10:00:01.5');
});

it('an @ literal is its constructor\'s text: an offset beyond ±18:00, or with a zone id, is null there too', () => {
  // feelin's @ took what time("…") and date and time("…") refuse.
  nullWith('@"10:00:00+19:00"', /invalid zone in '10:00:00\+19:00'/);
  nullWith('@"2021-01-01T10:00:00-18:30"', /invalid zone/);
  nullWith('@"2021-01-01T10:00:00+01:00@Europe/Paris"', /invalid zone/);
  nullWith('@"-2021-01-01T10:10:10+19:00"', /invalid zone/);
  nullWith('time(@"10:00:00+19:00")', /invalid zone/);
  assert.equal(feel('@"10:00:00+18:00"'), '10:00:00+18:00');
  assert.equal(feel('@"2021-01-01T10:00:00@Europe/Paris"'), '2021-01-01T10:00:00@Europe/Paris');
  assert.deepEqual(evaluateFeel('@"-2021-01-01T10:10:10+11:00"').warnings, []);
  assert.notEqual(evaluateFeel('@"-2021-01-01T10:10:10+11:00"').value, null);
  assert.equal(feel('@"P1D"'), 'P1D');
});

it('an @ literal with an invalid zone is null alone: the other literals of the expression keep their values', () => {
  // Each @ literal is its own constructor call (DMN 1.5 §10.3.2.3.8): another literal's offset says nothing about it.
  const r = evaluateFeel('[@"10:00:00", @"10:00:00+19:00", @"P1D"]');
  assert.deepEqual(toJsonValue(r.value), ['10:00:00', null, 'P1D']);
  assert.match(r.warnings.join('\n'), /invalid zone in '10:00:00\+19:00'/);
});

it('only duration text may end in a point with no digits: a date text ending so is refused, and quoted as written', () => {
  // XML Schema's `PT1.S` is a duration's form; `99999-12-31.S` is no date (null), and the warning names what was given.
  const r = evaluateFeel('date("99999-12-31.S")');
  assert.equal(r.value, null);
  assert.match(r.warnings.join('\n'), /'99999-12-31\.S'/);
  assert.doesNotMatch(r.warnings.join('\n'), /'99999-12-31S'/);
});

it('a date or date and time built from a wide-year value keeps its real year', () => {
  // feelin read the value in its 400-year cycle year: date(date and time("999999999-12-31T10:00:00")) was 2399-12-31.
  assert.equal(feel('date(date and time("999999999-12-31T10:00:00"))'), '999999999-12-31');
  assert.equal(feel('date(@"-999999999-01-01T10:00:00Z")'), '-999999999-01-01');
  assert.equal(feel('date and time(date("999999999-12-31"), time("10:00:00"))'), '999999999-12-31T10:00:00');
  assert.equal(feel('date and time(date and time("999999999-12-31T10:00:00"), time("11:00:00Z"))'), '999999999-12-31T11:00:00Z');
  assert.equal(feel('date(date and time("999999999-12-31T10:00:00")) = date("999999999-12-31")'), true);
  assert.equal(feel('time(date and time("999999999-12-31T10:00:00"))'), '10:00:00');
  assert.equal(feel('date(date and time("2021-12-31T10:00:00"))'), '2021-12-31');
});

it('a host function that returns nothing compares as null: null, with no warning naming the layer\'s own parameters', () => {
  // DMN has no undefined: `f(1) < 1` is `null < 1`, which is null without a warning.
  const f = function (a: unknown): void {
    void a;
  };
  for (const expression of ['f(1) < 1', '1 < f(1)', 'f(1) >= 1']) {
    const r = evaluateFeel(expression, { f });
    assert.equal(r.value, null, expression);
    assert.deepEqual(r.warnings, [], expression);
  }
  assert.equal(evaluateFeel('f(1) = null', { f }).value, true);
});

it('a comparison inside a list of a unary-test list is compared by FEEL\'s rules, as the same list alone is', () => {
  // `[x < ""]` is a list holding a comparison of a number with a string: null with a warning, whether or not
  // another test comes before it, so `true` matches neither (x = -1).
  for (const tests of ['[x < ""]', '1, [x < ""]']) {
    const r = evaluateUnaryTests(tests, true, { x: -1 });
    assert.equal(r.value, false, tests);
    assert.match(r.warnings.join('\n'), /cannot compare number with string/, tests);
  }
  assert.equal(evaluateUnaryTests('1, [x < 0]', true, { x: -1 }).value, true);
});
