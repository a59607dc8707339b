import { randomBytes } from 'node:crypto';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Catalogue, Service } from '../catalogue/index.js';
import { createEngine, type ActivatedJob, type Clock, type Engine } from '../engine/index.js';
import type { Membership, StaffPrincipal } from '../identity/index.js';
import { GovflowError, parseIsoDuration, type Logger } from '../kernel/index.js';
import { openDatabase, type Database } from '../store/index.js';
import { createWorkbenchPlugin } from '../workbench/index.js';
import { caseFeedback, readTrainingRules, sessionFeedback, type SessionFeedback, type TrainingRules } from './feedback.js';
import { seededRandom, syntheticAnswers, syntheticApplicant, syntheticRegistryRecord, type Random } from './synthetic.js';

/**
 * One training sandbox: an embedded database of its own (PGlite in memory, thrown away when the session ends) with
 * the same migrations, the service's process and decisions deployed by the real engine, synthetic cases started
 * through the real process, and its own instance of the real workbench plugin on a Fastify app that listens on no
 * socket (the training plugin forwards the trainee's requests to it). Nothing in it holds a handle on the real
 * database, the ledger (no sealer runs over the sandbox's event log), the e-mail outbox or a mail transport: a
 * process step that would send an e-mail, sign a decision or ask a registry is done by the sandbox's own job
 * handlers below, which only move the case on.
 */

export interface SandboxOwner {
  readonly id: string;
  readonly name: string;
  readonly actor: string;
  readonly departments: readonly string[];
}

export interface Sandbox {
  readonly id: string;
  readonly owner: SandboxOwner;
  readonly service: Service;
  readonly startedAt: string;
  readonly engine: Engine;
  readonly app: FastifyInstance;
  /** The trainee as the sandbox's workbench sees them: a caseworker of the departments the service's tasks go to. */
  readonly principal: StaffPrincipal;
  /** Runs the jobs the last action created (registry answers, e-mails not sent, decisions not signed). */
  runJobs(): Promise<void>;
  feedback(): Promise<SessionFeedback>;
  close(): Promise<void>;
}

export interface SandboxOptions {
  readonly catalogue: Catalogue;
  readonly service: Service;
  readonly owner: SandboxOwner;
  readonly logger: Logger;
  /** How many synthetic cases wait for a person when the session opens (default 3). */
  readonly cases?: number;
  readonly seed?: number;
  /** Migrated database images (GOVFLOW_PGLITE_SNAPSHOT_DIR): a sandbox opens in a fraction of the migration time. */
  readonly migratedSnapshotDir?: string;
}

/** A case never starts more often than this while looking for ones that wait for a person (the rules decide the rest). */
const MAX_STARTS = 40;
const WORKER = 'training-sandbox';
/** The job types of the catalogue's processes; each is answered inside the sandbox, none reaches the outside. */
const JOB_TYPES = ['registry-lookup', 'notify-applicant', 'issue-decision', 'record-payment-schedule', 'exchange-call'] as const;

/** A clock that runs with real time, set back while synthetic cases are "received" days ago. */
function shiftableClock(): Clock & { shift(ms: number): void } {
  let offset = 0;
  return { now: () => new Date(Date.now() + offset), shift: (ms) => { offset = ms; } };
}

export async function openSandbox(options: SandboxOptions): Promise<Sandbox> {
  const { catalogue, service, owner, logger } = options;
  const rules = await readTrainingRules(service);
  const db = await openDatabase({ url: 'memory://', ...(options.migratedSnapshotDir ? { migratedSnapshotDir: options.migratedSnapshotDir } : {}) });
  try {
    const clock = shiftableClock();
    const engine = createEngine(db, { clock, logger });
    // The service's process with its decision tables, one deployment as the portal deploys each service (no
    // catalogue process calls another's). The sandbox's workbench is its own plugin instance, so its definition ids
    // never meet another sandbox's in a cache.
    if (!service.process.bpmn) throw new GovflowError('GOVFLOW_ERR_VALIDATION', `service ${service.id} has no process to train on`);
    await engine.deploy([{ name: path.basename(service.process.bpmnFile ?? `${service.id}.bpmn`), content: service.process.bpmn }, ...service.decisions.map((d) => ({ name: path.basename(d.file), content: d.xml }))], { name: `service ${service.id}`, actor: 'training' });
    const random = seededRandom(options.seed ?? randomBytes(4).readUInt32BE());
    const registryAnswers = new Map<number, Record<string, unknown>>();
    const runJobs = (): Promise<void> => drainJobs(engine, registryAnswers);
    await seedCases(engine, service, random, clock, registryAnswers, runJobs, options.cases ?? 3);
    const departments = [...new Set((await taskGroups(engine, service)).map((g) => g.split('/')[0]!).filter((d) => d !== '' && !d.startsWith('=')))];
    const memberships: Membership[] = departments.map((department) => ({ department, role: 'caseworker' }));
    const principal: StaffPrincipal = { kind: 'staff', id: owner.id, name: owner.name, roles: ['caseworker'], departments, memberships };
    const app = await workbenchApp(engine, catalogue, db, logger, principal);
    const id = randomBytes(12).toString('base64url');
    return {
      id, owner, service, startedAt: new Date().toISOString(), engine, app, principal, runJobs,
      feedback: () => feedbackOf(engine, service, rules, owner.actor),
      async close() {
        await app.close();
        await db.close();
      },
    };
  } catch (error) {
    await db.close();
    throw error;
  }
}

