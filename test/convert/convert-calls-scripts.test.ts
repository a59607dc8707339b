/**
 * Issue 16, acceptance 3: the Camunda 7 constructs that kept real models from converting. Listener expressions
 * that call a bean method with arguments (Valtimo's case status updates and document reads), a decision's single
 * result read in an output mapping, JavaScript that is one FEEL-shaped expression, starter groups and tenant ids.
 * Each converted form is compiled by govflow's own compiler; each rule has a case that must stay blocked; the
 * JavaScript translation is checked against JavaScript itself (node evaluates the script, feelin the FEEL).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { evaluate } from 'feelin';
import { convertCamunda7, javascriptToFeel, JuelUntranslatable, type ConvertResult } from '../../src/convert/index.js';
import { compileBpmn, type ElementModel } from '../../src/engine/index.js';
import { c7 } from './c7-model.js';


const attrText = (s: string) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;');
const listener = (event: string, expression: string) => `<camunda:executionListener event="${event}" expression="${attrText(expression)}" />`;
const userTask = (...listeners: string[]) => `    <bpmn:userTask id="task"><bpmn:extensionElements>${listeners.join('\n')}</bpmn:extensionElements></bpmn:userTask>`;

async function compiled(result: ConvertResult, id = 'task'): Promise<ElementModel> {
  assert.deepEqual(result.blocked, [], 'nothing blocked');
  const element = (await compileBpmn(result.xml)).processes[0]!.elements[id];
  assert.ok(element, `element ${id} compiled`);
  return element;
}

const callsOf = (element: ElementModel, index = 0): unknown => JSON.parse(element.listeners![index]!.headers!['camunda7Calls']!);

describe('govflow convert: listener expressions that call a bean method with arguments', () => {
  it('become a job listener named bean.method, the literal arguments and execution in the listener\'s header', async () => {
    const expression = "${documentDelegateService.setInternalStatus(execution,'in-behandeling')}";
    const r = convertCamunda7(c7(userTask(listener('start', expression))));
    const task = await compiled(r);
    assert.deepEqual(task.listeners?.map((l) => [l.eventType, l.jobType]), [['start', 'documentDelegateService.setInternalStatus']]);
    assert.deepEqual(callsOf(task), [{ expression, arguments: [{ ref: 'execution' }, 'in-behandeling'] }]);
    assert.ok(r.changes.some((n) => n.severity === 'review' && n.message.includes('camunda7Calls')), 'the report says what the worker must do');
    const numbers = await compiled(convertCamunda7(c7(userTask(listener('end', '${audit.log(3, 1.5, true, null, "x")}')))));
    assert.deepEqual(callsOf(numbers), [{ expression: '${audit.log(3, 1.5, true, null, "x")}', arguments: [3, 1.5, true, null, 'x'] }]);
  });

  it('execution.setVariable(name, bean.method(…)) on an end listener asks the worker for that variable', async () => {
    const expression = '${execution.setVariable("getPermit",documentDelegateService.findValueByJsonPointer("/getPermit",execution))}';
    const task = await compiled(convertCamunda7(c7(userTask(listener('end', expression)))));
    assert.deepEqual(task.listeners?.map((l) => [l.eventType, l.jobType]), [['end', 'documentDelegateService.findValueByJsonPointer']]);
    assert.deepEqual(callsOf(task), [{ expression, arguments: ['/getPermit', { ref: 'execution' }], resultVariable: 'getPermit' }]);
  });

  it('listeners of one element and event with the same job type, one after the other, become one job with the calls in order', async () => {
    const reads = ['size', 'email', 'eventName'].map((v) => `\${execution.setVariable("${v}",documents.find("/${v}",execution))}`);
    const xml = c7('    <bpmn:task id="task" />').replace('<bpmn:startEvent id="s" />', `<bpmn:startEvent id="s"><bpmn:extensionElements>${reads.map((e) => listener('start', e)).join('\n')}</bpmn:extensionElements></bpmn:startEvent>`);
    const r = convertCamunda7(xml);
    const start = await compiled(r, 's');
    assert.deepEqual(start.listeners?.map((l) => [l.eventType, l.jobType]), [['end', 'documents.find']], 'Zeebe runs one listener per event and job type');
    assert.deepEqual((callsOf(start) as { resultVariable: string }[]).map((c) => c.resultVariable), ['size', 'email', 'eventName']);
    assert.equal(r.changes.filter((n) => /camunda:executionListener/.test(n.message)).length, 3, 'one report row per original listener');
  });

  it('stays blocked where the worker could not be asked the same thing', () => {
    const blocked = (xml: string, pattern: RegExp) => {
      const r = convertCamunda7(xml);
      assert.equal(r.blocked.length, 1, xml);
      assert.match(r.blocked[0]!.message, pattern);
      assert.ok(r.xml.includes('camunda:executionListener') || r.xml.includes('camunda:taskListener'), 'left as it was');
    };
    blocked(c7(userTask(listener('start', '${status.set(execution, order.state)}'))), /argument 2 is computed at run time/);
    blocked(c7(userTask(listener('start', '${status.set(execution, "a" + "b")}'))), /argument 2 is computed/);
    blocked(c7(userTask(listener('start', '${execution.setVariable("x", 5)}'))), /not a bean method call.*output mapping/);
    blocked(c7(userTask(listener('end', '${execution.setVariable("x", a > 1)}'))), /not a bean method call/);
    blocked(c7(userTask(listener('start', '${execution.getVariable("x")}'))), /not a call of a bean method/);
    // Zeebe makes a start listener's variables the element's own; Camunda 7's setVariable writes to the process.
    blocked(c7('    <bpmn:exclusiveGateway id="task" />'.replace(' />', `><bpmn:extensionElements>${listener('start', '${execution.setVariable("v", docs.read("/v", execution))}')}</bpmn:extensionElements></bpmn:exclusiveGateway>`)), /start listener's variables are the element's own/);
    blocked(c7(userTask('<camunda:inputOutput><camunda:inputParameter name="v">1</camunda:inputParameter></camunda:inputOutput>', listener('end', '${execution.setVariable("v", docs.read("/v", execution))}'))), /also an input parameter/);
    blocked(c7(userTask(listener('end', '${a.b(execution)}'), '<camunda:executionListener event="end" class="org.X" />', listener('end', '${a.b(execution, 2)}'))), /runs in between/);
    blocked(c7('    <bpmn:userTask id="task"><bpmn:extensionElements><camunda:taskListener event="create" expression="${mail.send(task, &quot;x&quot;)}" /></bpmn:extensionElements></bpmn:userTask>'), /task listener job cannot carry/);
  });
});

describe('govflow convert: a decision\'s single result read in an output mapping', () => {
  const task = (output: string, attrs = '') => c7(`    <bpmn:businessRuleTask id="task" camunda:decisionRef="risk"${attrs}><bpmn:extensionElements><camunda:inputOutput><camunda:outputParameter name="risico">${output}</camunda:outputParameter></camunda:inputOutput></bpmn:extensionElements></bpmn:businessRuleTask>`);

  it('decisionResult.getSingleResult().x reads x of the result variable: a context\'s entry, or the one output\'s value', async () => {
    const r = convertCamunda7(task('${decisionResult.getSingleResult().risico}'));
    const element = await compiled(r);
    const source = element.outputs?.[0]?.source ?? '';
    assert.equal(element.outputs?.[0]?.target, 'risico');
    const run = (decisionResult: unknown) => evaluate(source.replace(/^=/, ''), { decisionResult }).value;
    assert.equal(run({ risico: 'Hoog', reden: 'groot' }), 'Hoog', 'several outputs: the entry, as getSingleResult().risico');
    assert.equal(run('Laag'), 'Laag', 'one output: its value');
    assert.equal(run(null), null, 'no rule matched: null, as getSingleResult() gave');
    assert.ok(r.changes.some((n) => n.severity === 'review' && /multi-hit/.test(n.message)), 'the cases that differ are named');
    const named = await compiled(convertCamunda7(task('${decisionResult.getSingleResult().risico}', ' camunda:resultVariable="uitkomst"')));
    assert.match(named.outputs?.[0]?.source ?? '', /uitkomst\.risico/, 'reads the task\'s result variable');
  });

  it('stays blocked for other reads of the result', () => {
    for (const output of ['${decisionResult.getSingleResult().get("risico")}', '${decisionResult.getResultList()}', '${decisionResult.getSingleResult()}']) {
      assert.equal(convertCamunda7(task(output)).blocked.length, 2, output);
    }
  });
});

describe('govflow convert: JavaScript that is one FEEL-shaped expression', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['a + b * 2', { a: 1, b: 3 }], ['(a - b) / 4', { a: 9, b: 1 }], ['-a', { a: 2 }], ['a > b && b >= 0', { a: 2, b: 0 }],
    ['!(a == b) || a < 0', { a: 1, b: 1 }], ['a != b ? "diff" : "same"', { a: 1, b: 2 }], ['"Dear " + name', { name: 'Ann' }],
    ['"n=" + a + 1', { a: 4 }], ['a + 1 + "x"', { a: 4 }], ['"ok: " + (a > 1)', { a: 4 }], ['execution.getVariable("amount") * 2', { amount: 21 }],
    ['order.total >= 100', { order: { total: 120 } }], ["'single'", {}], ['null', {}], ['true', {}], ['a;', { a: 7 }],
  ];
  for (const [script, vars] of cases) {
    it(`${script} with ${JSON.stringify(vars)} gives what JavaScript gives`, () => {
      const { feel } = javascriptToFeel(script);
      assert.deepEqual(evaluate(feel, vars).value, runJs(script, vars), `FEEL ${feel}`);
    });
  }

  it('refuses JavaScript whose meaning FEEL does not have, saying why', () => {
    for (const [script, reason] of [
      ['var x = 1; execution.setVariable("y", x);', /more than one statement/], ['a && b', /truthiness/], ['!a', /truthiness/], ['s.length', /\.length/],
      ['a === 1', /.+/], ['l[0]', /count from 0/], ['Math.max(a, b)', /no FEEL equivalent/], ['a % 2', /%/], ['"a\\n"', /escape/],
      ['S(JSON.stringify(x))', /no FEEL equivalent/], ['typeof a', /typeof/], ['a ? 1 : 2', /truthiness/], ['execution', /engine object/],
    ] as const) {
      assert.throws(() => javascriptToFeel(script), (e: unknown) => e instanceof JuelUntranslatable && reason.test(e.message), script);
    }
  });

  it('a script task that sets one variable becomes a FEEL script with that result variable; other JavaScript stays blocked', async () => {
    const task = (script: string, attrs = '') => c7(`    <bpmn:scriptTask id="task" scriptFormat="javascript"${attrs}><bpmn:script>${script}</bpmn:script></bpmn:scriptTask>`);
    const set = await compiled(convertCamunda7(task('execution.setVariable("total", amount * 2);')));
    assert.deepEqual(set.script, { expression: 'amount * 2', resultVariable: 'total' });
    const result = await compiled(convertCamunda7(task('amount &gt; 100', ' camunda:resultVariable="large"')));
    assert.deepEqual(result.script, { expression: 'amount > 100', resultVariable: 'large' });
    const multi = convertCamunda7(task('var x = { "a": 1 };\nexecution.setVariable("o", S(JSON.stringify(x)));'));
    assert.match(multi.blocked[0]!.message, /more than one statement/);
    assert.ok(multi.xml.includes('scriptFormat="javascript"'), 'left as it was');
    assert.match(convertCamunda7(task('amount * 2')).blocked[0]!.message, /keeps nowhere/);
  });

  it('an input parameter computed by execution.setVariable gives the element\'s job the variable, and says it is the element\'s own', async () => {
    const task = (script: string, extra = '') => c7(`    <bpmn:serviceTask id="task" camunda:type="external" camunda:topic="score"><bpmn:extensionElements><camunda:inputOutput><camunda:inputParameter name="In_1"><camunda:script scriptFormat="javascript">${script}</camunda:script></camunda:inputParameter></camunda:inputOutput></bpmn:extensionElements></bpmn:serviceTask>${extra}`);
    const r = convertCamunda7(task('execution.setVariable("defaultScore", 5);'));
    const element = await compiled(r);
    assert.deepEqual(element.inputs?.map((m) => [m.target, m.source]), [['In_1', 'null'], ['defaultScore', '5']]);
    assert.ok(r.changes.some((n) => n.severity === 'review' && /gone after it/.test(n.message)));
    const plain = await compiled(convertCamunda7(task('a + 1')));
    assert.deepEqual(plain.inputs?.map((m) => [m.target, m.source]), [['In_1', 'a + 1']]);
    const readLater = convertCamunda7(task('execution.setVariable("defaultScore", 5);', '\n    <bpmn:sequenceFlow id="f3" sourceRef="task" targetRef="e"><bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">${defaultScore > 1}</bpmn:conditionExpression></bpmn:sequenceFlow>'));
    assert.ok(readLater.blocked.some((b) => /read elsewhere in the model/.test(b.message)), 'blocked when something else reads the variable after the element');
  });
});

/** The reference: JavaScript itself, with the variables as parameters and execution.getVariable reading them. */
function runJs(script: string, vars: Record<string, unknown>): unknown {
  const execution = { getVariable: (name: string) => vars[name] };
  const names = Object.keys(vars);
  // The reference evaluator is JavaScript itself, on scripts the test generates.
  const fn = new Function('execution', ...names, `return (${script.replace(/;\s*$/, '')});`) as (...args: unknown[]) => unknown;
  return fn(execution, ...names.map((n) => vars[n]));
}

