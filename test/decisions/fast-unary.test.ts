// The decision-table fast path (closures for literals, comparisons, intervals, lists and not(...)) must give what
// FEEL gives. Generated unary tests and inputs are checked against feelin's own unary-test evaluation, corrected
// where feelin departs from the DMN spec (named below); examples cover what generation does not reach: long
// decimal inputs, what is left to the interpreter, and commas inside strings and brackets.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { unaryTest } from 'feelin';
import { compileDecision, evaluateDecision, evaluateUnaryTests, parseDmn } from '../../src/decisions/index.js';
import { isGovflowError } from '../../src/kernel/index.js';
import { tableDmn, type TableSpec } from './support.js';

const RUNS = Number(process.env.GOVFLOW_PROPERTY_RUNS ?? 300);

type Lit = number | string | boolean | null;
type Leaf =
  | { kind: 'dash' }
  | { kind: 'lit'; v: Lit }
  | { kind: 'cmp'; op: '<' | '<=' | '>' | '>=' | '=' | '!='; v: Lit }
  | { kind: 'range'; open: '[' | '(' | ']'; lo: number | string; hi: number | string; close: ']' | ')' | '[' };
interface Tests {
  negated: boolean;
  leaves: Leaf[];
}

const ws = fc.constantFrom('', '', ' ', '  ', '\t', '\n');
const numbers = fc.oneof(fc.integer({ min: -12, max: 12 }), fc.constantFrom(-2.5, -0.5, -0.75, 0.5, 0.25, 1.5, 2.25, 0.1, 100));
// Commas and brackets inside strings: the splitter must not cut there.
const plainChars = ['a', 'b', 'c', 'B', ' ', ',', '(', ')', '[', ']'];
const stringsOf = (chars: string[]): fc.Arbitrary<string> => fc.array(fc.constantFrom(...chars), { maxLength: 4 }).map((cs) => cs.join(''));

/** Unary tests over literals of the given kinds (the first list's weights). */
function testsOver(numbersToo: boolean, strings: fc.Arbitrary<string>): fc.Arbitrary<Tests> {
  const lits: fc.Arbitrary<Lit> = numbersToo ? fc.oneof(numbers, strings, fc.boolean(), fc.constant(null)) : fc.oneof(strings, fc.constant(null));
  const ordered: fc.Arbitrary<number | string> = numbersToo ? fc.oneof({ weight: 3, arbitrary: numbers }, { weight: 1, arbitrary: strings }) : strings;
  // Strings-only tests go to the interpreter (escapes), which reads `[5..1]` as feelin does (see expectedLeaf): ascending there.
  const bounds = numbersToo ? fc.oneof(fc.record({ lo: numbers, hi: numbers }), fc.record({ lo: strings, hi: strings })) : fc.tuple(strings, strings).map(([x, y]) => (x <= y ? { lo: x, hi: y } : { lo: y, hi: x }));
  const leaf: fc.Arbitrary<Leaf> = fc.oneof(
    { weight: 3, arbitrary: lits.map((v) => ({ kind: 'lit', v }) as const) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('cmp' as const), op: fc.constantFrom('<' as const, '<=' as const, '>' as const, '>=' as const), v: ordered }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('cmp' as const), op: fc.constantFrom('=' as const, '!=' as const), v: lits }) },
    {
      weight: 4,
      arbitrary: bounds.chain(({ lo, hi }) => fc.record({ kind: fc.constant('range' as const), open: fc.constantFrom('[' as const, '(' as const, ']' as const), lo: fc.constant(lo), hi: fc.constant(hi), close: fc.constantFrom(']' as const, ')' as const, '[' as const) })),
    },
  );
  const list = fc.record({ negated: fc.boolean(), leaves: fc.array(leaf, { minLength: 1, maxLength: 3 }) }).map((t): Tests => {
    if (!numbersToo || t.leaves.length === 1) return t;
    // In a list, an interval written with outward brackets (`]1..5[`) upsets the splitter's bracket count and the
    // whole list goes to the interpreter, which orders values of different types as feelin does (see expectedLeaf):
    // with inputs of every type, such lists are written with parentheses.
    const leaves = t.leaves.map((l): Leaf => (l.kind === 'range' ? { ...l, open: l.open === ']' ? '(' : l.open, close: l.close === '[' ? ')' : l.close } : l));
    return { ...t, leaves };
  });
  // `-` is a whole entry (FEEL's unary tests are `-`, a list, or not(list)); it never stands in a list.
  return fc.oneof({ weight: 1, arbitrary: fc.constant({ negated: false, leaves: [{ kind: 'dash' }] } as Tests) }, { weight: 12, arbitrary: list });
}

