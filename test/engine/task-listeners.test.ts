/**
 * Issue 16: Zeebe user task listeners run as jobs on both backends. A task's transition (creating, assigning,
 * completing) waits for its listeners in model order; a listener job may deny the transition (the task stays as it
 * was) or correct the task's attributes (later listeners see them, the task gets them when the transition goes
 * through); it cannot set variables or throw a BPMN error; a failed listener job ends in an incident and resumes at
 * that listener; the events Camunda has and govflow does not run are refused at deploy time.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachBackend } from '../support/databases.js';
import { bpmn, escapeXml, timer, userTask } from './bpmn.js';
import { HOUR, advance, assertCompleted, assertInOrder, deploy, instance, oneJob, rejection, traceOf, useEngine } from './harness.js';

/** `zeebe:taskListeners` with `eventType|jobType[|retries]` entries. */
const listeners = (...entries: string[]) => `<zeebe:taskListeners>${entries.map((e) => {
  const [eventType, type, retries] = e.split('|');
  return `<zeebe:taskListener eventType="${eventType}" type="${escapeXml(type!)}"${retries ? ` retries="${retries}"` : ''}/>`;
}).join('')}</zeebe:taskListeners>`;

const reviewModel = (id: string, extra: string) => bpmn(id, `<startEvent id="s"/>${userTask('review', `<zeebe:userTask/>${extra}`)}<endEvent id="e"/>`, 's -> review; review -> e');

