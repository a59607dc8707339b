// The syntax rewrites govflow applies to a FEEL expression before feelin evaluates it (feel-rewrite.ts,
// `rewriteExpression` and the functions it calls), one behaviour per test, each expectation taken from DMN 1.5
// chapter 10 or the TCK case the rewrite exists for, not from what the code returns.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateFeel, toJsonValue } from '../../src/decisions/index.js';

const feel = (expression: string, context: Record<string, unknown> = {}): unknown => toJsonValue(evaluateFeel(expression, context).value);
const warnings = (expression: string): string => evaluateFeel(expression).warnings.join(' | ');

describe('FEEL syntax rewrites', () => {
  it('keeps a fraction of a second to the microsecond in time(h, m, s) and is null for an invalid hour', () => {
    // DMN 1.5 §10.3.4.3: second is a number, its fraction is part of the time.
    assert.deepEqual(feel('time(10, 0, 1.000123)'), '10:00:01.000123');
    assert.deepEqual(feel('time(10, 0, 1.5)'), '10:00:01.5');
    // An hour of 25 is an invalid value: null, reported as such and not as an evaluation failure.
    assert.deepEqual(feel('time(25, 0, 1.5)'), null);
    assert.doesNotMatch(warnings('time(25, 0, 1.5)'), /FEEL error|Cannot read/);
  });

  it('reads a negative literal written with a space after the minus as that number', () => {
    // FEEL grammar rule 4 (arithmetic negation): `- 1` is -1, however many spaces.
    assert.deepEqual(feel('- 1'), -1);
    assert.deepEqual(feel('- 1.5'), -1.5);
    assert.deepEqual(feel('1 - - 2'), 3);
    assert.deepEqual(feel('[5, 6][item > - 1 * 0]'), [5, 6]);
  });

  it('negates only with a minus: a leading plus, which feelin accepts, leaves the value as it is', () => {
    // DMN 1.5's grammar has no unary plus; feelin reads `+ x` as x, and it must never become a negation.
    assert.deepEqual(feel('+ x', { x: 5 }), 5);
    assert.deepEqual(feel('- x', { x: 5 }), -5);
  });

  it('keeps a number literal with more digits than a double exactly (FEEL numbers are decimals)', () => {
    assert.deepEqual(feel('1.00000000000000000001 - 1 = 0.00000000000000000001'), true);
    assert.deepEqual(feel('1.00000000000000000001 > 1'), true);
    assert.deepEqual(feel('1.00000000000000000001 = 1'), false);
    assert.deepEqual(feel('string(1.00000000000000000001)'), '1.00000000000000000001');
    assert.deepEqual(feel('- 1.00000000000000000001 < -1'), true);
  });

  it('indexes a list with an exact integer literal, and filters it with a comparison', () => {
    assert.deepEqual(feel('[10, 20, 30][2]'), 20);
    assert.deepEqual(feel('[10, 20, 30][-1]'), 30);
    assert.deepEqual(feel('[10, 20, 30][item > 15]'), [20, 30]);
  });

  it('compares each of the six operators on decimals exactly, and refuses to compare across types', () => {
    assert.deepEqual(feel('1.00000000000000000001 <= 1'), false);
    assert.deepEqual(feel('1 >= 1.00000000000000000001'), false);
    assert.deepEqual(feel('1.00000000000000000001 != 1'), true);
    assert.deepEqual(feel('1 < 1.00000000000000000001'), true);
    assert.deepEqual(feel('1.00000000000000000001 > 1'), true);
    // §10.3.2.9: comparing values of different types is null.
    for (const e of ['1 <= "2"', '"2" >= 1', '1 != "1"', '@"P1Y" <= @"P1D"']) {
      assert.deepEqual(feel(e), null, e);
      assert.match(warnings(e), /cannot compare/, e);
    }
  });

  it('compares the result of a comparison with the same rules (left-nested comparison)', () => {
    assert.deepEqual(feel('1 < 1.00000000000000000001 = true'), true);
    assert.deepEqual(feel('1 <= "a" = null'), true);
  });

  it('compares in an iteration context with the same rules (a number and a string do not compare)', () => {
    assert.match(warnings('for i in 1 <= "a" return i'), /cannot compare/);
  });

  it('compares inside a list literal with the same rules as anywhere else', () => {
    assert.deepEqual(feel('[1 < 1.00000000000000000001]'), [true]);
    assert.deepEqual(feel('[duration("P1Y") = duration("P365D")]'), [null]);
    assert.match(warnings('[1 <= "a"]'), /cannot compare/);
  });

  it('rewrites inside a filter condition too: a context literal with a twice-named entry is null there', () => {
    assert.deepEqual(feel('[1, 2][item = {a: 1, a: 2}.a]'), []);
    assert.match(warnings('[1, 2][item = {a: 1, a: 2}.a]'), /names an entry twice/);
  });

  it('filters a single value as the list of that value, and null as null (TCK 0069)', () => {
    assert.deepEqual(feel('true[true]'), [true]);
    assert.deepEqual(feel('5[item > 1]'), [5]);
    assert.deepEqual(feel('null[true]'), null);
    assert.deepEqual(feel('x[true]', { x: null }), null);
  });

  it('treats (= v) and (!= v) as one-point ranges equal only to the same test, never to null (§10.3.2.7)', () => {
    assert.deepEqual(feel('(!= 1) = (!= 1)'), true);
    assert.deepEqual(feel('(!= 1) = (= 1)'), false);
    assert.deepEqual(feel('(!= 1) = null'), false);
    assert.deepEqual(feel('(= 1) = null'), false);
  });

  it('finds a context literal naming an entry twice, quoted or not, and with any spacing (TCK 0057)', () => {
    assert.deepEqual(feel('{"a": 1, a: 2}'), null);
    assert.match(warnings('{"a": 1, a: 2}'), /names an entry twice/);
    assert.deepEqual(feel('{a  b: 1, a b: 2}'), null);
    assert.deepEqual(feel('{a: 1, a: 2}'), null);
    assert.deepEqual(feel('{a b: 1, ab: 2}'), { 'a b': 1, ab: 2 });
  });

  it('refuses a range literal with a null end and quotes the literal in the warning (TCK 0068)', () => {
    assert.deepEqual(feel('[null..10]'), null);
    assert.match(warnings('[null..10]'), /range literal with a null end: \[null\.\.10\]$/);
    assert.deepEqual(feel('count([null.."a"])'), null);
    assert.match(warnings('count([null.."a"])'), /range literal with a null end: \[null\.\.a\]$/);
  });

  it('reads a constructor name with extra spaces as the same guarded constructor', () => {
    // DMN 1.5 §10.3.4.3: years beyond 9999 are allowed; an offset beyond ±14:00 is not a time zone.
    assert.deepEqual(feel('date and  time("99999-01-01T00:00:00").year'), 99999);
    assert.deepEqual(feel('date and  time("2021-01-01T10:00:00@+25:00")'), null);
    assert.match(warnings('date and  time("2021-01-01T10:00:00@+25:00")'), /invalid zone/);
  });

  it('checks a context type with a space before < on decimals (instance of, §10.3.2.9.4)', () => {
    assert.deepEqual(feel('{a: 1.00000000000000000001} instance of context <a: number>'), true);
    assert.deepEqual(feel('{a: "x"} instance of context <a: number>'), false);
  });

  it('binds an external Java function by its parameter names, so a named call works', () => {
    const max = 'function(a, b) external {java: {class: "java.lang.Math", "method signature": "max(double, double)"}}';
    assert.deepEqual(feel(`{f: ${max}, r: f(a: 1, b: 3)}.r`), 3);
    assert.deepEqual(feel(`{f: ${max}, r: f(b: 7, a: 2)}.r`), 7);
  });

  it('conforms a typed parameter: a non-conforming argument is null (§10.3.2.13.2, TCK 0082)', () => {
    assert.deepEqual(feel('(function(a: number) a)("s")'), null);
    assert.deepEqual(feel('(function(a: number, b) b)(1, "s")'), 's');
    assert.deepEqual(feel('(function(a: string) a)("s")'), 's');
    // A FEEL name may contain spaces (grammar rule 27); the parameter's type applies all the same.
    assert.deepEqual(feel('(function(x y: number) x y)("s")'), null);
    assert.deepEqual(feel('(function(x y: number) x y + 1)(1)'), 2);
    assert.deepEqual(feel('(function(a b c: string, d: number) a b c)(1, 1)'), null);
    // Letters beyond ASCII and the name symbols `'` and `.` are part of a name too (grammar rules 27–30).
    assert.deepEqual(feel('(function(é: number) é)("s")'), null);
    assert.deepEqual(feel("(function(a': number) a' + 1)(1)"), 2);
    assert.deepEqual(feel("(function(a': number) a')(\"s\")"), null);
    assert.deepEqual(feel('(function(x  y: number) x y)("s")'), null);
  });

  it('conforms a typed parameter whatever name symbols FEEL allows it: digits, a middle dot, a combining mark, a tie (grammar rules 27–30)', () => {
    // Digits may follow the first character of every word of a name.
    assert.deepEqual(feel('(function(line1 total22: number) line1 total22)("s")'), null);
    assert.deepEqual(feel('(function(line1 total22: number) line1 total22 + 1)(1)'), 2);
    // NamePartChar: U+00B7, U+0300–U+036F, U+203F–U+2040; NameStartChar: U+2070–U+218F.
    assert.deepEqual(feel('(function(a·b: number) a·b)("s")'), null);
    assert.deepEqual(feel('(function(e\u0301: number) e\u0301)("s")'), null);
    assert.deepEqual(feel('(function(a‿b: number) a‿b)("s")'), null);
    assert.deepEqual(feel('(function(a‿b: number) a‿b + 1)(1)'), 2);
    assert.deepEqual(feel('(function(ⅷ: number) ⅷ)("s")'), null);
  });

  it('calls string() by its parameter name from, as DMN 1.5 §10.3.4.1 names it', () => {
    assert.deepEqual(feel('string(from: 1.5)'), '1.5');
    assert.deepEqual(feel('string(from: "a")'), 'a');
  });

  it('refuses temporal text whose offset is followed by a bare @ or whose day has one digit, with a warning', () => {
    // An offset and a zone id together are not valid (§10.3.4.3), nor is an @ with no zone id after it.
    assert.deepEqual(feel('time("10:00:00+01:00@")'), null);
    assert.match(warnings('time("10:00:00+01:00@")'), /10:00:00\+01:00@/);
    assert.deepEqual(feel('date and time("2020-01-01T10:00:00+01:00@")'), null);
    assert.match(warnings('date and time("2020-01-01T10:00:00+01:00@")'), /2020-01-01T10:00:00\+01:00@/);
    // An extended year needs a two-digit month and day like any other date (XML Schema's date lexical form).
    assert.deepEqual(feel('@"10000-01-1"'), null);
    assert.match(warnings('@"10000-01-1"'), /10000-01-1/);
  });
});
