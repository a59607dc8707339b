/**
 * Drives the three demo services on a real engine (PGlite or PostgreSQL, manual clock). Jobs whose handlers other
 * modules own (registry-lookup, notify-applicant, issue-decision) are completed here with the variables their
 * documented contracts return, and each job's headers and inputs are checked against that contract; the payment
 * message is sent by the real payments module in payments.test.ts.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before } from 'node:test';
import { loadService, type Service } from '../../src/catalogue/index.js';
import { createEngine, createManualClock, type ActivatedJob, type Engine, type ManualClock, type TaskView } from '../../src/engine/index.js';
import type { Backend, Database } from '../../src/store/index.js';
import { freshDatabase } from '../support/databases.js';

export const SERVICES_DIR = path.resolve(import.meta.dirname, '..', '..', 'services');

export interface ServiceHarness {
  db: Database;
  engine: Engine;
  clock: ManualClock;
  service: Service;
}

/** A fresh database and engine on a manual clock, with the service's BPMN and DMN files deployed as the portal does. */
export function useService(backend: Backend, serviceId: string): ServiceHarness {
  const h = {} as ServiceHarness;
  before(async () => {
    h.db = await freshDatabase(backend);
    h.clock = createManualClock('2026-03-02T09:00:00Z');
    h.engine = createEngine(h.db, { clock: h.clock });
    h.service = await loadService(path.join(SERVICES_DIR, serviceId, 'service.json'));
    const resources = [{ name: path.basename(h.service.process.bpmnFile!), content: h.service.process.bpmn! }];
    for (const d of h.service.decisions) resources.push({ name: path.basename(d.file), content: d.xml });
    await h.engine.deploy(resources);
  });
  after(async () => {
    await h.db?.close();
  });
  return h;
}

/** The one open task of the instance at `elementId` (fails if there is none or several). */
export async function openTask(h: ServiceHarness, instanceId: number, elementId: string): Promise<TaskView> {
  const tasks = (await h.engine.listTasks({ instanceId, state: 'created' })).filter((t) => t.elementId === elementId);
  assert.equal(tasks.length, 1, `expected one open task at ${elementId}, got ${tasks.length}`);
  return tasks[0]!;
}

export async function openTaskIds(h: ServiceHarness, instanceId: number): Promise<string[]> {
  return (await h.engine.listTasks({ instanceId, state: 'created' })).map((t) => t.elementId).sort();
}

/** Completes the next job of `type` for this instance (activating only this instance's job). */
export async function completeJob(h: ServiceHarness, instanceId: number, type: string, variables: (job: ActivatedJob) => Record<string, unknown> | Promise<Record<string, unknown>> = () => ({})): Promise<ActivatedJob> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const jobs = await h.engine.activateJobs({ type, worker: 'test', maxJobs: 50, lockMs: 60_000 });
    const mine = jobs.find((j) => j.instanceId === instanceId);
    for (const other of jobs) if (other !== mine) await h.engine.failJob(other.id, { worker: 'test', retries: other.retries, backoffMs: 0 });
    if (mine) {
      await h.engine.completeJob(mine.id, { worker: 'test', variables: await variables(mine) });
      return mine;
    }
  }
  assert.fail(`no ${type} job for instance ${instanceId}`);
}

/** What the issue-decision handler (documents) returns: a decision code; the inputs are checked against its contract. */
export function issueDecision(expectedType: 'permit' | 'licence' | 'benefit') {
  return (job: ActivatedJob): Record<string, unknown> => {
    const v = job.variables;
    assert.equal(v['decisionType'], expectedType);
    assert.ok(v['decision'] === 'approved' || v['decision'] === 'refused', `decision is ${String(v['decision'])}`);
    assert.equal(typeof v['decisionReasons'], 'string');
    assert.equal(typeof v['reference'], 'string');
    assert.equal(typeof v['serviceId'], 'string');
    assert.equal(typeof v['applicantName'], 'string');
    return { decisionCode: `DC-${job.instanceId}` };
  };
}

export async function variablesOf(h: ServiceHarness, instanceId: number): Promise<Record<string, unknown>> {
  return (await h.engine.getInstance(instanceId)).variables;
}

export const DAY = 24 * 60 * 60 * 1000;