/** The departments of the service's user tasks, read from its open tasks in the sandbox. */
async function taskGroups(engine: Engine, service: Service): Promise<string[]> {
  const tasks = await engine.listTasks({ state: 'created', limit: 1000 });
  return tasks.filter((t) => t.processKey === service.process.key).flatMap((t) => t.candidateGroups);
}

/**
 * Starts synthetic cases through the real process until `wanted` of them wait at a user task (the service's rules
 * decide some straight away, as they would for real). Each is "received" some days back, spread over the case SLA,
 * so some are close to their deadline or past it when the trainee opens the inbox.
 */
async function seedCases(engine: Engine, service: Service, random: Random, clock: ReturnType<typeof shiftableClock>, registryAnswers: Map<number, Record<string, unknown>>, runJobs: () => Promise<void>, wanted: number): Promise<void> {
  const sla = service.sla?.case ? parseIsoDuration(service.sla.case) : undefined;
  const slaDays = sla ? Math.max(1, Math.round(sla.years * 365 + sla.months * 30 + sla.weeks * 7 + sla.days + sla.hours / 24)) : 10;
  const year = new Date().getUTCFullYear();
  for (let n = 1; n <= MAX_STARTS; n++) {
    const waiting = (await engine.listTasks({ state: 'created', limit: 1000 })).length;
    if (waiting >= wanted) break;
    const applicant = syntheticApplicant(random);
    const answers = syntheticAnswers(service, applicant, random);
    const reference = `${service.referencePrefix}-${year}-9${String(n).padStart(6, '0')}`;
    clock.shift(-Math.floor(random() * slaDays * 1.1 * 86_400_000));
    const instance = await engine.startInstance(service.process.key, {
      businessKey: reference, actor: 'training:synthetic',
      variables: { ...answers, applicationId: reference, reference, serviceId: service.id, serviceName: service.title, applicant: `synthetic:${n}`, applicantName: applicant.name, applicantEmail: applicant.email, training: true },
    });
    registryAnswers.set(instance.id, { population: syntheticRegistryRecord('population', applicant, answers, random), business: syntheticRegistryRecord('business', applicant, answers, random) });
    await runJobs();
    clock.shift(0);
  }
}

async function drainJobs(engine: Engine, registryAnswers: Map<number, Record<string, unknown>>): Promise<void> {
  for (let round = 0; round < 20; round++) {
    let done = 0;
    for (const type of JOB_TYPES) {
      for (const job of await engine.activateJobs({ type, worker: WORKER, maxJobs: 50 })) {
        await engine.completeJob(job.id, { worker: WORKER, variables: sandboxJobResult(job, registryAnswers) });
        done++;
      }
    }
    if (done === 0) return;
  }
}

/** What each job answers in the sandbox: the synthetic registry record; for e-mail, signing and payments nothing at all. */
function sandboxJobResult(job: ActivatedJob, registryAnswers: Map<number, Record<string, unknown>>): Record<string, unknown> {
  if (job.type !== 'registry-lookup') return {};
  const answers = registryAnswers.get(job.instanceId) ?? {};
  const registry = job.headers['registry'] === 'business' ? 'business' : 'population';
  const record = (answers[registry] ?? {}) as Record<string, unknown>;
  const output = job.headers['output'];
  return output ? { [output]: Object.values(record)[0] } : record;
}

/** The real workbench plugin over the sandbox's engine and database, on an app of its own that listens on nothing. */
async function workbenchApp(engine: Engine, catalogue: Catalogue, db: Database, logger: Logger, principal: StaffPrincipal): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: true } } });
  app.decorateRequest('principal', null);
  app.decorateRequest('csrfToken', '');
  // Only the training plugin reaches this app (inject), after the real sign-in and CSRF check of the outer request.
  app.addHook('onRequest', async (request) => {
    request.principal = principal;
    request.csrfToken = String(request.headers[CSRF_HEADER] ?? '');
  });
  await app.register(createWorkbenchPlugin({ engine, catalogue, db, logger }));
  await app.ready();
  return app;
}

/** The header the training plugin passes the outer session's CSRF token in, so the workbench's forms carry it. */
export const CSRF_HEADER = 'x-govflow-training-csrf';

async function feedbackOf(engine: Engine, service: Service, rules: TrainingRules, trainee: string): Promise<SessionFeedback> {
  const instances = await engine.listInstances({ processKey: service.process.key, limit: 1000 });
  const cases = [];
  for (const instance of instances.sort((a, b) => a.id - b.id)) {
    const events = await engine.getEvents(instance.id);
    // Only the cases that reached a person: the ones the rules decided alone were never the trainee's.
    if (!events.some((e) => e.type === 'task.created')) continue;
    cases.push(caseFeedback(service, rules, trainee, instance, events));
  }
  return sessionFeedback(cases);
}
