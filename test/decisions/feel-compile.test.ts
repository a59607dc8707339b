// How govflow compiles one FEEL expression or input entry (src/decisions/feel.ts): the shortcuts it takes before
// feelin (literals, plain names, names feelin cannot read) must give what FEEL defines, and a syntax error must be
// refused where it is, with the column of the first bad character. Each expectation comes from DMN 1.5 chapter 10
// or from the text of the expression, not from what the code returned. Pure, each test on its own.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FeelFunction } from 'feelin';
import { evaluateDecision, evaluateDecisionRaw, evaluateFeel, evaluateUnaryTests, parseDmn } from '../../src/decisions/index.js';
import { isGovflowError } from '../../src/kernel/index.js';

const syntaxRefused = (expression: string, context: Record<string, unknown> = {}): void => {
  assert.throws(
    () => evaluateFeel(expression, context),
    (e: unknown) => isGovflowError(e) && e.code === 'GOVFLOW_ERR_FEEL_SYNTAX',
    `'${expression}' is not a FEEL expression`,
  );
};

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const model = (body: string): string => `<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="defs" name="m" namespace="https://govflow.dev/test">
<inputData id="in_x" name="x"><variable name="x" typeRef="number"/></inputData>
<decision id="d" name="result"><variable name="result"/><informationRequirement><requiredInput href="#in_x"/></informationRequirement>
${body}
</decision>
</definitions>`;

describe('FEEL compile: syntax errors', () => {
  it('names the first bad column, in the message and in the details', () => {
    const text = '(1 + 2)) + 3)';
    const column = text.indexOf('))') + 2; // the first ')' that closes nothing, 1-based
    try {
      evaluateFeel(text, { a: 1 });
      assert.fail('a surplus ) is a syntax error');
    } catch (e) {
      assert.ok(isGovflowError(e) && e.code === 'GOVFLOW_ERR_FEEL_SYNTAX');
      assert.equal(e.message, `expression: FEEL syntax error in '${text}'`);
      assert.deepEqual(e.details, [{ where: 'expression', message: `FEEL syntax error at column ${column} in '${text}'`, column, expression: text }]);
    }
  });

  it('refuses a keyword on its own, which FEEL cannot read as a name', () => {
    for (const keyword of ['for', 'if', 'some', 'every', 'function', 'and', 'or', 'in', 'return', 'then', 'else', 'satisfies', 'instance', 'between']) syntaxRefused(keyword);
  });

  it('a string literal ends at its first unescaped quote and holds no line feed (DMN 1.5 grammar rule 35)', () => {
    syntaxRefused('"""');
    syntaxRefused('""""');
    syntaxRefused('"a\nb"');
    syntaxRefused('"\n"');
    syntaxRefused('"a\nb"', { a: 1 });
    assert.equal(evaluateFeel('""').value, '');
  });

  it('parses text that only ends or starts like a name as the expression it is', () => {
    syntaxRefused('(a', { a: 1 });
    syntaxRefused('a +', { a: 1 });
    syntaxRefused('1abc');
    syntaxRefused('#a');
  });

  it('reads a number literal as the spec spells one: digits with digits after a point, or a point and digits', () => {
    assert.equal(evaluateFeel('12').value, 12);
    assert.equal(evaluateFeel('-12.5').value, -12.5);
    assert.equal(evaluateFeel('.5').value, 0.5);
    // DMN 1.5 grammar rule 37 has no `12.`: refused alone as it already was inside `a + 12.`
    syntaxRefused('12.');
    syntaxRefused('-12.');
    syntaxRefused('a + 12.', { a: 1 });
    syntaxRefused('.x');
  });

  it('refuses unary-test syntax where an expression is expected', () => {
    syntaxRefused('1, 2');
    syntaxRefused('x, y', { x: 1, y: 2 });
  });

  it('a lenient model keeps an expression with a syntax error as null with the error as a warning, each evaluation', () => {
    const m = parseDmn(model('<literalExpression><text>x +</text></literalExpression>'), 'm.dmn', { lenient: true });
    for (let i = 0; i < 2; i++) {
      const r = evaluateDecision(m, 'result', { x: 1 });
      assert.equal(r.value, null);
      assert.ok(r.warnings.includes("FEEL syntax error at column 4 in 'x +'"), r.warnings.join('; '));
    }
  });

  it('an expression compiled without its names (a filter\'s match) and not FEEL is null with a warning at run time, per item', () => {
    // DMN 1.5 boxed filter: the match sees each item's components, unknown at load, so it is checked only when run.
    const filter = `<filter id="f"><in><literalExpression><text>[1, 2, 3]</text></literalExpression></in><match><literalExpression><text>${esc('item >')}</text></literalExpression></match></filter>`;
    const r = evaluateDecision(parseDmn(model(filter)), 'result', { x: 1 });
    assert.deepEqual(r.value, []); // a match that is not true keeps no item
    assert.equal(r.warnings.length, 3, r.warnings.join('; '));
    for (const w of r.warnings) assert.ok(w.startsWith("FEEL error in 'item >': "), w);
  });

  it('a filter\'s match that is not FEEL stays an error at run time, even where the part that parses would give a value', () => {
    // `- (1) "b"` is a negation and a stray string; in `context<a: number, b>c: string>` the type closes at `b>`.
    for (const match of ['- (1) "b"', 'item instance of context<a: number, b>c: string>']) {
      const filter = `<filter id="f"><in><literalExpression><text>[1, 2, 3]</text></literalExpression></in><match><literalExpression><text>${esc(match)}</text></literalExpression></match></filter>`;
      const r = evaluateDecision(parseDmn(model(filter)), 'result', { x: 1 });
      assert.deepEqual(r.value, [], match);
      assert.equal(r.warnings.length, 3, `${match}: ${r.warnings.join('; ')}`);
      for (const w of r.warnings) assert.ok(w.startsWith(`FEEL error in '${match}': `), w);
    }
  });

  it('a lenient model keeps an input entry with a syntax error as a rule that never matches, with a warning', () => {
    const table = `<decisionTable id="t" hitPolicy="FIRST"><input id="i"><inputExpression typeRef="number"><text>x</text></inputExpression></input><output id="o" name="result"/>
<rule id="r1"><inputEntry><text>${esc('x >')}</text></inputEntry><outputEntry><text>"bad"</text></outputEntry></rule>
<rule id="r2"><inputEntry><text>-</text></inputEntry><outputEntry><text>"good"</text></outputEntry></rule></decisionTable>`;
    const r = evaluateDecision(parseDmn(model(table), 'm.dmn', { lenient: true }), 'result', { x: 1 });
    assert.equal(r.value, 'good');
    assert.ok(r.warnings.some((w) => w.includes("'x >'")), r.warnings.join('; '));
  });
});

