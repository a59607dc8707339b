// The building permit process on the engine: parallel reviews, the more-information loop, the DMN fee, payment,
// approval and refusal by a planning manager, the signed decision, and the 60-day SLA escalation (manual clock).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeEachBackend } from '../support/databases.js';
import { completeJob, DAY, issueDecision, openTask, openTaskIds, useService, variablesOf, type ServiceHarness } from './support.js';

const answers = { applicantName: 'Alex Demo', email: 'alex@example.org', siteAddress: '12 Harbour Street', workType: 'extension', floorArea: 120, workDescription: 'A two-room extension at the back', plannedStart: '2026-06-01', features: [] as string[], declaration: true };

async function submit(h: ServiceHarness, reference: string, extra: Record<string, unknown> = {}): Promise<number> {
  const { id } = await h.engine.startInstance('building-permit', { businessKey: reference, variables: { ...answers, ...extra, applicationId: reference, serviceId: 'building-permit' }, actor: 'citizen:alex' });
  return id;
}

async function reviewAndPay(h: ServiceHarness, id: number, reference: string): Promise<void> {
  await h.engine.completeTask((await openTask(h, id, 'check-completeness')).id, { variables: { complete: true }, actor: 'staff:pat' });
  // The three reviews are open at the same time, each for its own department.
  assert.deepEqual(await openTaskIds(h, id), ['fire-safety-review', 'structural-review', 'zoning-review']);
  const groups = Object.fromEntries((await h.engine.listTasks({ instanceId: id, state: 'created' })).map((t) => [t.elementId, t.candidateGroups]));
  assert.deepEqual(groups, { 'zoning-review': ['planning'], 'structural-review': ['building-control'], 'fire-safety-review': ['fire-safety'] });
  for (const [element, who] of [['structural-review', 'bob'], ['zoning-review', 'pat'], ['fire-safety-review', 'fay']] as const) {
    await h.engine.completeTask((await openTask(h, id, element)).id, { variables: { [`${element}Notes`]: 'ok' }, actor: `staff:${who}` });
  }
  const waiting = (await h.engine.getInstance(id)).activeElements.map((e) => e.elementId);
  assert.ok(waiting.includes('payment-received'), `waits for the payment, at ${waiting.join(', ')}`);
  await h.engine.publishMessage({ name: 'payment-received', correlationKey: reference, messageId: `pay-${reference}`, variables: { paymentId: `pay-${reference}` } });
}

describeEachBackend('building permit process', (backend) => {
  const h = useService(backend, 'building-permit');

  it('more information once, three parallel reviews, fee from the DMN table, payment, approval, signed decision', async () => {
    const ref = 'BP-2026-000001';
    const id = await submit(h, ref);
    const check = await openTask(h, id, 'check-completeness');
    assert.deepEqual(check.candidateGroups, ['intake']);
    assert.equal(check.dueAt && new Date(check.dueAt).toISOString(), new Date(Date.parse('2026-03-02T09:00:00Z') + 3 * DAY).toISOString(), 'due in 3 days (zeebe:taskSchedule)');
    await h.engine.completeTask(check.id, { variables: { complete: false, informationRequested: 'Please send the site plan.' }, actor: 'staff:pat' });
    const request = await completeJob(h, id, 'notify-applicant');
    assert.equal(request.headers['template'], 'information-requested');
    assert.equal(request.variables['informationRequested'], 'Please send the site plan.');
    // The portal's informationRequest contract: the case waits at information-received for the reference.
    assert.ok((await h.engine.getInstance(id)).activeElements.some((e) => e.elementId === 'information-received'));
    const answer = await h.engine.publishMessage({ name: 'information-received', correlationKey: ref, messageId: 'answer-1', variables: { informationResponse: 'Attached.' } });
    assert.deepEqual(answer.correlatedInstances, [id]);
    await reviewAndPay(h, id, ref);
    // 120 m², not open to the public: the residential tariff for 100–500 m² is 600.
    assert.equal((await variablesOf(h, id))['fee'], 600);
    const decide = await openTask(h, id, 'decide');
    assert.deepEqual(decide.candidateGroups, ['planning/manager']);
    await h.engine.completeTask(decide.id, { variables: { decision: 'approved', decisionReasons: 'The plans meet the zoning plan.' }, actor: 'staff:mia' });
    const issued = await completeJob(h, id, 'issue-decision', issueDecision('permit'));
    assert.equal(issued.variables['reference'], ref);
    const told = await completeJob(h, id, 'notify-applicant');
    assert.equal(told.headers['template'], 'decision-made');
    const done = await h.engine.getInstance(id);
    assert.equal(done.state, 'completed');
    assert.equal(done.variables['decisionCode'], `DC-${id}`);
    const ends = (await h.engine.getEvents(id)).filter((e) => e.type === 'element.completed').map((e) => e.elementId);
    assert.ok(ends.includes('permit-granted') && !ends.includes('permit-refused'));
  });

  it('refusal: the reasons reach the decision and the case ends as refused', async () => {
    const ref = 'BP-2026-000002';
    const id = await submit(h, ref, { floorArea: 650, features: ['public-access'] });
    await reviewAndPay(h, id, ref);
    // Over 500 m² with rooms open to the public: 1,800.
    assert.equal((await variablesOf(h, id))['fee'], 1800);
    await h.engine.completeTask((await openTask(h, id, 'decide')).id, { variables: { decision: 'refused', decisionReasons: 'The building is too tall for the zone.' }, actor: 'staff:mia' });
    const issued = await completeJob(h, id, 'issue-decision', issueDecision('permit'));
    assert.equal(issued.variables['decision'], 'refused');
    assert.equal(issued.variables['decisionReasons'], 'The building is too tall for the zone.');
    await completeJob(h, id, 'notify-applicant');
    const ends = (await h.engine.getEvents(id)).filter((e) => e.type === 'element.completed').map((e) => e.elementId);
    assert.ok(ends.includes('permit-refused') && !ends.includes('permit-granted'));
  });

  it('a payment message sent twice with the same id moves the case once', async () => {
    const ref = 'BP-2026-000003';
    const id = await submit(h, ref);
    await reviewAndPay(h, id, ref);
    const again = await h.engine.publishMessage({ name: 'payment-received', correlationKey: ref, messageId: `pay-${ref}` });
    assert.deepEqual(again.correlatedInstances, []);
    assert.deepEqual(await openTaskIds(h, id), ['decide']);
    await h.engine.cancelInstance(id);
  });

  it('after 60 days without a decision a planning manager gets an escalation and the case carries on', async () => {
    const ref = 'BP-2026-000004';
    const id = await submit(h, ref);
    h.clock.advance(59 * DAY);
    await h.engine.runDueTimers();
    assert.deepEqual(await openTaskIds(h, id), ['check-completeness'], 'no escalation before 60 days');
    h.clock.advance(1 * DAY + 1000);
    await h.engine.runDueTimers();
    assert.deepEqual(await openTaskIds(h, id), ['check-completeness', 'escalate']);
    assert.deepEqual((await openTask(h, id, 'escalate')).candidateGroups, ['planning/manager']);
    await h.engine.cancelInstance(id);
  });
});
