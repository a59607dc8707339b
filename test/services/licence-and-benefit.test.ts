// Business licence renewal and housing benefit on the engine: the DMN auto-approve vs clerk review, the
// eligibility branches, the payment schedule (the real record-payment-schedule job) and the SLA escalations.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { JobBpmnError, startWorkerLoop } from '../../src/engine/index.js';
import { createRecordPaymentScheduleHandler } from '../../src/payments/index.js';
import { describeEachBackend } from '../support/databases.js';
import { completeJob, DAY, issueDecision, openTask, openTaskIds, useService, variablesOf, type ServiceHarness } from './support.js';

async function finish(h: ServiceHarness, id: number, type: 'licence' | 'benefit') {
  const issued = await completeJob(h, id, 'issue-decision', issueDecision(type));
  assert.equal((await completeJob(h, id, 'notify-applicant')).headers['template'], 'decision-made');
  const done = await h.engine.getInstance(id);
  assert.equal(done.state, 'completed');
  return { issued, ends: (await h.engine.getEvents(id)).filter((e) => e.type === 'element.completed').map((e) => e.elementId) };
}

describeEachBackend('business licence renewal process', (backend) => {
  const h = useService(backend, 'business-licence-renewal');
  const start = async (ref: string, business: Record<string, unknown>) => {
    const { id } = await h.engine.startInstance('business-licence-renewal', { businessKey: ref, variables: { applicantName: 'Sam Example', businessCode: 'BR-100200', applicationId: ref, serviceId: 'business-licence-renewal' } });
    const lookup = await completeJob(h, id, 'registry-lookup', () => ({ business }));
    assert.deepEqual(lookup.headers, { registry: 'business', purpose: 'licence renewal' });
    assert.equal(lookup.variables['businessCode'], 'BR-100200');
    return id;
  };

  it('no violations: renewed by the DMN rule, no clerk task', async () => {
    const id = await start('BL-2026-000001', { name: 'Example Bakery', address: '1 Mill Lane', status: 'active', licenceViolations: [] });
    assert.deepEqual(await openTaskIds(h, id), []);
    assert.equal((await variablesOf(h, id))['route'], 'auto-approve');
    const { issued, ends } = await finish(h, id, 'licence');
    assert.equal(issued.variables['decision'], 'approved');
    assert.ok(ends.includes('licence-renewed'));
  });

  it('violations: a licensing clerk reviews and refuses with reasons', async () => {
    const id = await start('BL-2026-000002', { name: 'Example Bakery', address: '1 Mill Lane', status: 'active', licenceViolations: [{ date: '2025-11-02', description: 'hygiene inspection failed' }] });
    const review = await openTask(h, id, 'clerk-review');
    assert.deepEqual(review.candidateGroups, ['licensing']);
    await h.engine.completeTask(review.id, { variables: { decision: 'refused', decisionReasons: 'The hygiene violation is not resolved.' }, actor: 'staff:lin' });
    const { issued, ends } = await finish(h, id, 'licence');
    assert.equal(issued.variables['decisionReasons'], 'The hygiene violation is not resolved.');
    assert.ok(ends.includes('renewal-refused'));
  });

  it('not a representative: the registry look-up\'s BPMN error refuses the renewal with a letter saying why, no clerk task', async () => {
    const ref = 'BL-2026-000009';
    const { id } = await h.engine.startInstance('business-licence-renewal', { businessKey: ref, variables: { applicantName: 'Kim Sample', businessCode: 'BR-100200', applicationId: ref, serviceId: 'business-licence-renewal' } });
    // The worker loop as the server runs it, with a look-up that finds the applicant is not a representative.
    const worker = startWorkerLoop(h.engine, { timers: false, handlers: {
      'registry-lookup': () => { throw new JobBpmnError('GOVFLOW_ERR_NOT_REPRESENTATIVE', 'not-representative', 'the business registry does not list the applicant as representing BR-100200'); },
    } });
    try {
      await worker.poll();
    } finally {
      await worker.stop();
    }
    assert.deepEqual(await openTaskIds(h, id), [], 'no clerk review');
    assert.equal((await h.engine.listIncidents({ instanceId: id })).length, 0, 'a modelled outcome, not an incident');
    const { issued, ends } = await finish(h, id, 'licence');
    assert.equal(issued.variables['decision'], 'refused');
    assert.match(String(issued.variables['decisionReasons']), /does not list you as a representative of the business BR-100200/);
    assert.ok(ends.includes('refuse-not-representative') && ends.includes('renewal-refused'));
    assert.equal((await variablesOf(h, id))['business'], undefined, 'nothing about the business was fetched or kept');
    assert.equal((await variablesOf(h, id))['route'], 'not-representative', 'the letter names the automatic decision by this route');
  });

  it('the clerk asks for more information; the answer brings the renewal back to review, then it is renewed', async () => {
    const ref = 'BL-2026-000009';
    const id = await start(ref, { name: 'Example Bakery', address: '1 Mill Lane', status: 'active', licenceViolations: [{ date: '2025-11-02', description: 'fire exit blocked' }] });
    const review = await openTask(h, id, 'clerk-review');
    await h.engine.completeTask(review.id, { variables: { decision: 'information', informationRequested: 'Send the fire inspection report for 2026.' }, actor: 'staff:lin' });
    const request = await completeJob(h, id, 'notify-applicant');
    assert.equal(request.elementId, 'request-information');
    assert.equal(request.variables['informationRequest'], 'Send the fire inspection report for 2026.');
    assert.deepEqual(await openTaskIds(h, id), []);
    await h.engine.publishMessage({ name: 'information-received', correlationKey: ref, variables: { informationResponse: 'The report is attached.' } });
    const again = await openTask(h, id, 'clerk-review');
    await h.engine.completeTask(again.id, { variables: { decision: 'approved', decisionReasons: 'The inspection report shows the violations were fixed.' }, actor: 'staff:lin' });
    const { issued } = await finish(h, id, 'licence');
    assert.equal(issued.variables['decision'], 'approved');
  });

  it('a business that is not active goes to review even without violations; after 5 days a manager is alerted', async () => {
    const id = await start('BL-2026-000003', { name: 'Closed Shop', address: '2 Mill Lane', status: 'dissolved', licenceViolations: [] });
    assert.deepEqual(await openTaskIds(h, id), ['clerk-review']);
    h.clock.advance(5 * DAY + 1000);
    await h.engine.runDueTimers();
    assert.deepEqual(await openTaskIds(h, id), ['clerk-review', 'escalate']);
    assert.deepEqual((await openTask(h, id, 'escalate')).candidateGroups, ['licensing/manager']);
    await h.engine.cancelInstance(id);
  });
});

