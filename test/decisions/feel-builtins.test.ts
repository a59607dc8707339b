// The FEEL built-ins govflow layers over feelin (src/decisions/feel-builtins.ts): interval functions, range(),
// list replace(), XPath regular expressions, `range<T>` guards and the decision clock. Expected values come from
// DMN 1.5 (chapter 10: table 78's interval formulas, 10.3.4's built-ins, XPath regex rules), not from the code.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateDecision, evaluateFeel, parseDmn, toJsonValue } from '../../src/decisions/index.js';

/** The value of a FEEL expression; a built-in that throws instead of answering null fails the test. */
function feel(expression: string, context: Record<string, unknown> = {}): unknown {
  const result = evaluateFeel(expression, context);
  assert.deepEqual(result.warnings.filter((w) => w.startsWith('FEEL error')), [], expression);
  return toJsonValue(result.value);
}

describe('FEEL built-ins over feelin', () => {
  it('reads now() and today() from the clock a caller gives, and restores the machine`s clock afterwards', () => {
    const model = parseDmn(`<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="c" name="c" namespace="http://govflow.test/c">
  <decision id="d" name="d"><literalExpression><text>{ day: today(), instant: now() }</text></literalExpression></decision>
</definitions>`);
    const at = new Date('2020-02-29T23:30:00Z');
    const value = evaluateDecision(model, 'd', {}, { now: at }).value as { day: unknown; instant: unknown };
    assert.equal(value.day, '2020-02-29');
    assert.equal(Date.parse(String(value.instant)), at.getTime());
    // Afterwards FEEL reads the machine's clock again, not the one given above.
    assert.notEqual(feel('today()'), '2020-02-29');
    assert.ok(Math.abs(Date.parse(String(feel('today()'))) - Date.parse(new Date().toISOString().slice(0, 10))) <= 86_400_000);
  });

  it('answers null when a point cannot be compared with a range (table 78 compares with < and =)', () => {
    assert.equal(feel('includes([1..10], "a")'), null);
    assert.equal(feel('includes([1..10), "a")'), null);
    assert.equal(feel('includes((1..10], "a")'), null);
    assert.equal(feel('during("a", [1..10])'), null);
    assert.equal(feel('includes([1..10], 10)'), true);
    assert.equal(feel('includes([1..10), 10)'), false);
  });

  it('answers null for a null or missing argument', () => {
    assert.equal(feel('starts(null, (1..2])'), null);
    assert.equal(feel('finishes(null, [1..2))'), null);
    assert.equal(feel('includes((1..10), null)'), null);
    assert.equal(feel('coincides(5, null)'), null);
    assert.equal(feel('coincides(null, null)'), null);
    assert.equal(feel('coincides(5)'), null);
    assert.equal(feel('includes([1..10))'), null);
    assert.equal(feel('starts(5)'), null);
    // A parameter left out of a call by name is null too (feelin passes it as undefined).
    assert.equal(feel('coincides(point1: 5)'), null);
    assert.equal(feel('coincides(point2: 5)'), null);
  });

  it('coincides compares both endpoints and both inclusions', () => {
    assert.equal(feel('coincides([1..5], [1..5])'), true);
    assert.equal(feel('coincides([1..5], (1..5])'), false);
    assert.equal(feel('coincides([1..5], [1..5))'), false);
    assert.equal(feel('coincides(5, 5)'), true);
    assert.equal(feel('coincides(100000000000000000000.1, 100000000000000000000.2)'), false);
  });

  it('finishes and overlaps before follow table 78 where endpoints meet', () => {
    assert.equal(feel('finishes([1..5], (1..5])'), false);
    assert.equal(feel('finishes((1..5], (1..5])'), true);
    assert.equal(feel('finishes((1..5], [1..5])'), true);
    assert.equal(feel('overlaps before([1..5], [3..5))'), false);
    assert.equal(feel('overlaps before([1..5), [3..5))'), true);
    assert.equal(feel('overlaps before([1..5), [3..5])'), true);
  });

  it('treats two unbounded starts or ends as equal, as FEEL`s null = null is true in table 78', () => {
    assert.equal(feel('coincides(<10, <10)'), true);
    assert.equal(feel('coincides(>10, >10)'), true);
    assert.equal(feel('coincides(<10, <=10)'), false);
    assert.equal(feel('starts(<10, <20)'), true);
    assert.equal(feel('finishes(>5, >3)'), true);
    // ...but an unbounded endpoint never equals a bounded one (null = 1 is false), even where the rest would hold.
    assert.equal(feel('coincides((1..10), <10)'), false);
    assert.equal(feel('coincides(<10, (1..10))'), false);
    assert.equal(feel('starts(<10, (1..20])'), false);
    // An unbounded start is no point: range.start < point is null, so includes stays unknown.
    assert.equal(feel('includes(<10, 5)'), null);
    assert.equal(feel('overlaps before(<5, <10)'), null);
  });

  it('does not compare a years-and-months duration with a days-and-time duration, as FEEL`s < and = do not', () => {
    assert.equal(feel('coincides(@"P1Y", @"P365D")'), null);
    assert.equal(feel('coincides(@"P1Y", @"P12M")'), true);
    assert.equal(feel('includes([@"P1D"..@"P400D"], @"P1Y")'), null);
    assert.equal(feel('range("[duration(\\"P1D\\")..duration(\\"P1Y\\")]")'), null);
    assert.equal(feel('[@"P1D"..@"P1Y"] instance of range<days and time duration>'), false);
  });

  it('does not order a duration against a number or a date: table 78`s < is null across types', () => {
    // DMN 1.5 §10.3.2.9: < is defined only between values of one type; feelin alone ordered these.
    assert.equal(feel('before(@"P1D", 5)'), null);
    assert.equal(feel('before(5, @"P1D")'), null);
    assert.equal(feel('after(@"P1D", @"2020-01-01")'), null);
    assert.equal(feel('before(@"P1D", @"2020-01-01")'), null);
    assert.equal(feel('includes([1..10], @"P1D")'), null);
    assert.equal(feel('during(@"P1D", [1..10])'), null);
    assert.equal(feel('range("[duration(\\"P1D\\")..5]")'), null);
    // Durations of one kind still order.
    assert.equal(feel('before(@"P1D", @"P2D")'), true);
    assert.equal(feel('before(@"P1Y", @"P2Y")'), true);
  });

  it('range() accepts only literal endpoints of one type in order', () => {
    assert.equal(feel('range("[1..10)") = [1..10)'), true);
    assert.equal(feel('range("[1.25..2]") = [1.25..2]'), true);
    assert.equal(feel('range("[.5..1]") = [0.5..1]'), true);
    assert.equal(feel('range("[-.25..1]") = [-0.25..1]'), true);
    assert.equal(feel('range("[date( \\"2020-01-01\\")..date(\\"2021-01-01\\")]") = [date("2020-01-01")..date("2021-01-01")]'), true);
    assert.equal(feel('range("[date( \\"2020-01-01\\" )..date(\\"2021-01-01\\")]") = [date("2020-01-01")..date("2021-01-01")]'), true);
    assert.equal(feel('range("[1+1..5]")'), null);
    assert.equal(feel('range("x[1..2]")'), null);
    assert.equal(feel('range("abc")'), null);
    assert.equal(feel('range("[1..\\"a\\"]")'), null);
    assert.equal(feel('range("[2..1]")'), null);
  });

  it('list replace needs a list, a position or match function, and a new item', () => {
    assert.deepEqual(feel('list replace([1,2,3], 2, 9)'), [1, 9, 3]);
    assert.deepEqual(feel('list replace([1,2,3], -1, 9)'), [1, 2, 9]);
    assert.equal(feel('list replace([1,2,3], 0, 9)'), null);
    assert.equal(feel('list replace([1,2,3], 1)'), null);
    assert.equal(feel('list replace(position: 1, newItem: 9)'), null);
  });

  it('matches and replace read XPath flags: q is literal, x drops whitespace outside classes, others are refused', () => {
    assert.equal(feel('matches("ab", "a.", "q")'), false);
    assert.equal(feel('matches("a.", "a.", "q")'), true);
    assert.equal(feel('matches("a", "a", "z")'), null);
    assert.equal(feel('matches("[ab", "\\[ a b", "x")'), true);
    // Inside a class x keeps whitespace, so `\ ` stays an escaped space, which XPath does not allow.
    assert.equal(feel('matches("5", "[\\ d]", "x")'), null);
    assert.equal(feel('matches("a", p, "x")', { p: 'a\\' }), null); // a trailing backslash escapes nothing
    assert.equal(feel('matches("a", "\\P{IsBasicLatin}")'), false);
    assert.equal(feel('matches("é", "\\P{IsBasicLatin}")'), true);
    assert.equal(feel('matches("a", 1)'), null);
    assert.equal(feel('matches("a", "a", ["s"])'), null);
    assert.equal(feel('matches("A", "a", "i")'), true);
    assert.equal(feel('replace("abc", "b")'), null);
    assert.equal(feel('replace("abc", "B", "x", "i")'), 'axc');
  });

  it('calls each interval function by the parameter names table 78 gives its overloads', () => {
    assert.equal(feel('includes(range: [1..10], point: 5)'), true);
    assert.equal(feel('includes(range: [1..10], point: 11)'), false);
    // Where one overload has the names, the order they are written in does not matter.
    assert.equal(feel('includes(point: 5, range: [1..10])'), true);
    assert.equal(feel('includes(range1: [1..10], range2: [2..3])'), true);
    assert.equal(feel('includes(range2: [2..3], range1: [1..10])'), true);
    assert.equal(feel('includes(range1: [2..3], range2: [1..10])'), false);
    assert.equal(feel('during(point: 5, range: [1..10])'), true);
    assert.equal(feel('during(range: [1..10], point: 5)'), true);
    assert.equal(feel('during(range1: [2..3], range2: [1..10])'), true);
    assert.equal(feel('starts(point: 1, range: [1..10])'), true);
    assert.equal(feel('started by(range: [1..10], point: 1)'), true);
    assert.equal(feel('finishes(point: 10, range: [1..10])'), true);
    assert.equal(feel('finished by(range: [1..10], point: 10)'), true);
    assert.equal(feel('overlaps before(range1: [1..5], range2: [3..8])'), true);
    assert.equal(feel('overlaps after(range1: [3..8], range2: [1..5])'), true);
    assert.equal(feel('coincides(point1: 5, point2: 5)'), true);
    assert.equal(feel('coincides(range1: [1..5], range2: [1..5])'), true);
    assert.equal(feel('before(point1: 1, point2: 2)'), true);
    assert.equal(feel('after(point1: 2, point2: 1)'), true);
    assert.equal(feel('before(range1: [1..5), range2: [5..10])'), true);
    assert.equal(feel('after(range1: [5..10], range2: [1..5))'), true);
    // feelin's own, which already use table 78's names.
    assert.equal(feel('meets(range1: [1..5], range2: [5..10])'), true);
    assert.equal(feel('met by(range1: [5..10], range2: [1..5])'), true);
    assert.equal(feel('overlaps(range1: [1..5], range2: [3..10])'), true);
  });

  it('before and after take a point and a range by name either way: the order written picks the overload', () => {
    // Table 78 has before(point, range) and before(range, point); the names alone cannot tell them apart.
    assert.equal(feel('before(point: 1, range: [2..3])'), true);
    assert.equal(feel('before(range: [2..3], point: 1)'), false);
    assert.equal(feel('before(range: [2..3], point: 4)'), true);
    assert.equal(feel('after(point: 4, range: [2..3])'), true);
    assert.equal(feel('after(range: [2..3], point: 1)'), true);
    assert.equal(feel('after(range: [2..3], point: 4)'), false);
  });

  it('a call by names no overload has, or with a value of the other kind, matches no signature: null', () => {
    // The former internal names and feelin's name `value` are no DMN names: feelin's own check refuses them, with a warning.
    for (const call of ['includes(a: [1..10], b: 5)', 'before(a: 1, b: 2)', 'includes(range: [1..10], value: 5)', 'coincides(point1: 1, point2: 1, point3: 1)', 'includes(point1: 5, point2: 5)', 'includes(point: 5, other: [1..10])', 'includes(other: [1..10], point: 5)', 'includes(other: 5, range: [1..10])', 'coincides(a: 1, point2: 1)', 'coincides(1, 2, 3)']) {
      const r = evaluateFeel(call);
      assert.equal(r.value, null, call);
      assert.match(r.warnings.join(), /Cannot invoke/, call);
    }
    assert.equal(feel('includes(range1: [1..10], range2: 5)'), null);
    assert.equal(feel('includes(range: [1..10], point: [2..3])'), null);
    assert.equal(feel('during(point: [2..3], range: [1..10])'), null);
    assert.equal(feel('coincides(point1: [1..2], point2: [1..2])'), null);
    assert.equal(feel('includes(range: [1..10])'), null);
  });

  it('a boxed invocation binds an interval function`s parameters by table 78`s names', () => {
    const invoke = (fn: string, bindings: Record<string, string>): unknown => {
      const params = Object.entries(bindings)
        .map(([name, text]) => `<binding><parameter name="${name}"/><literalExpression><text>${text}</text></literalExpression></binding>`)
        .join('');
      const model = parseDmn(`<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="i" name="i" namespace="http://govflow.test/i">
  <decision id="d" name="d"><invocation><literalExpression><text>${fn}</text></literalExpression>${params}</invocation></decision>
</definitions>`);
      return evaluateDecision(model, 'd', {}).value;
    };
    assert.equal(invoke('coincides', { point1: '5', point2: '5' }), true);
    assert.equal(invoke('coincides', { point2: '5', point1: '6' }), false);
    assert.equal(invoke('before', { point1: '1', point2: '2' }), true);
    assert.equal(invoke('includes', { range: '[1..10]', point: '5' }), true);
  });

  it('before and after follow table 78 by position too: null where < cannot order, decimals exactly, both duration kinds apart', () => {
    // feelin's own before and after answered these: false, true, true, false, true.
    assert.equal(feel('before(1, "a")'), null);
    assert.equal(feel('before(null, 1)'), null);
    assert.equal(feel('before(1.00000000000000000001, 1.00000000000000000002)'), true);
    assert.equal(feel('after(1.00000000000000000002, 1.00000000000000000001)'), true);
    assert.equal(feel('before(@"P1Y", @"P400D")'), null);
    // An unbounded end is null in table 78's formulas: `> 5` has no end to compare with 10.
    assert.equal(feel('before(> 5, 10)'), null);
    assert.equal(feel('after(10, > 5)'), null);
    assert.equal(feel('before(< 5, 10)'), true);
    assert.equal(feel('before(1, 2)'), true);
    assert.equal(feel('before(2, 1)'), false);
    assert.equal(feel('before(1, (1..10])'), true);
    assert.equal(feel('before(1, [1..10])'), false);
    assert.equal(feel('before([1..10), 10)'), true);
    assert.equal(feel('before([1..10], 10)'), false);
    assert.equal(feel('before([1..5), [5..10])'), true);
    assert.equal(feel('before([1..5], (5..10])'), true);
    assert.equal(feel('before([1..5], [5..10])'), false);
    assert.equal(feel('after(10, [1..10))'), true);
    assert.equal(feel('after([1..10], 1)'), false);
    assert.equal(feel('after((1..10], 1)'), true);
    assert.equal(feel('after((5..10], [1..5])'), true);
    assert.equal(feel('after([5..10], [1..5])'), false);
  });

  it('instance of range<T> checks the endpoints` type, allowing one unbounded end', () => {
    assert.equal(feel('[1..2] instance of range<days and time duration>'), false);
    assert.equal(feel('[1..2] instance of range<years and months duration>'), false);
    assert.equal(feel('[@"P1D"..@"P2D"] instance of range<years and months duration>'), false);
    assert.equal(feel('[@"P1Y"..@"P2Y"] instance of range<days and time duration>'), false);
    assert.equal(feel('[@"P1D"..@"P2D"] instance of range<days  and  time duration>'), true);
    assert.equal(feel('[x..5] instance of range<number>', { x: null }), true);
    assert.equal(feel('[1..x] instance of range<number>', { x: null }), true);
    assert.equal(feel('[x..y] instance of range<number>', { x: null, y: null }), false);
    assert.equal(feel('[1..2] instance  of  range <number>'), true);
  });
});
