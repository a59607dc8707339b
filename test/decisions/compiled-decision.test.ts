// Issue 24 acceptance 3: decisions compiled to JavaScript closures give exactly what the interpreter gives. Random
// tables (every hit policy, simple and non-simple cells, exact and non-exact decimals, wrong-typed and textual
// inputs) and random inputs: compileDecision's value and warnings must equal evaluateDecision's.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { compileDecision, evaluateDecision, parseDmn } from '../../src/decisions/index.js';
import { tableDmn, type TableSpec } from './support.js';

type Kind = 'number' | 'string' | 'boolean' | 'Any';

const numberLiteral = fc.constantFrom('0', '1', '-2', '2.5', '10', '0.1', '0.3', '100', '0.1000000000000000000001');
const cellFor = (kind: Kind): fc.Arbitrary<string> => {
  const numberCell = fc.oneof(
    fc.constant('-'),
    fc.tuple(fc.constantFrom('<', '<=', '>', '>=', '=', '!=', ''), numberLiteral).map(([op, n]) => `${op} ${n}`.trim()),
    fc.tuple(fc.constantFrom('[', '(', ']'), numberLiteral, numberLiteral, fc.constantFrom(']', ')', '[')).map(([a, lo, hi, b]) => `${a}${lo}..${hi}${b}`),
    fc.tuple(numberLiteral, numberLiteral).map(([a, b]) => `${a}, ${b}`),
    numberLiteral.map((n) => `not(${n})`),
    // Not simple: the interpreter's cell.
    numberLiteral.map((n) => `? * 2 > ${n}`),
    fc.constantFrom('odd(?)', '> 1 + 1', 'null'),
  );
  const stringCell = fc.oneof(fc.constantFrom('-', '"A"', '"A", "B"', 'not("C")', '!= "B"', '< "B"', '["A".."B"]', 'starts with(?, "B")', 'null'));
  const booleanCell = fc.constantFrom('-', 'true', 'false', 'not(true)', '? = false', 'null');
  if (kind === 'number') return numberCell;
  if (kind === 'string') return stringCell;
  if (kind === 'boolean') return booleanCell;
  return fc.oneof(numberCell, stringCell, booleanCell);
};

const outputCell = fc.constantFrom('1', '2', '0.1', '0.2', '"x"', 'null', '1 / 3', 'a', '10 * 2', 'true');

const tableArb = fc
  .record({
    kinds: fc.array(fc.constantFrom<Kind>('number', 'string', 'boolean', 'Any'), { minLength: 1, maxLength: 3 }),
    policy: fc.constantFrom(['UNIQUE'], ['ANY'], ['FIRST'], ['PRIORITY'], ['RULE ORDER'], ['COLLECT'], ['COLLECT', 'SUM'], ['COLLECT', 'COUNT'], ['COLLECT', 'MIN'], ['COLLECT', 'MAX']),
    outputType: fc.constantFrom<string | undefined>(undefined, 'number', 'string'),
    ruleCount: fc.integer({ min: 0, max: 6 }),
    allowed: fc.boolean(),
  })
  .chain((t) =>
    fc.record({
      t: fc.constant(t),
      rules: fc.array(fc.tuple(fc.tuple(...t.kinds.map(cellFor)), outputCell), { minLength: t.ruleCount, maxLength: t.ruleCount }),
    }),
  );

const inputValue = fc.oneof(
  fc.constantFrom<unknown>(0, 1, -2, 2.5, 10, 0.1, 0.3, 100, 3, 7, null, 'A', 'B', 'C', true, false, '2.5', '0.1000000000000000000001'),
  fc.integer({ min: -5, max: 120 }),
  fc.double({ min: -5, max: 20, noNaN: true }),
);

function specOf(t: { kinds: Kind[]; policy: readonly string[]; outputType: string | undefined; allowed: boolean }, rules: [string[], string][]): TableSpec {
  return {
    hitPolicy: t.policy[0] ?? 'UNIQUE',
    ...(t.policy[1] ? { aggregation: t.policy[1] } : {}),
    inputs: t.kinds.map((k, i) => ({ name: `in${i}`, ...(k === 'Any' ? {} : { typeRef: k }) })),
    outputs: [{ name: 'out', ...(t.outputType ? { typeRef: t.outputType } : {}), ...(t.policy[0] === 'PRIORITY' ? { values: '2, 1, "x"' } : {}) }],
    rules: rules.map(([cells, out]) => [...cells, out]),
    ...(t.allowed && t.kinds[0] === 'number' ? { inputValues: ['[-2..50]'] } : {}),
  };
}

