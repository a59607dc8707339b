/**
 * Issue 16: Zeebe execution listeners run as jobs on both backends. Start listeners run in model order before the
 * element does its work (their variables are the element's locals), end listeners after it completed and before
 * the flow moves on (their variables go to the enclosing scope); a failing listener job ends in an incident and
 * resumes at that listener; where Zeebe runs no listener of a kind, the model is refused at deploy time.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachBackend } from '../support/databases.js';
import { bpmn, escapeXml, subProcess, timer } from './bpmn.js';
import { HOUR, advance, assertCompleted, assertInOrder, deploy, instance, oneJob, rejection, traceOf, useEngine } from './harness.js';

/** `zeebe:executionListeners` with `eventType:jobType[:retries]` entries. */
const listeners = (...entries: string[]) => `<zeebe:executionListeners>${entries.map((e) => {
  const [eventType, type, retries] = e.split('|');
  return `<zeebe:executionListener eventType="${eventType}" type="${escapeXml(type!)}"${retries ? ` retries="${retries}"` : ''}/>`;
}).join('')}</zeebe:executionListeners>`;

describeEachBackend('execution listeners (zeebe:executionListeners) as jobs', (backend) => {
  const h = useEngine(backend);

  const noJob = async (type: string) => assert.deepEqual(await h.engine.activateJobs({ type, worker: 'peek', maxJobs: 10, lockMs: 1 }), [], `no '${type}' job yet`);

  it('runs start listeners in order before a service task, then the task with their variables, then the end listener', async () => {
    await deploy(h, bpmn('el_task', `<startEvent id="s"/>
      <serviceTask id="work"><extensionElements><zeebe:taskDefinition type="work"/><zeebe:taskHeaders><zeebe:header key="from" value="task"/><zeebe:header key="shared" value="task"/></zeebe:taskHeaders>
        <zeebe:executionListeners>
          <zeebe:executionListener eventType="start" type="el.first" retries="2"><zeebe:taskHeaders><zeebe:header key="shared" value="listener"/></zeebe:taskHeaders></zeebe:executionListener>
          <zeebe:executionListener eventType="start" type="=&quot;el.&quot; + kind"/>
          <zeebe:executionListener eventType="end" type="el.after"/>
        </zeebe:executionListeners></extensionElements></serviceTask><endEvent id="e"/>`, 's -> work; work -> e'));
    const started = await h.engine.startInstance('el_task', { variables: { kind: 'second' } });
    await noJob('el.second');
    await noJob('work');
    const first = await oneJob(h, 'el.first');
    assert.equal(first.elementId, 'work');
    assert.equal(first.retries, 2);
    assert.equal(first.listener, 'start', 'a worker can tell a listener job from the element job');
    assert.deepEqual(first.headers, { from: 'task', shared: 'listener' }, 'the listener header wins over the task header of the same key');
    await h.engine.completeJob(first.id, { worker: 'w', variables: { fromFirst: 1 } });
    await noJob('work');
    const second = await oneJob(h, 'el.second');
    assert.equal(second.variables['fromFirst'], 1, 'a later listener sees the variables of an earlier one');
    await h.engine.completeJob(second.id, { worker: 'w', variables: { prepared: 'yes' } });
    const work = await oneJob(h, 'work');
    assert.equal(work.variables['prepared'], 'yes', 'the task sees what its start listeners set');
    assert.deepEqual(work.headers, { from: 'task', shared: 'task' });
    assert.equal(work.listener, undefined);
    assert.equal(new Set([first.idempotencyKey, second.idempotencyKey, work.idempotencyKey]).size, 3, 'listener jobs have their own idempotency keys');
    await h.engine.completeJob(work.id, { worker: 'w', variables: { result: 5 } });
    assert.equal((await instance(h, started.id)).state, 'active', 'the end listener holds the flow');
    const after = await oneJob(h, 'el.after');
    assert.equal(after.listener, 'end');
    assert.equal(after.variables['result'], 5, 'the end listener sees the task result');
    await h.engine.completeJob(after.id, { worker: 'w', variables: { audited: true } });
    const done = await assertCompleted(h, started.id);
    assert.equal(done.variables['audited'], true, 'end listener variables go to the enclosing scope');
    assert.equal(done.variables['result'], 5);
    assert.equal(done.variables['prepared'], undefined, 'start listener variables are local to the element');
    assertInOrder(await traceOf(h, started.id), [
      'element.activated:work', 'job.created:work', 'job.completed:work', 'job.created:work', 'job.completed:work', 'job.created:work', 'job.completed:work',
      'job.created:work', 'job.completed:work', 'element.completed:work', 'element.activated:e',
    ]);
  });

  it('a failing listener job uses its retries, then raises an incident; resolving it retries that listener only', async () => {
    await deploy(h, bpmn('el_fail', `<startEvent id="s"/>
      <serviceTask id="work"><extensionElements><zeebe:taskDefinition type="work.fail"/>${listeners('start|el.ok', 'start|el.flaky|2')}</extensionElements></serviceTask><endEvent id="e"/>`, 's -> work; work -> e'));
    const started = await h.engine.startInstance('el_fail');
    await h.engine.completeJob((await oneJob(h, 'el.ok')).id, { worker: 'w', variables: { okCount: 1 } });
    let failed = await h.engine.failJob((await oneJob(h, 'el.flaky')).id, { worker: 'w', errorMessage: 'register offline' });
    assert.deepEqual(failed, { retries: 1, incident: false });
    failed = await h.engine.failJob((await oneJob(h, 'el.flaky')).id, { worker: 'w', errorMessage: 'register offline' });
    assert.equal(failed.incident, true);
    const [incident] = await h.engine.listIncidents({ instanceId: started.id, state: 'open' });
    assert.equal(incident?.elementId, 'work');
    await noJob('work.fail');
    await h.engine.resolveIncident(incident!.id);
    await noJob('el.ok');
    await h.engine.completeJob((await oneJob(h, 'el.flaky')).id, { worker: 'w' });
    await h.engine.completeJob((await oneJob(h, 'work.fail')).id, { worker: 'w' });
    await assertCompleted(h, started.id);
  });

  it('a listener job type that does not evaluate is an incident; resolving it runs that kind of listeners from the first', async () => {
    await deploy(h, bpmn('el_expr', `<startEvent id="s"/>
      <serviceTask id="work"><extensionElements><zeebe:taskDefinition type="work.expr"/>${listeners('start|el.before', 'start|=listenerType')}</extensionElements></serviceTask><endEvent id="e"/>`, 's -> work; work -> e'));
    const started = await h.engine.startInstance('el_expr');
    await h.engine.completeJob((await oneJob(h, 'el.before')).id, { worker: 'w' });
    const [incident] = await h.engine.listIncidents({ instanceId: started.id, state: 'open' });
    assert.match(incident!.message, /listener/);
    await h.engine.setVariables(started.id, { listenerType: 'el.late' });
    await h.engine.resolveIncident(incident!.id);
    await h.engine.completeJob((await oneJob(h, 'el.before')).id, { worker: 'w' });
    await h.engine.completeJob((await oneJob(h, 'el.late')).id, { worker: 'w' });
    await h.engine.completeJob((await oneJob(h, 'work.expr')).id, { worker: 'w' });
    await assertCompleted(h, started.id);
  });

  it('a start listener on an exclusive gateway sets the variable its conditions read', async () => {
    await deploy(h, bpmn('el_gateway', `<startEvent id="s"/>
      <exclusiveGateway id="route"><extensionElements>${listeners('start|el.route')}</extensionElements></exclusiveGateway>
      <endEvent id="fast"/><endEvent id="slow"/>`, 's -> route; route -> fast [= lane = "fast"]; route -> slow (default)'));
    const started = await h.engine.startInstance('el_gateway');
    const job = await oneJob(h, 'el.route');
    assert.equal(job.elementId, 'route');
    await h.engine.completeJob(job.id, { worker: 'w', variables: { lane: 'fast' } });
    await assertCompleted(h, started.id);
    const trace = await traceOf(h, started.id);
    assert.ok(trace.includes('element.completed:fast') && !trace.includes('element.activated:slow'), trace.join(' → '));
  });

  it('a start listener on a timer catch event computes its duration; its end listener runs when the timer fired', async () => {
    await deploy(h, bpmn('el_timer', `<startEvent id="s"/>
      <intermediateCatchEvent id="wait"><extensionElements>${listeners('start|el.delay', 'end|el.woke')}</extensionElements>${timer('timeDuration', '=delay')}</intermediateCatchEvent>
      <endEvent id="e"/>`, 's -> wait; wait -> e'));
    const started = await h.engine.startInstance('el_timer');
    assert.equal(await advance(h, 3 * HOUR), 0, 'no timer before the start listener completed');
    await h.engine.completeJob((await oneJob(h, 'el.delay')).id, { worker: 'w', variables: { delay: 'PT2H' } });
    assert.equal(await advance(h, HOUR), 0);
    assert.equal(await advance(h, HOUR), 1);
    const woke = await oneJob(h, 'el.woke');
    assert.equal(woke.elementId, 'wait');
    await h.engine.completeJob(woke.id, { worker: 'w', variables: { woke: true } });
    assert.equal((await assertCompleted(h, started.id)).variables['woke'], true);
  });

  it('process and sub-process listeners: the process start listener runs before its start event, its end listener before it completes', async () => {
    await deploy(h, bpmn('el_scopes', `<startEvent id="s"/>
      ${subProcess('sub', '<startEvent id="subStart"/><endEvent id="subEnd"/>', 'subStart -> subEnd', '', `<extensionElements>${listeners('start|el.subIn', 'end|el.subOut')}</extensionElements>`)}
      <endEvent id="e"/>`, 's -> sub; sub -> e').replace('<process id="el_scopes" isExecutable="true">', `<process id="el_scopes" isExecutable="true"><extensionElements>${listeners('start|el.processIn', 'end|el.processOut')}</extensionElements>`));
    const started = await h.engine.startInstance('el_scopes', { variables: { caseNo: 7 } });
    const processIn = await oneJob(h, 'el.processIn');
    assert.equal(processIn.variables['caseNo'], 7);
    await h.engine.completeJob(processIn.id, { worker: 'w', variables: { opened: 'yes' } });
    const subIn = await oneJob(h, 'el.subIn');
    assert.equal(subIn.variables['opened'], 'yes', 'a process start listener sets process variables');
    await h.engine.completeJob(subIn.id, { worker: 'w', variables: { subLocal: 1 } });
    await h.engine.completeJob((await oneJob(h, 'el.subOut')).id, { worker: 'w', variables: { subDone: true } });
    assert.equal((await instance(h, started.id)).state, 'active');
    await h.engine.completeJob((await oneJob(h, 'el.processOut')).id, { worker: 'w', variables: { closed: true } });
    const done = await assertCompleted(h, started.id);
    assert.equal(done.variables['subDone'], true);
    assert.equal(done.variables['closed'], true);
    assert.equal(done.variables['subLocal'], undefined);
    assertInOrder(await traceOf(h, started.id), ['process.started', 'element.activated:s', 'element.activated:sub', 'element.activated:subStart', 'element.completed:sub', 'element.completed:e', 'process.completed']);
  });

  it('on a multi-instance activity the listeners run for each inner instance, with its input element', async () => {
    await deploy(h, bpmn('el_multi', `<startEvent id="s"/>
      <serviceTask id="each"><multiInstanceLoopCharacteristics><extensionElements><zeebe:loopCharacteristics inputCollection="= items" inputElement="item" outputCollection="results" outputElement="= done"/></extensionElements></multiInstanceLoopCharacteristics>
        <extensionElements><zeebe:taskDefinition type="each.work"/>${listeners('start|el.each', 'end|el.eachEnd')}</extensionElements></serviceTask><endEvent id="e"/>`, 's -> each; each -> e'));
    const started = await h.engine.startInstance('el_multi', { variables: { items: ['a', 'b'] } });
    const starts = await h.engine.activateJobs({ type: 'el.each', worker: 'w', maxJobs: 10 });
    assert.deepEqual(starts.map((j) => j.variables['item']).sort(), ['a', 'b']);
    await noJob('each.work');
    for (const j of starts) await h.engine.completeJob(j.id, { worker: 'w', variables: { label: `item ${String(j.variables['item'])}` } });
    const works = await h.engine.activateJobs({ type: 'each.work', worker: 'w', maxJobs: 10 });
    assert.deepEqual(works.map((j) => j.variables['label']).sort(), ['item a', 'item b']);
    for (const j of works) await h.engine.completeJob(j.id, { worker: 'w', variables: { done: `${String(j.variables['item'])}!` } });
    const ends = await h.engine.activateJobs({ type: 'el.eachEnd', worker: 'w', maxJobs: 10 });
    assert.equal(ends.length, 2);
    for (const j of ends) await h.engine.completeJob(j.id, { worker: 'w' });
    const done = await assertCompleted(h, started.id);
    assert.deepEqual(done.variables['results'], ['a!', 'b!']);
  });

  it('cancelling a case that waits for a listener job removes that job', async () => {
    await deploy(h, bpmn('el_cancel', `<startEvent id="s"/><userTask id="review"><extensionElements>${listeners('end|el.cancelEnd')}</extensionElements></userTask><endEvent id="e"/>`, 's -> review; review -> e'));
    const started = await h.engine.startInstance('el_cancel');
    const [task] = await h.engine.listTasks({ instanceId: started.id });
    await h.engine.completeTask(task!.id, { actor: 'clerk', variables: { ok: true } });
    assert.deepEqual((await instance(h, started.id)).activeElements.map((a) => a.elementId), ['review'], 'the user task waits for its end listener');
    await h.engine.cancelInstance(started.id, { reason: 'withdrawn' });
    await noJob('el.cancelEnd');
  });

  it('a listener job cannot throw a BPMN error (as in Zeebe)', async () => {
    await deploy(h, bpmn('el_error', `<startEvent id="s"/><serviceTask id="work"><extensionElements><zeebe:taskDefinition type="work.err"/>${listeners('start|el.err')}</extensionElements></serviceTask><endEvent id="e"/>`, 's -> work; work -> e'));
    await h.engine.startInstance('el_error');
    const job = await oneJob(h, 'el.err');
    const error = await rejection(() => h.engine.throwJobError(job.id, { worker: 'w', errorCode: 'X' }));
    assert.equal(error.code, 'GOVFLOW_ERR_VALIDATION');
    assert.match(error.message, /listener/);
  });

  it('refuses at deploy time the listeners Zeebe does not run, with the element and what to do instead', async () => {
    const cases: [string, string, RegExp][] = [
      [`<startEvent id="s"><extensionElements>${listeners('start|x')}</extensionElements></startEvent><endEvent id="e"/>`, 's -> e', /s.*start event has no start execution listener/],
      [`<startEvent id="s"/><parallelGateway id="g"><extensionElements>${listeners('end|x')}</extensionElements></parallelGateway><endEvent id="e"/>`, 's -> g; g -> e', /g.*gateway has no end execution listener/],
      [`<startEvent id="s"/><task id="t"><extensionElements>${listeners('start|x', 'start|x')}</extensionElements></task><endEvent id="e"/>`, 's -> t; t -> e', /t.*two start execution listeners/],
      [`<startEvent id="s"/><task id="t"><extensionElements>${listeners('start|x|often')}</extensionElements></task><endEvent id="e"/>`, 's -> t; t -> e', /t.*retries 'often'/],
    ];
    for (const [body, flows, message] of cases) {
      const error = await rejection(() => deploy(h, bpmn('el_refused', body, flows)));
      assert.ok(error.details.some((d) => message.test(`${d.where ?? ''} ${d.message}`)), JSON.stringify(error.details));
    }
  });
});
