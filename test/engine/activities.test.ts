/**
 * Acceptance 2 (tasks): user, service (external job), send, receive, manual, script (FEEL) and business-rule tasks;
 * job failure with retries, incidents and their resolution; two people completing the same task.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { DecisionEngine } from '../../src/engine/index.js';
import { describeEachBackend } from '../support/databases.js';
import { bpmn, escapeXml, ioMapping, job, message, timer, userTask } from './bpmn.js';
import {
  HOUR, activeElements, advance, assertCompleted, assertInOrder, count, deploy, instance, oneJob, rejection, rowCount, tasksOf, traceOf, useEngine,
} from './harness.js';

/** A stand-in for the DMN service: every decision returns 10 per page and records what it was asked. */
const stubDecisions: DecisionEngine & { calls: { decisionId: string; context: Record<string, unknown> }[] } = {
  calls: [],
  describe: (xml) => ({ decisions: [...xml.matchAll(/<decision id="([^"]+)" name="([^"]+)"/g)].map((m) => ({ id: m[1]!, name: m[2]! })) }),
  evaluate(_xml, _source, decisionId, context) {
    stubDecisions.calls.push({ decisionId, context });
    return { value: { amount: Number(context['pages']) * 10 }, explanation: { matchedRules: ['r1'] } };
  },
};
const dmn = (id: string) => `<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d_${id}" name="d" namespace="x"><decision id="${id}" name="${id}"/></definitions>`;

