// Hit policies, explanations and bad input for the DMN engine.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateDecision, parseDmn } from '../../src/decisions/index.js';
import { isGovflowError } from '../../src/kernel/index.js';
import { tableDmn } from './support.js';

// One input (age) and rules that overlap on purpose: for age 30, rules 2, 3 and 4 match.
const overlapping = (hitPolicy: string, aggregation?: string) =>
  parseDmn(
    tableDmn({
      hitPolicy,
      ...(aggregation ? { aggregation } : {}),
      inputs: [{ name: 'age', typeRef: 'number' }],
      outputs: [{ name: 'fee', typeRef: 'number' }],
      rules: [
        ['< 18', '5'],
        ['>= 18', '20'],
        ['[25..40]', '10'],
        ['>= 30', '20'],
      ],
    }),
  );

const feeFor = (hitPolicy: string, age: number, aggregation?: string) => evaluateDecision(overlapping(hitPolicy, aggregation), 'result', { age });

describe('decision table hit policies', () => {
  it('UNIQUE returns the only match, and null with a warning when several rules match', () => {
    assert.equal(feeFor('UNIQUE', 10).value, 5);
    const many = feeFor('UNIQUE', 30);
    assert.equal(many.value, null);
    assert.match(many.warnings.join('\n'), /UNIQUE.*2, 3, 4/);
  });

  it('ANY accepts overlapping rules only when they agree', () => {
    assert.equal(feeFor('ANY', 20).value, 20); // only rule 2
    assert.equal(feeFor('ANY', 30).value, null); // 20, 10, 20 disagree
    assert.equal(feeFor('ANY', 45).value, 20); // rules 2 and 4 both say 20
  });

  it('FIRST takes the first matching rule in table order', () => {
    assert.equal(feeFor('FIRST', 30).value, 20);
    assert.deepEqual(feeFor('FIRST', 30).explanation[0]?.matchedRules, [{ index: 2, id: 'rule2' }]);
  });

  it('RULE ORDER lists every match in rule order', () => {
    assert.deepEqual(feeFor('RULE ORDER'.replace(' ', '_'), 30).value, [20, 10, 20]);
  });

  it('COLLECT without aggregation lists matches; with + < > # aggregates them', () => {
    assert.deepEqual(feeFor('COLLECT', 30).value, [20, 10, 20]);
    assert.equal(feeFor('COLLECT', 30, 'SUM').value, 50);
    assert.equal(feeFor('COLLECT', 30, 'MIN').value, 10);
    assert.equal(feeFor('COLLECT', 30, 'MAX').value, 20);
    assert.equal(feeFor('COLLECT', 30, 'COUNT').value, 2, 'C# counts distinct outputs');
    assert.equal(feeFor('COLLECT', 10, 'SUM').value, 5);
    assert.equal(feeFor('COLLECT', -1, 'COUNT').value, 1);
  });

  it('no match gives null for single-hit policies and an empty list for COLLECT', () => {
    const none = parseDmn(tableDmn({ hitPolicy: 'UNIQUE', inputs: [{ name: 'x', typeRef: 'number' }], outputs: [{ name: 'y' }], rules: [['> 100', '"big"']] }));
    assert.equal(evaluateDecision(none, 'result', { x: 1 }).value, null);
    assert.deepEqual(feeFor('COLLECT', Number.NaN).value, []);
  });

  const priorityTable = (hitPolicy: string) =>
    parseDmn(
      tableDmn({
        hitPolicy,
        inputs: [{ name: 'score', typeRef: 'number' }],
        outputs: [{ name: 'risk', typeRef: 'string', values: '"HIGH","MEDIUM","LOW"' }],
        rules: [
          ['> 10', '"LOW"'],
          ['> 50', '"HIGH"'],
          ['> 30', '"MEDIUM"'],
        ],
      }),
    );

  it('PRIORITY picks the match whose output comes first in the output values', () => {
    assert.equal(evaluateDecision(priorityTable('PRIORITY'), 'result', { score: 60 }).value, 'HIGH');
    assert.equal(evaluateDecision(priorityTable('PRIORITY'), 'result', { score: 40 }).value, 'MEDIUM');
    assert.equal(evaluateDecision(priorityTable('PRIORITY'), 'result', { score: 20 }).value, 'LOW');
  });

  it('OUTPUT ORDER lists matches sorted by output-value priority', () => {
    assert.deepEqual(evaluateDecision(priorityTable('OUTPUT ORDER'.replace(' ', '_')), 'result', { score: 60 }).value, ['HIGH', 'MEDIUM', 'LOW']);
  });

  it('multiple outputs form a context per rule', () => {
    const model = parseDmn(
      tableDmn({
        hitPolicy: 'FIRST',
        inputs: [{ name: 'kind', typeRef: 'string' }],
        outputs: [{ name: 'fee' }, { name: 'days' }],
        rules: [
          ['"permit"', '120', '28'],
          ['-', '0', '5'],
        ],
      }),
    );
    assert.deepEqual(evaluateDecision(model, 'result', { kind: 'permit' }).value, { fee: 120, days: 28 });
    assert.deepEqual(evaluateDecision(model, 'result', { kind: 'other' }).value, { fee: 0, days: 5 });
  });

  it('input entries beyond the fast path (function calls, ? expressions) go through FEEL', () => {
    const model = parseDmn(
      tableDmn({
        hitPolicy: 'FIRST',
        inputs: [{ name: 'name', typeRef: 'string' }],
        outputs: [{ name: 'o' }],
        rules: [
          ['starts with(?, "Dr")', '"doctor"'],
          ['string length(?) > 3', '"long"'],
          ['-', '"short"'],
        ],
      }),
    );
    assert.equal(evaluateDecision(model, 'result', { name: 'Dr Who' }).value, 'doctor');
    assert.equal(evaluateDecision(model, 'result', { name: 'Alice' }).value, 'long');
    assert.equal(evaluateDecision(model, 'result', { name: 'Bo' }).value, 'short');
  });

  it('a value outside the input values makes the table null with a warning', () => {
    const model = parseDmn(
      tableDmn({ hitPolicy: 'UNIQUE', inputs: [{ name: 'c', typeRef: 'string' }], outputs: [{ name: 'o' }], rules: [['"a"', '1'], ['"b"', '2']], inputValues: ['"a","b"'] }),
    );
    assert.equal(evaluateDecision(model, 'result', { c: 'b' }).value, 2);
    const bad = evaluateDecision(model, 'result', { c: 'z' });
    assert.equal(bad.value, null);
    assert.match(bad.warnings.join(), /allowed input values/);
  });
});

