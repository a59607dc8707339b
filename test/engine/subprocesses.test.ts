/**
 * Acceptance 2 (scopes): embedded sub-process, event sub-processes (interrupting and not; message, timer, error),
 * call activity, boundary events (timer, message, error, escalation, signal; interrupting and not), multi-instance.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachBackend } from '../support/databases.js';
import {
  bpmn, error, errorRef, escalation, escalationRef, ioMapping, job, message, messageRef, signal, signalRef, subProcess, timer, userTask,
} from './bpmn.js';
import {
  HOUR, MINUTE, activeElements, advance, assertCompleted, assertInOrder, completeJobs, count, deploy, instance, oneJob, rowCount, tasksOf, traceOf, useEngine,
} from './harness.js';

describeEachBackend('engine: sub-processes and call activities', (backend) => {
  const h = useEngine(backend);

  it('an embedded sub-process runs its own flow with local input variables, then the parent flow continues', async () => {
    await deploy(h, bpmn('sub',
      `<startEvent id="s"/>${subProcess('check', `<startEvent id="cs"/>${job('verify', 'sub.verify')}<endEvent id="ce"/>`, 'cs -> verify; verify -> ce', '', `<extensionElements>${ioMapping({ doc: '=documents[1]' })}</extensionElements>`)}<endEvent id="e"/>`,
      's -> check; check -> e'));
    const { id } = await h.engine.startInstance('sub', { variables: { documents: ['passport', 'deed'] } });
    assert.deepEqual(await activeElements(h, id), ['check', 'verify']);
    const activated = await oneJob(h, 'sub.verify');
    assert.equal(activated.variables['doc'], 'passport', 'the worker sees the sub-process local variable');
    await h.engine.completeJob(activated.id, { worker: 'w', variables: { verified: true } });
    const view = await assertCompleted(h, id);
    assert.equal(view.variables['verified'], true);
    assert.equal(view.variables['doc'], undefined, 'local variables stay in the sub-process');
    assertInOrder(await traceOf(h, id), [
      'element.activated:check', 'element.activated:cs', 'element.completed:cs', 'element.activated:verify', 'job.completed:verify',
      'element.completed:verify', 'element.activated:ce', 'element.completed:ce', 'element.completed:check', 'element.activated:e', 'process.completed',
    ]);
  });

  it('an interrupting message event sub-process cancels the running work and finishes the instance its way', async () => {
    await deploy(h, bpmn('esp_msg',
      `<startEvent id="s"/>${userTask('review')}<endEvent id="e"/>
       ${subProcess('withdraw', `<startEvent id="ws">${messageRef('m')}</startEvent>${job('refund', 'esp.refund')}<endEvent id="we"/>`, 'ws -> refund; refund -> we', 'triggeredByEvent="true"')}`,
      's -> review; review -> e', message('m', 'esp.withdrawn', '=caseId')));
    const { id } = await h.engine.startInstance('esp_msg', { variables: { caseId: 'W1' } });
    await h.engine.publishMessage({ name: 'esp.withdrawn', correlationKey: 'W1', variables: { reason: 'moved' } });
    assert.deepEqual(await activeElements(h, id), ['refund', 'withdraw']);
    assert.equal((await tasksOf(h, id)).length, 0, 'the review task is cancelled');
    await completeJobs(h, 'esp.refund', {}, id);
    const view = await assertCompleted(h, id);
    assert.equal(view.variables['reason'], 'moved');
    const log = await traceOf(h, id);
    assertInOrder(log, ['task.created:review', 'message.correlated:esp_msg', 'element.terminated:review', 'element.activated:withdraw', 'element.activated:ws', 'element.activated:refund', 'element.completed:withdraw', 'process.completed']);
    assert.ok(!log.includes('element.activated:e'));
  });

  it('a non-interrupting timer event sub-process runs alongside the main flow, which still finishes', async () => {
    await deploy(h, bpmn('esp_timer',
      `<startEvent id="s"/>${userTask('decide')}<endEvent id="e"/>
       ${subProcess('remind', `<startEvent id="rs" isInterrupting="false">${timer('timeDuration', 'PT1H')}</startEvent>${job('nudge', 'esp.nudge')}<endEvent id="re"/>`, 'rs -> nudge; nudge -> re', 'triggeredByEvent="true"')}`,
      's -> decide; decide -> e'));
    const { id } = await h.engine.startInstance('esp_timer');
    assert.equal(await advance(h, HOUR), 1);
    assert.deepEqual(await activeElements(h, id), ['decide', 'nudge', 'remind']);
    assert.equal((await tasksOf(h, id)).length, 1, 'the task stays open');
    await completeJobs(h, 'esp.nudge', {}, id);
    assert.deepEqual(await activeElements(h, id), ['decide']);
    const [task] = await tasksOf(h, id);
    await h.engine.completeTask(task!.id);
    await assertCompleted(h, id);
    const log = await traceOf(h, id);
    assertInOrder(log, ['timer.fired:esp_timer', 'element.activated:remind', 'element.completed:remind', 'task.completed:decide', 'element.activated:e', 'process.completed']);
    assert.ok(!log.includes('element.terminated:decide'));
  });

  it('an interrupting timer event sub-process cancels the main flow when the deadline passes', async () => {
    await deploy(h, bpmn('esp_timer_int',
      `<startEvent id="s"/>${userTask('decide')}<endEvent id="e"/>
       ${subProcess('deadline', `<startEvent id="ds">${timer('timeDuration', '=sla')}</startEvent><endEvent id="de"/>`, 'ds -> de', 'triggeredByEvent="true"')}`,
      's -> decide; decide -> e'));
    const { id } = await h.engine.startInstance('esp_timer_int', { variables: { sla: 'P2D' } });
    assert.equal(await advance(h, 24 * HOUR), 0);
    assert.equal(await advance(h, 24 * HOUR), 1);
    await assertCompleted(h, id);
    assert.equal((await tasksOf(h, id)).length, 0);
    const log = await traceOf(h, id);
    assertInOrder(log, ['timer.fired:esp_timer_int', 'element.terminated:decide', 'element.activated:deadline', 'element.completed:deadline', 'process.completed']);
    assert.ok(!log.includes('element.activated:e'));
  });

  it('a non-interrupting message event sub-process runs once per message while the main flow waits', async () => {
    await deploy(h, bpmn('esp_msg_ni',
      `<startEvent id="s"/>${userTask('decide')}<endEvent id="e"/>
       ${subProcess('note', `<startEvent id="ns" isInterrupting="false">${messageRef('m')}</startEvent><scriptTask id="count"><extensionElements><zeebe:script expression="=notes + 1" resultVariable="notes"/></extensionElements></scriptTask><endEvent id="ne"/>`, 'ns -> count; count -> ne', 'triggeredByEvent="true"')}`,
      's -> decide; decide -> e', message('m', 'esp.note', '=caseId')));
    const { id } = await h.engine.startInstance('esp_msg_ni', { variables: { caseId: 'N1', notes: 0 } });
    await h.engine.publishMessage({ name: 'esp.note', correlationKey: 'N1', timeToLiveMs: 0 });
    await h.engine.publishMessage({ name: 'esp.note', correlationKey: 'N1', timeToLiveMs: 0 });
    assert.equal((await instance(h, id)).variables['notes'], 2);
    assert.deepEqual(await activeElements(h, id), ['decide']);
    const [task] = await tasksOf(h, id);
    await h.engine.completeTask(task!.id);
    await assertCompleted(h, id);
    assert.equal(count(await traceOf(h, id), 'element.completed:note'), 2);
  });

  it('an event sub-process applies its input mappings when it starts, interrupting or not: its job sees them, the process does not', async () => {
    const esp = (id: string, start: string, mapping: Record<string, string>) =>
      subProcess(id, `${start}${job(`${id}_job`, `esp.map.${id}`)}<endEvent id="${id}_end"/>`, `${id}_start -> ${id}_job; ${id}_job -> ${id}_end`, 'triggeredByEvent="true"',
        `<extensionElements>${ioMapping(mapping)}</extensionElements>`);
    await deploy(h, bpmn('esp_map',
      `<startEvent id="s"/>${userTask('decide')}<endEvent id="e"/>
       ${esp('note', `<startEvent id="note_start" isInterrupting="false">${messageRef('m')}</startEvent>`, { urgency: '= if priority > 3 then "high" else "normal"' })}
       ${esp('deadline', `<startEvent id="deadline_start">${timer('timeDuration', 'PT1H')}</startEvent>`, { escalateTo: '= team + "-lead"' })}`,
      's -> decide; decide -> e', message('m', 'esp.map.note', '=caseId')));
    const { id } = await h.engine.startInstance('esp_map', { variables: { caseId: 'M1', priority: 5, team: 'permits' } });
    await h.engine.publishMessage({ name: 'esp.map.note', correlationKey: 'M1', timeToLiveMs: 0 });
    const noted = await oneJob(h, 'esp.map.note');
    assert.equal(noted.variables['urgency'], 'high');
    await h.engine.completeJob(noted.id, { worker: 'w' });
    assert.deepEqual(await activeElements(h, id), ['decide']);
    assert.equal(await advance(h, HOUR), 1);
    assert.deepEqual(await activeElements(h, id), ['deadline', 'deadline_job']);
    const escalated = await oneJob(h, 'esp.map.deadline');
    assert.equal(escalated.variables['escalateTo'], 'permits-lead');
    await h.engine.completeJob(escalated.id, { worker: 'w' });
    const view = await assertCompleted(h, id);
    assert.deepEqual(view.variables, { caseId: 'M1', priority: 5, team: 'permits' }, 'the locals went with their event sub-processes');
  });

  it('an error event sub-process catches a BPMN error thrown by a worker and interrupts the process', async () => {
    await deploy(h, bpmn('esp_error',
      `<startEvent id="s"/>${job('pay', 'esp.pay')}<endEvent id="e"/>
       ${subProcess('failed', `<startEvent id="fs">${errorRef('err')}</startEvent>${userTask('callBack')}<endEvent id="fe"/>`, 'fs -> callBack; callBack -> fe', 'triggeredByEvent="true"')}`,
      's -> pay; pay -> e', error('err', 'PAYMENT_REFUSED')));
    const { id } = await h.engine.startInstance('esp_error');
    const activated = await oneJob(h, 'esp.pay');
    await h.engine.throwJobError(activated.id, { worker: 'w', errorCode: 'PAYMENT_REFUSED', errorMessage: 'card expired', variables: { refusedAt: 'bank' } });
    assert.deepEqual(await activeElements(h, id), ['callBack', 'failed']);
    const [task] = await tasksOf(h, id);
    await h.engine.completeTask(task!.id);
    const view = await assertCompleted(h, id);
    assert.equal(view.variables['refusedAt'], 'bank');
    const log = await traceOf(h, id);
    assertInOrder(log, ['job.created:pay', 'error.thrown:pay', 'element.terminated:pay', 'element.activated:failed', 'element.activated:fs', 'element.activated:callBack', 'process.completed']);
    assert.ok(!log.includes('element.activated:e'));
  });

  const child = bpmn('child', `<startEvent id="cs"/>${job('work', 'child.work')}<endEvent id="ce"/>`, 'cs -> work; work -> ce');
  const failingChild = bpmn('child_fails', `<startEvent id="cs"/><endEvent id="fail">${errorRef('err')}</endEvent>`, 'cs -> fail', error('err', 'CHILD_FAILED'));

  it('a call activity starts the called process with mapped inputs and copies mapped outputs back', async () => {
    await deploy(h, child);
    await deploy(h, bpmn('parent',
      `<startEvent id="s"/><callActivity id="call"><extensionElements><zeebe:calledElement processId="child" propagateAllChildVariables="false"/>${ioMapping({ input: '=amount * 2' }, { output: '=childResult' })}</extensionElements></callActivity><endEvent id="e"/>`,
      's -> call; call -> e'));
    const parent = await h.engine.startInstance('parent', { variables: { amount: 21, secret: 'x' } });
    assert.deepEqual((await instance(h, parent.id)).activeElements.map((a) => [a.elementId, a.waitingFor]), [['call', 'call']]);
    const [childInstance] = (await h.engine.listInstances({ processKey: 'child' })).filter((i) => i.parentInstanceId === parent.id);
    assert.ok(childInstance);
    assert.equal(childInstance.variables['input'], 42);
    const activated = await oneJob(h, 'child.work');
    assert.equal(activated.instanceId, childInstance.id);
    await h.engine.completeJob(activated.id, { worker: 'w', variables: { childResult: 'done', childOnly: 1 } });
    await assertCompleted(h, childInstance.id);
    const view = await assertCompleted(h, parent.id);
    assert.deepEqual(view.variables, { amount: 21, secret: 'x', output: 'done' });
    assertInOrder(await traceOf(h, parent.id), ['element.activated:call', 'element.completed:call', 'element.activated:e', 'process.completed']);
  });

  it('an error thrown in the called process is caught by the error boundary event of the call activity', async () => {
    await deploy(h, failingChild);
    await deploy(h, bpmn('parent_catch',
      `<startEvent id="s"/><callActivity id="call"><extensionElements><zeebe:calledElement processId="child_fails"/></extensionElements></callActivity>
       <boundaryEvent id="caught" attachedToRef="call">${errorRef('err')}</boundaryEvent><endEvent id="e"/><endEvent id="handled"/>`,
      's -> call; call -> e; caught -> handled', error('err', 'CHILD_FAILED')));
    const parent = await h.engine.startInstance('parent_catch');
    const view = await assertCompleted(h, parent.id);
    assert.equal(view.state, 'completed');
    const log = await traceOf(h, parent.id);
    assertInOrder(log, ['element.activated:call', 'element.terminated:call', 'element.activated:caught', 'element.activated:handled', 'process.completed']);
    assert.ok(!log.includes('element.activated:e'));
    const [childInstance] = (await h.engine.listInstances({ processKey: 'child_fails' })).filter((i) => i.parentInstanceId === parent.id);
    assert.ok(childInstance);
    assert.equal(childInstance.state, 'terminated');
  });

  it('cancelling a parent instance cancels the called process and its job', async () => {
    await deploy(h, bpmn('parent_cancel', `<startEvent id="s"/><callActivity id="call"><extensionElements><zeebe:calledElement processId="child"/></extensionElements></callActivity><endEvent id="e"/>`, 's -> call; call -> e'));
    const parent = await h.engine.startInstance('parent_cancel');
    const [childInstance] = (await h.engine.listInstances({ processKey: 'child' })).filter((i) => i.parentInstanceId === parent.id);
    await h.engine.cancelInstance(parent.id);
    assert.equal((await instance(h, parent.id)).state, 'terminated');
    assert.equal((await instance(h, childInstance!.id)).state, 'terminated');
    assert.equal(await rowCount(h, 'select 1 from job where instance_id = $1', [childInstance!.id]), 0);
  });
});

describeEachBackend('engine: boundary events', (backend) => {
  const h = useEngine(backend);

  it('an interrupting timer boundary event cancels its user task when it fires', async () => {
    await deploy(h, bpmn('b_timer',
      `<startEvent id="s"/>${userTask('approve')}<boundaryEvent id="late" attachedToRef="approve">${timer('timeDuration', 'P3D')}</boundaryEvent><endEvent id="e"/><endEvent id="escalated"/>`,
      's -> approve; approve -> e; late -> escalated'));
    const { id } = await h.engine.startInstance('b_timer');
    assert.equal(await advance(h, 2 * 24 * HOUR), 0);
    assert.equal(await advance(h, 24 * HOUR), 1);
    await assertCompleted(h, id);
    assert.equal((await tasksOf(h, id)).length, 0);
    const log = await traceOf(h, id);
    assertInOrder(log, ['task.created:approve', 'timer.fired:approve', 'element.terminated:approve', 'element.activated:late', 'element.activated:escalated', 'process.completed']);
    assert.ok(!log.includes('element.activated:e'));
  });

  it('a non-interrupting timer boundary event runs its path and leaves the task open; completing the task removes the timer', async () => {
    await deploy(h, bpmn('b_timer_ni',
      `<startEvent id="s"/>${userTask('approve')}<boundaryEvent id="remind" attachedToRef="approve" cancelActivity="false">${timer('timeDuration', 'PT1H')}</boundaryEvent>
       ${job('sendReminder', 'b.remind')}<endEvent id="e"/><endEvent id="re"/>`,
      's -> approve; approve -> e; remind -> sendReminder; sendReminder -> re'));
    const { id } = await h.engine.startInstance('b_timer_ni');
    assert.equal(await advance(h, HOUR), 1);
    assert.deepEqual(await activeElements(h, id), ['approve', 'sendReminder']);
    await completeJobs(h, 'b.remind', {}, id);
    const [task] = await tasksOf(h, id);
    await h.engine.completeTask(task!.id);
    await assertCompleted(h, id);
    assert.equal(await rowCount(h, 'select 1 from job where instance_id = $1', [id]), 0);
  });

  it('an interrupting message boundary event cancels the job of its service task', async () => {
    await deploy(h, bpmn('b_msg',
      `<startEvent id="s"/>${job('process', 'b.process')}<boundaryEvent id="cancelled" attachedToRef="process">${messageRef('m')}</boundaryEvent><endEvent id="e"/><endEvent id="ce"/>`,
      's -> process; process -> e; cancelled -> ce', message('m', 'b.cancel', '=caseId')));
    const { id } = await h.engine.startInstance('b_msg', { variables: { caseId: 'B1' } });
    await h.engine.publishMessage({ name: 'b.cancel', correlationKey: 'B1', variables: { why: 'duplicate' } });
    const view = await assertCompleted(h, id);
    assert.equal(view.variables['why'], 'duplicate');
    assert.equal((await h.engine.activateJobs({ type: 'b.process', worker: 'w' })).length, 0, 'the job was withdrawn');
    assertInOrder(await traceOf(h, id), ['job.created:process', 'message.correlated:process', 'element.terminated:process', 'element.activated:cancelled', 'element.activated:ce', 'process.completed']);
  });

  it('a non-interrupting message boundary event runs once per message and keeps the job', async () => {
    await deploy(h, bpmn('b_msg_ni',
      `<startEvent id="s"/>${job('process', 'b.process2')}<boundaryEvent id="info" attachedToRef="process" cancelActivity="false">${messageRef('m')}</boundaryEvent><endEvent id="e"/><endEvent id="ie"/>`,
      's -> process; process -> e; info -> ie', message('m', 'b.info', '=caseId')));
    const { id } = await h.engine.startInstance('b_msg_ni', { variables: { caseId: 'B2' } });
    await h.engine.publishMessage({ name: 'b.info', correlationKey: 'B2', timeToLiveMs: 0 });
    await h.engine.publishMessage({ name: 'b.info', correlationKey: 'B2', timeToLiveMs: 0 });
    assert.deepEqual(await activeElements(h, id), ['process']);
    await completeJobs(h, 'b.process2', {}, id);
    await assertCompleted(h, id);
    const log = await traceOf(h, id);
    assert.equal(count(log, 'element.completed:ie'), 2);
    assert.equal(count(log, 'element.completed:process'), 1);
  });

  it('an error boundary event catches the error a worker throws (throwJobError) and takes the error path with its variables', async () => {
    await deploy(h, bpmn('b_error',
      `<startEvent id="s"/>${job('check', 'b.check')}<boundaryEvent id="invalid" attachedToRef="check">${errorRef('err')}</boundaryEvent>
       <boundaryEvent id="other" attachedToRef="check">${errorRef()}</boundaryEvent><endEvent id="e"/><endEvent id="ie"/><endEvent id="oe"/>`,
      's -> check; check -> e; invalid -> ie; other -> oe', error('err', 'INVALID_ID')));
    const a = await h.engine.startInstance('b_error');
    const b = await h.engine.startInstance('b_error');
    const jobs = await h.engine.activateJobs({ type: 'b.check', worker: 'w' });
    assert.equal(jobs.length, 2);
    await h.engine.throwJobError(jobs.find((j) => j.instanceId === a.id)!.id, { worker: 'w', errorCode: 'INVALID_ID', variables: { field: 'nationalId' } });
    await h.engine.throwJobError(jobs.find((j) => j.instanceId === b.id)!.id, { worker: 'w', errorCode: 'SOMETHING_ELSE' });
    const view = await assertCompleted(h, a.id);
    assert.equal(view.variables['field'], 'nationalId');
    assertInOrder(await traceOf(h, a.id), ['error.thrown:check', 'element.terminated:check', 'element.activated:invalid', 'element.activated:ie', 'process.completed']);
    assertInOrder(await traceOf(h, b.id), ['error.thrown:check', 'element.activated:other', 'element.activated:oe', 'process.completed'], );
    await assertCompleted(h, b.id);
  });

  it('an error a worker throws that no boundary catches raises an incident', async () => {
    await deploy(h, bpmn('b_error_uncaught', `<startEvent id="s"/>${job('check', 'b.check2')}<endEvent id="e"/>`, 's -> check; check -> e'));
    const { id } = await h.engine.startInstance('b_error_uncaught');
    const activated = await oneJob(h, 'b.check2');
    await h.engine.throwJobError(activated.id, { worker: 'w', errorCode: 'NOPE' });
    const [incident] = await h.engine.listIncidents({ instanceId: id });
    assert.ok(incident);
    assert.equal(incident.kind, 'unhandled-error');
    assert.equal((await instance(h, id)).state, 'active');
    await h.engine.cancelInstance(id);
  });

  const escalating = (interrupting: boolean) => bpmn(`b_esc_${interrupting}`,
    `<startEvent id="s"/>${subProcess('work', `<startEvent id="ws"/><intermediateThrowEvent id="raise">${escalationRef('esc')}</intermediateThrowEvent>${userTask('finish')}<endEvent id="we"/>`, 'ws -> raise; raise -> finish; finish -> we')}
     <boundaryEvent id="caught" attachedToRef="work" cancelActivity="${interrupting}">${escalationRef('esc')}</boundaryEvent>${job('handle', `b.esc.${interrupting}`)}<endEvent id="e"/><endEvent id="he"/>`,
    's -> work; work -> e; caught -> handle; handle -> he', escalation('esc', 'NEEDS_MANAGER'));

  it('an interrupting escalation boundary event on a sub-process catches an escalation thrown inside and cancels the sub-process', async () => {
    await deploy(h, escalating(true));
    const { id } = await h.engine.startInstance('b_esc_true');
    assert.deepEqual(await activeElements(h, id), ['handle']);
    assert.equal((await tasksOf(h, id)).length, 0);
    await completeJobs(h, 'b.esc.true', {}, id);
    await assertCompleted(h, id);
    const log = await traceOf(h, id);
    assertInOrder(log, ['escalation.thrown:raise', 'element.terminated:raise', 'element.terminated:work', 'element.activated:caught', 'element.activated:handle', 'process.completed']);
    assert.ok(!log.includes('element.activated:finish'));
  });

  it('a non-interrupting escalation boundary event runs its path while the sub-process continues', async () => {
    await deploy(h, escalating(false));
    const { id } = await h.engine.startInstance('b_esc_false');
    assert.deepEqual(await activeElements(h, id), ['finish', 'handle', 'work']);
    await completeJobs(h, 'b.esc.false', {}, id);
    const [task] = await tasksOf(h, id);
    await h.engine.completeTask(task!.id);
    await assertCompleted(h, id);
    const log = await traceOf(h, id);
    assert.equal(count(log, 'element.completed:work'), 1);
    assert.equal(count(log, 'element.activated:e'), 1);
    assert.equal(count(log, 'element.activated:he'), 1);
  });

  it('an interrupting signal boundary event cancels its task when the signal is broadcast', async () => {
    await deploy(h, bpmn('b_signal',
      `<startEvent id="s"/>${userTask('work')}<boundaryEvent id="stop" attachedToRef="work">${signalRef('sig')}</boundaryEvent><endEvent id="e"/><endEvent id="se"/>`,
      's -> work; work -> e; stop -> se', signal('sig', 'b.shutdown')));
    const { id } = await h.engine.startInstance('b_signal');
    await h.engine.broadcastSignal({ name: 'b.shutdown' });
    await assertCompleted(h, id);
    assert.equal((await tasksOf(h, id)).length, 0);
    assertInOrder(await traceOf(h, id), ['task.created:work', 'signal.received:work', 'element.terminated:work', 'element.activated:stop', 'element.activated:se', 'process.completed']);
  });

  it('a non-interrupting signal boundary event runs its path and keeps the task', async () => {
    await deploy(h, bpmn('b_signal_ni',
      `<startEvent id="s"/>${userTask('work')}<boundaryEvent id="note" attachedToRef="work" cancelActivity="false">${signalRef('sig')}</boundaryEvent><endEvent id="e"/><endEvent id="ne"/>`,
      's -> work; work -> e; note -> ne', signal('sig', 'b.notice')));
    const { id } = await h.engine.startInstance('b_signal_ni');
    await h.engine.broadcastSignal({ name: 'b.notice' });
    assert.deepEqual(await activeElements(h, id), ['work']);
    await h.engine.broadcastSignal({ name: 'b.notice' });
    const [task] = await tasksOf(h, id);
    await h.engine.completeTask(task!.id);
    await assertCompleted(h, id);
    const log = await traceOf(h, id);
    assert.equal(count(log, 'element.completed:ne'), 2);
    assert.equal(await rowCount(h, 'select 1 from event_subscription where instance_id = $1', [id]), 0);
  });
});

describeEachBackend('engine: multi-instance', (backend) => {
  const h = useEngine(backend);
  const loop = (sequential: boolean, extra = '') =>
    `<multiInstanceLoopCharacteristics isSequential="${sequential}"><extensionElements><zeebe:loopCharacteristics inputCollection="=applicants" inputElement="applicant" outputCollection="scores" outputElement="=score"/></extensionElements>${extra}</multiInstanceLoopCharacteristics>`;

  it('a parallel multi-instance service task creates one job per item and collects the outputs in item order', async () => {
    await deploy(h, bpmn('mi_par', `<startEvent id="s"/><serviceTask id="score"><extensionElements><zeebe:taskDefinition type="mi.score"/></extensionElements>${loop(false)}</serviceTask><endEvent id="e"/>`, 's -> score; score -> e'));
    const { id } = await h.engine.startInstance('mi_par', { variables: { applicants: ['ann', 'bob', 'cid'] } });
    const jobs = await h.engine.activateJobs({ type: 'mi.score', worker: 'w' });
    assert.equal(jobs.length, 3);
    assert.deepEqual(jobs.map((j) => j.variables['applicant']).sort(), ['ann', 'bob', 'cid']);
    assert.deepEqual(jobs.map((j) => j.variables['loopCounter']).sort(), [1, 2, 3]);
    // Complete in reverse order; the output collection still follows the input order.
    for (const j of [...jobs].reverse()) await h.engine.completeJob(j.id, { worker: 'w', variables: { score: String(j.variables['applicant']).length * 10 + Number(j.variables['loopCounter']) } });
    const view = await assertCompleted(h, id);
    assert.deepEqual(view.variables['scores'], [31, 32, 33]);
    assert.equal(view.variables['applicant'], undefined, 'the input element is local to each instance');
    assert.equal(view.variables['score'], undefined, 'the output element is local to each instance');
    const log = await traceOf(h, id);
    assert.equal(count(log, 'element.activated:score'), 4, 'the body and three inner instances');
    assert.equal(count(log, 'element.completed:score'), 4);
    assertInOrder(log, ['element.activated:score', 'job.created:score', 'job.created:score', 'job.created:score', 'element.completed:score', 'element.activated:e', 'process.completed']);
  });

  it('a sequential multi-instance user task creates the next task only after the previous one is completed', async () => {
    await deploy(h, bpmn('mi_seq', `<startEvent id="s"/><userTask id="interview"><extensionElements/>${loop(true)}</userTask><endEvent id="e"/>`, 's -> interview; interview -> e'));
    const { id } = await h.engine.startInstance('mi_seq', { variables: { applicants: ['ann', 'bob'] } });
    for (const [i, name] of ['ann', 'bob'].entries()) {
      const tasks = await tasksOf(h, id);
      assert.equal(tasks.length, 1, `one task at a time (round ${i + 1})`);
      await h.engine.completeTask(tasks[0]!.id, { variables: { score: name === 'ann' ? 7 : 9 } });
    }
    const view = await assertCompleted(h, id);
    assert.deepEqual(view.variables['scores'], [7, 9]);
  });

  it('a multi-instance activity with a completion condition ends early and cancels the remaining instances', async () => {
    await deploy(h, bpmn('mi_cc', `<startEvent id="s"/><userTask id="vote"><extensionElements/>${loop(false, '<completionCondition xsi:type="tFormalExpression">=numberOfCompletedInstances >= 2</completionCondition>')}</userTask><endEvent id="e"/>`, 's -> vote; vote -> e'));
    const { id } = await h.engine.startInstance('mi_cc', { variables: { applicants: ['a', 'b', 'c'] } });
    const tasks = await tasksOf(h, id);
    assert.equal(tasks.length, 3);
    await h.engine.completeTask(tasks[0]!.id, { variables: { score: 1 } });
    assert.equal((await instance(h, id)).state, 'active');
    await h.engine.completeTask(tasks[2]!.id, { variables: { score: 3 } });
    const view = await assertCompleted(h, id);
    assert.deepEqual(view.variables['scores'], [1, null, 3]);
    assert.equal((await tasksOf(h, id)).length, 0);
    assert.equal((await h.engine.listTasks({ instanceId: id, state: 'cancelled' })).length, 1);
    const log = await traceOf(h, id);
    assert.equal(count(log, 'element.terminated:vote'), 1);
    assert.equal(count(log, 'element.activated:e'), 1);
  });

  it('a multi-instance activity over an empty collection completes at once with an empty output', async () => {
    await deploy(h, bpmn('mi_empty', `<startEvent id="s"/><serviceTask id="score"><extensionElements><zeebe:taskDefinition type="mi.empty"/></extensionElements>${loop(false)}</serviceTask><endEvent id="e"/>`, 's -> score; score -> e'));
    const { id } = await h.engine.startInstance('mi_empty', { variables: { applicants: [] } });
    assert.deepEqual((await assertCompleted(h, id)).variables['scores'], []);
  });

  it('a multi-instance embedded sub-process runs one scope per item', async () => {
    await deploy(h, bpmn('mi_sub', `<startEvent id="s"/>${subProcess('each', `<startEvent id="es"/><scriptTask id="calc"><extensionElements><zeebe:script expression="=applicant + &quot;!&quot;" resultVariable="score"/></extensionElements></scriptTask><endEvent id="ee"/>`, 'es -> calc; calc -> ee', '', loop(false))}<endEvent id="e"/>`,
      's -> each; each -> e'));
    const { id } = await h.engine.startInstance('mi_sub', { variables: { applicants: ['x', 'y'] } });
    const view = await assertCompleted(h, id);
    assert.deepEqual(view.variables['scores'], ['x!', 'y!']);
  });

  it('a timer boundary event on a multi-instance activity cancels all its instances', async () => {
    await deploy(h, bpmn('mi_timer', `<startEvent id="s"/><userTask id="vote"><extensionElements/>${loop(false)}</userTask><boundaryEvent id="deadline" attachedToRef="vote">${timer('timeDuration', 'PT15M')}</boundaryEvent><endEvent id="e"/><endEvent id="de"/>`,
      's -> vote; vote -> e; deadline -> de'));
    const { id } = await h.engine.startInstance('mi_timer', { variables: { applicants: ['a', 'b'] } });
    assert.equal((await tasksOf(h, id)).length, 2);
    assert.equal(await advance(h, 15 * MINUTE), 1);
    await assertCompleted(h, id);
    assert.equal((await tasksOf(h, id)).length, 0);
    assertInOrder(await traceOf(h, id), ['timer.fired:vote', 'element.terminated:vote', 'element.activated:deadline', 'element.activated:de', 'process.completed']);
  });
});