describe('FEEL compile: literals and names', () => {
  it('an empty or blank expression is null, not an error', () => {
    assert.equal(evaluateFeel('').value, null);
    assert.equal(evaluateFeel('   ').value, null);
    assert.equal(evaluateFeel(' \n ', { a: 1 }).value, null);
  });

  it('null is null, and a name bound to undefined is null too (DMN has no undefined)', () => {
    assert.equal(evaluateFeel('null').value, null);
    assert.equal(evaluateFeel('x', { x: undefined }).value, null);
    assert.equal(evaluateFeel(' x ', { x: 7 }).value, 7);
  });

  it('a string literal has its escapes read (a quote, a newline)', () => {
    assert.equal(evaluateFeel('"a\\"b"').value, 'a"b');
    assert.equal(evaluateFeel('"a\\nb"').value, 'a\nb');
    assert.equal(evaluateFeel('"plain"').value, 'plain');
  });

  it('a bare built-in name is the function itself', () => {
    const abs = evaluateFeel('abs').value;
    assert.ok(abs instanceof FeelFunction);
    assert.equal(abs.invoke([-3]), 3);
  });

  it('names that JavaScript objects carry (valueOf, toString) are ordinary FEEL names', () => {
    assert.equal(evaluateFeel('valueOf', { valueOf: 5 }).value, 5);
    assert.equal(evaluateFeel('valueOf + toString', { valueOf: 1, toString: 2 }).value, 3);
    assert.equal(evaluateFeel('valueOf + valueOf', { valueOf: 1 }).value, 2);
    assert.equal(evaluateFeel('valueOf + a', { valueOf: 1, a: 2 }).value, 3);
    assert.equal(evaluateFeel('valueOf + string length("valueOf")', { valueOf: 1 }).value, 8);
  });

  it('a runtime type error in a compiled expression is null with feelin\'s warning', () => {
    const r = evaluateFeel('x + "a"', { x: 1 });
    assert.equal(r.value, null);
    assert.equal(r.warnings.length, 1, r.warnings.join('; '));
    const path = evaluateFeel('x.y', { x: 1 });
    assert.equal(path.value, null);
    assert.equal(path.warnings.length, 1, path.warnings.join('; '));
  });
});