describeEachBackend('housing benefit process', (backend) => {
  const h = useService(backend, 'housing-benefit');
  const schedule = () => createRecordPaymentScheduleHandler({ db: h.db, now: () => h.clock.now() });
  const start = async (ref: string, income: number, rent: number, members: number) => {
    const { id } = await h.engine.startInstance('housing-benefit', { businessKey: ref, variables: { applicantName: 'Kim Sample', nationalId: '19920718-3003', monthlyIncome: income, monthlyRent: rent, applicationId: ref, serviceId: 'housing-benefit' } });
    const householdMembers = Array.from({ length: members }, (_, i) => ({ nationalId: `2000010${i}-0000`, name: `Member ${i}`, relation: 'child' }));
    const lookup = await completeJob(h, id, 'registry-lookup', () => ({ person: { nationalId: '19920718-3003', name: 'Kim Sample', address: 'Flat 2', householdMembers } }));
    assert.deepEqual(lookup.headers, { registry: 'population', purpose: 'housing benefit claim' });
    return id;
  };
  /** Runs the real record-payment-schedule handler on the job, as the worker loop does in production. */
  const recordSchedule = async (id: number) => {
    let out: Awaited<ReturnType<ReturnType<typeof schedule>>> | undefined;
    await completeJob(h, id, 'record-payment-schedule', async (job) => (out = await schedule()(job)));
    return out!;
  };

  it('eligible: awarded automatically with 12 monthly payments of rent − 25 % of income', async () => {
    // Income 1,000 for 2 people → equivalised 666.67 (< 1,200); rent share 400/1,000 = 0.40 (≥ 0.30): eligible.
    const id = await start('HB-2026-000001', 1000, 400, 1);
    const v = await variablesOf(h, id);
    assert.equal(v['householdSize'], 2);
    assert.deepEqual(v['eligibility'], { eligibility: 'eligible', reason: 'Your rent is at least 30% of your income.' });
    assert.equal(v['monthlyAmount'], 150); // 400 − 0.25 × 1,000
    const out = await recordSchedule(id);
    assert.equal(out.paymentSchedule.length, 12);
    assert.deepEqual(out.paymentSchedule[0], { instalment: 1, dueOn: '2026-04-01', amount: 150, currency: 'EUR' });
    assert.equal(out.paymentSchedule[11]!.dueOn, '2027-03-01');
    const rows = await h.db.query<{ n: string | number }>('select count(*) as n from payment_schedule where instance_id = $1', [id]);
    assert.equal(Number(rows.rows[0]!.n), 12);
    // A retried job records nothing twice.
    await schedule()({ instanceId: id, headers: { months: '12' }, variables: { monthlyAmount: 150, applicationId: 'HB-2026-000001' } });
    assert.equal(Number((await h.db.query<{ n: string | number }>('select count(*) as n from payment_schedule where instance_id = $1', [id])).rows[0]!.n), 12);
    const { issued, ends } = await finish(h, id, 'benefit');
    assert.equal(issued.variables['decision'], 'approved');
    assert.ok(ends.includes('benefit-awarded'));
  });

  it('not eligible: refused automatically, no schedule', async () => {
    // Income 3,000 alone → above 1,500.
    const id = await start('HB-2026-000002', 3000, 900, 0);
    assert.equal(((await variablesOf(h, id))['eligibility'] as Record<string, unknown>)['eligibility'], 'not-eligible');
    const { issued, ends } = await finish(h, id, 'benefit');
    assert.equal(issued.variables['decision'], 'refused');
    assert.equal(issued.variables['decisionReasons'], 'Your household income is above the limit.');
    assert.ok(ends.includes('claim-refused'));
    assert.equal(Number((await h.db.query<{ n: string | number }>('select count(*) as n from payment_schedule where instance_id = $1', [id])).rows[0]!.n), 0);
  });

  it('edge case: a benefits caseworker decides; an award gets its schedule', async () => {
    // Income 1,000 alone, rent 270: share 0.27 is in [0.25, 0.30): edge case.
    const id = await start('HB-2026-000003', 1000, 270, 0);
    const review = await openTask(h, id, 'caseworker-review');
    assert.deepEqual(review.candidateGroups, ['benefits']);
    await h.engine.completeTask(review.id, { variables: { decision: 'approved', decisionReasons: 'Service charges bring the rent above 30%.' }, actor: 'staff:ben' });
    const out = await recordSchedule(id);
    assert.equal(out.paymentSchedule[0]!.amount, 20); // 270 − 0.25 × 1,000
    const { ends } = await finish(h, id, 'benefit');
    assert.ok(ends.includes('benefit-awarded'));
  });

  it('edge case: the caseworker asks for more information; the answer brings the claim back to review', async () => {
    const ref = 'HB-2026-000005';
    const id = await start(ref, 1000, 270, 0);
    const review = await openTask(h, id, 'caseworker-review');
    await h.engine.completeTask(review.id, { variables: { decision: 'information', informationRequested: 'Send your tenancy agreement showing the service charges.' }, actor: 'staff:ben' });
    const request = await completeJob(h, id, 'notify-applicant');
    assert.equal(request.elementId, 'request-information');
    assert.deepEqual(request.headers, { template: 'information-requested' });
    assert.equal(request.variables['informationRequest'], 'Send your tenancy agreement showing the service charges.');
    assert.deepEqual(await openTaskIds(h, id), [], 'no task while the applicant is asked');
    const waiting = await h.engine.getInstance(id);
    assert.deepEqual(waiting?.activeElements.map((e) => e.elementId).filter((e) => e !== 'handle-claim'), ['information-received']);

    // The portal publishes the answer as the message the claim waits for, correlated by the reference.
    await h.engine.publishMessage({ name: 'information-received', correlationKey: ref, variables: { informationResponse: 'Attached: the agreement; service charges are 40 a month.' } });
    const again = await openTask(h, id, 'caseworker-review');
    assert.equal((await variablesOf(h, id))['informationResponse'], 'Attached: the agreement; service charges are 40 a month.');
    await h.engine.completeTask(again.id, { variables: { decision: 'refused', decisionReasons: 'The service charges are not eligible housing costs.' }, actor: 'staff:ben' });
    const { issued, ends } = await finish(h, id, 'benefit');
    assert.equal(issued.variables['decision'], 'refused');
    assert.ok(ends.includes('claim-refused'));
  });

  it('after 30 days without a decision a benefits manager is alerted', async () => {
    const id = await start('HB-2026-000004', 1300, 500, 0);
    assert.deepEqual(await openTaskIds(h, id), ['caseworker-review']);
    h.clock.advance(30 * DAY + 1000);
    await h.engine.runDueTimers();
    assert.deepEqual(await openTaskIds(h, id), ['caseworker-review', 'escalate']);
    await h.engine.cancelInstance(id);
  });
});
