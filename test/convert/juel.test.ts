/**
 * Issue 16: JUEL → FEEL. Known translations rule by rule, constructs outside the subset refused with a reason, and
 * a property test: for generated comparison and boolean expressions over generated variables, the FEEL the
 * converter writes (evaluated by the engine's FEEL evaluator, feelin) gives the same truth value as the JUEL
 * evaluated by a small reference evaluator with JUEL's semantics for this subset (written here, not taken from the
 * converter).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { evaluate } from 'feelin';
import { juelToFeel, juelValueToFeel, JuelUntranslatable } from '../../src/convert/index.js';

const feel = (expression: string, vars: Record<string, unknown>): unknown => evaluate(expression, vars).value;

describe('JUEL to FEEL, rule by rule (the FEEL is evaluated, not compared as text)', () => {
  const cases: [string, Record<string, unknown>, unknown][] = [
    ['a == 1', { a: 1 }, true], ['a eq 2', { a: 1 }, false], ['a != 1', { a: 2 }, true], ['a ne 1', { a: 1 }, false],
    ['a < 2', { a: 1 }, true], ['a lt 1', { a: 1 }, false], ['a > 0', { a: 1 }, true], ['a gt 1', { a: 1 }, false],
    ['a <= 1', { a: 1 }, true], ['a le 0', { a: 1 }, false], ['a >= 1', { a: 1 }, true], ['a ge 2', { a: 1 }, false],
    ['p && q', { p: true, q: false }, false], ['p and q', { p: true, q: true }, true], ['p || q', { p: false, q: true }, true], ['p or q', { p: false, q: false }, false],
    ['!p', { p: true }, false], ['not p', { p: false }, true], ['!(a > 1 && p)', { a: 2, p: true }, false],
    ["s == 'yes'", { s: 'yes' }, true], ['s == "no"', { s: 'yes' }, false], ["s == 'it\\'s'", { s: "it's" }, true],
    ['x == null', { x: null }, true], ['x != null', { x: 3 }, true], ['true', {}, true], ['false', {}, false], ['1.5 > 1', {}, true],
    ['execution.getVariable("amount") > 100', { amount: 250 }, true],
    ['order.customer.age >= 18', { order: { customer: { age: 17 } } }, false],
    ['p ? a : b', { p: true, a: 1, b: 2 }, 1], ['p ? a : b', { p: false, a: 1, b: 2 }, 2], ['a > 1 ? "big" : "small"', { a: 5 }, 'big'],
    ['s.equals("x")', { s: 'x' }, true], ['l.size() == 2', { l: [1, 2] }, true], ['l.isEmpty()', { l: [] }, true], ['s.isEmpty()', { s: 'a' }, false],
    ['l.contains(2)', { l: [1, 2] }, true], ['s.contains("ell")', { s: 'hello' }, true], ['s.length() > 3', { s: 'hello' }, true],
    ['empty s', { s: '' }, true], ['empty s', { s: 'a' }, false], ['empty l', { l: [] }, true], ['empty l', { l: [0] }, false],
    ['empty x', { x: null }, true], ['empty x', { x: 0 }, false], ['not empty m', { m: { k: 1 } }, true], ['empty m', { m: {} }, true],
    ['l[0] == 7', { l: [7, 8] }, true], ['m["a b"] == 1', { m: { 'a b': 1 } }, true],
    ['a + b * 2 == 7', { a: 1, b: 3 }, true], ['(a + b) * 2 == 8', { a: 1, b: 3 }, true], ['a - b - 1 == -3', { a: 1, b: 3 }, true], ['-a < 0', { a: 1 }, true],
    ['a / 2 == 2.5', { a: 5 }, true],
    ['customer.prop("age").numberValue() >= 21', { customer: { age: 30 } }, true], ['order.prop("status").prop("code").stringValue() == "ok"', { order: { status: { code: 'ok' } } }, true],
    ['s == "tab\\there"', { s: 'tab\\there' }, true],
  ];
  for (const [juel, vars, expected] of cases) {
    it(`\${${juel}} with ${JSON.stringify(vars)} → ${JSON.stringify(expected)}`, () => {
      const translated = juelToFeel(juel);
      assert.deepEqual(feel(translated, vars), expected, `FEEL: ${translated}`);
    });
  }

  it('dateTime().plusX(n).toDate() becomes now() + a duration', () => {
    const at = evaluate(juelToFeel('dateTime().plusWeeks(1).toDate()'), {}).value as { toISO?: () => string } | unknown;
    assert.ok(at, 'a date-time');
    assert.match(juelToFeel('dateTime().plusDays(2).toDate()'), /^now\(\) \+ duration\("P2D"\)$/);
    assert.match(juelToFeel('dateTime().plusHours(3).toDate()'), /PT3H/);
  });

  it('a value with text around expressions becomes a FEEL string concatenation; null reads as "" as in JUEL', () => {
    const value = juelValueToFeel('Dear ${name}, you owe ${amount} EUR')!;
    assert.ok(value.startsWith('='));
    assert.equal(feel(value.slice(1), { name: 'Ada', amount: 12 }), 'Dear Ada, you owe 12 EUR');
    assert.equal(feel(value.slice(1), { name: null, amount: 1 }), 'Dear , you owe 1 EUR');
    assert.equal(juelValueToFeel('plain text'), undefined, 'text without an expression stays a static value');
    assert.equal(juelValueToFeel('#{approved}'), '=approved', 'the deferred #{…} form too');
  });

  const refused: [string, RegExp][] = [
    ['a % 2 == 0', /mod/], ['"1" + 2', /\+ on a string/], ['myBean.check(execution)', /method call check/], ['execution.getVariable(name)', /computed name/],
    ['execution', /engine object/], ['task.assignee', /engine object/], ['l[i]', /not a literal/], ['foo()', /function foo/], ['a ==', /ends too early/],
    ['a ~ b', /not part of the JUEL subset/], ['s == "open', /not closed/], ['if == 1', /FEEL keyword/],
  ];
  for (const [juel, reason] of refused) {
    it(`refuses \${${juel}} with a reason (${reason.source})`, () => {
      assert.throws(() => juelToFeel(juel), (e: unknown) => e instanceof JuelUntranslatable && reason.test(e.message));
    });
  }
});

// ---- property test: generated expressions, a reference JUEL evaluator for the subset ----

type J =
  | { k: 'num'; v: number } | { k: 'str'; v: string } | { k: 'bool'; v: boolean } | { k: 'var'; name: string }
  | { k: 'cmp'; op: '==' | '!=' | '<' | '>' | '<=' | '>='; word: boolean; l: J; r: J }
  | { k: 'and' | 'or'; word: boolean; l: J; r: J } | { k: 'not'; word: boolean; e: J } | { k: 'cond'; c: J; t: J; f: J }
  | { k: 'empty'; e: J } | { k: 'equals'; l: J; r: J } | { k: 'size'; e: J } | { k: 'length'; e: J } | { k: 'add' | 'sub' | 'mul'; l: J; r: J };

const WORDS: Record<string, string> = { '==': 'eq', '!=': 'ne', '<': 'lt', '>': 'gt', '<=': 'le', '>=': 'ge' };

function juel(e: J): string {
  switch (e.k) {
    case 'num': return String(e.v);
    case 'str': return `'${e.v}'`;
    case 'bool': return String(e.v);
    case 'var': return e.name;
    case 'cmp': return `(${juel(e.l)} ${e.word ? WORDS[e.op] : e.op} ${juel(e.r)})`;
    case 'and': return `(${juel(e.l)} ${e.word ? 'and' : '&&'} ${juel(e.r)})`;
    case 'or': return `(${juel(e.l)} ${e.word ? 'or' : '||'} ${juel(e.r)})`;
    case 'not': return e.word ? `not (${juel(e.e)})` : `!(${juel(e.e)})`;
    case 'cond': return `(${juel(e.c)} ? ${juel(e.t)} : ${juel(e.f)})`;
    case 'empty': return `empty ${juel(e.e)}`;
    case 'equals': return `${juel(e.l)}.equals(${juel(e.r)})`;
    case 'size': return `${juel(e.e)}.size()`;
    case 'length': return `${juel(e.e)}.length()`;
    case 'add': return `(${juel(e.l)} + ${juel(e.r)})`;
    case 'sub': return `(${juel(e.l)} - ${juel(e.r)})`;
    case 'mul': return `(${juel(e.l)} * ${juel(e.r)})`;
  }
}

/** JUEL's semantics for this well-typed subset: numbers compare by value, strings by equals, && and || short-circuit. */
function reference(e: J, vars: Record<string, unknown>): unknown {
  switch (e.k) {
    case 'num': case 'str': case 'bool': return e.v;
    case 'var': return vars[e.name];
    case 'cmp': {
      const l = reference(e.l, vars) as number | string;
      const r = reference(e.r, vars) as number | string;
      return { '==': l === r, '!=': l !== r, '<': l < r, '>': l > r, '<=': l <= r, '>=': l >= r }[e.op];
    }
    case 'and': return reference(e.l, vars) === true ? reference(e.r, vars) === true : false;
    case 'or': return reference(e.l, vars) === true ? true : reference(e.r, vars) === true;
    case 'not': return !(reference(e.e, vars) as boolean);
    case 'cond': return reference(e.c, vars) === true ? reference(e.t, vars) : reference(e.f, vars);
    case 'empty': {
      const v = reference(e.e, vars);
      return v === null || v === '' || (Array.isArray(v) && v.length === 0);
    }
    case 'equals': return reference(e.l, vars) === reference(e.r, vars);
    case 'size': return (reference(e.e, vars) as unknown[]).length;
    case 'length': return (reference(e.e, vars) as string).length;
    case 'add': return (reference(e.l, vars) as number) + (reference(e.r, vars) as number);
    case 'sub': return (reference(e.l, vars) as number) - (reference(e.r, vars) as number);
    case 'mul': return (reference(e.l, vars) as number) * (reference(e.r, vars) as number);
  }
}