describe('explanations', () => {
  it('name the decision, hit policy, matched rules, input values and outputs', () => {
    const r = feeFor('RULE_ORDER', 30);
    assert.equal(r.explanation.length, 1);
    const t = r.explanation[0];
    assert.ok(t);
    assert.equal(t.decisionId, 'd');
    assert.equal(t.hitPolicy, 'R');
    assert.deepEqual(
      t.matchedRules?.map((m) => m.id),
      ['rule2', 'rule3', 'rule4'],
    );
    assert.deepEqual(t.inputs, [{ expression: 'age', value: 30 }]);
    assert.deepEqual(t.outputs, [20, 10, 20]);
  });

  it('list every decision of the requirements graph, required decisions first, each once', () => {
    const xml = `<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="g" name="graph" namespace="urn:g">
      <inputData id="i1" name="income"><variable name="income" typeRef="number"/></inputData>
      <decision id="base" name="base"><variable name="base" typeRef="number"/>
        <informationRequirement><requiredInput href="#i1"/></informationRequirement>
        <literalExpression><text>income * 0.1</text></literalExpression></decision>
      <decision id="mid" name="mid"><variable name="mid"/>
        <informationRequirement><requiredDecision href="#base"/></informationRequirement>
        <literalExpression><text>base + 1</text></literalExpression></decision>
      <decision id="top" name="top"><variable name="top"/>
        <informationRequirement><requiredDecision href="#base"/></informationRequirement>
        <informationRequirement><requiredDecision href="#mid"/></informationRequirement>
        <context><contextEntry><variable name="sum"/><literalExpression><text>base + mid</text></literalExpression></contextEntry>
          <contextEntry><literalExpression><text>sum * 2</text></literalExpression></contextEntry></context></decision>
    </definitions>`;
    const model = parseDmn(xml, 'graph.dmn');
    const r = evaluateDecision(model, 'top', { income: 1000 });
    assert.equal(r.value, (100 + 101) * 2);
    assert.deepEqual(
      r.explanation.map((t) => [t.decisionId, t.value]),
      [
        ['base', 100],
        ['mid', 101],
        ['top', 402],
      ],
    );
  });

  it('dates come back as ISO strings from evaluateDecision', () => {
    const xml = `<definitions xmlns="https://www.omg.org/spec/DMN/20180521/MODEL/" id="x" name="x" namespace="urn:x">
      <decision id="due" name="due"><variable name="due"/><literalExpression><text>date("2024-01-31") + duration("P1M")</text></literalExpression></decision></definitions>`;
    assert.equal(evaluateDecision(parseDmn(xml), 'due', {}).value, '2024-02-29');
  });
});

