/**
 * Issue 16: Camunda 7 call activities pass only what camunda:in / camunda:out map (before, a called process got
 * every variable and gave every one back). On both backends, because the child instance is a row of its own.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachBackend } from '../support/databases.js';
import { bpmn, userTask } from './bpmn.js';
import { assertCompleted, deploy, instance, tasksOf, useEngine } from './harness.js';

/** The bpmn() helper's model, with the Camunda 7 namespace instead of Zeebe's. */
const camunda7 = (processId: string, body: string, flows: string) =>
  bpmn(processId, body, flows).replace('xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"', 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"');

describeEachBackend('engine: Camunda 7 call activity bindings', (backend) => {
  const h = useEngine(backend);

  async function childOf(parentId: number, processKey: string): Promise<number> {
    const children = (await h.engine.listInstances({ processKey })).filter((i) => i.id !== parentId && i.state === 'active');
    assert.equal(children.length, 1, `one active ${processKey}`);
    return children[0]!.id;
  }

  it('passes only the mapped variables in and out (camunda:in source / sourceExpression, camunda:out)', async () => {
    await deploy(h, bpmn('c7_child', `<startEvent id="s"/>${userTask('work')}<endEvent id="e"/>`, 's -> work; work -> e'), 'child.bpmn');
    await deploy(h, camunda7('c7_parent',
      `<startEvent id="s"/><callActivity id="call" calledElement="c7_child"><extensionElements><camunda:in source="amount" target="amt"/><camunda:in sourceExpression="= amount * 2" target="doubled"/><camunda:out source="childResult" target="fromChild"/></extensionElements></callActivity>${userTask('after')}`,
      's -> call; call -> after'), 'parent.bpmn');
    const parent = await h.engine.startInstance('c7_parent', { variables: { amount: 5, secret: 'parent only' } });
    const child = await childOf(parent.id, 'c7_child');
    assert.deepEqual((await instance(h, child)).variables, { amt: 5, doubled: 10 });
    const [task] = await tasksOf(h, child);
    await h.engine.completeTask(task!.id, { actor: 'clerk', variables: { childResult: 'approved', childSecret: 'child only' } });
    await assertCompleted(h, child);
    assert.deepEqual((await instance(h, parent.id)).variables, { amount: 5, secret: 'parent only', fromChild: 'approved' });
  });

  it('passes nothing without bindings, and everything with variables="all"', async () => {
    await deploy(h, bpmn('c7_child2', `<startEvent id="s"/>${userTask('work')}<endEvent id="e"/>`, 's -> work; work -> e'), 'child2.bpmn');
    await deploy(h, camunda7('c7_none', `<startEvent id="s"/><callActivity id="call" calledElement="c7_child2"/>${userTask('after')}`, 's -> call; call -> after'), 'none.bpmn');
    await deploy(h, camunda7('c7_all',
      `<startEvent id="s"/><callActivity id="call" calledElement="c7_child2"><extensionElements><camunda:in variables="all"/><camunda:out variables="all"/></extensionElements></callActivity>${userTask('after')}`,
      's -> call; call -> after'), 'all.bpmn');
    for (const [key, passesAll] of [['c7_none', false], ['c7_all', true]] as const) {
      const parent = await h.engine.startInstance(key, { variables: { amount: 7 } });
      const child = await childOf(parent.id, 'c7_child2');
      assert.deepEqual((await instance(h, child)).variables, passesAll ? { amount: 7 } : {}, key);
      const [task] = await tasksOf(h, child);
      await h.engine.completeTask(task!.id, { actor: 'clerk', variables: { verdict: 'ok' } });
      assert.deepEqual((await instance(h, parent.id)).variables, passesAll ? { amount: 7, verdict: 'ok' } : { amount: 7 }, key);
    }
  });

  it('refuses a JUEL source expression at deploy time, naming the call activity', async () => {
    const error = await deploy(h, camunda7('c7_juel', '<startEvent id="s"/><callActivity id="juelCall" calledElement="x"><extensionElements><camunda:in sourceExpression="${amount * 2}" target="d"/></extensionElements></callActivity>', 's -> juelCall'))
      .then(() => undefined, (e: { code: string; details: { where?: string; message: string }[] }) => e);
    assert.equal(error?.code, 'GOVFLOW_ERR_BPMN_UNSUPPORTED');
    assert.ok(error?.details.some((d) => d.where === 'juelCall' && /not FEEL/.test(d.message)), JSON.stringify(error?.details));
  });
});