const word = fc.boolean();
const { num, str, bool } = fc.letrec<{ num: J; str: J; bool: J }>((tie) => ({
  num: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: -20, max: 20 }).map((v): J => ({ k: 'num', v })),
    fc.constantFrom<J>({ k: 'var', name: 'a' }, { k: 'var', name: 'b' }),
    fc.constantFrom<J>({ k: 'size', e: { k: 'var', name: 'l' } }, { k: 'length', e: { k: 'var', name: 's' } }),
    fc.record({ k: fc.constantFrom('add', 'sub', 'mul' as const), l: tie('num'), r: tie('num') }).map((x) => x as J),
  ),
  str: fc.oneof(fc.constantFrom('', 'yes', 'no', 'x').map((v): J => ({ k: 'str', v })), fc.constantFrom<J>({ k: 'var', name: 's' }, { k: 'var', name: 't' })),
  bool: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom<J>({ k: 'bool', v: true }, { k: 'bool', v: false }, { k: 'var', name: 'p' }, { k: 'var', name: 'q' }),
    fc.record({ op: fc.constantFrom('==', '!=', '<', '>', '<=', '>=' as const), word, l: tie('num'), r: tie('num') }).map((x): J => ({ k: 'cmp', ...x })),
    fc.record({ op: fc.constantFrom('==', '!=' as const), word, l: tie('str'), r: tie('str') }).map((x): J => ({ k: 'cmp', ...x })),
    fc.record({ k: fc.constantFrom('and', 'or' as const), word, l: tie('bool'), r: tie('bool') }).map((x) => x as J),
    fc.record({ word, e: tie('bool') }).map((x): J => ({ k: 'not', ...x })),
    fc.record({ c: tie('bool'), t: tie('bool'), f: tie('bool') }).map((x): J => ({ k: 'cond', ...x })),
    fc.constantFrom<J>({ k: 'empty', e: { k: 'var', name: 's' } }, { k: 'empty', e: { k: 'var', name: 'l' } }, { k: 'empty', e: { k: 'var', name: 'n' } }),
    fc.record({ l: fc.constant<J>({ k: 'var', name: 's' }), r: tie('str') }).map((x): J => ({ k: 'equals', ...x })),
  ),
}));
void num;
void str;

const variables = fc.record({
  a: fc.integer({ min: -20, max: 20 }), b: fc.integer({ min: -20, max: 20 }), p: fc.boolean(), q: fc.boolean(),
  s: fc.constantFrom('', 'yes', 'no', 'x'), t: fc.constantFrom('', 'yes', 'no'), l: fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 3 }),
  n: fc.constant(null),
});

describe('JUEL to FEEL: same truth value as JUEL (property)', () => {
  it('generated comparison and boolean expressions evaluate the same in FEEL as in the JUEL reference', () => {
    fc.assert(fc.property(bool, variables, (expression, vars) => {
      const source = juel(expression);
      const translated = juelToFeel(source);
      const expected = reference(expression, vars);
      assert.equal(feel(translated, vars), expected, `JUEL \${${source}} → FEEL ${translated} with ${JSON.stringify(vars)}`);
    }), { numRuns: 300 });
  });
});