describe('bad input', () => {
  const codeOf = (fn: () => unknown): { code: string; text: string } => {
    try {
      fn();
    } catch (error) {
      assert.ok(isGovflowError(error), `expected a GovflowError, got ${String(error)}`);
      return { code: error.code, text: `${error.message} ${JSON.stringify(error.details)}` };
    }
    assert.fail('expected an error');
  };

  it('broken XML is GOVFLOW_ERR_DMN_PARSE with a line', () => {
    const e = codeOf(() => parseDmn('<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/"><decision id="a">', 'broken.dmn'));
    assert.equal(e.code, 'GOVFLOW_ERR_DMN_PARSE');
    assert.match(e.text, /broken\.dmn/);
    assert.match(e.text, /"line":\d+/);
  });

  it('a document that is not DMN is GOVFLOW_ERR_DMN_PARSE', () => {
    assert.equal(codeOf(() => parseDmn('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"/>')).code, 'GOVFLOW_ERR_DMN_PARSE');
  });

  it('an unknown element reference is GOVFLOW_ERR_DMN_INVALID naming the element and the href', () => {
    const xml = `<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="x" name="x" namespace="urn:x">
      <decision id="needsInput" name="n"><informationRequirement><requiredInput href="#nowhere"/></informationRequirement>
      <literalExpression><text>1</text></literalExpression></decision></definitions>`;
    const e = codeOf(() => parseDmn(xml));
    assert.equal(e.code, 'GOVFLOW_ERR_DMN_INVALID');
    assert.match(e.text, /needsInput/);
    assert.match(e.text, /#nowhere/);
  });

  it('a FEEL syntax error is GOVFLOW_ERR_FEEL_SYNTAX naming the element and the expression', () => {
    const xml = `<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="x" name="x" namespace="urn:x">
      <decision id="broken" name="b"><literalExpression id="brokenExpr"><text>1 + * 2</text></literalExpression></decision></definitions>`;
    const e = codeOf(() => parseDmn(xml));
    assert.equal(e.code, 'GOVFLOW_ERR_FEEL_SYNTAX');
    assert.match(e.text, /brokenExpr/);
    assert.match(e.text, /1 \+ \* 2/);
  });

  it('a syntax error in a rule names the rule', () => {
    const e = codeOf(() => parseDmn(tableDmn({ hitPolicy: 'UNIQUE', inputs: [{ name: 'a' }], outputs: [{ name: 'o' }], rules: [['[1..', '1']] })));
    assert.equal(e.code, 'GOVFLOW_ERR_FEEL_SYNTAX');
    assert.match(e.text, /rule1/);
  });

  it('an unknown decision is GOVFLOW_ERR_DECISION_NOT_FOUND', () => {
    assert.equal(codeOf(() => evaluateDecision(overlapping('FIRST'), 'nope', {})).code, 'GOVFLOW_ERR_DECISION_NOT_FOUND');
  });

  it('a runtime type error gives null and a warning, not an exception', () => {
    const r = evaluateDecision(overlapping('UNIQUE'), 'result', { age: 'thirty' });
    assert.equal(r.value, null);
    const xml = `<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="x" name="x" namespace="urn:x">
      <inputData id="i" name="n"><variable name="n"/></inputData>
      <decision id="d" name="d"><informationRequirement><requiredInput href="#i"/></informationRequirement><literalExpression><text>n + 1</text></literalExpression></decision></definitions>`;
    const typed = evaluateDecision(parseDmn(xml), 'd', { n: 'text' });
    assert.equal(typed.value, null);
    assert.ok(typed.warnings.length > 0);
  });

  it('a value that does not conform to the declared type becomes null with a warning', () => {
    const xml = `<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="x" name="x" namespace="urn:x">
      <decision id="d" name="d"><variable name="d" typeRef="number"/><literalExpression><text>"not a number"</text></literalExpression></decision></definitions>`;
    const r = evaluateDecision(parseDmn(xml), 'd', {});
    assert.equal(r.value, null);
    assert.match(r.warnings.join(), /conform/);
  });
});

describe('JSON inputs', () => {
  it('ISO strings become FEEL dates where the input data is declared a date', () => {
    const xml = `<definitions xmlns="https://www.omg.org/spec/DMN/20230324/MODEL/" id="x" name="x" namespace="urn:x">
      <inputData id="i" name="applied on"><variable name="applied on" typeRef="date"/></inputData>
      <decision id="d" name="decide by"><variable name="decide by" typeRef="date"/>
        <informationRequirement><requiredInput href="#i"/></informationRequirement>
        <literalExpression><text>applied on + duration("P56D")</text></literalExpression></decision></definitions>`;
    const r = evaluateDecision(parseDmn(xml), 'decide by', { 'applied on': '2024-03-01' });
    assert.equal(r.value, '2024-04-26');
    assert.deepEqual(r.warnings, []);
  });
});

it('a decision without decision logic is refused when loaded strictly, never evaluated to a silent null', () => {
  const xml = '<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d" namespace="x"><decision id="fee" name="fee"/></definitions>';
  assert.throws(() => parseDmn(xml, 'empty.dmn'), (error: unknown) => isGovflowError(error) && error.code === 'GOVFLOW_ERR_DMN_INVALID' && error.details.some((d) => d.where === 'fee'));
});