describe('FEEL compile: evaluation never throws', () => {
  // A host value handed in as context can throw when FEEL reads it; evaluation gives null (or no match) and says why.
  const host = { get y(): number { throw new Error('boom'); } };

  it('an expression reading a host value that throws is null with a warning', () => {
    assert.deepEqual(evaluateFeel('x.y', { x: host }), { value: null, warnings: ["FEEL error in 'x.y': boom"] });
    assert.deepEqual(evaluateFeel('x.y + 1', { x: host }), { value: null, warnings: ["FEEL error in 'x.y + 1': boom"] });
  });

  it('a host function that returns nothing gives null, and one that returns a context without a prototype gives that context', () => {
    // DMN has no undefined; a context is a context whatever its JavaScript prototype.
    assert.deepEqual(evaluateFeel('f(1)', { f: new FeelFunction(() => undefined, ['x']) }), { value: null, warnings: [] });
    const bare = evaluateFeel('f(1)', { f: new FeelFunction(() => Object.assign(Object.create(null) as object, { a: 1 }), ['x']) });
    assert.deepEqual({ ...(bare.value as object) }, { a: 1 });
    assert.deepEqual(bare.warnings, []);
    // Nor does the name of its class matter, even when the class has none.
    const unnamed = evaluateFeel('f(1)', { f: new FeelFunction(() => new (class { a = 1; })(), ['x']) });
    assert.deepEqual({ ...(unnamed.value as object) }, { a: 1 });
    assert.deepEqual(unnamed.warnings, []);
  });

  it('an operator on a host value that throws when read is null with that error, not taken for a date out of range', () => {
    // feelin reads the operand's text for its type warning; the host value's own error is what the evaluation reports.
    class Unprintable {
      toString(): string {
        throw new Error('boom');
      }
    }
    for (const expression of ['x + 1', '-x']) {
      assert.deepEqual(evaluateFeel(expression, { x: new Unprintable() }), { value: null, warnings: [`FEEL error in '${expression}': boom`] });
    }
  });

  it('an input entry reading a host value that throws does not match, with a warning', () => {
    assert.deepEqual(evaluateUnaryTests('> x.y', 5, { x: host }), { value: false, warnings: ["FEEL error in '> x.y': boom"] });
  });
});

describe('FEEL compile: host values FEEL has no value for', () => {
  // FEEL numbers are finite (DMN 1.5 10.3.2.3.1) and DMN has no undefined: such a host value is null to FEEL, in
  // every expression, whichever way it is compiled (a name like `a-b` cannot be a function parameter).
  for (const extra of [{}, { 'a-b': 1 }]) {
    const names = Object.keys(extra).join(', ') || 'no other name';
    it(`a non-finite number or undefined is null (${names})`, () => {
      assert.deepEqual(evaluateFeel('x = null', { ...extra, x: Number.NaN }), { value: true, warnings: [] });
      assert.equal(evaluateFeel('x > 5', { ...extra, x: Number.POSITIVE_INFINITY }).value, null);
      assert.deepEqual(evaluateFeel('x = null', { ...extra, x: undefined }), { value: true, warnings: [] });
      // `not` is a name, not a reserved word: bound to undefined, it is null like any other name.
      assert.equal(evaluateFeel('not', { ...extra, not: undefined }).value, null);
    });
  }
});