type Js = { k: 'num'; v: number } | { k: 'var'; name: 'a' | 'b' } | { k: 'str'; v: string } | { k: 'arith'; op: '+' | '-' | '*'; l: Js; r: Js }
  | { k: 'cmp'; op: '==' | '!=' | '<' | '>' | '<=' | '>='; l: Js; r: Js } | { k: 'logic'; op: '&&' | '||'; l: Js; r: Js } | { k: 'not'; x: Js }
  | { k: 'cond'; t: Js; a: Js; b: Js } | { k: 'concat'; l: Js; r: Js };

function js(n: Js): string {
  switch (n.k) {
    case 'num': return n.v < 0 ? `(${n.v})` : String(n.v);
    case 'var': return n.name;
    case 'str': return JSON.stringify(n.v);
    case 'arith': case 'cmp': case 'logic': return `(${js(n.l)} ${n.op} ${js(n.r)})`;
    case 'not': return `!${js(n.x)}`;
    case 'cond': return `(${js(n.t)} ? ${js(n.a)} : ${js(n.b)})`;
    case 'concat': return `(${js(n.l)} + ${js(n.r)})`;
  }
}

// Numbers (integers, so JavaScript's floats and FEEL's decimals agree), booleans built from comparisons, strings
// joined with anything: the shapes the translation accepts.
const { num, bool, str } = fc.letrec<{ num: Js; bool: Js; str: Js }>((tie) => ({
  num: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    fc.integer({ min: -9, max: 9 }).map((v): Js => ({ k: 'num', v })),
    fc.constantFrom<Js>({ k: 'var', name: 'a' }, { k: 'var', name: 'b' }),
    fc.record({ op: fc.constantFrom('+', '-', '*'), l: tie('num'), r: tie('num') }).map((x) => ({ k: 'arith', ...x }) as Js),
    fc.record({ t: tie('bool'), a: tie('num'), b: tie('num') }).map((x): Js => ({ k: 'cond', ...x }))),
  bool: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    fc.record({ op: fc.constantFrom('==', '!=', '<', '>', '<=', '>='), l: tie('num'), r: tie('num') }).map((x) => ({ k: 'cmp', ...x }) as Js),
    fc.record({ op: fc.constantFrom('&&', '||'), l: tie('bool'), r: tie('bool') }).map((x) => ({ k: 'logic', ...x }) as Js),
    tie('bool').map((x): Js => ({ k: 'not', x }))),
  str: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    fc.constantFrom('', 'x', 'Dear ').map((v): Js => ({ k: 'str', v })),
    fc.record({ l: tie('str'), r: fc.oneof(tie('num'), tie('str'), tie('bool')) }).map((x): Js => ({ k: 'concat', ...x })),
    fc.record({ l: tie('num'), r: tie('str') }).map((x): Js => ({ k: 'concat', ...x }))),
}));