describeEachBackend('user task listeners (zeebe:taskListeners) as jobs', (backend) => {
  const h = useEngine(backend);

  const noJob = async (type: string) => assert.deepEqual(await h.engine.activateJobs({ type, worker: 'peek', maxJobs: 10, lockMs: 1 }), [], `no '${type}' job yet`);
  const openTask = async (instanceId: number) => {
    const tasks = await h.engine.listTasks({ instanceId });
    assert.equal(tasks.length, 1, 'one open task');
    return tasks[0]!;
  };

  it('completing listeners run in order before the task completes; the case moves on with the completion variables', async () => {
    await deploy(h, reviewModel('utl_complete', `<zeebe:assignmentDefinition candidateGroups="clerks"/>${listeners('completing|utl.check', 'completing|="utl." + kind|2')}`));
    const started = await h.engine.startInstance('utl_complete', { variables: { kind: 'audit' } });
    const task = await openTask(started.id);
    const pending = await h.engine.completeTask(task.id, { actor: 'clerk', variables: { approved: true } });
    assert.equal(pending.state, 'created', 'the task is not complete while its listeners run');
    assert.equal(pending.pending, 'completing');
    assert.equal((await instance(h, started.id)).state, 'active');
    const first = await oneJob(h, 'utl.check');
    assert.equal(first.listener, 'completing');
    assert.equal(first.elementId, 'review');
    assert.equal(first.headers['io.camunda.zeebe:action'], 'complete');
    assert.equal(first.headers['io.camunda.zeebe:userTaskKey'], String(task.id));
    assert.deepEqual(JSON.parse(first.headers['io.camunda.zeebe:candidateGroups']!), ['clerks']);
    assert.equal(first.variables['approved'], undefined, 'the completion variables are not set before the listeners let it through');
    const again = await rejection(() => h.engine.completeTask(task.id, { actor: 'clerk', variables: { approved: false } }));
    assert.equal(again.code, 'GOVFLOW_ERR_CONFLICT', 'a pending task takes no second completion');
    await noJob('utl.audit');
    await h.engine.completeJob(first.id, { worker: 'w' });
    const second = await oneJob(h, 'utl.audit');
    assert.equal(second.retries, 2);
    assert.notEqual(second.idempotencyKey, first.idempotencyKey);
    await h.engine.completeJob(second.id, { worker: 'w' });
    const done = await assertCompleted(h, started.id);
    assert.equal(done.variables['approved'], true);
    const after = await h.engine.getTask(task.id);
    assert.equal(after.state, 'completed');
    assert.equal(after.completedBy, 'clerk', 'the staff member completed the task, not the listener worker');
    assert.equal(after.pending, undefined);
    assertInOrder(await traceOf(h, started.id), ['task.created:review', 'job.created:review', 'job.completed:review', 'job.created:review', 'job.completed:review', 'task.completed:review', 'element.completed:review', 'process.completed']);
  });

  it('a completing listener that denies keeps the task open, with its reason, and discards earlier corrections; it can be completed again', async () => {
    await deploy(h, reviewModel('utl_deny', listeners('completing|utl.fix', 'completing|utl.guard')));
    const started = await h.engine.startInstance('utl_deny');
    const task = await openTask(started.id);
    await h.engine.completeTask(task.id, { actor: 'clerk', variables: { answer: 'short' } });
    await h.engine.completeJob((await oneJob(h, 'utl.fix')).id, { worker: 'w', result: { corrections: { priority: 90 } } });
    const guard = await oneJob(h, 'utl.guard');
    assert.equal(guard.headers['io.camunda.zeebe:priority'], '90', 'a later listener sees the corrections of an earlier one');
    assert.deepEqual(JSON.parse(guard.headers['io.camunda.zeebe:changedAttributes']!), ['priority']);
    await h.engine.completeJob(guard.id, { worker: 'w', result: { denied: true, deniedReason: 'the answer needs a reference number' } });
    const denied = await h.engine.getTask(task.id);
    assert.equal(denied.state, 'created');
    assert.equal(denied.pending, undefined);
    assert.deepEqual(denied.denied, { event: 'completing', reason: 'the answer needs a reference number' });
    assert.equal(denied.priority, 50, 'corrections of a denied transition are discarded');
    assert.equal((await instance(h, started.id)).variables['answer'], undefined);
    const trace = await traceOf(h, started.id);
    assert.ok(trace.includes('task.denied:review') && !trace.includes('task.completed:review'), trace.join(' → '));
    await h.engine.completeTask(task.id, { actor: 'clerk', variables: { answer: 'ref 42' } });
    const fix = await oneJob(h, 'utl.fix');
    assert.notEqual(fix.idempotencyKey, guard.idempotencyKey);
    await h.engine.completeJob(fix.id, { worker: 'w' });
    await h.engine.completeJob((await oneJob(h, 'utl.guard')).id, { worker: 'w' });
    assert.equal((await assertCompleted(h, started.id)).variables['answer'], 'ref 42');
    assert.equal((await h.engine.getTask(task.id)).denied, undefined);
  });

  it('completing corrections are applied to the task when it completes', async () => {
    await deploy(h, reviewModel('utl_correct', listeners('completing|utl.stamp')));
    const started = await h.engine.startInstance('utl_correct');
    const task = await openTask(started.id);
    await h.engine.completeTask(task.id, { actor: 'clerk' });
    await h.engine.completeJob((await oneJob(h, 'utl.stamp')).id, {
      worker: 'w', result: { corrections: { followUpDate: '2026-04-01T10:00:00Z', candidateUsers: ['ann', 'bob'], priority: 70, dueDate: null } },
    });
    await assertCompleted(h, started.id);
    const done = await h.engine.getTask(task.id);
    assert.equal(done.followUpAt, '2026-04-01T10:00:00.000Z');
    assert.deepEqual(done.candidateUsers, ['ann', 'bob']);
    assert.equal(done.priority, 70);
  });

  it('creating listeners run before the task is offered; their corrections are the task\'s attributes', async () => {
    await deploy(h, reviewModel('utl_create', `<zeebe:assignmentDefinition candidateGroups="clerks"/>${listeners('creating|utl.route', 'creating|utl.look')}`));
    const started = await h.engine.startInstance('utl_create');
    assert.deepEqual(await h.engine.listTasks({ instanceId: started.id }), [], 'no task before its creating listeners completed');
    const route = await oneJob(h, 'utl.route');
    assert.equal(route.listener, 'creating');
    assert.equal(route.headers['io.camunda.zeebe:action'], 'create');
    assert.equal(route.headers['io.camunda.zeebe:assignee'], undefined);
    await h.engine.completeJob(route.id, { worker: 'w', result: { corrections: { assignee: 'dana', candidateGroups: ['clerks', 'seniors'], dueDate: '2026-03-09T17:00:00Z' } } });
    const look = await oneJob(h, 'utl.look');
    assert.equal(look.headers['io.camunda.zeebe:assignee'], 'dana');
    const denial = await rejection(() => h.engine.completeJob(look.id, { worker: 'w', result: { denied: true } }));
    assert.equal(denial.code, 'GOVFLOW_ERR_VALIDATION', 'creating cannot be denied (as in Camunda 8)');
    await h.engine.completeJob(look.id, { worker: 'w' });
    const task = await openTask(started.id);
    assert.equal(task.assignee, 'dana');
    assert.deepEqual(task.candidateGroups, ['clerks', 'seniors']);
    assert.equal(task.dueAt, '2026-03-09T17:00:00.000Z');
  });

  it('a creating listener cannot correct an assignee the process set (as in Camunda 8)', async () => {
    await deploy(h, reviewModel('utl_create_assignee', `<zeebe:assignmentDefinition assignee="erin"/>${listeners('creating|utl.reassign')}`));
    await h.engine.startInstance('utl_create_assignee');
    const job = await oneJob(h, 'utl.reassign');
    assert.equal(job.headers['io.camunda.zeebe:assignee'], 'erin');
    const error = await rejection(() => h.engine.completeJob(job.id, { worker: 'w', result: { corrections: { assignee: 'frank' } } }));
    assert.equal(error.code, 'GOVFLOW_ERR_VALIDATION');
    assert.match(error.message, /assigning listener/);
  });

  it('assigning listeners hold a claim or an assignment until they complete; a denial leaves the assignee unchanged', async () => {
    await deploy(h, reviewModel('utl_assign', listeners('assigning|utl.who')));
    const started = await h.engine.startInstance('utl_assign');
    const task = await openTask(started.id);
    const claimed = await h.engine.claimTask(task.id, 'gina');
    assert.equal(claimed.assignee, null, 'the claim waits for the assigning listener');
    assert.equal(claimed.pending, 'assigning');
    assert.equal((await rejection(() => h.engine.claimTask(task.id, 'hugo'))).code, 'GOVFLOW_ERR_CONFLICT');
    const who = await oneJob(h, 'utl.who');
    assert.equal(who.headers['io.camunda.zeebe:action'], 'claim');
    assert.equal(who.headers['io.camunda.zeebe:assignee'], 'gina');
    assert.deepEqual(JSON.parse(who.headers['io.camunda.zeebe:changedAttributes']!), ['assignee']);
    await h.engine.completeJob(who.id, { worker: 'w', result: { denied: true, deniedReason: 'gina is on leave' } });
    const denied = await h.engine.getTask(task.id);
    assert.equal(denied.assignee, null, 'the assignee is unchanged');
    assert.deepEqual(denied.denied, { event: 'assigning', reason: 'gina is on leave' });
    await h.engine.assignTask(task.id, { assignee: 'ivan', actor: 'manager' });
    const second = await oneJob(h, 'utl.who');
    assert.equal(second.headers['io.camunda.zeebe:action'], 'assign');
    await h.engine.completeJob(second.id, { worker: 'w', result: { corrections: { assignee: 'jade', priority: 80 } } });
    const assigned = await h.engine.getTask(task.id);
    assert.equal(assigned.assignee, 'jade', 'the listener corrected the assignee');
    assert.equal(assigned.priority, 80);
    const events = await h.engine.getEvents(started.id);
    const assignedEvent = events.find((e) => e.type === 'task.assigned');
    assert.equal(assignedEvent?.data['assignee'], 'jade');
    assert.equal(assignedEvent?.data['by'], 'manager');
    await h.engine.completeTask(task.id, { actor: 'jade' });
    await assertCompleted(h, started.id);
  });

  it('the assignee the process sets goes through the assigning listeners after the task is offered (as in Camunda 8.8)', async () => {
    await deploy(h, reviewModel('utl_model_assignee', `<zeebe:assignmentDefinition assignee="kim"/>${listeners('assigning|utl.first-assignee')}`));
    const started = await h.engine.startInstance('utl_model_assignee');
    const offered = await openTask(started.id);
    assert.equal(offered.assignee, null, 'offered without the assignee while the assigning listener runs');
    assert.equal(offered.pending, 'assigning');
    const job = await oneJob(h, 'utl.first-assignee');
    assert.equal(job.headers['io.camunda.zeebe:assignee'], 'kim');
    assert.equal(job.headers['io.camunda.zeebe:action'], 'assign');
    await h.engine.completeJob(job.id, { worker: 'w' });
    const task = await openTask(started.id);
    assert.equal(task.assignee, 'kim');
    assert.equal(task.pending, undefined);
    await h.engine.completeTask(task.id, { actor: 'kim' });
    await assertCompleted(h, started.id);
  });

  it('an inline handler as a listener lets the transition through in the step; one that sets variables is an incident', async () => {
    await deploy(h, reviewModel('utl_inline', listeners('completing|govflow:noop', 'completing|utl.after-noop')));
    const started = await h.engine.startInstance('utl_inline');
    await h.engine.completeTask((await openTask(started.id)).id, { actor: 'clerk', variables: { ok: true } });
    const after = await oneJob(h, 'utl.after-noop');
    assert.equal(after.headers['io.camunda.zeebe:action'], 'complete');
    await h.engine.completeJob(after.id, { worker: 'w' });
    assert.equal((await assertCompleted(h, started.id)).variables['ok'], true);

    await deploy(h, reviewModel('utl_inline_set', `<zeebe:taskHeaders><zeebe:header key="stamped" value="yes"/></zeebe:taskHeaders>${listeners('creating|govflow:set')}`));
    const set = await h.engine.startInstance('utl_inline_set');
    const [incident] = await h.engine.listIncidents({ instanceId: set.id, state: 'open' });
    assert.match(incident!.message, /cannot/);
    assert.deepEqual(await h.engine.listTasks({ instanceId: set.id }), []);
  });

  it('a listener job cannot be completed with variables or throw a BPMN error; a job result is only for task listener jobs', async () => {
    await deploy(h, bpmn('utl_rules', `<startEvent id="s"/>${userTask('review', listeners('completing|utl.rules'))}<serviceTask id="after"><extensionElements><zeebe:taskDefinition type="utl.after"/></extensionElements></serviceTask><endEvent id="e"/>`, 's -> review; review -> after; after -> e'));
    const started = await h.engine.startInstance('utl_rules');
    await h.engine.completeTask((await openTask(started.id)).id, { actor: 'clerk' });
    const job = await oneJob(h, 'utl.rules');
    assert.equal((await rejection(() => h.engine.completeJob(job.id, { worker: 'w', variables: { x: 1 } }))).code, 'GOVFLOW_ERR_VALIDATION');
    assert.equal((await rejection(() => h.engine.throwJobError(job.id, { worker: 'w', errorCode: 'E' }))).code, 'GOVFLOW_ERR_VALIDATION');
    assert.equal((await rejection(() => h.engine.completeJob(job.id, { worker: 'w', result: { corrections: { priority: 101 } } }))).code, 'GOVFLOW_ERR_VALIDATION');
    assert.equal((await rejection(() => h.engine.completeJob(job.id, { worker: 'w', result: { corrections: { owner: 'x' } } }))).code, 'GOVFLOW_ERR_VALIDATION');
    await h.engine.completeJob(job.id, { worker: 'w' });
    const after = await oneJob(h, 'utl.after');
    assert.equal((await rejection(() => h.engine.completeJob(after.id, { worker: 'w', result: { denied: true } }))).code, 'GOVFLOW_ERR_VALIDATION');
    await h.engine.completeJob(after.id, { worker: 'w' });
    await assertCompleted(h, started.id);
  });

  it('a failing listener job raises an incident after its retries; resolving it retries that listener, and the transition goes on', async () => {
    await deploy(h, reviewModel('utl_fail', listeners('completing|utl.ok', 'completing|utl.flaky|1')));
    const started = await h.engine.startInstance('utl_fail');
    const task = await openTask(started.id);
    await h.engine.completeTask(task.id, { actor: 'clerk', variables: { done: 1 } });
    await h.engine.completeJob((await oneJob(h, 'utl.ok')).id, { worker: 'w' });
    assert.equal((await h.engine.failJob((await oneJob(h, 'utl.flaky')).id, { worker: 'w', errorMessage: 'register offline' })).incident, true);
    const [incident] = await h.engine.listIncidents({ instanceId: started.id, state: 'open' });
    assert.equal(incident?.elementId, 'review');
    await h.engine.resolveIncident(incident!.id);
    await noJob('utl.ok');
    await h.engine.completeJob((await oneJob(h, 'utl.flaky')).id, { worker: 'w' });
    assert.equal((await assertCompleted(h, started.id)).variables['done'], 1);
  });

  it('a listener job type that does not evaluate is an incident; resolving it runs the transition again from its first listener', async () => {
    await deploy(h, reviewModel('utl_expr', listeners('completing|utl.first', 'completing|=checkType')));
    const started = await h.engine.startInstance('utl_expr');
    const task = await openTask(started.id);
    await h.engine.completeTask(task.id, { actor: 'clerk' });
    await h.engine.completeJob((await oneJob(h, 'utl.first')).id, { worker: 'w' });
    const [incident] = await h.engine.listIncidents({ instanceId: started.id, state: 'open' });
    assert.match(incident!.message, /listener/);
    await h.engine.setVariables(started.id, { checkType: 'utl.late' });
    await h.engine.resolveIncident(incident!.id);
    await h.engine.completeJob((await oneJob(h, 'utl.first')).id, { worker: 'w' });
    await h.engine.completeJob((await oneJob(h, 'utl.late')).id, { worker: 'w' });
    await assertCompleted(h, started.id);
  });

  it('cancelling a case whose task waits for a listener removes the listener job and cancels the task', async () => {
    await deploy(h, reviewModel('utl_cancel', listeners('completing|utl.cancelled')));
    const started = await h.engine.startInstance('utl_cancel');
    const task = await openTask(started.id);
    await h.engine.completeTask(task.id, { actor: 'clerk' });
    await h.engine.cancelInstance(started.id, { reason: 'withdrawn' });
    await noJob('utl.cancelled');
    assert.equal((await h.engine.getTask(task.id)).state, 'cancelled');
  });

  it('on a multi-instance user task each inner task runs its own listeners', async () => {
    await deploy(h, bpmn('utl_multi', `<startEvent id="s"/>
      <userTask id="sign" name="sign"><multiInstanceLoopCharacteristics><extensionElements><zeebe:loopCharacteristics inputCollection="= signers" inputElement="signer"/></extensionElements></multiInstanceLoopCharacteristics>
        <extensionElements><zeebe:userTask/><zeebe:assignmentDefinition assignee="= signer"/>${listeners('completing|utl.countersign')}</extensionElements></userTask><endEvent id="e"/>`, 's -> sign; sign -> e'));
    const started = await h.engine.startInstance('utl_multi', { variables: { signers: ['mia', 'noa'] } });
    const tasks = await h.engine.listTasks({ instanceId: started.id });
    assert.deepEqual(tasks.map((t) => t.assignee).sort(), ['mia', 'noa']);
    for (const task of tasks) await h.engine.completeTask(task.id, { actor: task.assignee! });
    const jobs = await h.engine.activateJobs({ type: 'utl.countersign', worker: 'w', maxJobs: 10 });
    assert.deepEqual(jobs.map((j) => j.headers['io.camunda.zeebe:assignee']).sort(), ['mia', 'noa']);
    await h.engine.completeJob(jobs[0]!.id, { worker: 'w' });
    assert.equal((await instance(h, started.id)).state, 'active', 'one signature still waits for its check');
    await h.engine.completeJob(jobs[1]!.id, { worker: 'w' });
    await assertCompleted(h, started.id);
  });

  it('an interrupting boundary timer ends a task waiting for its completing listener: the job goes, the case takes the timer\'s path', async () => {
    await deploy(h, bpmn('utl_timeout', `<startEvent id="s"/>${userTask('review', listeners('completing|utl.slow'))}
      <boundaryEvent id="late" attachedToRef="review">${timer('timeDuration', 'PT1H')}</boundaryEvent><endEvent id="e"/><endEvent id="expired"/>`, 's -> review; review -> e; late -> expired'));
    const started = await h.engine.startInstance('utl_timeout');
    const task = await openTask(started.id);
    await h.engine.completeTask(task.id, { actor: 'clerk' });
    assert.equal(await advance(h, HOUR), 1);
    await noJob('utl.slow');
    assert.equal((await h.engine.getTask(task.id)).state, 'cancelled');
    const trace = await traceOf(h, started.id);
    assert.ok(trace.includes('element.completed:expired') && !trace.includes('task.completed:review'), trace.join(' → '));
  });

  it('refuses at deploy time the task listener events govflow does not run, and malformed listeners', async () => {
    const cases: [string, RegExp][] = [
      [listeners('updating|x'), /review.*"updating" do not run/],
      [listeners('canceling|x'), /review.*"canceling" do not run/],
      [listeners('finishing|x'), /review.*'finishing' is not one of creating, assigning, updating, completing, canceling/],
      [listeners('completing|x|often'), /review.*retries 'often'/],
    ];
    for (const [extra, message] of cases) {
      const error = await rejection(() => deploy(h, reviewModel('utl_refused', extra)));
      assert.ok(error.details.some((d) => message.test(`${d.where ?? ''} ${d.message}`)), JSON.stringify(error.details));
    }
  });
});