describe('compiled decisions', () => {
  it('give the value and warnings the interpreter gives, for random tables and inputs', () => {
    let compiled = 0;
    fc.assert(
      fc.property(tableArb, fc.array(fc.array(inputValue, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 8 }), ({ t, rules }, contexts) => {
        const model = parseDmn(tableDmn(specOf(t, rules)), 'random.dmn', { lenient: true });
        const decision = compileDecision(model, 'result');
        if (decision.path === 'compiled') compiled++;
        for (const values of contexts) {
          const context = Object.fromEntries(t.kinds.map((_, i) => [`in${i}`, values[i]]));
          const warnings: string[] = [];
          const got = decision(context, warnings);
          const want = evaluateDecision(model, 'result', context);
          assert.deepEqual(got, want.value, JSON.stringify({ context, rules }));
          assert.deepEqual(warnings, want.warnings, JSON.stringify({ context, rules }));
        }
      }),
      { numRuns: 100, seed: 24 },
    );
    // The property means little if every table fell back to the interpreter.
    assert.ok(compiled > 20, `only ${compiled} of 100 random tables were compiled`);
  });

  it('compiles single-hit tables and a decision graph of tables and literal expressions, and agrees on it', () => {
    const spec: TableSpec = { hitPolicy: 'FIRST', inputs: [{ name: 'age', typeRef: 'number' }, { name: 'kind', typeRef: 'string' }], outputs: [{ name: 'fee', typeRef: 'number' }], rules: [['< 18', '-', '0'], ['[18..65)', '"A", "B"', '12.5'], ['-', '-', '20.10']] };
    const table = parseDmn(tableDmn(spec));
    const fee = compileDecision(table, 'result');
    assert.equal(fee.path, 'compiled');
    assert.equal(fee({ age: 30, kind: 'B' }), 12.5);
    assert.equal(fee({ age: 70, kind: 'B' }), 20.1);
    // A number sent as text (exact amounts travel as strings) is converted by the interpreter, per evaluation.
    assert.equal(fee({ age: '12', kind: 'A' }), 0);
    const graph = parseDmn(tableDmn(spec).replace('</definitions>', `<decision id="total" name="total"><variable name="total" typeRef="number"/>
      <informationRequirement><requiredDecision href="#d"/></informationRequirement>
      <informationRequirement><requiredInput href="#in_age"/></informationRequirement>
      <literalExpression><text>result * 3 + age / 1000</text></literalExpression></decision></definitions>`));
    const total = compileDecision(graph, 'total');
    assert.equal(total.path, 'compiled');
    for (const context of [{ age: 30, kind: 'A' }, { age: 17, kind: 'C' }, { age: 99, kind: null }, { age: 'x', kind: 'A' }]) {
      const warnings: string[] = [];
      assert.deepEqual([total(context, warnings), warnings], [evaluateDecision(graph, 'total', context).value, evaluateDecision(graph, 'total', context).warnings]);
    }
    assert.equal(total({ age: 30, kind: 'A' }), 37.53, '12.5 × 3 + 0.03, exact');
    // The plainest literal expressions are compiled too; a null operand or mixed types go to the interpreter.
    const banded = parseDmn(tableDmn({ ...spec, rules: spec.rules.slice(0, 2) }).replace('</definitions>', `<decision id="band" name="band"><variable name="band"/>
      <informationRequirement><requiredDecision href="#d"/></informationRequirement>
      <informationRequirement><requiredInput href="#in_kind"/></informationRequirement>
      <literalExpression><text>if result = null then "none" else if result + 0.05 >= 12.55 then kind else if kind = "A" then result - 0.1 else result &lt; kind</text></literalExpression></decision></definitions>`));
    const band = compileDecision(banded, 'band');
    assert.equal(band.path, 'compiled');
    for (const context of [{ age: 30, kind: 'A' }, { age: 10, kind: 'A' }, { age: 10, kind: 'B' }, { age: 90, kind: 'B' }, { age: 30, kind: 'Z' }, { age: 10, kind: null }]) {
      const warnings: string[] = [];
      assert.deepEqual([band(context, warnings), warnings], [evaluateDecision(banded, 'band', context).value, evaluateDecision(banded, 'band', context).warnings], JSON.stringify(context));
    }
    assert.equal(band({ age: 10, kind: 'A' }), -0.1);
    assert.equal(band({ age: 90, kind: 'B' }), 'none');
    assert.throws(() => compileDecision(graph, 'nope'), /GOVFLOW_ERR_DECISION_NOT_FOUND|No decision 'nope'/);
  });
});
