/** Acceptance 2 (gateways): exclusive, parallel, inclusive and event-based gateways, on PGlite and PostgreSQL. */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachBackend } from '../support/databases.js';
import { bpmn, job, message, messageRef, timer, userTask } from './bpmn.js';
import {
  MINUTE, activeElements, advance, assertCompleted, assertInOrder, completeJobs, count, deploy, instance, rowCount, tasksOf, traceOf, useEngine,
} from './harness.js';

describeEachBackend('engine: gateways', (backend) => {
  const h = useEngine(backend);

  const exclusive = bpmn('xor',
    '<startEvent id="s"/><exclusiveGateway id="x"/><endEvent id="high"/><endEvent id="mid"/><endEvent id="low"/>',
    's -> x; x -> high [= amount > 1000]; x -> mid [= amount > 100]; x -> low (default)');
  const noDefault = bpmn('xor_nodefault',
    '<startEvent id="s"/><exclusiveGateway id="x"/><endEvent id="yes"/><endEvent id="no"/>',
    's -> x; x -> yes [= answer = "yes"]; x -> no [= answer = "no"]');

  it('an exclusive gateway takes the first flow whose condition holds, else the default flow', async () => {
    await deploy(h, exclusive);
    const ends: Record<number, string> = { 5000: 'high', 500: 'mid', 5: 'low' };
    for (const [amount, end] of Object.entries(ends)) {
      const { id } = await h.engine.startInstance('xor', { variables: { amount: Number(amount) } });
      await assertCompleted(h, id);
      const log = await traceOf(h, id);
      const reached = log.filter((e) => e.startsWith('element.activated:') && ['high', 'mid', 'low'].includes(e.split(':')[1]!));
      assert.deepEqual(reached, [`element.activated:${end}`], `amount ${amount}`);
    }
  });

  it('a default flow written FIRST in the XML is still only taken when no condition holds (exclusive and inclusive)', async () => {
    // Every other model here lists its default flow last, where a gateway that forgot to skip it would still reach
    // the conditions first. Written first, a default flow without a condition would win at once.
    await deploy(h, bpmn('xor_default_first',
      '<startEvent id="s"/><exclusiveGateway id="x"/><endEvent id="high"/><endEvent id="mid"/><endEvent id="low"/>',
      's -> x; x -> low (default); x -> high [= amount > 1000]; x -> mid [= amount > 100]'));
    assert.match(await h.engine.getProcessXml((await h.engine.startInstance('xor_default_first', { variables: { amount: 0 } })).definitionId),
      /<sequenceFlow id="f2_x_low"[^]*<sequenceFlow id="f3_x_high"/, 'the default flow comes first in the deployed XML');
    for (const [amount, end] of [[5000, 'high'], [500, 'mid'], [5, 'low']] as const) {
      const { id } = await h.engine.startInstance('xor_default_first', { variables: { amount } });
      await assertCompleted(h, id);
      const reached = (await traceOf(h, id)).filter((e) => /^element\.activated:(high|mid|low)$/.test(e));
      assert.deepEqual(reached, [`element.activated:${end}`], `amount ${amount}`);
    }
    await deploy(h, bpmn('or_default_first',
      `<startEvent id="s"/><inclusiveGateway id="fork"/>${job('legal', 'orf.legal')}${job('fin', 'orf.fin')}<inclusiveGateway id="join"/><endEvent id="e"/>`,
      's -> fork; fork -> join (default); fork -> legal [= needsLegal]; fork -> fin [= amount > 100]; legal -> join; fin -> join; join -> e'));
    const { id } = await h.engine.startInstance('or_default_first', { variables: { needsLegal: true, amount: 500 } });
    assert.deepEqual(await activeElements(h, id), ['fin', 'legal'], 'the default flow is not taken beside conditions that hold');
    const plain = await h.engine.startInstance('or_default_first', { variables: { needsLegal: false, amount: 1 } });
    await assertCompleted(h, plain.id);
  });

  it('an exclusive gateway with no condition that holds and no default raises an incident; fixing the variable and resolving it moves on', async () => {
    await deploy(h, noDefault);
    const { id } = await h.engine.startInstance('xor_nodefault', { variables: { answer: 'maybe' } });
    const view = await instance(h, id);
    assert.equal(view.state, 'active');
    assert.deepEqual(view.activeElements.map((a) => [a.elementId, a.waitingFor]), [['x', 'incident']]);
    const [incident] = await h.engine.listIncidents({ instanceId: id });
    assert.ok(incident);
    assert.equal(incident.elementId, 'x');
    assert.equal(incident.kind, 'condition');
    await h.engine.setVariables(id, { answer: 'no' });
    await h.engine.resolveIncident(incident.id);
    await assertCompleted(h, id);
    const log = await traceOf(h, id);
    assertInOrder(log, ['element.activated:x', 'incident.raised:x', 'variables.updated', 'incident.resolved:x', 'element.completed:x', 'element.activated:no', 'process.completed']);
    assert.ok(!log.includes('element.activated:yes'));
  });

  it('a parallel gateway forks every branch and the join waits for all of them', async () => {
    await deploy(h, bpmn('and', `<startEvent id="s"/><parallelGateway id="fork"/>${job('a', 'and.a')}${job('b', 'and.b')}${userTask('c')}<parallelGateway id="join"/><endEvent id="e"/>`,
      's -> fork; fork -> a; fork -> b; fork -> c; a -> join; b -> join; c -> join; join -> e'));
    const { id } = await h.engine.startInstance('and');
    assert.deepEqual(await activeElements(h, id), ['a', 'b', 'c']);
    await completeJobs(h, 'and.a', { ra: 1 });
    await completeJobs(h, 'and.b', { rb: 2 });
    assert.deepEqual(await activeElements(h, id), ['c']);
    assert.ok(!(await traceOf(h, id)).includes('element.activated:join'));
    const [task] = await tasksOf(h, id);
    await h.engine.completeTask(task!.id, { variables: { rc: 3 } });
    const view = await assertCompleted(h, id);
    assert.deepEqual(view.variables, { ra: 1, rb: 2, rc: 3 });
    const log = await traceOf(h, id);
    assert.equal(count(log, 'element.activated:join'), 1);
    assert.equal(count(log, 'element.completed:join'), 1);
    assert.equal(count(log, 'element.activated:e'), 1);
    assertInOrder(log, ['task.completed:c', 'element.activated:join', 'element.completed:join', 'element.activated:e', 'process.completed']);
  });

  const inclusive = bpmn('or',
    `<startEvent id="s"/><inclusiveGateway id="fork"/>${job('legal', 'or.legal')}${job('tech', 'or.tech')}${job('fin', 'or.fin')}<inclusiveGateway id="join"/><endEvent id="e"/>`,
    's -> fork; fork -> legal [= needsLegal]; fork -> tech [= needsTech]; fork -> fin [= amount > 100]; fork -> join (default); legal -> join; tech -> join; fin -> join; join -> e');

  it('an inclusive gateway takes every branch whose condition holds and the join waits only for those', async () => {
    await deploy(h, inclusive);
    const { id } = await h.engine.startInstance('or', { variables: { needsLegal: true, needsTech: false, amount: 500 } });
    assert.deepEqual(await activeElements(h, id), ['fin', 'legal']);
    await completeJobs(h, 'or.legal', {}, id);
    assert.deepEqual(await activeElements(h, id), ['fin']);
    assert.ok(!(await traceOf(h, id)).includes('element.activated:join'), 'the join must wait for the second taken branch');
    await completeJobs(h, 'or.fin', {}, id);
    await assertCompleted(h, id);
    const log = await traceOf(h, id);
    assert.equal(count(log, 'element.activated:join'), 1);
    assert.equal(count(log, 'element.activated:e'), 1);
    assert.ok(!log.includes('element.activated:tech'));
  });

  it('an inclusive gateway with one branch taken passes the join as soon as that branch arrives', async () => {
    const { id } = await h.engine.startInstance('or', { variables: { needsLegal: false, needsTech: true, amount: 1 } });
    assert.deepEqual(await activeElements(h, id), ['tech']);
    await completeJobs(h, 'or.tech', {}, id);
    await assertCompleted(h, id);
  });

  it('an inclusive gateway with no condition holding takes its default flow straight to the join', async () => {
    const { id } = await h.engine.startInstance('or', { variables: { needsLegal: false, needsTech: false, amount: 1 } });
    await assertCompleted(h, id);
    const log = await traceOf(h, id);
    assert.equal(count(log, 'element.activated:join'), 1);
    assert.ok(!log.some((e) => /:(legal|tech|fin)$/.test(e)));
  });

  it('an inclusive gateway with all three branches taken joins once, after the last one', async () => {
    const { id } = await h.engine.startInstance('or', { variables: { needsLegal: true, needsTech: true, amount: 1000 } });
    assert.deepEqual(await activeElements(h, id), ['fin', 'legal', 'tech']);
    await completeJobs(h, 'or.tech', {}, id);
    await completeJobs(h, 'or.fin', {}, id);
    assert.equal((await instance(h, id)).state, 'active');
    await completeJobs(h, 'or.legal', {}, id);
    await assertCompleted(h, id);
    assert.equal(count(await traceOf(h, id), 'element.completed:join'), 1);
  });

  const race = bpmn('ebg',
    `<startEvent id="s"/><eventBasedGateway id="g"/><intermediateCatchEvent id="reply">${messageRef('m')}</intermediateCatchEvent>
     <intermediateCatchEvent id="timeout">${timer('timeDuration', 'PT30M')}</intermediateCatchEvent><endEvent id="answered"/><endEvent id="expired"/>`,
    's -> g; g -> reply; g -> timeout; reply -> answered; timeout -> expired', message('m', 'ebg.reply', '=ref'));

  it('an event-based gateway follows the message when it comes first and withdraws the timer', async () => {
    await deploy(h, race);
    const { id } = await h.engine.startInstance('ebg', { variables: { ref: 'E1' } });
    assert.deepEqual((await instance(h, id)).activeElements.map((a) => [a.elementId, a.waitingFor]), [['g', 'gateway']]);
    await h.engine.publishMessage({ name: 'ebg.reply', correlationKey: 'E1', variables: { answer: 42 } });
    const view = await assertCompleted(h, id);
    assert.equal(view.variables['answer'], 42);
    const log = await traceOf(h, id);
    assertInOrder(log, ['element.activated:g', 'message.correlated:g', 'element.completed:g', 'element.activated:reply', 'element.completed:reply', 'element.activated:answered', 'process.completed']);
    assert.ok(!log.includes('element.activated:timeout'));
    assert.equal(await rowCount(h, 'select 1 from job where instance_id = $1', [id]), 0);
    assert.equal(await rowCount(h, 'select 1 from event_subscription where instance_id = $1', [id]), 0);
    assert.equal(await advance(h, 31 * MINUTE), 0);
  });

  it('an event-based gateway follows the timer when it fires first and withdraws the message subscription', async () => {
    const { id } = await h.engine.startInstance('ebg', { variables: { ref: 'E2' } });
    assert.equal(await advance(h, 30 * MINUTE), 1);
    await assertCompleted(h, id);
    const log = await traceOf(h, id);
    assertInOrder(log, ['element.activated:g', 'timer.fired:g', 'element.completed:g', 'element.activated:timeout', 'element.activated:expired', 'process.completed']);
    assert.ok(!log.includes('element.activated:reply'));
    assert.equal(await rowCount(h, 'select 1 from event_subscription where instance_id = $1', [id]), 0);
    const late = await h.engine.publishMessage({ name: 'ebg.reply', correlationKey: 'E2', timeToLiveMs: 0 }).catch((e: { code: string }) => e.code);
    assert.equal(late, 'GOVFLOW_ERR_MESSAGE_NOT_CORRELATED');
  });
});
