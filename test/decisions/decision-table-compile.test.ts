// Decision-table compilation that mutation testing (npm run mutate -- decision-tables, lines 1–131) found unpinned:
// where a compile error or a type warning says it is (rule id, or the table's id and the rule's position when the
// rule has none), outputs without names, default output entries over several outputs, hit-policy spellings, and
// PRIORITY's rank of an output that is not among the output values. Expected values follow DMN 1.3, not the engine.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateDecision, parseDmn } from '../../src/decisions/index.js';
import { tableDmn, type TableSpec } from './support.js';

const base: TableSpec = { hitPolicy: 'UNIQUE', inputs: [{ name: 'x' }], outputs: [{ name: 'y' }], rules: [['-', '1']] };
const evaluate = (xml: string, x: unknown = 1) => evaluateDecision(parseDmn(xml), 'result', { x });
const withoutRuleIds = (xml: string): string => xml.replace(/<rule id="rule\d+">/g, '<rule>');
const withDefaults = (xml: string, defaults: Record<string, string>): string =>
  Object.entries(defaults).reduce((s, [name, text]) => s.replace(`<output id="${name === 'a' ? 'out0' : 'out1'}" name="${name}">`, `$&<defaultOutputEntry><text>${text}</text></defaultOutputEntry>`), xml);

describe('decision tables: where a compile error is', () => {
  it('names the rule by id, else the table and the rule\'s position, and the entry', () => {
    assert.throws(() => parseDmn(tableDmn({ ...base, rules: [['-', '1 +']] })), /rule1\/outputEntry\[0\]: FEEL syntax error/);
    assert.throws(() => parseDmn(withoutRuleIds(tableDmn({ ...base, rules: [['-', '1'], ['-', '1 +']] }))), /table\/rule\[2\]\/outputEntry\[0\]: FEEL syntax error/);
    assert.throws(() => parseDmn(withoutRuleIds(tableDmn({ ...base, rules: [['> >', '1']] }))), /table\/rule\[1\]\/inputEntry\[0\]: FEEL syntax error/);
  });

  it('names the output value and the default output entry', () => {
    assert.throws(() => parseDmn(tableDmn({ ...base, hitPolicy: 'PRIORITY', outputs: [{ name: 'y', values: '"a", > >' }] })), /table\/output\[0\]\/outputValues\[1\]: FEEL syntax error/);
    assert.throws(() => parseDmn(withDefaults(tableDmn({ ...base, outputs: [{ name: 'a' }] }), { a: '1 +' })), /table\/output\[0\]\/default: FEEL syntax error/);
  });
});

describe('decision tables: type warnings name their place', () => {
  it('an output that does not fit its type: the rule id and, with several outputs, the output name; else the table', () => {
    const single = tableDmn({ ...base, outputs: [{ name: 'y', typeRef: 'number' }], rules: [['-', '"text"']] });
    assert.deepEqual(evaluate(single).warnings, ["rule1/output: value does not conform to type 'number'"]);
    assert.deepEqual(evaluate(withoutRuleIds(single)).warnings, ["table/output: value does not conform to type 'number'"]);
    const multi = tableDmn({ ...base, outputs: [{ name: 'a', typeRef: 'number' }, { name: 'b' }], rules: [['-', '"t"', '2']] });
    const r = evaluate(multi);
    assert.deepEqual(r.value, { a: null, b: 2 });
    assert.deepEqual(r.warnings, ["rule1/a: value does not conform to type 'number'"]);
    assert.deepEqual(evaluate(withoutRuleIds(multi)).warnings, ["table/a: value does not conform to type 'number'"]);
  });

  it('an input whose value does not fit the input expression\'s type: the table and the column', () => {
    const xml = tableDmn(base).replace('<inputExpression typeRef="Any">', '<inputExpression typeRef="number">');
    assert.deepEqual(evaluate(xml, 'text').warnings, ["table/input[0]: value does not conform to type 'number'"]);
  });
});

describe('decision tables: outputs and hit policies as written', () => {
  it('outputs without names are output0, output1, … when there are several', () => {
    const xml = tableDmn({ ...base, outputs: [{ name: 'a' }, { name: 'b' }], rules: [['-', '1', '2']] }).replace(' name="a"', '').replace(' name="b"', '');
    assert.deepEqual(evaluate(xml).value, { output0: 1, output1: 2 });
  });

  it('no match over several outputs: the defaults where given and null for the rest; without any default, null', () => {
    const multi = tableDmn({ ...base, outputs: [{ name: 'a' }, { name: 'b' }], rules: [['> 100', '1', '2']] });
    assert.deepEqual(evaluate(withDefaults(multi, { a: '"none"' })).value, { a: 'none', b: null });
    assert.deepEqual(evaluate(withDefaults(multi, { a: '"none"', b: '0' })).value, { a: 'none', b: 0 });
    assert.equal(evaluate(multi).value, null);
  });

  it('a hit policy written with several spaces, a tab, or spaces around it is still that policy', () => {
    for (const hitPolicy of ['RULE  ORDER', 'rule\torder', ' rule order ']) {
      assert.deepEqual(evaluate(tableDmn({ ...base, hitPolicy, rules: [['-', '1'], ['-', '2']] })).value, [1, 2], hitPolicy);
    }
  });

  it('an input column without an input expression still evaluates its rules (its input is null)', () => {
    const xml = tableDmn({ ...base, rules: [['-', '1']] }).replace(/<inputExpression[^>]*><text>x<\/text><\/inputExpression>/, '');
    assert.equal(evaluate(xml).value, 1);
  });

  it('PRIORITY ranks an output that is not among the output values below every listed one', () => {
    const xml = tableDmn({ ...base, hitPolicy: 'PRIORITY', outputs: [{ name: 'y', values: '"HIGH","LOW"' }], rules: [['-', '"OTHER"'], ['-', '"LOW"']] });
    assert.equal(evaluate(xml).value, 'LOW');
  });
});
