// The one SLA clock in production (issue 20, acceptance 2): a real housing-benefit case on the real engine (manual
// clock), paused and resumed at random by information requests; after each step the three production readers of
// its deadline agree: the clerk's countdown (the workbench's serviceCaseSla over the case's events), the SLA
// escalation (the process's `case-overdue` boundary timer, moved by the escalation projector) and the transparency
// dashboard's deadline (its projector, as the composition root configures it). Then the escalation fires exactly
// at the countdown's deadline, not a second before. PGlite only: the SQL is the projectors' plain updates.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { loadCatalogue, serviceCaseSla, type Catalogue, type Service } from '../../src/catalogue/index.js';
import { publishedServices } from '../../src/cli/index.js';
import { createEngine, createManualClock, type Engine, type ManualClock } from '../../src/engine/index.js';
import { projectPending, type Database } from '../../src/store/index.js';
import { createTransparencyProjector } from '../../src/transparency/index.js';
import { createSlaEscalationProjector, PAUSED_UNTIL } from '../../src/workbench/index.js';
import { freshDatabase } from '../support/databases.js';

const HOUR = 3_600_000;

describe('the SLA clock in production: countdown, escalation timer and dashboard', () => {
  let db: Database;
  let engine: Engine;
  let clock: ManualClock;
  let catalogue: Catalogue;
  let service: Service;
  let cases = 0;

  before(async () => {
    db = await freshDatabase('pglite');
    clock = createManualClock('2026-03-02T08:00:00Z');
    engine = createEngine(db, { clock });
    catalogue = await loadCatalogue('services');
    service = catalogue.get('housing-benefit')!;
    await engine.deploy([{ name: path.basename(service.process.bpmnFile!), content: service.process.bpmn! }, ...service.decisions.map((d) => ({ name: path.basename(d.file), content: d.xml }))]);
  });
  after(async () => db.close());

  const drain = async (): Promise<void> => {
    for (let busy = true; busy;) {
      busy = false;
      for (const [type, variables] of [['registry-lookup', { person: { nationalId: '19920718-3003', name: 'Kim Sample', address: 'Flat 2', householdMembers: [] } }], ['notify-applicant', {}]] as const) {
        for (const job of await engine.activateJobs({ type, worker: 'test', maxJobs: 10, lockMs: 60_000 })) {
          await engine.completeJob(job.id, { worker: 'test', variables });
          busy = true;
        }
      }
    }
    await projectPending(db, createSlaEscalationProjector(() => catalogue));
    await projectPending(db, createTransparencyProjector(publishedServices(catalogue)));
  };

  /** The three readings of one case now. */
  async function readings(id: number) {
    const instance = await engine.getInstance(id);
    const countdown = serviceCaseSla(service, instance.startedAt, await engine.getEvents(id), clock.now(), instance.endedAt)!;
    const timer = await db.query<{ due_at: Date }>("select due_at from job where instance_id = $1 and element_id = 'case-overdue' and kind = 'timer' and state = 'ready'", [id]);
    const dashboard = await db.query<{ sla_due_at: Date | null }>('select sla_due_at from transparency_case where instance_id = $1', [id]);
    return { countdown, escalation: timer.rows[0] ? new Date(timer.rows[0].due_at).toISOString() : null, dashboard: dashboard.rows[0]?.sla_due_at ? new Date(dashboard.rows[0].sla_due_at).toISOString() : null };
  }

  it('agree after every pause and resume, and the escalation fires at the countdown\'s deadline', async () => {
    await fc.assert(fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 150 }), { minLength: 1, maxLength: 5 }), async (gaps) => {
      const ref = `HB-2026-${String(++cases).padStart(6, '0')}`;
      // The edge case (rent close to the threshold): a caseworker reviews it, and may ask the applicant.
      const { id } = await engine.startInstance('housing-benefit', { businessKey: ref, variables: { applicantName: 'Kim Sample', nationalId: '19920718-3003', applicationId: ref, serviceId: 'housing-benefit', monthlyIncome: 1000, monthlyRent: 270 } });
      await drain();
      for (const hours of gaps) {
        clock.advance(hours * HOUR);
        const [review] = (await engine.listTasks({ instanceId: id, state: 'created' })).filter((t) => t.elementId === 'caseworker-review');
        if (review) await engine.completeTask(review.id, { variables: { decision: 'information', informationRequested: 'Your tenancy agreement' }, actor: 'staff:lin' });
        else await engine.publishMessage({ name: 'information-received', correlationKey: ref, variables: {} });
        await drain();
        const { countdown, escalation, dashboard } = await readings(id);
        if (countdown.paused) {
          assert.equal(escalation, PAUSED_UNTIL, 'no escalation can fire while the case waits for the applicant');
        } else {
          assert.equal(escalation, countdown.dueAt, 'the escalation timer is the countdown\'s deadline');
          assert.equal(dashboard, countdown.dueAt, 'the dashboard\'s deadline is the countdown\'s');
        }
      }
      // Resume if paused, then walk the clock to the deadline: nothing escalates a second early, then it does.
      if ((await readings(id)).countdown.paused) {
        await engine.publishMessage({ name: 'information-received', correlationKey: ref, variables: {} });
        await drain();
      }
      const { countdown, dashboard } = await readings(id);
      assert.equal(dashboard, countdown.dueAt);
      const escalations = async (): Promise<number> => (await engine.listTasks({ instanceId: id, state: 'created' })).filter((t) => t.elementId === 'escalate').length;
      clock.set(new Date(Date.parse(countdown.dueAt) - 1000));
      await engine.runDueTimers();
      assert.equal(await escalations(), 0, 'not before the deadline');
      clock.set(new Date(Date.parse(countdown.dueAt)));
      await engine.runDueTimers();
      assert.equal(await escalations(), 1, 'at the deadline a manager gets the escalation');
      await engine.cancelInstance(id, { reason: 'test done' });
    }), { numRuns: 5, examples: [[[1, 1]]] });
  });
});
