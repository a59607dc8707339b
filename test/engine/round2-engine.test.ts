/**
 * Issue 16 on both backends, in one suite (one database per backend): cron and zoned timer cycles rescheduled
 * through the job table, and Camunda 7 call activities that pass only what camunda:in / camunda:out map (before,
 * a called process got every variable and gave every one back).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachBackend } from '../support/databases.js';
import { bpmn, timer, userTask } from './bpmn.js';
import { HOUR, advance, assertCompleted, deploy, instance, tasksOf, useEngine } from './harness.js';

const DAY = 24 * HOUR;

/** The bpmn() helper's model, with the Camunda 7 namespace instead of Zeebe's. */
const camunda7 = (processId: string, body: string, flows: string) =>
  bpmn(processId, body, flows).replace('xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"', 'xmlns:camunda="http://camunda.org/schema/1.0/bpmn"');

describeEachBackend('engine round 2: timer cycles and Camunda 7 call activity bindings', (backend) => {
  const h = useEngine(backend);

  // The timer tests come first: the cron test counts from the suite's start time (Monday 09:00 UTC).

  it('a cron start timer (Madrid, weekdays 09:00) starts an instance each weekday morning and skips the weekend', async () => {
    // The clock starts on Monday 2026-03-02 09:00 UTC = 10:00 in Madrid: the first firing is Tuesday.
    await deploy(h, bpmn('cron_start', `<startEvent id="s">${timer('timeCycle', 'CRON_TZ=Europe/Madrid 0 0 9 ? * MON-FRI')}</startEvent>${userTask('u')}`, 's -> u'));
    assert.equal(await advance(h, 22 * HOUR), 0);
    assert.equal(await advance(h, HOUR), 1, 'Tuesday 08:00 UTC');
    // One day at a time: a timer found late fires once and moves on (no catch-up burst).
    for (const day of ['Wednesday', 'Thursday', 'Friday']) assert.equal(await advance(h, DAY), 1, day);
    assert.equal(await advance(h, 2 * DAY), 0, 'not on Saturday or Sunday');
    assert.equal(await advance(h, DAY), 1, 'Monday again');
    assert.equal((await h.engine.listInstances({ processKey: 'cron_start' })).length, 5);
  });

  it('a non-interrupting zoned cycle on a user task reminds at 09:00 Tallinn time every day, anchored to its start', async () => {
    await deploy(h, bpmn('zoned_reminder',
      `<startEvent id="s"/>${userTask('review')}<boundaryEvent id="remind" attachedToRef="review" cancelActivity="false">${timer('timeCycle', 'R/2026-03-01T09:00:00[Europe/Tallinn]/P1D')}</boundaryEvent>${userTask('reminded')}`,
      's -> review; remind -> reminded'));
    const started = await h.engine.startInstance('zoned_reminder');
    const reminders = async () => (await tasksOf(h, started.id)).filter((t) => t.elementId === 'reminded').length;
    // Tallinn is UTC+2 in March: 09:00 local is 07:00 UTC, the next one after the (suite's) current time.
    const now = h.clock.now().getTime();
    const sevenUtc = new Date(now);
    sevenUtc.setUTCHours(7, 0, 0, 0);
    const due = sevenUtc.getTime() > now ? sevenUtc.getTime() : sevenUtc.getTime() + DAY;
    // (The suite's weekday cron start timer fires too, so count the reminders, not the timers.)
    await advance(h, due - now - 1000);
    assert.equal(await reminders(), 0);
    await advance(h, 1000);
    assert.equal(await reminders(), 1);
    await advance(h, DAY - 1000);
    assert.equal(await reminders(), 1);
    await advance(h, 1000);
    assert.equal(await reminders(), 2);
  });

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
