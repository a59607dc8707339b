/**
 * Acceptance 2 (combinations): elements inside scopes and in less common arrangements, where state machines
 * usually break: terminate inside a sub-process, boundaries on scopes and call activities, cycles, nested event
 * sub-processes, inclusive joins behind boundaries, cancellation while a worker holds a job.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachBackend } from '../support/databases.js';
import { bpmn, error, errorRef, escalation, escalationRef, job, message, messageRef, signal, signalRef, subProcess, timer, userTask } from './bpmn.js';
import {
  HOUR, MINUTE, activeElements, advance, assertCompleted, assertInOrder, completeJobs, count, deploy, instance, oneJob, rejection, rowCount, tasksOf, traceOf, useEngine,
} from './harness.js';

describeEachBackend('engine: element combinations', (backend) => {
  const h = useEngine(backend);

  it('a terminate end event inside a sub-process ends only the sub-process; the parent flow continues', async () => {
    await deploy(h, bpmn('term_sub',
      `<startEvent id="s"/>${subProcess('sub', `<startEvent id="ss"/><parallelGateway id="f"/>${userTask('inner')}<endEvent id="stop"><terminateEventDefinition/></endEvent>`, 'ss -> f; f -> inner; f -> stop')}${userTask('after')}<endEvent id="e"/>`,
      's -> sub; sub -> after; after -> e'));
    const { id } = await h.engine.startInstance('term_sub');
    assert.deepEqual(await activeElements(h, id), ['after']);
    const log = await traceOf(h, id);
    assertInOrder(log, ['element.activated:stop', 'element.terminated:inner', 'element.completed:sub', 'element.activated:after']);
    const [task] = await tasksOf(h, id);
    assert.equal(task!.elementId, 'after');
    await h.engine.completeTask(task!.id);
    await assertCompleted(h, id);
  });

  it('a timer boundary event on a sub-process cancels the job inside it', async () => {
    await deploy(h, bpmn('sub_timeout',
      `<startEvent id="s"/>${subProcess('sub', `<startEvent id="ss"/>${job('inner', 'edge.inner')}<endEvent id="se"/>`, 'ss -> inner; inner -> se')}
       <boundaryEvent id="timeout" attachedToRef="sub">${timer('timeDuration', 'PT5M')}</boundaryEvent><endEvent id="e"/><endEvent id="te"/>`,
      's -> sub; sub -> e; timeout -> te'));
    const { id } = await h.engine.startInstance('sub_timeout');
    const locked = await oneJob(h, 'edge.inner');
    assert.equal(await advance(h, 5 * MINUTE), 1);
    await assertCompleted(h, id);
    assertInOrder(await traceOf(h, id), ['timer.fired:sub', 'element.terminated:inner', 'element.terminated:sub', 'element.activated:timeout', 'process.completed']);
    assert.equal(await rowCount(h, 'select 1 from job where instance_id = $1', [id]), 0);
    // The worker that still holds the job learns it is gone.
    assert.equal((await rejection(() => h.engine.completeJob(locked.id, { worker: 'w' }))).code, 'GOVFLOW_ERR_JOB_NOT_FOUND');
  });

  it('an error thrown by a job inside a sub-process is caught by the boundary event of the sub-process', async () => {
    await deploy(h, bpmn('sub_job_error',
      `<startEvent id="s"/>${subProcess('sub', `<startEvent id="ss"/>${job('inner', 'edge.err')}${userTask('sibling')}<parallelGateway id="f"/><endEvent id="se"/><endEvent id="se2"/>`, 'ss -> f; f -> inner; f -> sibling; inner -> se; sibling -> se2')}
       <boundaryEvent id="failed" attachedToRef="sub">${errorRef('err')}</boundaryEvent><endEvent id="e"/><endEvent id="fe"/>`,
      's -> sub; sub -> e; failed -> fe', error('err', 'E_INNER')));
    const { id } = await h.engine.startInstance('sub_job_error');
    const activated = await oneJob(h, 'edge.err');
    await h.engine.throwJobError(activated.id, { worker: 'w', errorCode: 'E_INNER' });
    await assertCompleted(h, id);
    assert.equal((await tasksOf(h, id)).length, 0, 'the sibling task inside the sub-process is cancelled');
    const log = await traceOf(h, id);
    assertInOrder(log, ['error.thrown:inner', 'element.activated:failed', 'element.activated:fe', 'process.completed']);
    assert.equal(count(log, 'element.terminated:sibling'), 1);
  });

  it('an event sub-process inside an embedded sub-process interrupts only that sub-process', async () => {
    await deploy(h, bpmn('nested_esp',
      `<startEvent id="s"/>${subProcess('sub', `<startEvent id="ss"/>${userTask('inner')}<endEvent id="se"/>${subProcess('cancelInner', `<startEvent id="cs">${messageRef('m')}</startEvent><endEvent id="ce"/>`, 'cs -> ce', 'triggeredByEvent="true"')}`, 'ss -> inner; inner -> se')}
       ${userTask('after')}<endEvent id="e"/>`,
      's -> sub; sub -> after; after -> e', message('m', 'edge.cancelInner', '=key')));
    const { id } = await h.engine.startInstance('nested_esp', { variables: { key: 'N' } });
    await h.engine.publishMessage({ name: 'edge.cancelInner', correlationKey: 'N' });
    assert.deepEqual(await activeElements(h, id), ['after']);
    const log = await traceOf(h, id);
    assertInOrder(log, ['element.terminated:inner', 'element.activated:cancelInner', 'element.completed:cancelInner', 'element.completed:sub', 'element.activated:after']);
    const [task] = await tasksOf(h, id);
    await h.engine.completeTask(task!.id);
    await assertCompleted(h, id);
  });

  it('a loop back through an exclusive gateway repeats a user task until the condition holds', async () => {
    await deploy(h, bpmn('loop',
      `<startEvent id="s"/><exclusiveGateway id="merge"/>${userTask('fix')}<exclusiveGateway id="ok"/><endEvent id="e"/>`,
      's -> merge; merge -> fix; fix -> ok; ok -> e [= valid]; ok -> merge (default)'));
    const { id } = await h.engine.startInstance('loop');
    for (const valid of [false, false, true]) {
      const tasks = await tasksOf(h, id);
      assert.equal(tasks.length, 1);
      await h.engine.completeTask(tasks[0]!.id, { variables: { valid } });
    }
    await assertCompleted(h, id);
    assert.equal(count(await traceOf(h, id), 'task.created:fix'), 3);
  });

  it('a parallel join inside a loop waits for both branches on every round', async () => {
    await deploy(h, bpmn('loop_and',
      `<startEvent id="s"/><exclusiveGateway id="merge"/><parallelGateway id="fork"/>${job('a', 'edge.la')}${job('b', 'edge.lb')}<parallelGateway id="join"/><exclusiveGateway id="again"/><endEvent id="e"/>`,
      's -> merge; merge -> fork; fork -> a; fork -> b; a -> join; b -> join; join -> again; again -> e [= round >= 2]; again -> merge (default)'));
    const { id } = await h.engine.startInstance('loop_and', { variables: { round: 0 } });
    for (let round = 1; round <= 2; round++) {
      await completeJobs(h, 'edge.la', { round }, id);
      assert.equal(count(await traceOf(h, id), 'element.completed:join'), round - 1, `round ${round}: join waits for b`);
      await completeJobs(h, 'edge.lb', { round }, id);
    }
    await assertCompleted(h, id);
    assert.equal(count(await traceOf(h, id), 'element.completed:join'), 2);
  });

  it('an inclusive join does not wait for a taken branch that left through an interrupting boundary event elsewhere', async () => {
    await deploy(h, bpmn('or_boundary',
      `<startEvent id="s"/><inclusiveGateway id="fork"/>${userTask('a')}${userTask('b')}<boundaryEvent id="bt" attachedToRef="b">${timer('timeDuration', 'PT1H')}</boundaryEvent>
       <inclusiveGateway id="join"/><endEvent id="e"/><endEvent id="te"/>`,
      's -> fork; fork -> a [= true]; fork -> b [= true]; a -> join; b -> join; bt -> te; join -> e'));
    const { id } = await h.engine.startInstance('or_boundary');
    const taskA = (await tasksOf(h, id)).find((t) => t.elementId === 'a')!;
    await h.engine.completeTask(taskA.id);
    assert.deepEqual(await activeElements(h, id), ['b'], 'the join waits while b can still arrive');
    assert.equal(await advance(h, HOUR), 1);
    await assertCompleted(h, id);
    const log = await traceOf(h, id);
    assert.equal(count(log, 'element.completed:join'), 1);
    assert.equal(count(log, 'element.activated:te'), 1);
  });

  it('a non-interrupting cycle timer boundary fires on each period until the task is completed', async () => {
    await deploy(h, bpmn('cycle_boundary',
      `<startEvent id="s"/>${userTask('work')}<boundaryEvent id="tick" attachedToRef="work" cancelActivity="false">${timer('timeCycle', 'R3/PT10M')}</boundaryEvent><endEvent id="e"/><endEvent id="te"/>`,
      's -> work; work -> e; tick -> te'));
    const { id } = await h.engine.startInstance('cycle_boundary');
    assert.equal(await advance(h, 10 * MINUTE), 1);
    assert.equal(await advance(h, 10 * MINUTE), 1);
    const [task] = await tasksOf(h, id);
    await h.engine.completeTask(task!.id);
    assert.equal(await advance(h, 10 * MINUTE), 0, 'completing the task removed the timer');
    await assertCompleted(h, id);
    assert.equal(count(await traceOf(h, id), 'element.completed:te'), 2);
  });

  it('a call activity that copies all variables both ways, with a timer boundary that cancels the child', async () => {
    await deploy(h, bpmn('edge_child', `<startEvent id="cs"/>${userTask('childTask')}<endEvent id="ce"/>`, 'cs -> childTask; childTask -> ce'));
    await deploy(h, bpmn('edge_parent',
      `<startEvent id="s"/><callActivity id="call"><extensionElements><zeebe:calledElement processId="edge_child"/></extensionElements></callActivity>
       <boundaryEvent id="tooLong" attachedToRef="call">${timer('timeDuration', 'P1D')}</boundaryEvent><endEvent id="e"/><endEvent id="te"/>`,
      's -> call; call -> e; tooLong -> te'));
    const done = await h.engine.startInstance('edge_parent', { variables: { fromParent: 1 } });
    const [childDone] = (await h.engine.listInstances({ processKey: 'edge_child' })).filter((i) => i.parentInstanceId === done.id);
    assert.equal(childDone!.variables['fromParent'], 1);
    const [task] = await tasksOf(h, childDone!.id);
    await h.engine.completeTask(task!.id, { variables: { fromChild: 2 } });
    assert.deepEqual((await assertCompleted(h, done.id)).variables, { fromParent: 1, fromChild: 2 });

    const late = await h.engine.startInstance('edge_parent');
    const [childLate] = (await h.engine.listInstances({ processKey: 'edge_child' })).filter((i) => i.parentInstanceId === late.id);
    assert.equal(await advance(h, 24 * HOUR), 1);
    await assertCompleted(h, late.id);
    assert.equal((await instance(h, childLate!.id)).state, 'terminated');
    assert.equal((await tasksOf(h, childLate!.id)).length, 0);
  });

  it('an uncaught error from a called process raises an incident on the call activity of the parent', async () => {
    await deploy(h, bpmn('edge_child_err', `<startEvent id="cs"/><endEvent id="boom">${errorRef('err')}</endEvent>`, 'cs -> boom', error('err', 'E_CHILD')));
    await deploy(h, bpmn('edge_parent_err', `<startEvent id="s"/><callActivity id="call"><extensionElements><zeebe:calledElement processId="edge_child_err"/></extensionElements></callActivity><endEvent id="e"/>`, 's -> call; call -> e'));
    const { id } = await h.engine.startInstance('edge_parent_err');
    const view = await instance(h, id);
    assert.equal(view.state, 'active');
    const [incident] = await h.engine.listIncidents({ instanceId: id });
    assert.ok(incident);
    assert.equal(incident.elementId, 'call');
    assert.match(incident.message, /E_CHILD/);
    await h.engine.cancelInstance(id);
  });

  it('a signal end event broadcasts its signal when the instance ends', async () => {
    const extra = signal('sig', 'edge.done');
    await deploy(h, bpmn('edge_sig_wait', `<startEvent id="s"/><intermediateCatchEvent id="w">${signalRef('sig')}</intermediateCatchEvent><endEvent id="e"/>`, 's -> w; w -> e', extra));
    await deploy(h, bpmn('edge_sig_end', `<startEvent id="s"/><endEvent id="done">${signalRef('sig')}</endEvent>`, 's -> done', extra));
    const waiter = await h.engine.startInstance('edge_sig_wait');
    const ender = await h.engine.startInstance('edge_sig_end');
    await assertCompleted(h, ender.id);
    await assertCompleted(h, waiter.id);
  });

  it('a message with a message id is delivered once even when it is published twice', async () => {
    await deploy(h, bpmn('edge_dedupe', `<startEvent id="s"/><intermediateCatchEvent id="w">${messageRef('m')}</intermediateCatchEvent><intermediateCatchEvent id="w2">${messageRef('m')}</intermediateCatchEvent><endEvent id="e"/>`,
      's -> w; w -> w2; w2 -> e', message('m', 'edge.once', '=k')));
    const { id } = await h.engine.startInstance('edge_dedupe', { variables: { k: 'D' } });
    await h.engine.publishMessage({ name: 'edge.once', correlationKey: 'D', messageId: 'msg-1', timeToLiveMs: HOUR });
    await h.engine.publishMessage({ name: 'edge.once', correlationKey: 'D', messageId: 'msg-1', timeToLiveMs: HOUR });
    assert.deepEqual(await activeElements(h, id), ['w2']);
    await h.engine.publishMessage({ name: 'edge.once', correlationKey: 'D', messageId: 'msg-2' });
    await assertCompleted(h, id);
  });

  it('a sequential multi-instance with a loop cardinality and a completion condition stops early', async () => {
    await deploy(h, bpmn('edge_mi_card',
      `<startEvent id="s"/><serviceTask id="try"><extensionElements><zeebe:taskDefinition type="edge.try"/></extensionElements><multiInstanceLoopCharacteristics isSequential="true"><loopCardinality xsi:type="tFormalExpression">=5</loopCardinality><completionCondition xsi:type="tFormalExpression">=ok</completionCondition></multiInstanceLoopCharacteristics></serviceTask><endEvent id="e"/>`,
      's -> try; try -> e'));
    const { id } = await h.engine.startInstance('edge_mi_card', { variables: { ok: false } });
    for (const ok of [false, false, true]) {
      const jobs = await completeJobs(h, 'edge.try', { ok }, id);
      assert.equal(jobs.length, 1);
    }
    await assertCompleted(h, id);
    assert.equal(count(await traceOf(h, id), 'job.created:try'), 3);
  });

  it('an error boundary event on a multi-instance task catches a worker error and cancels every instance', async () => {
    await deploy(h, bpmn('edge_mi_error',
      `<startEvent id="s"/><serviceTask id="check"><extensionElements><zeebe:taskDefinition type="edge.mierr"/></extensionElements><multiInstanceLoopCharacteristics><extensionElements><zeebe:loopCharacteristics inputCollection="=items" inputElement="item"/></extensionElements></multiInstanceLoopCharacteristics></serviceTask>
       <boundaryEvent id="failed" attachedToRef="check">${errorRef('err')}</boundaryEvent><endEvent id="e"/><endEvent id="fe"/>`,
      's -> check; check -> e; failed -> fe', error('err', 'E_ITEM')));
    const { id } = await h.engine.startInstance('edge_mi_error', { variables: { items: [1, 2, 3] } });
    const jobs = await h.engine.activateJobs({ type: 'edge.mierr', worker: 'w' });
    assert.equal(jobs.length, 3);
    await h.engine.throwJobError(jobs[1]!.id, { worker: 'w', errorCode: 'E_ITEM' });
    await assertCompleted(h, id);
    const log = await traceOf(h, id);
    assert.equal(count(log, 'element.activated:failed'), 1);
    assert.equal(count(log, 'element.activated:fe'), 1);
    assert.equal(count(log, 'element.activated:e'), 0);
    assert.equal(await rowCount(h, 'select 1 from job where instance_id = $1', [id]), 0);
  });

  it('an escalation thrown inside a multi-instance sub-process is caught by the boundary event of the multi-instance activity', async () => {
    await deploy(h, bpmn('edge_mi_esc',
      `<startEvent id="s"/>${subProcess('each', `<startEvent id="es"/><endEvent id="up">${escalationRef('esc')}</endEvent>`, 'es -> up', '',
        '<multiInstanceLoopCharacteristics><extensionElements><zeebe:loopCharacteristics inputCollection="=items" inputElement="item"/></extensionElements></multiInstanceLoopCharacteristics>')}
       <boundaryEvent id="caught" attachedToRef="each">${escalationRef('esc')}</boundaryEvent><endEvent id="e"/><endEvent id="ce"/>`,
      's -> each; each -> e; caught -> ce', escalation('esc', 'ESC_ITEM')));
    const { id } = await h.engine.startInstance('edge_mi_esc', { variables: { items: ['a', 'b'] } });
    await assertCompleted(h, id);
    const log = await traceOf(h, id);
    assert.equal(count(log, 'element.activated:caught'), 1);
    assert.equal(count(log, 'element.activated:ce'), 1);
    assert.equal(count(log, 'element.activated:e'), 0);
  });

  it('an interrupting event sub-process also withdraws a token waiting at an inclusive join', async () => {
    await deploy(h, bpmn('edge_or_esp',
      `<startEvent id="s"/><inclusiveGateway id="fork"/>${userTask('a')}${userTask('b')}<inclusiveGateway id="join"/><endEvent id="e"/>
       ${subProcess('abort', `<startEvent id="as">${messageRef('m')}</startEvent><endEvent id="ae"/>`, 'as -> ae', 'triggeredByEvent="true"')}`,
      's -> fork; fork -> a [= true]; fork -> b [= true]; a -> join; b -> join; join -> e', message('m', 'edge.abort', '=k')));
    const { id } = await h.engine.startInstance('edge_or_esp', { variables: { k: 'OR' } });
    const taskA = (await tasksOf(h, id)).find((t) => t.elementId === 'a')!;
    await h.engine.completeTask(taskA.id);
    await h.engine.publishMessage({ name: 'edge.abort', correlationKey: 'OR' });
    await assertCompleted(h, id);
    const log = await traceOf(h, id);
    assert.equal(count(log, 'element.activated:join'), 0);
    assert.equal(count(log, 'element.activated:e'), 0);
    assert.equal(count(log, 'element.completed:abort'), 1);
  });

  it('a buffered message with an id is delivered once, even when published again after its delivery', async () => {
    await deploy(h, bpmn('edge_dedupe_buf', `<startEvent id="s"/>${userTask('first')}<intermediateCatchEvent id="w">${messageRef('m')}</intermediateCatchEvent><intermediateCatchEvent id="w2">${messageRef('m')}</intermediateCatchEvent><endEvent id="e"/>`,
      's -> first; first -> w; w -> w2; w2 -> e', message('m', 'edge.once.buf', '=k')));
    const { id } = await h.engine.startInstance('edge_dedupe_buf', { variables: { k: 'B' } });
    assert.equal((await h.engine.publishMessage({ name: 'edge.once.buf', correlationKey: 'B', messageId: 'buf-1', timeToLiveMs: HOUR })).buffered, true);
    const [task] = await tasksOf(h, id);
    await h.engine.completeTask(task!.id);
    assert.deepEqual(await activeElements(h, id), ['w2']);
    await h.engine.publishMessage({ name: 'edge.once.buf', correlationKey: 'B', messageId: 'buf-1', timeToLiveMs: HOUR });
    assert.deepEqual(await activeElements(h, id), ['w2'], 'the repeated publish is ignored');
    await h.engine.cancelInstance(id);
  });

  it('parallel branches completed at the same moment pass the join exactly once', async () => {
    await deploy(h, bpmn('edge_concurrent_join',
      `<startEvent id="s"/><parallelGateway id="fork"/>${job('a', 'edge.cj')}${job('b', 'edge.cj')}${job('c', 'edge.cj')}<parallelGateway id="join"/>${userTask('after')}<endEvent id="e"/>`,
      's -> fork; fork -> a; fork -> b; fork -> c; a -> join; b -> join; c -> join; join -> after; after -> e'));
    const { id } = await h.engine.startInstance('edge_concurrent_join');
    const jobs = await h.engine.activateJobs({ type: 'edge.cj', worker: 'w' });
    assert.equal(jobs.length, 3);
    await Promise.all(jobs.map((j, i) => h.engine.completeJob(j.id, { worker: 'w', variables: { [`r${i}`]: i } })));
    const log = await traceOf(h, id);
    assert.equal(count(log, 'element.completed:join'), 1);
    assert.equal(count(log, 'task.created:after'), 1);
    assert.equal((await tasksOf(h, id)).length, 1);
    assert.deepEqual((await instance(h, id)).variables, { r0: 0, r1: 1, r2: 2 });
    await h.engine.cancelInstance(id);
  });

  it('an escalation that nothing catches does not stop the instance', async () => {
    await deploy(h, bpmn('edge_esc_uncaught', `<startEvent id="s"/><intermediateThrowEvent id="up">${escalationRef('esc')}</intermediateThrowEvent><endEvent id="e">${escalationRef('esc')}</endEvent>`,
      's -> up; up -> e', escalation('esc', 'NOBODY')));
    const { id } = await h.engine.startInstance('edge_esc_uncaught');
    await assertCompleted(h, id);
    assert.equal(count(await traceOf(h, id), 'escalation.thrown:up'), 1);
  });

  it('an event-based gateway can wait for a receive task and a signal; the signal wins here', async () => {
    await deploy(h, bpmn('edge_ebg',
      `<startEvent id="s"/><eventBasedGateway id="g"/><receiveTask id="reply" messageRef="m"/><intermediateCatchEvent id="stop">${signalRef('sig')}</intermediateCatchEvent><endEvent id="e1"/><endEvent id="e2"/>`,
      's -> g; g -> reply; g -> stop; reply -> e1; stop -> e2', `${message('m', 'edge.ebg.reply', '=k')}${signal('sig', 'edge.ebg.stop')}`));
    const { id } = await h.engine.startInstance('edge_ebg', { variables: { k: 'G' } });
    await h.engine.broadcastSignal({ name: 'edge.ebg.stop' });
    await assertCompleted(h, id);
    const log = await traceOf(h, id);
    assert.equal(count(log, 'element.activated:e2'), 1);
    assert.equal(count(log, 'element.activated:reply'), 0);
    assert.equal(await rowCount(h, 'select 1 from event_subscription where instance_id = $1', [id]), 0);
  });

  it('a sub-process waits for its running non-interrupting event sub-process before it completes', async () => {
    await deploy(h, bpmn('edge_sub_esp',
      `<startEvent id="s"/>${subProcess('sub', `<startEvent id="ss"/>${userTask('work')}<endEvent id="se"/>${subProcess('note', `<startEvent id="ns" isInterrupting="false">${signalRef('sig')}</startEvent>${userTask('noteTask')}<endEvent id="ne"/>`, 'ns -> noteTask; noteTask -> ne', 'triggeredByEvent="true"')}`, 'ss -> work; work -> se')}<endEvent id="e"/>`,
      's -> sub; sub -> e', signal('sig', 'edge.sub.note')));
    const { id } = await h.engine.startInstance('edge_sub_esp');
    await h.engine.broadcastSignal({ name: 'edge.sub.note' });
    const work = (await tasksOf(h, id)).find((t) => t.elementId === 'work')!;
    await h.engine.completeTask(work.id);
    assert.deepEqual(await activeElements(h, id), ['note', 'noteTask', 'sub'], 'the sub-process waits for the event sub-process');
    const note = (await tasksOf(h, id)).find((t) => t.elementId === 'noteTask')!;
    await h.engine.completeTask(note.id);
    await assertCompleted(h, id);
  });

  it('a timer start event with a date starts one instance at that date', async () => {
    const at = new Date(h.clock.now().getTime() + 3 * HOUR).toISOString();
    await deploy(h, bpmn('edge_start_date', `<startEvent id="s">${timer('timeDate', at)}</startEvent><endEvent id="e"/>`, 's -> e'));
    assert.equal(await advance(h, 2 * HOUR), 0);
    assert.equal(await advance(h, HOUR), 1);
    assert.equal(await advance(h, 24 * HOUR), 0);
    const [only] = await h.engine.listInstances({ processKey: 'edge_start_date' });
    await assertCompleted(h, only!.id);
  });

  it('a timer boundary coming due while the task is being completed: exactly one of them wins', async () => {
    await deploy(h, bpmn('edge_timer_race',
      `<startEvent id="s"/>${userTask('t')}<boundaryEvent id="late" attachedToRef="t">${timer('timeDuration', 'PT1M')}</boundaryEvent><endEvent id="e"/><endEvent id="le"/>`,
      's -> t; t -> e; late -> le'));
    for (let round = 0; round < 3; round++) {
      const { id } = await h.engine.startInstance('edge_timer_race');
      const [task] = await tasksOf(h, id);
      h.clock.advance(2 * MINUTE);
      const [fired, completed] = await Promise.allSettled([h.engine.runDueTimers(), h.engine.completeTask(task!.id)]);
      assert.equal(fired.status, 'fulfilled');
      await assertCompleted(h, id);
      const log = await traceOf(h, id);
      const viaTask = count(log, 'element.activated:e');
      const viaTimer = count(log, 'element.activated:le');
      assert.equal(viaTask + viaTimer, 1, log.join(' → '));
      if (completed.status === 'rejected') {
        assert.equal((completed.reason as { code: string }).code, 'GOVFLOW_ERR_TASK_ALREADY_COMPLETED');
        assert.equal(viaTimer, 1);
      } else {
        assert.equal(viaTask, 1);
      }
      assert.equal(await rowCount(h, 'select 1 from job where instance_id = $1', [id]), 0);
    }
  });

  it('cancelling an instance withdraws its jobs, tasks, timers and subscriptions', async () => {
    await deploy(h, bpmn('edge_cancel',
      `<startEvent id="s"/><parallelGateway id="f"/>${job('j', 'edge.cancel')}${userTask('t')}<intermediateCatchEvent id="m">${messageRef('msg')}</intermediateCatchEvent><intermediateCatchEvent id="tm">${timer('timeDuration', 'PT1H')}</intermediateCatchEvent>`,
      's -> f; f -> j; f -> t; f -> m; f -> tm', message('msg', 'edge.cancel.msg', '=k')));
    const { id } = await h.engine.startInstance('edge_cancel', { variables: { k: 'C' } });
    const locked = await oneJob(h, 'edge.cancel');
    const view = await h.engine.cancelInstance(id, { reason: 'withdrawn by applicant' });
    assert.equal(view.state, 'terminated');
    assert.deepEqual(view.activeElements, []);
    assert.equal(await rowCount(h, 'select 1 from job where instance_id = $1', [id]), 0);
    assert.equal(await rowCount(h, 'select 1 from event_subscription where instance_id = $1', [id]), 0);
    assert.equal((await tasksOf(h, id)).length, 0);
    assert.equal((await rejection(() => h.engine.completeJob(locked.id, { worker: 'w' }))).code, 'GOVFLOW_ERR_JOB_NOT_FOUND');
    assert.equal((await rejection(() => h.engine.setVariables(id, { x: 1 }))).code, 'GOVFLOW_ERR_INSTANCE_NOT_ACTIVE');
    const log = await traceOf(h, id);
    assert.equal(log.at(-1), 'process.terminated');
    assert.equal(count(log, 'element.terminated:j') + count(log, 'element.terminated:t') + count(log, 'element.terminated:m') + count(log, 'element.terminated:tm'), 4);
  });
});