/** FEEL text of a literal; `short` writes 0.5 as `.5` (both are FEEL numbers). */
function litText(v: Lit, short: boolean): string {
  if (typeof v === 'string') return `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  if (typeof v === 'number' && short && Math.abs(v) < 1 && v !== 0) return String(v).replace('0.', '.');
  return String(v);
}

const rendered = (t: Tests): fc.Arbitrary<{ text: string; leafTexts: string[] }> =>
  fc.tuple(fc.array(fc.tuple(ws, ws, ws, ws, fc.boolean()), { minLength: t.leaves.length, maxLength: t.leaves.length }), ws, ws).map(([spaces, a, b]) => {
    const leafTexts = t.leaves.map((l, i) => {
      const [s1, s2, s3, s4, short] = spaces[i] ?? ['', '', '', '', false];
      switch (l.kind) {
        case 'dash':
          return '-';
        case 'lit':
          return litText(l.v, short);
        case 'cmp':
          return `${l.op}${s1}${litText(l.v, short)}`;
        case 'range':
          // `.5..` would read as `.5.` and `.`; the short form is kept out of intervals.
          return `${l.open}${s1}${litText(l.lo, false)}${s2}..${s3}${litText(l.hi, false)}${s4}${l.close}`;
      }
    });
    const list = leafTexts.map((x, i) => `${i === 0 ? '' : spaces[i]?.[0] ?? ''}${x}`).join(',');
    return { text: t.negated ? `not${a}(${b}${list})` : list, leafTexts };
  });

const plainStrings = stringsOf(plainChars);
const inputs: fc.Arbitrary<unknown> = fc.oneof(numbers, numbers.map((n) => n + 0.5), plainStrings, fc.boolean(), fc.constant(null));

/** A generated test, its text and an input: often one of the test's own literals or bounds (the edge cases). */
const caseOf = (t: Tests, others: fc.Arbitrary<unknown>) => {
  const own = t.leaves.flatMap((l): unknown[] => (l.kind === 'range' ? [l.lo, l.hi] : l.kind === 'dash' ? [] : [l.v]));
  return fc.record({ t: fc.constant(t), r: rendered(t), input: own.length === 0 ? others : fc.oneof(others, fc.constantFrom(...own)) });
};

function feelin(text: string, input: unknown): boolean {
  return unaryTest(text, { '?': input }).value === true;
}

const kind = (v: unknown): string => (v === null ? 'null' : typeof v);

/**
 * What FEEL says one test gives. feelin is the reference, except where it departs from the DMN spec: it orders
 * values of different types with JavaScript's `<` (`true < 5`, `"a" in [1..5]` are true there; FEEL's comparison
 * of different types is null, so the test does not match), and it reads `[5..1]` as `[1..5]` (the spec's
 * `[e1..e2]` is `? >= e1 and ? <= e2`, which nothing satisfies when e1 > e2). The TCK has neither case.
 */
function expectedLeaf(l: Leaf, text: string, input: unknown): boolean {
  if (l.kind === 'dash') return true;
  if (l.kind === 'cmp' && ['<', '<=', '>', '>='].includes(l.op) && kind(input) !== kind(l.v)) return false;
  if (l.kind === 'range' && (kind(input) !== kind(l.lo) || l.lo > l.hi)) return false;
  return feelin(text, input);
}

function expected(t: Tests, leafTexts: string[], input: unknown): boolean {
  const any = t.leaves.some((l, i) => expectedLeaf(l, leafTexts[i] ?? '', input));
  return t.negated ? !any : any;
}

describe('the unary-test fast path agrees with FEEL', () => {
  const check = ({ t, r, input }: { t: Tests; r: { text: string; leafTexts: string[] }; input: unknown }): void => {
    const got = evaluateUnaryTests(r.text, input);
    assert.equal(got.value, expected(t, r.leafTexts, input), `${r.text} with ${JSON.stringify(input)}`);
    assert.deepEqual(got.warnings, [], r.text);
  };

  it('numbers, strings, booleans and null, in comparisons, intervals, lists and not(...), with inputs of every type', () => {
    fc.assert(fc.property(testsOver(true, plainStrings).chain((t) => caseOf(t, inputs)), check), { numRuns: RUNS * 5 });
  });

  it('strings with escaped quotes and backslashes (left to the interpreter), against strings and null', () => {
    // The interpreter orders values of different types as feelin does (see expectedLeaf), so only strings and null here.
    // `..` inside a string also sends an interval to the interpreter (the interval pattern reads the first `..`).
    const escaped = stringsOf([...plainChars, '..', '"', '\\']);
    fc.assert(fc.property(testsOver(false, escaped).chain((t) => caseOf(t, fc.oneof(escaped, fc.constant(null)))), check), { numRuns: RUNS });
  });

  it('a compiled decision table (the other caller of the fast path) gives the same', () => {
    fc.assert(
      fc.property(testsOver(true, plainStrings).chain((t) => caseOf(t, inputs)), ({ t, r, input }) => {
        const spec: TableSpec = { hitPolicy: 'FIRST', inputs: [{ name: 'x' }], outputs: [{ name: 'y' }], rules: [[r.text, '"yes"'], ['-', '"no"']] };
        const decision = compileDecision(parseDmn(tableDmn(spec)), 'result');
        const warnings: string[] = [];
        assert.equal(decision({ x: input }, warnings), expected(t, r.leafTexts, input) ? 'yes' : 'no', `${r.text} with ${JSON.stringify(input)}`);
        assert.deepEqual(warnings, [], r.text);
      }),
      { numRuns: RUNS },
    );
  });
});

/** A COLLECT table over `n / 3` (a long decimal for n = ±1) that lists the labels of the rules whose entry matches. */
function decimalTable(entries: string[]): string {
  const spec: TableSpec = { hitPolicy: 'COLLECT', inputs: [{ name: 'n', typeRef: 'number' }], outputs: [{ name: 'y' }], rules: entries.map((e) => [e, JSON.stringify(e)]) };
  return tableDmn(spec).replace('<text>n</text></inputExpression>', '<text>n / 3</text></inputExpression>');
}

describe('the fast path on long decimal inputs: exact, not the nearest double', () => {
  // 1/3 is 0.333…3 (34 digits), just above the double 0.3333333333333333; -1/3 is just below -0.3333333333333333.
  // Read as the nearest double (what feelin alone would do), each would equal the literal.
  const third = '0.3333333333333333';
  const entries = [`< ${third}`, `<= ${third}`, `> ${third}`, `>= ${third}`, `= ${third}`, `!= ${third}`, third, `[0..${third}]`, `[0..${third})`, `[${third}..1]`, `(${third}..1]`, `]${third}..1[`,
    `< -${third}`, `<= -${third}`, `> -${third}`, `>= -${third}`, `[-1..-${third}]`, `(-1..-${third})`, `[-${third}..0]`, `(-${third}..0]`, `[0..1]`, `< 1`, `> 1`, `[-1..0]`, '!= "x"', '!= true', '!= null'];
  const above = [`> ${third}`, `>= ${third}`, `!= ${third}`, `[${third}..1]`, `(${third}..1]`, `]${third}..1[`, `> -${third}`, `>= -${third}`, `[0..1]`, `< 1`, '!= null'];
  const below = [`< ${third}`, `<= ${third}`, `!= ${third}`, `< -${third}`, `<= -${third}`, `[-1..-${third}]`, `(-1..-${third})`, `< 1`, `[-1..0]`, '!= null'];
  const model = parseDmn(decimalTable(entries));

  it('1/3 and -1/3 against comparisons, equality and intervals whose bounds are their nearest doubles', () => {
    assert.deepEqual(evaluateDecision(model, 'result', { n: 1 }).value, above);
    assert.deepEqual(evaluateDecision(model, 'result', { n: -1 }).value, below);
  });

  it('the compiled decision gives the same', () => {
    const decision = compileDecision(model, 'result');
    assert.deepEqual(decision({ n: 1 }), above);
    assert.deepEqual(decision({ n: -1 }), below);
  });

  it('a string interval or comparison does not match a decimal', () => {
    const r = evaluateDecision(parseDmn(decimalTable(['["0".."9"]', '< "9"', '-'])), 'result', { n: 1 });
    assert.deepEqual(r.value, ['-']);
  });
});

describe('what the fast path leaves to the interpreter', () => {
  it('an order comparison with a boolean or null is no FEEL test: no match, and a warning', () => {
    for (const [text, input] of [['< true', false], ['> false', true], ['<= true', true], ['>= false', true], ['[1.."a"]', 1], ['["a"..2]', 'b'], ['[false..true]', true], ['(false..true)', false]] as const) {
      const r = evaluateUnaryTests(text, input);
      assert.equal(r.value, false, text);
      assert.notDeepEqual(r.warnings, [], text);
    }
    // Against null it is silent: `? < null` is null, whatever `?` is.
    for (const [text, input] of [['> null', 1], ['<= null', null], ['< null', 0], ['>= null', 'a']] as const) assert.equal(evaluateUnaryTests(text, input).value, false, text);
  });

  it('an unterminated string is a FEEL syntax error, with or without a comma after it', () => {
    for (const text of ['"abc', '1, "abc', '"a\\"', '"a", "b']) {
      assert.throws(() => evaluateUnaryTests(text, 'abc'), (error: unknown) => isGovflowError(error) && error.code === 'GOVFLOW_ERR_FEEL_SYNTAX', text);
    }
  });

  it('names, arithmetic and function calls are evaluated against the context', () => {
    assert.equal(evaluateUnaryTests('< limit', 3, { limit: 5 }).value, true);
    assert.equal(evaluateUnaryTests('[lo..lo + 2]', 3, { lo: 1 }).value, true);
    assert.equal(evaluateUnaryTests('not(< limit)', 3, { limit: 5 }).value, false);
    assert.equal(evaluateUnaryTests('string length(?) = 2', 'ab').value, true);
    // Expressions that begin or end like a literal or an interval are still expressions.
    assert.equal(evaluateUnaryTests('"a" + "b"', 'ab').value, true);
    assert.equal(evaluateUnaryTests('"a" + "b"', 'a').value, false);
    assert.equal(evaluateUnaryTests('1 + 2', 3).value, true);
    assert.equal(evaluateUnaryTests('? + 1 in [1..5]', 5).value, false);
    assert.equal(evaluateUnaryTests('? + 1 in [1..5]', 3).value, true);
  });

  it('not(...) as the boolean function inside a larger expression is that expression, not a negated test', () => {
    // `not(false) and ? > 3` is `? > 3`; read as the negated test `not(false)` it would match every number.
    for (const text of ['not(false) and ? > 3', '? > 3 and not(false)']) {
      assert.equal(evaluateUnaryTests(text, 1).value, false, text);
      assert.equal(evaluateUnaryTests(text, 5).value, true, text);
    }
    assert.equal(evaluateUnaryTests('not(true) or ? = 2', 1).value, false);
    assert.equal(evaluateUnaryTests('not(true) or ? = 2', 2).value, true);
  });

  it('`-` is a whole entry only: inside a list or not(...) it is a FEEL syntax error, whatever the rest is', () => {
    // The grammar: unary tests are `-`, or positive unary tests, or not(positive unary tests); `-` is none of the
    // positive ones. Literal or not, the other parts do not change that.
    for (const text of ['"a", -', '-, "a"', '1, -', 'not(-)', 'not("a", -)', 'x, -']) {
      assert.throws(() => evaluateUnaryTests(text, 'b', { x: 'a' }), (error: unknown) => isGovflowError(error) && error.code === 'GOVFLOW_ERR_FEEL_SYNTAX', text);
    }
    assert.equal(evaluateUnaryTests('-', 'b').value, true);
    assert.equal(evaluateUnaryTests(' - ', null).value, true);
  });

  it('numbers are FEEL decimals: no hexadecimal, no exponent', () => {
    for (const text of ['0x10', '< 0x10']) assert.throws(() => evaluateUnaryTests(text, 16), (error: unknown) => isGovflowError(error) && error.code === 'GOVFLOW_ERR_FEEL_SYNTAX', text);
    assert.equal(evaluateUnaryTests('1e3', 1000).value, false);
    assert.equal(evaluateUnaryTests('< 1e3', 5).value, false);
  });
});

describe('output values are split at top-level commas only', () => {
  const priority = (values: string, outputs: string[]) =>
    evaluateDecision(parseDmn(tableDmn({ hitPolicy: 'PRIORITY', inputs: [{ name: 'x' }], outputs: [{ name: 'y', values }], rules: outputs.map((o) => ['-', o]) })), 'result', { x: 1 }).value;

  it('a comma or an escaped quote inside a string', () => {
    assert.equal(priority('"b,\\"c", "a"', ['"a"', '"b,\\"c"']), 'b,"c');
    assert.equal(priority('"a\\\\", "b"', ['"b"', '"a\\\\"']), 'a\\');
  });

  it('a comma inside not(...) or a list', () => {
    // not("x","y") is one output value: "w" matches it and ranks first; "x" matches only the second value.
    assert.equal(priority('not("x","y"), "x"', ['"x"', '"w"']), 'w');
    assert.equal(priority('[3, 1], 2', ['2', '1']), 1);
    assert.equal(priority('[3, 1], 2', ['2', '4']), 2);
  });
});