describe('FEEL compile: input entries (unary tests)', () => {
  it('an empty entry and "-" match anything', () => {
    assert.equal(evaluateUnaryTests('', 5).value, true);
    assert.equal(evaluateUnaryTests('  ', 5).value, true);
    assert.equal(evaluateUnaryTests(' - ', 5).value, true);
  });

  it('a comparison with a name, spaced or not, tests the input against it', () => {
    assert.deepEqual(evaluateUnaryTests('> x', 5, { x: 3 }), { value: true, warnings: [] });
    assert.deepEqual(evaluateUnaryTests('> x', 2, { x: 3 }), { value: false, warnings: [] });
    assert.deepEqual(evaluateUnaryTests('> my limit', 5, { 'my limit': 3 }), { value: true, warnings: [] });
    assert.deepEqual(evaluateUnaryTests('x, false', true, { x: true }), { value: true, warnings: [] });
    // An apostrophe is part of a FEEL name only when the name is known: the parser must be told the names.
    assert.deepEqual(evaluateUnaryTests("Customer's age, 1", 3, { "Customer's age": 3 }), { value: true, warnings: [] });
    assert.deepEqual(evaluateUnaryTests("Customer's age, 1", 2, { "Customer's age": 3 }), { value: false, warnings: [] });
  });

  it('an entry with ? is a boolean expression of the input, also for a boolean input', () => {
    assert.deepEqual(evaluateUnaryTests('? or true', false), { value: true, warnings: [] });
    assert.deepEqual(evaluateUnaryTests('? and false', true), { value: false, warnings: [] });
  });

  it('for a boolean input, an entry naming a boolean is compared with it (TCK 0036)', () => {
    assert.equal(evaluateUnaryTests('my flag', false, { 'my flag': false }).value, true);
    assert.equal(evaluateUnaryTests('my flag', true, { 'my flag': false }).value, false);
    assert.equal(evaluateUnaryTests("Customer's flag", false, { "Customer's flag": false }).value, true);
  });

  it('for a non-boolean input, an entry that is a true boolean expression matches', () => {
    assert.equal(evaluateUnaryTests('flag', 5, { flag: true }).value, true);
  });

  it('for a boolean input, an entry whose value is a list tests membership', () => {
    assert.equal(evaluateUnaryTests('x', true, { x: [true, false] }).value, true);
  });

  it('an entry goes through the same arithmetic layer as expressions (a number times a duration)', () => {
    const input = evaluateFeel('@"P6DT1H30M"').value;
    assert.equal(evaluateUnaryTests('1.5 * @"P4DT1H"', input).value, true);
    assert.equal(evaluateUnaryTests('1.5 * d', input, { d: evaluateFeel('@"P4DT1H"').value }).value, true);
    // A name may hold `+` (DMN 1.5 10.3.1.2): known, `a+b * 2` is (a+b) times 2, not a plus b times 2.
    assert.equal(evaluateUnaryTests('a+b * 2', 10, { 'a+b': 5 }).value, true);
    assert.equal(evaluateUnaryTests("1.5 * Customer's time", input, { "Customer's time": evaluateFeel('@"P4DT1H"').value }).value, true);
  });
});

describe('FEEL compile: warnings of nested evaluations', () => {
  it('an evaluation that calls a function made by another evaluation keeps its own warnings after the call returns', () => {
    // The function's body is an expression of the first evaluation: calling it runs that evaluation's compiled body,
    // with that evaluation's warnings list, inside the second one. A warning the second raises afterwards is its own.
    const m = parseDmn(model('<functionDefinition id="fd"><formalParameter name="n" typeRef="number"/><literalExpression><text>n + 1</text></literalExpression></functionDefinition>'));
    const f = evaluateDecisionRaw(m, 'result', { x: 1 }).value;
    assert.ok(f instanceof FeelFunction);
    const alone = evaluateFeel('1 + "a"');
    assert.equal(alone.warnings.length, 1, alone.warnings.join('; '));
    const r = evaluateFeel('[f(1), 1 + "a"]', { f });
    assert.deepEqual(r, { value: [2, null], warnings: alone.warnings });
  });

  it('a warning raised inside a FEEL function made by another evaluation goes to the evaluation that calls it', () => {
    const g = evaluateFeel('function(n) n + 1').value;
    assert.ok(g instanceof FeelFunction);
    const direct = evaluateFeel('n + 1', { n: 'a' });
    assert.equal(direct.warnings.length, 1, direct.warnings.join('; '));
    assert.deepEqual(evaluateFeel('g("a")', { g }), direct);
    assert.deepEqual(evaluateFeel('g("a")', { g, 'a-b': 1 }), direct);
    assert.deepEqual(evaluateUnaryTests('g("a")', 5, { g }), { value: false, warnings: direct.warnings });
  });
});
