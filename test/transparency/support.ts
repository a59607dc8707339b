/**
 * Runs the demo services' processes for many cases on a real engine (manual clock), with a deterministic mix of
 * outcomes: automatic approvals and refusals, staff decisions after a varying delay (some past the SLA),
 * withdrawals. The `issue-decision` job runs the real documents handler, so every decision is a signed
 * `decision.issued` event as in production; registry look-ups return the registries' documented answer shapes.
 */
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadService, type Service } from '../../src/catalogue/index.js';
import { createDocuments, createIssueDecisionHandler } from '../../src/documents/index.js';
import { createEngine, createManualClock, type ActivatedJob, type Engine, type ManualClock } from '../../src/engine/index.js';
import { createPayments, createRecordPaymentScheduleHandler, createTestPaymentProvider, settleTestPaymentSession } from '../../src/payments/index.js';
import type { Database } from '../../src/store/index.js';
import type { PublishedService } from '../../src/transparency/index.js';

export const SERVICES_DIR = path.resolve(import.meta.dirname, '..', '..', 'services');
export const DAY = 86_400_000;
export const DRIVEN_SERVICES = ['business-licence-renewal', 'housing-benefit'] as const;

export function publishedOf(services: readonly Service[]): PublishedService[] {
  return services.map((s) => ({
    id: s.id, title: s.title, processKey: s.process.key, department: s.department, ...(s.sla?.case ? { sla: s.sla.case } : {}),
    translations: Object.fromEntries(Object.entries(s.translations ?? {}).map(([language, said]) => [language, { title: said['title'], department: said['department'] }])),
  }));
}

type Plan = { service: string; kind: 'auto' | 'staff' | 'withdraw'; decision?: 'approved' | 'refused'; afterDays: number; startedDay: number; taskElement?: string };

export interface DrivenRun {
  engine: Engine;
  clock: ManualClock;
  services: Service[];
  cases: number;
}

/** Deploys the services and runs `days` days with `perDay` new cases a day (a linear congruential generator picks the mix). */
export async function driveServices(db: Database, options: { days: number; perDay: number; seed?: number }): Promise<DrivenRun> {
  const clock = createManualClock('2026-01-05T08:00:00Z');
  const engine = createEngine(db, { clock });
  const services: Service[] = [];
  for (const id of DRIVEN_SERVICES) {
    const service = await loadService(path.join(SERVICES_DIR, id, 'service.json'));
    services.push(service);
    const resources = [{ name: path.basename(service.process.bpmnFile!), content: service.process.bpmn! }];
    for (const d of service.decisions) resources.push({ name: path.basename(d.file), content: d.xml });
    await engine.deploy(resources);
  }
  const documents = createDocuments({ db, engine, masterKey: randomBytes(32).toString('base64url'), publicUrl: 'http://127.0.0.1', issuer: { agency: 'demo-municipality', name: 'Demo Municipality' } });
  const issue = createIssueDecisionHandler(documents);
  const schedule = createRecordPaymentScheduleHandler({ db, now: () => clock.now() });
  const plans = new Map<number, Plan>();
  let seed = options.seed ?? 17;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return Math.floor(seed / 65536) % n;
  };
  const handlers: Record<string, (job: ActivatedJob) => Promise<Record<string, unknown> | void>> = {
    'registry-lookup': async (job) => {
      const plan = plans.get(job.instanceId)!;
      if (plan.service === 'business-licence-renewal') {
        const clean = plan.kind === 'auto';
        return { business: { name: 'Example Bakery', address: '1 Mill Lane', status: 'active', licenceViolations: clean ? [] : [{ date: '2025-11-02', description: 'hygiene inspection failed' }] } };
      }
      return { person: { nationalId: '19920718-3003', name: 'Kim Sample', address: 'Flat 2', householdMembers: [] } };
    },
    'issue-decision': issue,
    'notify-applicant': async () => ({}),
    'record-payment-schedule': schedule,
  };
  const drain = async (): Promise<void> => {
    for (let busy = true; busy;) {
      busy = false;
      for (const [type, handler] of Object.entries(handlers)) {
        for (const job of await engine.activateJobs({ type, worker: 'test', maxJobs: 100, lockMs: 60_000 })) {
          await engine.completeJob(job.id, { worker: 'test', variables: (await handler(job)) ?? {} });
          busy = true;
        }
      }
    }
  };
  let cases = 0;
  for (let day = 0; day < options.days; day++) {
    for (let k = 0; k < options.perDay; k++) {
      const service = DRIVEN_SERVICES[next(2)]!;
      const roll = next(10);
      const kind: Plan['kind'] = roll < 4 ? 'auto' : roll < 9 ? 'staff' : 'withdraw';
      const decision = next(3) === 0 ? 'refused' : 'approved';
      // Staff take 0 to 9 days: the licence SLA is 5 days, so some breach it.
      const plan: Plan = { service, kind, decision, afterDays: next(10), startedDay: day };
      const ref = `${service === 'housing-benefit' ? 'HB' : 'BL'}-2026-${String(++cases).padStart(6, '0')}`;
      const variables: Record<string, unknown> = service === 'housing-benefit'
        // auto: eligible (approved) or income above the limit (refused); otherwise the edge case a caseworker decides.
        ? { applicantName: 'Kim Sample', nationalId: '19920718-3003', applicationId: ref, serviceId: service, ...(kind === 'auto' ? (decision === 'approved' ? { monthlyIncome: 1000, monthlyRent: 400 } : { monthlyIncome: 3000, monthlyRent: 900 }) : { monthlyIncome: 1000, monthlyRent: 270 }) }
        : { applicantName: 'Sam Example', businessCode: 'BR-100200', applicationId: ref, serviceId: service };
      const { id } = await engine.startInstance(service, { businessKey: ref, variables });
      plans.set(id, { ...plan, taskElement: service === 'housing-benefit' ? 'caseworker-review' : 'clerk-review' });
      clock.advance(DAY / (options.perDay + 1));
    }
    await drain();
    for (const [id, plan] of plans) {
      if (plan.kind === 'auto' || plan.startedDay + plan.afterDays > day) continue;
      const tasks = (await engine.listTasks({ instanceId: id, state: 'created' })).filter((t) => t.elementId === plan.taskElement);
      if (tasks.length === 0) continue;
      if (plan.kind === 'withdraw') await engine.cancelInstance(id, { reason: 'withdrawn by the applicant' });
      else await engine.completeTask(tasks[0]!.id, { variables: { decision: plan.decision, decisionReasons: 'Reviewed by staff.' }, actor: 'staff:lin' });
      plans.set(id, { ...plan, kind: 'auto' });
    }
    await drain();
    clock.set(new Date(Date.parse('2026-01-05T08:00:00Z') + (day + 1) * DAY));
  }
  return { engine, clock, services, cases };
}

