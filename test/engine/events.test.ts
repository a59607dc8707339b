/**
 * Acceptance 2 (events): start, end, intermediate catch and throw events, each with its own small model, on
 * PGlite and PostgreSQL. Every test checks the instance state, the variables and the event log (order, no gaps).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachBackend } from '../support/databases.js';
import {
  bpmn, error, errorRef, escalation, escalationRef, job, message, messageRef, signal, signalRef, subProcess, timer, userTask,
} from './bpmn.js';
import {
  HOUR, MINUTE, activeElements, advance, assertCompleted, assertInOrder, completeJobs, deploy, instance, rowCount, tasksOf, traceOf, useEngine,
} from './harness.js';

describeEachBackend('engine: start events', (backend) => {
  const h = useEngine(backend);

  it('a none start event starts an instance with the given variables and runs straight to the end', async () => {
    await deploy(h, bpmn('start_none', '<startEvent id="s"/><endEvent id="e"/>', 's -> e'));
    const started = await h.engine.startInstance('start_none', { variables: { applicant: 'Ada', amount: 3 }, businessKey: 'case-1' });
    const view = await assertCompleted(h, started.id);
    assert.deepEqual(view.variables, { applicant: 'Ada', amount: 3 });
    assert.equal(view.businessKey, 'case-1');
    assert.equal(view.version, 1);
    assert.deepEqual(await traceOf(h, started.id), [
      'process.started', 'element.activated:s', 'element.completed:s', 'element.activated:e', 'element.completed:e', 'process.completed',
    ]);
  });

  it('a message start event starts one instance per published message, with the message variables and key', async () => {
    await deploy(h, bpmn('start_msg', `<startEvent id="s">${messageRef('m')}</startEvent>${userTask('review')}<endEvent id="e"/>`, 's -> review; review -> e',
      message('m', 'application.received')));
    const result = await h.engine.publishMessage({ name: 'application.received', correlationKey: 'A-17', variables: { applicant: 'Grace' } });
    assert.equal(result.startedInstances.length, 1);
    assert.equal(result.buffered, false);
    const id = result.startedInstances[0]!;
    const view = await instance(h, id);
    assert.equal(view.state, 'active');
    assert.deepEqual(view.variables, { applicant: 'Grace' });
    assert.equal(view.businessKey, 'A-17');
    assert.deepEqual(await activeElements(h, id), ['review']);
    assertInOrder(await traceOf(h, id), ['process.started', 'element.activated:s', 'element.completed:s', 'element.activated:review', 'task.created:review']);
    // The same key again while that instance runs does not start a second one.
    const again = await h.engine.publishMessage({ name: 'application.received', correlationKey: 'A-17', variables: {}, timeToLiveMs: 0 }).catch((e: { code: string }) => e.code);
    assert.equal(again, 'GOVFLOW_ERR_MESSAGE_NOT_CORRELATED');
    const [task] = await tasksOf(h, id);
    await h.engine.completeTask(task!.id, { actor: 'clerk' });
    await assertCompleted(h, id);
  });

  it('a timer start event (cycle R2/PT1H) starts an instance each time it comes due, twice, then stops', async () => {
    await deploy(h, bpmn('start_timer', `<startEvent id="s">${timer('timeCycle', 'R2/PT1H')}</startEvent><endEvent id="e"/>`, 's -> e'));
    assert.equal(await advance(h, 59 * MINUTE), 0);
    assert.equal((await h.engine.listInstances({ processKey: 'start_timer' })).length, 0);
    assert.equal(await advance(h, MINUTE), 1);
    assert.equal(await advance(h, HOUR), 1);
    assert.equal(await advance(h, 5 * HOUR), 0);
    const instances = await h.engine.listInstances({ processKey: 'start_timer' });
    assert.equal(instances.length, 2);
    for (const i of instances) {
      await assertCompleted(h, i.id);
      assertInOrder(await traceOf(h, i.id), ['process.started', 'element.activated:s', 'element.completed:s', 'process.completed']);
    }
  });

  it('a signal start event starts an instance for every broadcast of the signal', async () => {
    await deploy(h, bpmn('start_signal', `<startEvent id="s">${signalRef('sig')}</startEvent>${job('work', 'start_signal.work')}<endEvent id="e"/>`, 's -> work; work -> e',
      signal('sig', 'registry.reopened')));
    const first = await h.engine.broadcastSignal({ name: 'registry.reopened', variables: { wave: 1 } });
    const second = await h.engine.broadcastSignal({ name: 'registry.reopened', variables: { wave: 2 } });
    assert.equal(first.startedInstances.length, 1);
    assert.equal(second.startedInstances.length, 1);
    assert.deepEqual((await instance(h, first.startedInstances[0]!)).variables, { wave: 1 });
    const jobs = await completeJobs(h, 'start_signal.work');
    assert.equal(jobs.length, 2);
    for (const id of [...first.startedInstances, ...second.startedInstances]) await assertCompleted(h, id);
  });
});

describeEachBackend('engine: end events', (backend) => {
  const h = useEngine(backend);

  it('a terminate end event ends the instance at once and cancels the other branches', async () => {
    await deploy(h, bpmn('end_terminate',
      `<startEvent id="s"/><parallelGateway id="fork"/>${userTask('slow')}${job('fast', 'end_terminate.fast')}<endEvent id="stop"><terminateEventDefinition/></endEvent><endEvent id="e"/>`,
      's -> fork; fork -> slow; fork -> fast; fast -> stop; slow -> e'));
    const { id } = await h.engine.startInstance('end_terminate');
    assert.equal((await tasksOf(h, id)).length, 1);
    await completeJobs(h, 'end_terminate.fast');
    const view = await assertCompleted(h, id);
    assert.equal(view.state, 'completed');
    assert.equal((await tasksOf(h, id)).length, 0);
    assert.equal((await h.engine.listTasks({ instanceId: id, state: 'cancelled' })).length, 1);
    const log = await traceOf(h, id);
    assertInOrder(log, ['element.activated:stop', 'element.completed:stop', 'element.terminated:slow', 'process.completed']);
    assert.ok(!log.includes('element.activated:e'));
  });

  it('an error end event inside a sub-process is caught by the error boundary event of the sub-process', async () => {
    await deploy(h, bpmn('end_error',
      `<startEvent id="s"/>${subProcess('check', `<startEvent id="cs"/><endEvent id="reject">${errorRef('err')}</endEvent>`, 'cs -> reject')}
       <boundaryEvent id="onReject" attachedToRef="check">${errorRef('err')}</boundaryEvent><endEvent id="rejected"/><endEvent id="accepted"/>`,
      's -> check; check -> accepted; onReject -> rejected', error('err', 'NOT_ELIGIBLE')));
    const { id } = await h.engine.startInstance('end_error');
    await assertCompleted(h, id);
    const log = await traceOf(h, id);
    assertInOrder(log, ['element.activated:check', 'element.activated:reject', 'error.thrown:reject', 'element.terminated:check', 'element.activated:onReject', 'element.completed:onReject', 'element.activated:rejected', 'process.completed']);
    assert.ok(!log.includes('element.activated:accepted'));
  });

  it('an error end event that nothing catches raises an incident instead of ending silently', async () => {
    await deploy(h, bpmn('end_error_uncaught', `<startEvent id="s"/><endEvent id="fail">${errorRef('err')}</endEvent>`, 's -> fail', error('err', 'BOOM')));
    const { id } = await h.engine.startInstance('end_error_uncaught');
    const view = await instance(h, id);
    assert.equal(view.state, 'active');
    assert.deepEqual(view.activeElements.map((a) => [a.elementId, a.waitingFor]), [['fail', 'incident']]);
    const incidents = await h.engine.listIncidents({ instanceId: id });
    assert.equal(incidents.length, 1);
    assert.equal(incidents[0]!.elementId, 'fail');
    assert.equal(incidents[0]!.kind, 'unhandled-error');
    assert.match(incidents[0]!.message, /BOOM/);
    assertInOrder(await traceOf(h, id), ['error.thrown:fail', 'incident.raised:fail']);
    await h.engine.cancelInstance(id);
    assert.equal((await instance(h, id)).state, 'terminated');
  });

  it('a message end event publishes its message to the instance that waits for it', async () => {
    const extra = message('m', 'permit.issued', '=caseId');
    await deploy(h, bpmn('end_msg_waiter', `<startEvent id="s"/><receiveTask id="wait" messageRef="m"/><endEvent id="e"/>`, 's -> wait; wait -> e', extra));
    await deploy(h, bpmn('end_msg_sender', `<startEvent id="s"/><endEvent id="notify">${messageRef('m')}</endEvent>`, 's -> notify', extra));
    const waiter = await h.engine.startInstance('end_msg_waiter', { variables: { caseId: 'C-9' } });
    const other = await h.engine.startInstance('end_msg_waiter', { variables: { caseId: 'C-10' } });
    assert.deepEqual(await activeElements(h, waiter.id), ['wait']);
    const sender = await h.engine.startInstance('end_msg_sender', { variables: { caseId: 'C-9' } });
    await assertCompleted(h, sender.id);
    assertInOrder(await traceOf(h, sender.id), ['element.activated:notify', 'message.published:notify', 'element.completed:notify', 'process.completed']);
    await assertCompleted(h, waiter.id);
    assertInOrder(await traceOf(h, waiter.id), ['element.activated:wait', 'message.correlated:wait', 'element.completed:wait', 'process.completed']);
    assert.deepEqual(await activeElements(h, other.id), ['wait']);
    await h.engine.cancelInstance(other.id);
  });

  it('an escalation end event in a sub-process triggers the interrupting escalation boundary event', async () => {
    await deploy(h, bpmn('end_escalation',
      `<startEvent id="s"/>${subProcess('work', `<startEvent id="ws"/><endEvent id="up">${escalationRef('esc')}</endEvent>`, 'ws -> up')}
       <boundaryEvent id="onUp" attachedToRef="work">${escalationRef('esc')}</boundaryEvent>${userTask('supervisor')}<endEvent id="e"/><endEvent id="e2"/>`,
      's -> work; work -> e; onUp -> supervisor; supervisor -> e2', escalation('esc', 'LATE')));
    const { id } = await h.engine.startInstance('end_escalation');
    assert.deepEqual(await activeElements(h, id), ['supervisor']);
    const [task] = await tasksOf(h, id);
    await h.engine.completeTask(task!.id);
    await assertCompleted(h, id);
    const log = await traceOf(h, id);
    assertInOrder(log, ['escalation.thrown:up', 'element.terminated:work', 'element.activated:onUp', 'element.activated:supervisor', 'element.activated:e2', 'process.completed']);
    assert.ok(!log.includes('element.activated:e'));
  });
});

describeEachBackend('engine: intermediate events', (backend) => {
  const h = useEngine(backend);

  it('an intermediate timer catch event waits for its duration, then moves on', async () => {
    await deploy(h, bpmn('ice_timer', `<startEvent id="s"/><intermediateCatchEvent id="wait">${timer('timeDuration', 'PT10M')}</intermediateCatchEvent><endEvent id="e"/>`, 's -> wait; wait -> e'));
    const { id } = await h.engine.startInstance('ice_timer');
    assert.deepEqual((await instance(h, id)).activeElements.map((a) => a.waitingFor), ['timer']);
    assert.equal(await advance(h, 9 * MINUTE), 0);
    assert.equal((await instance(h, id)).state, 'active');
    assert.equal(await advance(h, MINUTE), 1);
    await assertCompleted(h, id);
    assertInOrder(await traceOf(h, id), ['element.activated:wait', 'timer.fired:wait', 'element.completed:wait', 'element.activated:e', 'process.completed']);
    assert.equal(await rowCount(h, 'select 1 from job where instance_id = $1', [id]), 0);
  });

  it('an intermediate timer catch event with a FEEL date waits until that date', async () => {
    await deploy(h, bpmn('ice_timer_date', `<startEvent id="s"/><intermediateCatchEvent id="wait">${timer('timeDate', '=deadline')}</intermediateCatchEvent><endEvent id="e"/>`, 's -> wait; wait -> e'));
    const deadline = new Date(h.clock.now().getTime() + 2 * HOUR).toISOString();
    const { id } = await h.engine.startInstance('ice_timer_date', { variables: { deadline } });
    assert.equal(await advance(h, HOUR), 0);
    assert.equal(await advance(h, HOUR), 1);
    await assertCompleted(h, id);
  });

  it('an intermediate message catch event takes only the message with its correlation key, with its variables', async () => {
    await deploy(h, bpmn('ice_msg', `<startEvent id="s"/><intermediateCatchEvent id="wait">${messageRef('m')}</intermediateCatchEvent><endEvent id="e"/>`, 's -> wait; wait -> e',
      message('m', 'payment.received', '=invoice')));
    const a = await h.engine.startInstance('ice_msg', { variables: { invoice: 'INV-1' } });
    const b = await h.engine.startInstance('ice_msg', { variables: { invoice: 'INV-2' } });
    const result = await h.engine.publishMessage({ name: 'payment.received', correlationKey: 'INV-2', variables: { paid: 120 } });
    assert.deepEqual(result.correlatedInstances, [b.id]);
    const done = await assertCompleted(h, b.id);
    assert.deepEqual(done.variables, { invoice: 'INV-2', paid: 120 });
    assert.deepEqual(await activeElements(h, a.id), ['wait']);
    assertInOrder(await traceOf(h, b.id), ['element.activated:wait', 'message.correlated:wait', 'element.completed:wait', 'process.completed']);
    await h.engine.publishMessage({ name: 'payment.received', correlationKey: 'INV-1', variables: { paid: 80 } });
    assert.equal((await assertCompleted(h, a.id)).variables['paid'], 80);
  });

  it('an intermediate signal catch event continues every waiting instance when the signal is broadcast', async () => {
    await deploy(h, bpmn('ice_signal', `<startEvent id="s"/><intermediateCatchEvent id="wait">${signalRef('sig')}</intermediateCatchEvent><endEvent id="e"/>`, 's -> wait; wait -> e',
      signal('sig', 'ice.go')));
    const a = await h.engine.startInstance('ice_signal');
    const b = await h.engine.startInstance('ice_signal');
    const result = await h.engine.broadcastSignal({ name: 'ice.go', variables: { go: true } });
    assert.deepEqual(result.triggeredInstances.sort((x, y) => x - y), [a.id, b.id]);
    for (const id of [a.id, b.id]) {
      assert.deepEqual((await assertCompleted(h, id)).variables, { go: true });
      assertInOrder(await traceOf(h, id), ['element.activated:wait', 'signal.received:wait', 'element.completed:wait', 'process.completed']);
    }
  });

  it('an intermediate signal throw event broadcasts the signal to other instances', async () => {
    await deploy(h, bpmn('ith_signal_wait', `<startEvent id="s"/><intermediateCatchEvent id="wait">${signalRef('sig')}</intermediateCatchEvent><endEvent id="e"/>`, 's -> wait; wait -> e',
      signal('sig', 'ith.released')));
    await deploy(h, bpmn('ith_signal_throw', `<startEvent id="s"/><intermediateThrowEvent id="announce">${signalRef('sig')}</intermediateThrowEvent><endEvent id="e"/>`, 's -> announce; announce -> e',
      signal('sig', 'ith.released')));
    const waiter = await h.engine.startInstance('ith_signal_wait');
    const thrower = await h.engine.startInstance('ith_signal_throw');
    await assertCompleted(h, thrower.id);
    assertInOrder(await traceOf(h, thrower.id), ['element.activated:announce', 'signal.thrown:announce', 'element.completed:announce', 'process.completed']);
    await assertCompleted(h, waiter.id);
  });

  it('an intermediate message throw event publishes to the waiting instance with the matching key', async () => {
    const extra = message('m', 'ith.reply', '=ref');
    await deploy(h, bpmn('ith_msg_wait', `<startEvent id="s"/><intermediateCatchEvent id="wait">${messageRef('m')}</intermediateCatchEvent><endEvent id="e"/>`, 's -> wait; wait -> e', extra));
    await deploy(h, bpmn('ith_msg_throw', `<startEvent id="s"/><intermediateThrowEvent id="reply">${messageRef('m')}</intermediateThrowEvent>${userTask('after')}<endEvent id="e"/>`, 's -> reply; reply -> after; after -> e', extra));
    const waiter = await h.engine.startInstance('ith_msg_wait', { variables: { ref: 'R1' } });
    const thrower = await h.engine.startInstance('ith_msg_throw', { variables: { ref: 'R1' } });
    assert.deepEqual(await activeElements(h, thrower.id), ['after']);
    assertInOrder(await traceOf(h, thrower.id), ['element.activated:reply', 'message.published:reply', 'element.completed:reply', 'element.activated:after']);
    await assertCompleted(h, waiter.id);
    await h.engine.cancelInstance(thrower.id);
  });

  it('an intermediate escalation throw event triggers a non-interrupting boundary and the sub-process goes on', async () => {
    await deploy(h, bpmn('ith_escalation',
      `<startEvent id="s"/>${subProcess('work', `<startEvent id="ws"/><intermediateThrowEvent id="raise">${escalationRef('esc')}</intermediateThrowEvent>${userTask('finish')}<endEvent id="we"/>`, 'ws -> raise; raise -> finish; finish -> we')}
       <boundaryEvent id="notice" attachedToRef="work" cancelActivity="false">${escalationRef('esc')}</boundaryEvent>${userTask('inform')}<endEvent id="e"/><endEvent id="e2"/>`,
      's -> work; work -> e; notice -> inform; inform -> e2', escalation('esc', 'HEADS_UP')));
    const { id } = await h.engine.startInstance('ith_escalation');
    assert.deepEqual(await activeElements(h, id), ['finish', 'inform', 'work']);
    assertInOrder(await traceOf(h, id), ['element.activated:raise', 'escalation.thrown:raise', 'element.activated:notice', 'element.completed:raise', 'element.activated:finish']);
    for (const task of await tasksOf(h, id)) await h.engine.completeTask(task.id);
    await assertCompleted(h, id);
  });

  it('a none intermediate throw event just passes the token on', async () => {
    await deploy(h, bpmn('ith_none', '<startEvent id="s"/><intermediateThrowEvent id="milestone" name="Checked"/><endEvent id="e"/>', 's -> milestone; milestone -> e'));
    const { id } = await h.engine.startInstance('ith_none');
    await assertCompleted(h, id);
    assert.deepEqual(await traceOf(h, id), [
      'process.started', 'element.activated:s', 'element.completed:s', 'element.activated:milestone', 'element.completed:milestone',
      'element.activated:e', 'element.completed:e', 'process.completed',
    ]);
  });

  it('a link throw event continues at the link catch event of the same name', async () => {
    await deploy(h, bpmn('link',
      `<startEvent id="s"/><intermediateThrowEvent id="goto"><linkEventDefinition name="page2"/></intermediateThrowEvent>
       <intermediateCatchEvent id="land"><linkEventDefinition name="page2"/></intermediateCatchEvent>
       <intermediateCatchEvent id="other"><linkEventDefinition name="page3"/></intermediateCatchEvent><endEvent id="e"/><endEvent id="e3"/>`,
      's -> goto; land -> e; other -> e3'));
    const { id } = await h.engine.startInstance('link');
    await assertCompleted(h, id);
    const log = await traceOf(h, id);
    assertInOrder(log, ['element.activated:goto', 'element.completed:goto', 'element.activated:land', 'element.completed:land', 'element.activated:e', 'process.completed']);
    assert.ok(!log.includes('element.activated:other'));
  });
});