describe('govflow convert: JavaScript to FEEL (property)', () => {
  it('generated arithmetic, comparisons, logic, conditionals and joins give in FEEL what they give in JavaScript', () => {
    const vars = fc.record({ a: fc.integer({ min: -20, max: 20 }), b: fc.integer({ min: -20, max: 20 }) });
    fc.assert(fc.property(fc.oneof(num, bool, str), vars, (tree, values) => {
      const script = js(tree);
      const { feel } = javascriptToFeel(script);
      assert.deepEqual(evaluate(feel, values).value, runJs(script, values), `JavaScript ${script} → FEEL ${feel} with ${JSON.stringify(values)}`);
    }), { numRuns: 300 });
  });
});

describe('govflow convert: starter groups and tenant ids', () => {
  it('candidateStarterGroups and Users are dropped with a review row that says who can start in govflow', () => {
    const r = convertCamunda7(c7('    <bpmn:task id="task" />', { processAttrs: ' camunda:candidateStarterGroups="ITM-KM8,ITM-KM55" camunda:candidateStarterUsers="anna"' }));
    assert.deepEqual(r.blocked, []);
    const rows = r.changes.filter((n) => n.attribute?.startsWith('camunda:candidateStarter'));
    assert.equal(rows.length, 2);
    for (const row of rows) {
      assert.equal(row.severity, 'review');
      assert.match(row.message, /no list of who may start.*admin.*agency system.*citizen.*nobody is refused by it/);
    }
    assert.ok(!r.xml.includes('candidateStarter'));
  });

  it('camunda:potentialStarter (the element form) is dropped with the same review row', () => {
    const r = convertCamunda7(c7('    <bpmn:task id="task" />').replace('<bpmn:process id="p" isExecutable="true">', '<bpmn:process id="p" isExecutable="true"><bpmn:extensionElements><camunda:potentialStarter><bpmn:resourceAssignmentExpression><bpmn:formalExpression>group(x), user(y)</bpmn:formalExpression></bpmn:resourceAssignmentExpression></camunda:potentialStarter></bpmn:extensionElements>'));
    assert.deepEqual(r.blocked, []);
    const row = r.changes.find((n) => /potentialStarter/.test(n.message));
    assert.equal(row?.severity, 'review');
    assert.match(row!.message, /group\(x\), user\(y\).*nobody is refused by it/);
    assert.ok(!r.xml.includes('potentialStarter'));
  });

  it('a call activity\'s tenant id is dropped with a review row: the called process is found by its id only', async () => {
    const r = convertCamunda7(c7('    <bpmn:callActivity id="task" calledElement="sub" camunda:calledElementTenantId="${ tenants.resolve(execution) }" />'));
    const call = await compiled(r);
    assert.equal(call.calledElement?.processId, 'sub');
    const row = r.changes.find((n) => n.attribute === 'camunda:calledElementTenantId');
    assert.equal(row?.severity, 'review');
    assert.match(row!.message, /one tenant.*found by its id only.*no longer evaluated/);
  });

  it('stays blocked where the tenant has another meaning (CMMN)', () => {
    const cmmn = convertCamunda7(c7('    <bpmn:callActivity id="task" camunda:caseRef="c" camunda:caseTenantId="t1" />'));
    assert.ok(cmmn.blocked.some((b) => b.attribute === 'camunda:caseTenantId'));
  });
});