export const SPENDING_HEADER = 'record,id,budget_line,department,description,financial_year,date,amount,currency,supplier,contract_id';
/** A small, correct spending file and contracts file (docs/open-data.md's column schemas). */
export const GOOD_SPENDING = `${SPENDING_HEADER}
budget,ROADS-26,,Public works,Road maintenance,2026,,150000.00,EUR,,
budget,IT-26,,Digital services,"Hosting, licences",2026,,80000,EUR,,
payment,TX-0001,ROADS-26,Public works,Pothole repairs in March,2026,2026-03-14,12500.50,EUR,Roadfix BV,C-2026-001
payment,TX-0002,IT-26,Digital services,Hosting (Q1),2026,2026-03-31,4200.00,EUR,Cloudhost BV,
`;
export const GOOD_CONTRACTS = `contract_id,title,description,department,supplier_name,supplier_id,procurement_method,value,currency,date_signed,period_start,period_end,status
C-2026-001,Road repairs 2026,Pothole and kerb repairs,Public works,Roadfix BV,NL-KVK-12345678,open,98000.00,EUR,2026-02-01,2026-02-15,2026-12-31,active
C-2026-002,Office cleaning,,Digital services,Clean & Co,,direct,4800,EUR,2026-01-10,,,terminated
`;


/** Pays a fee on each case through the real payments module (test provider), and refunds the first; returns the payment ids. */
export async function payFees(db: Database, references: readonly string[], amountMinor: number): Promise<string[]> {
  const payments = createPayments({ db, provider: createTestPaymentProvider({ db }), onPaymentReceived: async () => {} });
  const ids: string[] = [];
  for (const reference of references) {
    const { paymentId, nextUrl } = await payments.start({ reference, amountMinor, currency: 'EUR', description: 'Fee', returnUrl: () => 'http://127.0.0.1/', actor: 'citizen:test' });
    await settleTestPaymentSession(db, nextUrl.split('/').at(-1)!, 'succeeded');
    await payments.confirm(paymentId, 'citizen:test');
    ids.push(paymentId);
  }
  if (ids[0]) await payments.refund(ids[0], 'staff:test');
  return ids;
}