describeEachBackend('engine: tasks', (backend) => {
  const h = useEngine(backend, { decisions: stubDecisions });

  it('a user task is created for its candidates with due date and form, can be claimed, unclaimed and completed with variables', async () => {
    await deploy(h, bpmn('ut', `<startEvent id="s"/>${userTask('approve', '<zeebe:assignmentDefinition candidateGroups="clerks, seniors" candidateUsers="=reviewer"/><zeebe:taskSchedule dueDate="PT2H"/><zeebe:formDefinition formKey="approve-form"/>')}<endEvent id="e"/>`,
      's -> approve; approve -> e'));
    const { id } = await h.engine.startInstance('ut', { variables: { reviewer: 'rita' } });
    const [task] = await tasksOf(h, id);
    assert.ok(task);
    assert.equal(task.elementId, 'approve');
    assert.equal(task.name, 'approve');
    assert.equal(task.state, 'created');
    assert.deepEqual(task.candidateGroups, ['clerks', 'seniors']);
    assert.deepEqual(task.candidateUsers, ['rita']);
    assert.equal(task.formKey, 'approve-form');
    assert.equal(task.dueAt, new Date(h.clock.now().getTime() + 2 * HOUR).toISOString());
    assert.equal((await h.engine.listTasks({ candidateGroups: ['seniors'], instanceId: id })).length, 1);
    assert.equal((await h.engine.listTasks({ candidateGroups: ['other'], instanceId: id })).length, 0);
    assert.equal((await h.engine.claimTask(task.id, 'ann')).assignee, 'ann');
    assert.equal((await rejection(() => h.engine.claimTask(task.id, 'bob'))).code, 'GOVFLOW_ERR_TASK_CLAIMED');
    assert.equal((await rejection(() => h.engine.completeTask(task.id, { actor: 'bob' }))).code, 'GOVFLOW_ERR_TASK_CLAIMED');
    assert.equal((await h.engine.unclaimTask(task.id, 'ann')).assignee, null);
    await h.engine.claimTask(task.id, 'bob');
    const done = await h.engine.completeTask(task.id, { actor: 'bob', variables: { approved: true } });
    assert.equal(done.state, 'completed');
    assert.equal(done.completedBy, 'bob');
    const view = await assertCompleted(h, id);
    assert.deepEqual(view.variables, { reviewer: 'rita', approved: true });
    assertInOrder(await traceOf(h, id), ['element.activated:approve', 'task.created:approve', 'task.claimed:approve', 'task.unclaimed:approve', 'task.claimed:approve', 'task.completed:approve', 'element.completed:approve', 'process.completed']);
    const events = await h.engine.getEvents(id);
    assert.equal(events.find((e) => e.type === 'task.completed')!.actor, 'bob');
  });

  it('a user task with an assignee expression is assigned on creation', async () => {
    await deploy(h, bpmn('ut_assignee', `<startEvent id="s"/>${userTask('check', '<zeebe:assignmentDefinition assignee="=owner"/>')}<endEvent id="e"/>`, 's -> check; check -> e'));
    const { id } = await h.engine.startInstance('ut_assignee', { variables: { owner: 'olga' } });
    const [task] = await h.engine.listTasks({ assignee: 'olga', instanceId: id });
    assert.ok(task);
    await h.engine.completeTask(task.id, { actor: 'olga' });
    await assertCompleted(h, id);
  });

  it('a service task creates a job for external workers with its headers, mapped inputs and outputs', async () => {
    await deploy(h, bpmn('svc', `<startEvent id="s"/>${job('lookup', 'registry.lookup', `<zeebe:taskHeaders><zeebe:header key="registry" value="land"/></zeebe:taskHeaders>${ioMapping({ parcelId: '=parcel.id' }, { owner: '=result.owner' })}`)}<endEvent id="e"/>`,
      's -> lookup; lookup -> e'));
    const { id } = await h.engine.startInstance('svc', { variables: { parcel: { id: 'P-4' } } });
    assert.deepEqual((await instance(h, id)).activeElements.map((a) => [a.elementId, a.waitingFor]), [['lookup', 'job']]);
    const activated = await oneJob(h, 'registry.lookup');
    assert.equal(activated.instanceId, id);
    assert.equal(activated.elementId, 'lookup');
    assert.equal(activated.retries, 3);
    assert.deepEqual(activated.headers, { registry: 'land' });
    assert.equal(activated.variables['parcelId'], 'P-4');
    assert.ok(activated.idempotencyKey);
    // A locked job is not handed to another worker.
    assert.equal((await h.engine.activateJobs({ type: 'registry.lookup', worker: 'other' })).length, 0);
    assert.equal((await rejection(() => h.engine.completeJob(activated.id, { worker: 'other' }))).code, 'GOVFLOW_ERR_JOB_NOT_LOCKED');
    await h.engine.completeJob(activated.id, { worker: 'w', variables: { result: { owner: 'Ada' } } });
    const view = await assertCompleted(h, id);
    assert.deepEqual(view.variables, { parcel: { id: 'P-4' }, owner: 'Ada' });
    assert.deepEqual(await traceOf(h, id), [
      'process.started', 'element.activated:s', 'element.completed:s', 'element.activated:lookup', 'job.created:lookup',
      'job.completed:lookup', 'element.completed:lookup', 'element.activated:e', 'element.completed:e', 'process.completed',
    ]);
    assert.equal((await rejection(() => h.engine.completeJob(activated.id, { worker: 'w' }))).code, 'GOVFLOW_ERR_JOB_NOT_FOUND');
  });

  it('a send task is worked as a job, like a service task', async () => {
    await deploy(h, bpmn('send', `<startEvent id="s"/><sendTask id="notify"><extensionElements><zeebe:taskDefinition type="mail.send"/></extensionElements></sendTask><endEvent id="e"/>`, 's -> notify; notify -> e'));
    const { id } = await h.engine.startInstance('send', { variables: { to: 'a@b.c' } });
    const activated = await oneJob(h, 'mail.send');
    assert.equal(activated.variables['to'], 'a@b.c');
    await h.engine.completeJob(activated.id, { worker: 'w', variables: { sent: true } });
    assert.equal((await assertCompleted(h, id)).variables['sent'], true);
  });

  it('a receive task waits for its message by correlation key', async () => {
    await deploy(h, bpmn('recv', `<startEvent id="s"/><receiveTask id="await" messageRef="m"/><endEvent id="e"/>`, 's -> await; await -> e', message('m', 'recv.docs', '=caseId')));
    const { id } = await h.engine.startInstance('recv', { variables: { caseId: 7 } });
    assert.deepEqual((await instance(h, id)).activeElements.map((a) => [a.elementId, a.waitingFor]), [['await', 'message']]);
    const result = await h.engine.publishMessage({ name: 'recv.docs', correlationKey: '7', variables: { docs: 3 } });
    assert.deepEqual(result.correlatedInstances, [id]);
    assert.equal((await assertCompleted(h, id)).variables['docs'], 3);
    assertInOrder(await traceOf(h, id), ['element.activated:await', 'message.correlated:await', 'element.completed:await']);
  });

  it('a manual task and an undefined task pass straight through', async () => {
    await deploy(h, bpmn('manual', '<startEvent id="s"/><manualTask id="sign"/><task id="file"/><endEvent id="e"/>', 's -> sign; sign -> file; file -> e'));
    const { id } = await h.engine.startInstance('manual');
    await assertCompleted(h, id);
    assertInOrder(await traceOf(h, id), ['element.activated:sign', 'element.completed:sign', 'element.activated:file', 'element.completed:file', 'process.completed']);
  });

  it('a FEEL script task computes its result variable (Zeebe and BPMN scriptFormat="feel")', async () => {
    await deploy(h, bpmn('script', `<startEvent id="s"/><scriptTask id="total"><extensionElements><zeebe:script expression="=sum(for i in items return i.price) * (1 + vat)" resultVariable="total"/></extensionElements></scriptTask>
      <scriptTask id="label" scriptFormat="feel"><script>${escapeXml('"total: " + string(total)')}</script></scriptTask><endEvent id="e"/>`,
      's -> total; total -> label; label -> e'));
    const { id } = await h.engine.startInstance('script', { variables: { items: [{ price: 10 }, { price: 30 }], vat: 0.5 } });
    const view = await assertCompleted(h, id);
    assert.equal(view.variables['total'], 60);
    assertInOrder(await traceOf(h, id), ['element.activated:total', 'element.completed:total', 'element.activated:label', 'element.completed:label']);
  });

  it('a script task that calls an unknown FEEL function raises an incident instead of yielding null', async () => {
    await deploy(h, bpmn('script_fail', `<startEvent id="s"/><scriptTask id="calc"><extensionElements><zeebe:script expression="=lookupRate(zone) * 2" resultVariable="doubled"/></extensionElements></scriptTask><endEvent id="e"/>`,
      's -> calc; calc -> e'));
    const { id } = await h.engine.startInstance('script_fail', { variables: { zone: 'A' } });
    const view = await instance(h, id);
    assert.equal(view.state, 'active');
    assert.deepEqual(view.activeElements.map((a) => [a.elementId, a.waitingFor]), [['calc', 'incident']]);
    assert.equal(view.variables['doubled'], undefined);
    const [incident] = await h.engine.listIncidents({ instanceId: id });
    assert.ok(incident);
    assert.equal(incident.kind, 'expression');
    assert.match(incident.message, /lookupRate/);
    // Resolving retries the script; it still fails, so a new incident is raised and nothing moves on.
    await h.engine.resolveIncident(incident.id);
    assert.equal((await h.engine.listIncidents({ instanceId: id })).length, 1);
    assertInOrder(await traceOf(h, id), ['element.activated:calc', 'incident.raised:calc', 'incident.resolved:calc', 'incident.raised:calc']);
    await h.engine.cancelInstance(id);
    assert.equal((await h.engine.listIncidents({ instanceId: id })).length, 0);
  });

  it('an input mapping that fails is an incident; once its variable is set, resolving it runs the activation again: the job has its locals and the boundary timer exists', async () => {
    await deploy(h, bpmn('inmap', `<startEvent id="s"/>${job('check', 'inmap.check', ioMapping({ limit: '= 10', name: '= if applicant = null then missingApplicant() else applicant.name' }))}
      <boundaryEvent id="late" attachedToRef="check">${timer('timeDuration', 'PT1H')}</boundaryEvent>${userTask('chase')}<endEvent id="e"/>`, 's -> check; check -> e; late -> chase'));
    const { id } = await h.engine.startInstance('inmap');
    const rows = (sql: string) => rowCount(h, `select 1 from job where instance_id = $1 and ${sql}`, [id]);
    assert.deepEqual((await instance(h, id)).activeElements.map((a) => [a.elementId, a.waitingFor]), [['check', 'incident']]);
    const [incident] = await h.engine.listIncidents({ instanceId: id });
    assert.equal(incident?.kind, 'expression');
    assert.match(incident.message, /input mapping 'name' of check could not be evaluated.*missingApplicant/s);
    assert.equal(await rows('true'), 0, 'neither the job nor the boundary timer exists while the activation has failed');
    await h.engine.setVariables(id, { applicant: { name: 'Ada' } });
    const resolvedAt = h.clock.now().getTime();
    await h.engine.resolveIncident(incident.id);
    assert.deepEqual(await h.engine.listIncidents({ instanceId: id }), []);
    const { rows: timers } = await h.db.query<{ due_at: Date }>("select due_at from job where instance_id = $1 and kind = 'timer' and element_id = 'late'", [id]);
    assert.deepEqual(timers.map((t) => new Date(t.due_at).getTime()), [resolvedAt + HOUR]);
    const activated = await oneJob(h, 'inmap.check');
    assert.equal(activated.instanceId, id);
    assert.deepEqual([activated.variables['limit'], activated.variables['name']], [10, 'Ada']);
    assert.equal(await advance(h, HOUR), 1);
    assert.deepEqual(await activeElements(h, id), ['chase'], 'the boundary timer interrupted the task');
    assert.equal(await rows("type = 'inmap.check'"), 0, 'its job went with it');
    const log = await traceOf(h, id);
    assertInOrder(log, ['element.activated:check', 'incident.raised:check', 'incident.resolved:check', 'job.created:check', 'timer.fired:check', 'element.terminated:check', 'element.activated:late', 'element.activated:chase']);
    assert.equal(count(log, 'element.activated:check'), 1);
    await h.engine.cancelInstance(id);
  });

  it('a business-rule task evaluates its decision through the decision service and stores the result', async () => {
    const deployed = await h.engine.deploy([
      { name: 'fee.dmn', content: dmn('fee') },
      { name: 'brt.bpmn', content: bpmn('brt', `<startEvent id="s"/><businessRuleTask id="decide"><extensionElements><zeebe:calledDecision decisionId="fee" resultVariable="fee"/></extensionElements></businessRuleTask><endEvent id="e"/>`, 's -> decide; decide -> e') },
    ]);
    assert.equal(deployed.decisions.length, 1);
    const { id } = await h.engine.startInstance('brt', { variables: { pages: 4 } });
    const view = await assertCompleted(h, id);
    assert.deepEqual(view.variables['fee'], { amount: 40 });
    assert.equal(stubDecisions.calls.at(-1)!.decisionId, 'fee');
    assert.equal(stubDecisions.calls.at(-1)!.context['pages'], 4);
    const events = await h.engine.getEvents(id);
    const evaluated = events.find((e) => e.type === 'decision.evaluated');
    assert.ok(evaluated);
    assert.equal(evaluated.data['decisionId'], 'fee');
    assert.deepEqual(evaluated.data['explanation'], { matchedRules: ['r1'] });
    assertInOrder(await traceOf(h, id), ['element.activated:decide', 'decision.evaluated:decide', 'element.completed:decide', 'process.completed']);
  });

  it('a business-rule task whose decision is not deployed raises an incident, never passes silently; deploying it and resolving completes', async () => {
    await deploy(h, bpmn('brt_missing', `<startEvent id="s"/><businessRuleTask id="decide"><extensionElements><zeebe:calledDecision decisionId="permitFee" resultVariable="fee"/></extensionElements></businessRuleTask><endEvent id="e"/>`, 's -> decide; decide -> e'));
    const { id } = await h.engine.startInstance('brt_missing', { variables: { pages: 1 } });
    const view = await instance(h, id);
    assert.equal(view.state, 'active');
    assert.deepEqual(view.activeElements.map((a) => [a.elementId, a.waitingFor]), [['decide', 'incident']]);
    assert.equal(view.variables['fee'], undefined);
    const incidents = await h.engine.listIncidents({ instanceId: id });
    assert.equal(incidents.length, 1);
    assert.equal(incidents[0]!.kind, 'decision');
    assert.match(incidents[0]!.message, /permitFee/);
    assertInOrder(await traceOf(h, id), ['element.activated:decide', 'incident.raised:decide']);
    await h.engine.deploy([{ name: 'permitFee.dmn', content: dmn('permitFee') }]);
    await h.engine.resolveIncident(incidents[0]!.id);
    assert.deepEqual((await assertCompleted(h, id)).variables['fee'], { amount: 10 });
    assertInOrder(await traceOf(h, id), ['incident.raised:decide', 'incident.resolved:decide', 'decision.evaluated:decide', 'element.completed:decide', 'process.completed']);
  });

  it('a failed job is retried while retries remain, then raises an incident; resolving it lets a worker finish the job', async () => {
    await deploy(h, bpmn('retry', `<startEvent id="s"/><serviceTask id="charge"><extensionElements><zeebe:taskDefinition type="pay.charge" retries="2"/></extensionElements></serviceTask><endEvent id="e"/>`, 's -> charge; charge -> e'));
    const { id } = await h.engine.startInstance('retry');
    const first = await oneJob(h, 'pay.charge');
    assert.equal(first.retries, 2);
    assert.deepEqual(await h.engine.failJob(first.id, { worker: 'w', errorMessage: 'gateway timeout', backoffMs: 30_000 }), { retries: 1, incident: false });
    assert.equal((await h.engine.activateJobs({ type: 'pay.charge', worker: 'w' })).length, 0, 'not before the backoff');
    h.clock.advance(30_000);
    const second = await oneJob(h, 'pay.charge');
    assert.equal(second.id, first.id);
    assert.equal(second.idempotencyKey, first.idempotencyKey);
    assert.deepEqual(await h.engine.failJob(second.id, { worker: 'w', errorMessage: 'card declined' }), { retries: 0, incident: true });
    assert.equal((await h.engine.activateJobs({ type: 'pay.charge', worker: 'w' })).length, 0, 'no retries left');
    const [incident] = await h.engine.listIncidents({ instanceId: id });
    assert.ok(incident);
    assert.equal(incident.kind, 'job-failed');
    assert.equal(incident.jobId, first.id);
    assert.equal(incident.message, 'card declined');
    assert.equal((await instance(h, id)).state, 'active');
    await h.engine.resolveIncident(incident.id, { retries: 1 });
    assert.equal((await h.engine.listIncidents({ instanceId: id })).length, 0);
    assert.equal((await rejection(() => h.engine.resolveIncident(incident.id))).code, 'GOVFLOW_ERR_CONFLICT');
    const third = await oneJob(h, 'pay.charge');
    await h.engine.completeJob(third.id, { worker: 'w', variables: { charged: true } });
    await assertCompleted(h, id);
    const log = await traceOf(h, id);
    assertInOrder(log, ['job.created:charge', 'job.failed:charge', 'job.failed:charge', 'incident.raised:charge', 'incident.resolved:charge', 'job.completed:charge', 'element.completed:charge', 'process.completed']);
    assert.equal(count(log, 'job.created:charge'), 1);
  });

  it('cancelling an instance whose job ran out of retries resolves the job\'s incident (Zeebe resolves the incidents of what it terminates)', async () => {
    await deploy(h, bpmn('retryCancel', `<startEvent id="s"/><serviceTask id="charge"><extensionElements><zeebe:taskDefinition type="pay.cancelled" retries="1"/></extensionElements></serviceTask><endEvent id="e"/>`, 's -> charge; charge -> e'));
    const { id } = await h.engine.startInstance('retryCancel');
    assert.deepEqual(await h.engine.failJob((await oneJob(h, 'pay.cancelled')).id, { worker: 'w', errorMessage: 'card declined' }), { retries: 0, incident: true });
    const [incident] = await h.engine.listIncidents({ instanceId: id });
    assert.equal(incident?.kind, 'job-failed');
    await h.engine.cancelInstance(id);
    assert.equal((await instance(h, id)).state, 'terminated');
    assert.deepEqual(await h.engine.listIncidents({ instanceId: id }), []);
    assert.deepEqual((await h.engine.listIncidents({ instanceId: id, state: 'resolved' })).map((i) => i.id), [incident.id]);
  });

  it('a job whose lock expired is handed to another worker, and the first worker can no longer complete it', async () => {
    await deploy(h, bpmn('lock', `<startEvent id="s"/>${job('slow', 'lock.slow')}<endEvent id="e"/>`, 's -> slow; slow -> e'));
    const { id } = await h.engine.startInstance('lock');
    const [a] = await h.engine.activateJobs({ type: 'lock.slow', worker: 'w1', lockMs: 1000 });
    h.clock.advance(1001);
    const [b] = await h.engine.activateJobs({ type: 'lock.slow', worker: 'w2' });
    assert.equal(b!.id, a!.id);
    assert.equal((await rejection(() => h.engine.completeJob(a!.id, { worker: 'w1' }))).code, 'GOVFLOW_ERR_JOB_NOT_LOCKED');
    await h.engine.completeJob(b!.id, { worker: 'w2' });
    await assertCompleted(h, id);
  });

  it('two people completing the same task at once: one succeeds, the other gets a 409 conflict', async () => {
    await deploy(h, bpmn('race', `<startEvent id="s"/>${userTask('decide')}${job('next', 'race.next')}<endEvent id="e"/>`, 's -> decide; decide -> next; next -> e'));
    const { id } = await h.engine.startInstance('race');
    const [task] = await tasksOf(h, id);
    const results = await Promise.allSettled([
      h.engine.completeTask(task!.id, { actor: 'ann', variables: { by: 'ann' } }),
      h.engine.completeTask(task!.id, { actor: 'bob', variables: { by: 'bob' } }),
    ]);
    const ok = results.filter((r) => r.status === 'fulfilled');
    const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    assert.equal(ok.length, 1);
    assert.equal(failed.length, 1);
    assert.equal(failed[0]!.reason.code, 'GOVFLOW_ERR_TASK_ALREADY_COMPLETED');
    assert.equal(failed[0]!.reason.status, 409);
    const log = await traceOf(h, id);
    assert.equal(count(log, 'task.completed:decide'), 1);
    assert.equal(count(log, 'job.created:next'), 1);
    assert.equal(await rowCount(h, "select 1 from job where instance_id = $1 and type = 'race.next'", [id]), 1);
    assert.deepEqual(await activeElements(h, id), ['next']);
    await h.engine.cancelInstance(id);
  });
});
